import ArgumentParser

@main
struct PFNTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pfn-train",
        abstract: "Train and evaluate transformer prior-fitted networks for causal discovery.",
        subcommands: [TrainCommand.self, EvalCommand.self, PredictCommand.self, SampleCommand.self, PlotCommand.self, CompareCommand.self,
                      Bench.self, BenchNNAlias.self, BenchDataAlias.self, BLASCoreCommand.self],
        defaultSubcommand: TrainCommand.self)

    static func main() { BLASStartup.useFastKernels(); main(nil) }
}
