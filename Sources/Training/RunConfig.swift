import Foundation
import Models
import NN
import SCMGen

/// The learning-rate schedule of a run (`TrainConfig.learningRate(atStep:)`): constant `lr`, or
/// a linear warm-up from 0 to `lr` over `warmupSteps`, then cosine decay to 0 at the run's
/// first `steps` (`scheduleSteps`, kept when a resume changes `steps`).
public enum LRSchedule: String, Codable, CaseIterable, Sendable { case constant, cosine }

/// Optimisation and bookkeeping settings of a training run.
public struct TrainConfig: Codable, Equatable, Sendable {
    public var steps = 3000
    public var batch = 32
    public var lr: Float = 1e-4
    public var schedule: LRSchedule = .constant
    public var warmupSteps = 0
    public var weightDecay: Float = 0.01
    /// Global-norm gradient clipping; 0 disables it (the notebook has none).
    public var gradClip: Float = 0
    public var seed: UInt64 = 0
    public var stream: StreamMode = .mixed
    /// Gumbel-sigmoid temperature of variant C, annealed geometrically from start to end over
    /// `tauAnnealSteps` (the notebook keeps τ = 1).
    public var tauStart: Float = 1
    public var tauEnd: Float = 1
    public var tauAnnealSteps = 0
    /// Multiplier of `lr` for the pair-context parameters (`pair_context.*`): a fresh small
    /// MLP that at the notebook's lr 1e-4 learns too slowly (held-out SHD at N = 10 after 1000
    /// steps: 12.5 vs 9.0 at 1e-3; raising the transformer's lr as well does not help it).
    public var pairLRScale: Float = 10
    /// Arithmetic of the large matrix products (`MatmulPrecision`); absent in configs from
    /// before the option existed, which trained in float32.
    public var precision = MatmulPrecision.float32
    /// How `--precision auto` chose `precision` (the timings of both candidates); nil when
    /// the precision was given.
    public var precisionCalibration: String?
    /// The cosine schedule's total: the `steps` the run started with (set by
    /// `TrainingRun.fresh`), so a resume that changes `steps` keeps every step's learning rate
    /// and stays bit-identical to the original run. nil: `steps` (constant schedules, and
    /// configs from before the field existed).
    public var scheduleSteps: Int?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case steps, batch, lr, schedule, warmupSteps, weightDecay, gradClip, seed, stream
        case tauStart, tauEnd, tauAnnealSteps, pairLRScale, precision, precisionCalibration, scheduleSteps
    }

    /// Absent fields take the defaults, so configs written before a field existed still load.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainConfig()
        steps = try c.decodeIfPresent(Int.self, forKey: .steps) ?? d.steps
        batch = try c.decodeIfPresent(Int.self, forKey: .batch) ?? d.batch
        lr = try c.decodeIfPresent(Float.self, forKey: .lr) ?? d.lr
        schedule = try c.decodeIfPresent(LRSchedule.self, forKey: .schedule) ?? d.schedule
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? d.warmupSteps
        weightDecay = try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? d.weightDecay
        gradClip = try c.decodeIfPresent(Float.self, forKey: .gradClip) ?? d.gradClip
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        stream = try c.decodeIfPresent(StreamMode.self, forKey: .stream) ?? d.stream
        tauStart = try c.decodeIfPresent(Float.self, forKey: .tauStart) ?? d.tauStart
        tauEnd = try c.decodeIfPresent(Float.self, forKey: .tauEnd) ?? d.tauEnd
        tauAnnealSteps = try c.decodeIfPresent(Int.self, forKey: .tauAnnealSteps) ?? d.tauAnnealSteps
        pairLRScale = try c.decodeIfPresent(Float.self, forKey: .pairLRScale) ?? d.pairLRScale
        precision = try c.decodeIfPresent(MatmulPrecision.self, forKey: .precision) ?? .float32
        precisionCalibration = try c.decodeIfPresent(String.self, forKey: .precisionCalibration)
        scheduleSteps = try c.decodeIfPresent(Int.self, forKey: .scheduleSteps)
    }

    /// The learning rate of the step about to be taken (1-based), as `schedule` says.
    public func learningRate(atStep step: Int) -> Float {
        switch schedule {
        case .constant: return lr
        case .cosine:
            if warmupSteps > 0 && step <= warmupSteps { return lr * Float(step) / Float(warmupSteps) }
            let total = scheduleSteps ?? steps
            if step >= total { return 0 }
            let progress = Double(step - warmupSteps) / Double(max(total - warmupSteps, 1))
            return lr * Float(0.5 * (1 + cos(Double.pi * progress)))
        }
    }

    /// Why these settings cannot train, naming the option and the fix; nil when they can.
    /// Every float must be finite and in range, every count positive (or ≥ 0 where 0 means off).
    public func validationError() -> String? {
        if steps < 1 { return "--steps is \(steps); it must be at least 1" }
        if batch < 1 { return "--batch is \(batch); it must be at least 1" }
        for (option, v) in [("--lr", lr), ("--pair-lr-scale", pairLRScale), ("--tau-start", tauStart), ("--tau-end", tauEnd)]
            where !(v.isFinite && v > 0) {
            return "\(option) is \(v); it must be a finite positive number"
        }
        for (option, v) in [("--weight-decay", weightDecay), ("--grad-clip", gradClip)] where !(v.isFinite && v >= 0) {
            return "\(option) is \(v); it must be a finite number ≥ 0 (0 turns it off)"
        }
        for (option, v) in [("--warmup", warmupSteps), ("--tau-anneal", tauAnnealSteps)] where v < 0 {
            return "\(option) is \(v); it must be 0 or positive"
        }
        if let total = scheduleSteps, total < 1 { return "the cosine schedule's total is \(total); it must be at least 1" }
        return nil
    }

    public func tau(atStep step: Int) -> Float {
        guard tauAnnealSteps > 0, tauStart != tauEnd else { return tauStart }
        let t = min(1, Float(step) / Float(tauAnnealSteps))
        return tauStart * Foundation.pow(tauEnd / tauStart, t)
    }
}

