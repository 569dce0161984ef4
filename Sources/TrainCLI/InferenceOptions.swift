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
    @Option(help: "Rows per regime the pair context's statistics read, its first ones; 0 = all (default: as the model was trained: a pair-features-2 model from the mixed stream reads up to its --context-rows-max, 100 for train's default, or its fixed --context-rows; others all).")
    var contextRows: Int?
    @Option(help: "Threads for the matrix products (default: this machine's cores, at most \(threadCap)).", transform: threadCount)
    var threads = machineThreads

    func validate() throws {
        if let rowsPerRegime, rowsPerRegime < 0 { throw ValidationError("--rows-per-regime must be 0 (all) or positive") }
        if let contextRows, contextRows < 0 || contextRows == 1 {
            throw ValidationError("--context-rows is \(contextRows); it must be 0 (all) or at least 2 (a std needs two rows)")
        }
    }

    /// `defaultRows` when --rows-per-regime is not given (0 = all); `trainedContextRows` (the
    /// model's, `ModelLoading.trainingContextRows`) when --context-rows is not given.
    func evaluator(defaultRows: Int, trainedContextRows: Int?) -> Evaluator {
        var o = EvaluatorOptions()
        let rows = rowsPerRegime ?? defaultRows
        o.queryRowsPerRegime = rows == 0 ? nil : rows
        o.aggregation = aggregation
        let context = contextRows ?? trainedContextRows ?? 0
        o.contextRowsPerRegime = context == 0 ? nil : context
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
