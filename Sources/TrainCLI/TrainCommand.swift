import ArgumentParser
import Foundation
import SCMGen

/// `pfn-train [train] --model X --steps N`. Until the trainer lands (issue 4), this runs the
/// generator instead and says so.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model variant (not built yet: samples a suite instead).")

    @Option(help: "Model variant A–E.")
    var model = "C"
    @Option(help: "Total training steps.")
    var steps = 3000

    func run() throws {
        print("pfn-train: the trainer is not built yet (issue 4); running `pfn-train sample --count 50 --nodes 20 --seed 1 --out logs/suite.h5` instead")
        try FileManager.default.createDirectory(atPath: "logs", withIntermediateDirectories: true)
        var sample = try SampleCommand.parse(["--count", "50", "--nodes", "20", "--seed", "1", "--out", "logs/suite.h5"])
        try sample.run()
    }
}
