import Models
import NN
import SCMGen

/// A trained model as a `CausalPredictor`: evaluation mode (no dropout; C's Gumbel sample is
/// ignored, edge probabilities come from σ(logits)), no graph recorded. Outputs that are not
/// finite (parameters finite but so large that the forward pass overflows) are refused, so
/// no command writes or scores NaN.
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
            let (logits, delta) = (out.logits.scalars, out.delta.scalars)
            // Padded nodes' outputs are masked later, but a finite model gives finite values there too.
            if let i = logits.firstIndex(where: { !$0.isFinite }) ?? delta.firstIndex(where: { !$0.isFinite }).map({ $0 + logits.count }) {
                let what = i < logits.count ? "edge logits" : "deltas"
                throw EvaluationError("the model's \(what) are not finite on this data (parameters too large: the forward pass overflows); the checkpoint cannot be used")
            }
            return (logits, delta)
        }
    }
}
