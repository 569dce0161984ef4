import NN
import Randomness
import SCMGen

/// A loss that is NaN or infinite: training stops before the update, naming the term.
public struct NonFiniteLossError: Error, CustomStringConvertible {
    public let step: Int
    public let terms: [(String, Float)]
    public var description: String {
        let bad = terms.filter { !$0.1.isFinite }.map { "\($0.0) = \($0.1)" }.joined(separator: ", ")
        return "non-finite loss at step \(step): \(bad.isEmpty ? "total" : bad)"
    }
}

/// The values of one training step, for logging.
public struct StepResult {
    public let step: Int
    public let loss: Float
    public let terms: LossTerms
    public let logits: [Float]        // [B, N, N]
    public let learningRate: Float
    public let tau: Float
    public let acyclicityWeight: Float
    public let gradNorm: Float
}

/// One model, its AdamW state and its dropout/Gumbel generator: `step(_:)` runs forward, the
/// causal loss, backward, optional clipping and AdamW on one batch. The data stream belongs
/// to the caller; its state goes into checkpoints through `checkpoint(streamState:)`.
public final class Trainer {
    public let config: RunConfig
    public let model: CausalModel
    public let optimizer: AdamW
    /// Completed steps.
    public private(set) var step = 0
    let ctx: ForwardContext
    let schedule: LearningRateSchedule

    public init(config: RunConfig) {
        self.config = config
        model = makeModel(config.model, seed: config.train.seed)
        optimizer = AdamW(model.namedParameters(), learningRate: config.train.lr, weightDecay: Double(config.train.weightDecay))
        optimizer.learningRateScales = optimizer.parameters.map { $0.0.hasPrefix("pair_context.") ? config.train.pairLRScale : 1 }
        ctx = ForwardContext(training: true, rng: Xoshiro256(seed: config.train.seed, stream: RandomStream.dropout))
        switch config.train.schedule {
        case .constant: schedule = .constant(config.train.lr)
        case .cosine:
            schedule = .warmupCosine(peak: config.train.lr, warmup: config.train.warmupSteps,
                                     total: config.train.steps, floor: 0)
        }
    }

    /// Restores parameters, optimizer moments, generators and the step from a checkpoint of
    /// the same variant and shapes (strict: every mismatch is named).
    public convenience init(config: RunConfig, resumingFrom checkpoint: Checkpoint) throws {
        self.init(config: config)
        guard checkpoint.model == config.model.variant.rawValue else {
            throw CheckpointError("the checkpoint is of model \(checkpoint.model), not \(config.model.variant.rawValue); pass --model \(checkpoint.model)")
        }
        try checkpoint.loadParameters(into: model.namedParameters())
        try checkpoint.loadOptimizer(into: optimizer)
        guard let dropout = checkpoint.rng["dropout"], dropout.count == 4 else {
            throw CheckpointError("the checkpoint has no /rng/dropout state; it cannot be resumed exactly")
        }
        ctx.rng = Xoshiro256(state: dropout)
        step = Int(checkpoint.step)
    }

    /// One optimisation step on `batch`. Throws before updating if the loss is not finite.
    public func step(_ batch: TrainingBatch) throws -> StepResult {
        let next = step + 1
        let tau = config.train.tau(atStep: next)
        if let gumbel = model as? GumbelModel { gumbel.tau = tau }
        let hWeight = config.loss.acyclicityWeight(atStep: next)
        ctx.training = true

        let out = model(ModelInput(batch, config: config.model), ctx)
        let terms = causalLoss(out, batch, config: config.loss, acyclicityWeight: hWeight)
        let loss = terms.total.item
        guard loss.isFinite else {
            throw NonFiniteLossError(step: next, terms: [("delta huber", terms.deltaHuber), ("dag bce", terms.dagBCE),
                                                         ("acyclicity", terms.acyclicity), ("sparsity", terms.sparsity)])
        }
        optimizer.zeroGrad()
        terms.total.backward()
        let params = optimizer.parameters.map(\.1)
        let norm = config.train.gradClip > 0 ? clipGradNorm(params, maxNorm: config.train.gradClip) : 0
        optimizer.learningRate = schedule.rate(atStep: next)
        optimizer.update()
        terms.total.releaseGraph()
        step = next
        return StepResult(step: next, loss: loss, terms: terms, logits: out.logits.scalars,
                          learningRate: optimizer.learningRate, tau: tau, acyclicityWeight: hWeight, gradNorm: norm)
    }

    /// A checkpoint of everything needed to continue exactly: parameters, AdamW state, the
    /// dropout/Gumbel generator, the data stream's state, the config and the step.
    public func checkpoint(configJSON: String, streamState: StreamState?) -> Checkpoint {
        var rng: [String: [UInt64]] = ["dropout": ctx.rng.state]
        if let s = streamState {
            rng["stream"] = s.rng
            rng["stream_position"] = [UInt64(s.cursor), UInt64(s.batches)]
        }
        return Checkpoint(model: config.model.variant.rawValue, config: configJSON, step: Int64(step),
                          parameters: model.namedParameters(), optimizer: optimizer, rng: rng)
    }
}

extension StreamState {
    /// The stream state saved by `Trainer.checkpoint`, or nil if the checkpoint has none.
    public init?(checkpoint: Checkpoint, mode: StreamMode) {
        guard let rng = checkpoint.rng["stream"], let pos = checkpoint.rng["stream_position"], pos.count == 2 else { return nil }
        self.init(mode: mode, rng: rng, cursor: Int(pos[0]), batches: Int(pos[1]))
    }
}
