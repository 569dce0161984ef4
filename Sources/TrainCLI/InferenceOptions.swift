import ArgumentParser
import Evaluation
import Foundation
import NN
import SCMGen

/// Which data a command evaluates: a suite file or a built-in held-out suite.
struct SuiteOptions: ParsableArguments {
    @Option(help: "Suite file (file-formats.md §1), e.g. from `pfn-train sample`.")
    var data: String?
    @Option(help: "Built-in held-out suite: \(BuiltinSuites.names.joined(separator: ", ")).")
    var suite: String?

    func validate() throws {
        if (data == nil) == (suite == nil) { throw ValidationError("pass exactly one of --data FILE or --suite NAME") }
    }

    /// (name, datasets) and a label for reports; refuses a dataset larger than the model.
    func load(maxNodes: Int) throws -> (label: String, named: [(name: String, dataset: SCMDataset)]) {
        let label = data ?? suite!
        let named = try data.map { try SCMSuiteFile.readNamed($0) }
            ?? BuiltinSuites.datasets(suite!).enumerated().map { (String(format: "%06d", $0.offset), $0.element) }
        if let big = named.first(where: { $0.dataset.nodeCount > maxNodes }) {
            throw CLIError("dataset \(big.name) has \(big.dataset.nodeCount) nodes but the checkpoint's model takes at most \(maxNodes); evaluate on smaller graphs or train with --max-nodes \(big.dataset.nodeCount)")
        }
        return (label, named)
    }
}

/// Options shared by `eval` and `predict`: how items are drawn and combined.
struct InferenceOptions: ParsableArguments {
    @Option(help: "Query rows per regime (the regime's first rows with their query rows); 0 = all.")
    var rowsPerRegime = 10
    @Option(help: "Edge aggregation over items: mean (of sigmoid) or mean_logit.")
    var aggregation = EdgeAggregation.meanProbability
    @Option(help: "Threads for the matrix products (at most the processors available).", transform: threadCount)
    var threads = 2

    func validate() throws {
        if rowsPerRegime < 0 { throw ValidationError("--rows-per-regime must be 0 (all) or positive") }
    }

    var evaluator: Evaluator {
        var o = EvaluatorOptions()
        o.queryRowsPerRegime = rowsPerRegime == 0 ? nil : rowsPerRegime
        o.aggregation = aggregation
        return Evaluator(options: o)
    }
}

/// `--threads`: at least 1; above the processors this process may use (`Threads.processorLimit`)
/// it is capped, with a note, since more threads only add switching (and too many may not be
/// creatable under a process limit).
func threadCount(_ argument: String) throws -> Int {
    guard let n = Int(argument) else { throw ValidationError("--threads '\(argument)' is not a whole number") }
    if n < 1 { throw ValidationError("--threads is \(n); it must be at least 1") }
    let limit = Threads.processorLimit
    if n > limit {
        FileHandle.standardError.write(Data("note: --threads \(n) is more than the \(limit) processors available; using \(limit)\n".utf8))
        return limit
    }
    return n
}
