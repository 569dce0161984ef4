import Models
import NN
import SCMGen

/// A trained model as a `CausalPredictor`: evaluation mode (no dropout; C's Gumbel sample is
/// ignored, edge probabilities come from σ(logits)), no graph recorded.
public struct ModelPredictor: CausalPredictor {
    public let model: CausalModel
    public init(_ model: CausalModel) { self.model = model }

    public var maxNodes: Int { model.config.maxNodes }

    public func predict(_ batch: TrainingBatch) throws -> (edgeLogits: [Float], delta: [Float]) {
        try Tape.withoutRecording {
            guard batch.maxNodes <= maxNodes else {
                throw EvaluationError("a batch has \(batch.maxNodes) nodes but the model takes at most \(maxNodes)")
            }
            let out = model(ModelInput(batch, config: model.config), ForwardContext.evaluation())
            return (out.logits.scalars, out.delta.scalars)
        }
    }
}
