/// Every independent random stream of pfn-train, by its `stream:` id (`Xoshiro256(seed:stream:)`),
/// so that a run's data, its initialisation, its dropout/Gumbel noise and the evaluation suites
/// made from the same seed never share draws. One registry, so no two uses pick the same id.
public enum RandomStream {
    /// The training data stream (SCMGen's `BatchStream`).
    public static let training: UInt64 = 1
    /// Held-out evaluation suites (SCMGen's `SuiteSampler`).
    public static let evaluationSuite: UInt64 = 2
    /// Model initialisation (Models' `makeModel`).
    public static let initialisation: UInt64 = 10
    /// Dropout masks and Gumbel noise in training (Training's `TrainingState`).
    public static let dropout: UInt64 = 11
    /// Rank r ≥ 1's dropout/Gumbel noise in data-parallel training (rank 0 uses `dropout`).
    public static func dropout(rank: Int) -> UInt64 { rank == 0 ? dropout : 1000 + UInt64(rank) }
}
