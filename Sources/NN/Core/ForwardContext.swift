import Randomness

/// What a forward pass needs beyond its inputs: training or evaluation mode (dropout on or
/// off, Gumbel hard sampling), the seeded generator that draws dropout masks and noise, and
/// the Gumbel-sigmoid temperature of the step (set by the trainer, which anneals it; 1 = the
/// notebook's).
public final class ForwardContext {
    public var training: Bool
    public var rng: Xoshiro256
    public var gumbelTemperature: Float = 1

    public init(training: Bool, rng: Xoshiro256) {
        self.training = training
        self.rng = rng
    }

    /// Evaluation mode: no dropout (the generator is only used by explicit sampling ops).
    public static func evaluation(seed: UInt64 = 0) -> ForwardContext {
        ForwardContext(training: false, rng: Xoshiro256(seed: seed))
    }
}
