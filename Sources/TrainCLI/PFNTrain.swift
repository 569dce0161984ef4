import ArgumentParser
import Foundation

@main
struct PFNTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pfn-train",
        abstract: "Train and evaluate transformer prior-fitted networks for causal discovery.",
        discussion: "File formats (suites, CSV data, predictions, checkpoints, logs): docs/file-formats.md.",
        version: BuildStamp.versionLine,
        subcommands: [TrainCommand.self, EvalCommand.self, PredictCommand.self, SampleCommand.self, ImportCommand.self,
                      PlotCommand.self, CompareCommand.self, ExportCSVCommand.self, ExportCommand.self,
                      Bench.self, BenchNNAlias.self, BenchDataAlias.self, BLASCoreCommand.self],
        defaultSubcommand: TrainCommand.self)

    static func main() {
        // A bare `pfn-train` prints the usage; `pfn-train --model C ...` still trains (the default command).
        if CommandLine.arguments.count == 1 {
            print(helpMessage())
            return
        }
        // Over a file-size limit, write(2) then fails with EFBIG (a clean error, the earlier
        // file kept) instead of the process being killed mid-write.
        signal(SIGXFSZ, SIG_IGN)
        BLASStartup.useFastKernels()
        main(nil)
    }
}
