import ArgumentParser
import Evaluation
import SCMGen

/// Options shared by `eval` and `predict`: how items are drawn and combined.
struct InferenceOptions: ParsableArguments {
    @Option(help: "Query rows per regime (the regime's first rows with their query rows); 0 = all (default: eval 10, predict all).")
    var rowsPerRegime: Int?
    @Option(help: "Edge aggregation over items: mean (of sigmoid) or mean_logit.")
    var aggregation = EdgeAggregation.meanProbability
    @Option(help: "Threads for the matrix products (default: this machine's cores, at most \(threadCap)).")
    var threads = machineThreads

    func validate() throws {
        if let rowsPerRegime, rowsPerRegime < 0 { throw ValidationError("--rows-per-regime must be 0 (all) or positive") }
    }

    /// `defaultRows` when --rows-per-regime is not given (0 = all).
    func evaluator(defaultRows: Int) -> Evaluator {
        var o = EvaluatorOptions()
        let rows = rowsPerRegime ?? defaultRows
        o.queryRowsPerRegime = rows == 0 ? nil : rows
        o.aggregation = aggregation
        return Evaluator(options: o)
    }
}
