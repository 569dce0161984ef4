import ArgumentParser
import Foundation
import SCMGen

/// `pfn-train import`: a user's CSV data (docs/file-formats.md §5) as a suite file (§1), one
/// dataset per input, node names kept.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn CSV data (a table or a sample --csv folder) into a suite file (docs/file-formats.md §5 → §1).",
        discussion: """
        Each input becomes one dataset, in the order given (named 000000, 000001, …). \
        predict and eval also read CSV directly with --data; import is for running many \
        datasets at once or sharing them. Refusals name the file, row and column.
        """)

    @Argument(help: "CSV tables and/or CSV folders (observational.csv + interventional.csv).")
    var inputs: [String]
    @Option(help: "Output suite file (HDF5).")
    var out: String
    @Option(help: "The true graph as an edge list source,target (docs/file-formats.md §5.3); only with one input.")
    var graph: String?

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one CSV table or folder to import") }
        if graph != nil && inputs.count > 1 {
            throw ValidationError("--graph applies to one input; import the datasets one at a time, or put adjacency.csv into each folder")
        }
    }

    func run() throws {
        let datasets = try inputs.map { try DataOptions.readCSV($0, graph: graph) }
        try SCMSuiteFile.write(datasets, to: out)
        let summary = datasets.map { "\($0.nodeCount) nodes, \($0.observationalCount) observational + \($0.interventionalCount) interventional rows, \($0.regimeCount) regimes" + ($0.adjacency == nil ? "" : ", graph") }
        print("wrote \(datasets.count) dataset\(datasets.count == 1 ? "" : "s") to \(out): " + summary.joined(separator: "; "))
    }
}
