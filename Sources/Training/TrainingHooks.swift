/// Where a run writes and how often (the train command's output options).
public struct OutputConfig: Sendable {
    /// The run's name; nil: the model letter, suffixed -2, -3, … if taken.
    public var runName: String?
    public var checkpointDir = "checkpoints"
    public var logDir = "logs"
    /// Log every K steps (and at step 1 and the last step).
    public var logEvery = 100
    /// Checkpoint every K steps (0 = only final.h5).
    public var checkpointEvery = 500
    /// Evaluate on `evalSuite` every K steps and at the end (0 = never).
    public var evalEvery = 0
    /// A built-in suite name or a suite file.
    public var evalSuite = "n20"
    /// A JSON object recorded as `provenance` in the config of the log and every checkpoint
    /// (the CLI's version, command line, start time, machine and output settings); decoders of
    /// `RunConfig` ignore it.
    public var provenance: String?

    public init() {}
}

/// How the caller follows and steers a run. Training prints nothing and reads no clock: the
/// caller (the CLI) draws progress from `events`, supplies monotonic seconds for the log's
/// `elapsed` series, and asks the loop to stop (Ctrl-C) through `shouldStop`, which is read
/// between steps.
public struct TrainingHooks {
    public var events: (TrainingEvent) -> Void
    public var shouldStop: () -> Bool
    public var seconds: () -> Double

    public init(events: @escaping (TrainingEvent) -> Void = { _ in }, shouldStop: @escaping () -> Bool = { false },
                seconds: @escaping () -> Double = { 0 }) {
        self.events = events
        self.shouldStop = shouldStop
        self.seconds = seconds
    }
}

/// What the loop reports, in order: `started` once, then per step `logged` (at log steps),
/// `evaluated` (at held-out evaluation steps) and `stepped`. `elapsed` counts the seconds of
/// this segment of the run (since `started`), not those of earlier segments of a resumed run.
public enum TrainingEvent {
    case started(RunInfo)
    case logged(LoggedStep)
    case evaluated(step: Int, series: [String: Double])
    case stepped(step: Int, loss: Float, elapsed: Double)
}

/// A log step's batch values, as the seed notebook printed them every 100 steps
/// (`Loss | MSE | SHD | H`); the same values as the log row's keys.
public struct LoggedStep: Sendable {
    public let step: Int
    /// `loss`: the total loss of this step's batch.
    public let loss: Float
    /// `delta_mse`: the delta MSE on real nodes.
    public let deltaMSE: Float
    /// `shd`: the notebook's count (every mismatched ordered pair) on this batch.
    public let shd: Double
    /// `acyclicity`: the acyclicity term h.
    public let acyclicity: Float
    /// Seconds of this segment of the run.
    public let elapsed: Double

    public init(step: Int, loss: Float, deltaMSE: Float, shd: Double, acyclicity: Float, elapsed: Double) {
        (self.step, self.loss, self.deltaMSE, self.shd, self.acyclicity, self.elapsed) = (step, loss, deltaMSE, shd, acyclicity, elapsed)
    }
}

public struct RunInfo {
    public let name: String
    public let config: RunConfig
    public let parameterCount: Int
    /// The first step this segment takes (1 for a fresh run).
    public let firstStep: Int
    public let logPath: String
    /// The run's checkpoint folder.
    public let folder: String
}

/// How a run ended (a diverging loss throws `NonFiniteLossError` instead).
public enum TrainingOutcome: Equatable {
    case finished(checkpoint: String, log: String)
    /// `shouldStop` asked the loop to stop: `checkpoint` is step-<step>.h5.
    case interrupted(step: Int, checkpoint: String, log: String)
}

/// A run that cannot start: the message names the problem and the fix.
public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