/// Everything that defines a run; written into every checkpoint and log.
public struct RunConfig: Codable, Equatable, Sendable {
    public var model: ModelConfig
    public var loss: LossConfig
    public var train: TrainConfig
    public var prior: PriorConfig

    public init(model: ModelConfig, loss: LossConfig = LossConfig(), train: TrainConfig = TrainConfig(),
                prior: PriorConfig = PriorConfig()) {
        self.model = model
        self.loss = loss
        self.train = train
        self.prior = prior
    }

    /// Why this config cannot train, naming the setting and the fix; nil when it can. The same
    /// check for a fresh run's options and for a resumed or loaded checkpoint's config.
    public func validationError() -> String? {
        if let problem = model.validationError() ?? model.sizeProblem() ?? train.validationError() ?? loss.validationError() {
            return problem
        }
        do { try prior.validate() } catch { return "\(error)" }
        if prior.nodesMax > model.maxNodes {
            return "the prior's largest graph (\(prior.nodesMax) nodes) exceeds the model's --max-nodes \(model.maxNodes); raise --max-nodes"
        }
        return nil
    }
}

extension LossConfig {
    /// Why these weights cannot train: each must be finite and ≥ 0 (a negative weight would
    /// maximise its term), the warm-up ≥ 0.
    public func validationError() -> String? {
        for (option, v) in [("--delta-weight", deltaWeight), ("--dag-weight", dagWeight),
                            ("--acyclicity-weight", acyclicityWeight), ("--sparsity-weight", sparsityWeight)]
            where !(v.isFinite && v >= 0) {
            return "\(option) is \(v); it must be a finite number ≥ 0"
        }
        if acyclicityWarmup < 0 { return "--acyclicity-warmup is \(acyclicityWarmup); it must be 0 or positive" }
        return nil
    }
}
