import Foundation

/// The signal that asked the run to stop (0: none); set by the handler, read between steps.
nonisolated(unsafe) private var stopSignal: sig_atomic_t = 0

/// Signals that ask a run to stop cleanly (save step-<k>.h5 and the log, then exit with
/// 128 + the signal): Ctrl-C, `kill`/`timeout`/`docker stop`/schedulers (SIGTERM) and a
/// closed terminal (SIGHUP). Add a signal to `signals` to have it stop the run the same way.
enum StopSignals {
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// Installs the handlers; returns the `shouldStop` hook for `train`.
    static func install() -> () -> Bool {
        for s in signals { signal(s) { stopSignal = $0 } }
        return { stopSignal != 0 }
    }

    /// The signal received (SIGINT if none was, e.g. a stop requested in-process).
    static var received: Int32 { stopSignal != 0 ? Int32(stopSignal) : SIGINT }

    /// The status a shell reports for a process ended by the signal: 128 + its number.
    static var exitStatus: Int32 { 128 + received }

    static var name: String {
        switch received {
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "SIGINT"
        }
    }
}
