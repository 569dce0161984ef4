import Foundation
import Models
import NN
import SCMGen

/// The learning-rate schedule of a run (`TrainConfig.learningRate(atStep:)`): constant `lr`, or
/// a linear warm-up from 0 to `lr` over `warmupSteps`, then cosine decay to 0 at `steps`.
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

    public init() {}

    enum CodingKeys: String, CodingKey {
        case steps, batch, lr, schedule, warmupSteps, weightDecay, gradClip, seed, stream
        case tauStart, tauEnd, tauAnnealSteps, pairLRScale, precision, precisionCalibration
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
    }

    /// The learning rate of the step about to be taken (1-based), as `schedule` says.
    public func learningRate(atStep step: Int) -> Float {
        switch schedule {
        case .constant: return lr
        case .cosine:
            if warmupSteps > 0 && step <= warmupSteps { return lr * Float(step) / Float(warmupSteps) }
            if step >= steps { return 0 }
            let progress = Double(step - warmupSteps) / Double(max(steps - warmupSteps, 1))
            return lr * Float(0.5 * (1 + cos(Double.pi * progress)))
        }
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
}
