// What the evaluator needs from a model: batched edge logits and deltas.
import SCMGen

/// A model (or anything else) that predicts, for each item of a padded batch, edge logits over
/// the item's graph and the interventional delta of its query row.
public protocol CausalPredictor {
    /// The largest node count the predictor supports; larger datasets are refused up front.
    var maxNodes: Int { get }
    /// - Returns: `edgeLogits` [B, N, N] (logit of i → j at [b, i, j]) and `delta` [B, N], with
    ///   B = batch.batchSize and N = batch.maxNodes; padded slots are ignored.
    func predict(_ batch: TrainingBatch) throws -> (edgeLogits: [Float], delta: [Float])
}

public struct EvaluationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
