import Foundation
import Training

/// Training progress on stdout, drawn from the run's events: on a terminal, one line
/// rewritten in place (step, loss, steps/s, ETA) plus a kept line at each log step; otherwise
/// only the kept lines.
final class Progress {
    let total: Int
    private var startStep = 0
    let isTerminal = isatty(STDOUT_FILENO) != 0
    private var lastDraw = -1.0
    private var live = false

    init(total: Int) {
        self.total = total
        setvbuf(stdout, nil, _IOLBF, 0)
    }

    func handle(_ event: TrainingEvent) {
        switch event {
        case .started(let run):
            startStep = run.firstStep - 1
            print("run \(run.name): model \(run.config.model.variant.rawValue), \(run.parameterCount) parameters, steps \(run.firstStep)…\(total), log \(run.logPath), checkpoints \(run.folder)/")
        case let .logged(step, loss, shd, elapsed):
            clear()
            print(status(step: step, elapsed: elapsed) + String(format: "  loss %.4f  shd %.1f", loss, shd))
        case .evaluated:
            break
        case let .stepped(step, loss, elapsed):
            update(step: step, loss: loss, elapsed: elapsed)
        }
    }

    /// The in-place line, at most ~5 times a second.
    private func update(step: Int, loss: Float, elapsed: Double) {
        guard isTerminal, elapsed - lastDraw >= 0.2 || step == total else { return }
        lastDraw = elapsed
        print("\r\u{1B}[K" + status(step: step, elapsed: elapsed) + String(format: "  loss %.4f", loss), terminator: "")
        fflush(stdout)
        live = true
    }

    func finish() { clear() }

    private func clear() {
        if live { print("\r\u{1B}[K", terminator: ""); live = false }
    }

    private func status(step: Int, elapsed: Double) -> String {
        let done = step - startStep
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - step) / rate : 0
        return String(format: "step %d/%d  %.2f steps/s  ETA %@", step, total, rate, duration(eta))
    }

    private func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t % 3600 / 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }
}
