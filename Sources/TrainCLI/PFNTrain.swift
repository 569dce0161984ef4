import ArgumentParser
import Foundation

@main
struct PFNTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pfn-train",
        abstract: "Train and evaluate transformer prior-fitted networks for causal discovery.",
        subcommands: [TrainCommand.self, EvalCommand.self, PredictCommand.self, SampleCommand.self, PlotCommand.self, CompareCommand.self,
                      Bench.self, BenchNNAlias.self, BenchDataAlias.self, BLASCoreCommand.self],
        defaultSubcommand: TrainCommand.self)

    static func main() {
        // Over a file-size limit, write(2) then fails with EFBIG (a clean error, the earlier
        // file kept) instead of the process being killed mid-write.
        signal(SIGXFSZ, SIG_IGN)
        BLASStartup.useFastKernels()
        main(nil)
    }
}
