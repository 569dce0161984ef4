import ArgumentParser
import Evaluation
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "One table comparing runs: final and best held-out metrics, steps, wall time, throughput.",
        discussion: """
        Reads training logs (held-out metrics are their eval_* series; without any, the \
        training-batch shd and delta_mse) and `pfn-train eval --json` files (the model's \
        mean metrics). Prints a markdown table, a row per file.
        """)

    @Argument(help: "Training logs and/or eval JSON files.")
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Give at least one training log or eval JSON file.") }
    }

    func run() throws {
        let runs = try files.map { path -> RunSummary in
            try RunComparison.load(URL(fileURLWithPath: path))
        }
        print(RunComparison.markdown(runs), terminator: "")
    }
}
