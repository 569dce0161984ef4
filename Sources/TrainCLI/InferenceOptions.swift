import ArgumentParser
import Evaluation
import Foundation
import NN
import SCMGen

/// Options shared by `eval` and `predict`: how items are drawn and combined.
struct InferenceOptions: ParsableArguments {
    @Option(help: "Query rows per regime (the regime's first rows with their query rows); 0 = all (default: eval 10, predict all).")
    var rowsPerRegime: Int?
    @Option(help: "Edge aggregation over items: mean (of sigmoid) or mean_logit.")
    var aggregation = EdgeAggregation.meanProbability
    @Option(help: "Threads for the matrix products (default: this machine's cores, at most \(threadCap)).", transform: threadCount)
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
