import Foundation

/// Training progress on stdout: on a terminal, one line rewritten in place (step, loss,
/// steps/s, ETA) plus a kept line at each log step; otherwise only the kept lines.
final class Progress {
    let total: Int
    let startStep: Int
    let isTerminal = isatty(STDOUT_FILENO) != 0
    private var lastDraw = -1.0
    private var live = false

    init(total: Int, startStep: Int) {
        self.total = total
        self.startStep = startStep
        setvbuf(stdout, nil, _IOLBF, 0)
    }

    /// The in-place line, at most ~5 times a second.
    func update(step: Int, loss: Float, elapsed: Double) {
        guard isTerminal, elapsed - lastDraw >= 0.2 || step == total else { return }
        lastDraw = elapsed
        print("\r\u{1B}[K" + status(step: step, elapsed: elapsed) + String(format: "  loss %.4f", loss), terminator: "")
        fflush(stdout)
        live = true
    }

    func logLine(step: Int, loss: Float, shd: Double, elapsed: Double) {
        clear()
        print(status(step: step, elapsed: elapsed) + String(format: "  loss %.4f  shd %.1f", loss, shd))
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
