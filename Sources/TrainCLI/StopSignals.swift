import Foundation

/// Set by the signal handler; the training loop reads it between steps.
nonisolated(unsafe) private var stopRequested: sig_atomic_t = 0

/// Signals that ask a run to stop cleanly (save step-<k>.h5 and the log, then exit). Add a
/// signal to `signals` to have it stop the run the same way.
enum StopSignals {
    static let signals: [Int32] = [SIGINT, SIGTERM]

    /// Installs the handlers; returns the `shouldStop` hook for `train`.
    static func install() -> () -> Bool {
        for s in signals { signal(s) { _ in stopRequested = 1 } }
        return { stopRequested != 0 }
    }
}
