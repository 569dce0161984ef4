import Foundation
import Training

/// Training progress on stdout, drawn from the run's events: on a terminal, one line
/// rewritten in place (step/total and percentage, elapsed, ETA, running mean loss) plus a kept
/// line at each log step (the same, with the logged batch's loss, delta MSE, SHD and
/// acyclicity, as the notebook printed) and one per held-out evaluation; otherwise only the kept lines.
final class Progress {
    let total: Int
    let evalSuite: String
    private var startStep = 0
    let isTerminal = isatty(STDOUT_FILENO) != 0
    private var lastDraw = -1.0
    private var live = false
    /// The losses of the steps since the last kept line: their mean is less noisy than one batch's.
    private var window = RunningMean()
    private var loggedStep = 0

    init(total: Int, evalSuite: String) {
        self.total = total
        self.evalSuite = evalSuite
        setvbuf(stdout, nil, _IOLBF, 0)
    }

    func handle(_ event: TrainingEvent) {
        switch event {
        case .started(let run):
            startStep = run.firstStep - 1
            print("run \(run.name): model \(run.config.model.variant.rawValue), \(run.parameterCount) parameters, steps \(run.firstStep)…\(total), log \(run.logPath), checkpoints \(run.folder)/")
        case .logged(let logged):
            clear()
            window.add(Double(logged.loss))
            print(Self.keptLine(status: status(step: logged.step, elapsed: logged.elapsed), meanLoss: window.mean,
                                count: window.count, logged))
            window = RunningMean()
            loggedStep = logged.step
        case let .evaluated(step, series):
            clear()
            print(Self.evaluationLine(suite: evalSuite, step: step, series: series))
        case let .stepped(step, loss, elapsed):
            if step != loggedStep { window.add(Double(loss)) }  // a logged step's loss is in the kept line
            update(step: step, elapsed: elapsed)
        }
    }

    /// `step 500/3000 (17%)  elapsed 2m10s  ETA 10m50s  3.85 steps/s  loss 1.2340 (mean of 100 steps)  |  batch: loss 1.1980  delta_mse 0.4530  shd 9.1  acyclicity 1.2e-03`:
    /// the running mean, then the seed notebook's `Loss | MSE | SHD | H` of the logged batch
    /// under the log's keys (`shd` is the notebook's count, as in the log).
    static func keptLine(status: String, meanLoss: Double, count: Int, _ s: LoggedStep) -> String {
        let mean = count > 1 ? String(format: "  loss %.4f (mean of %d steps)  |", meanLoss, count) : ""
        return status + mean + String(format: "  batch: loss %.4f  delta_mse %.4g  shd %.1f  acyclicity %.1e",
                                      s.loss, s.deltaMSE, s.shd, s.acyclicity)
    }

    /// `eval n20 @500: SHD 10.3  AUROC 0.891  AUPRC 0.690  delta MSE 11.4  (empty graph SHD 12.0, plug-in delta MSE 9.1)`.
    static func evaluationLine(suite: String, step: Int, series: [String: Double]) -> String {
        func v(_ key: String, _ format: String) -> String? { series["eval_" + key].map { String(format: format, $0) } }
        let parts = [("SHD", v("shd", "%.1f")), ("AUROC", v("auroc", "%.3f")), ("AUPRC", v("auprc", "%.3f")),
                     ("delta MSE", v("delta_mse", "%.3g"))].compactMap { p in p.1.map { "\(p.0) \($0)" } }
        let baselines = [("empty graph SHD", v("baseline_empty_shd", "%.1f")), ("plug-in delta MSE", v("baseline_plugin_delta_mse", "%.3g"))]
            .compactMap { p in p.1.map { "\(p.0) \($0)" } }
        return "eval \(suite) @\(step): " + parts.joined(separator: "  ")
            + (baselines.isEmpty ? "" : "  (" + baselines.joined(separator: ", ") + ")")
    }

    /// The in-place line, at most ~5 times a second.
    private func update(step: Int, elapsed: Double) {
        guard isTerminal, elapsed - lastDraw >= 0.2 || step == total else { return }
        lastDraw = elapsed
        print("\r\u{1B}[K" + status(step: step, elapsed: elapsed) + String(format: "  loss %.4f", window.mean), terminator: "")
        fflush(stdout)
        live = true
    }

    func finish() { clear() }

    private func clear() {
        if live { print("\r\u{1B}[K", terminator: ""); live = false }
    }

    private func status(step: Int, elapsed: Double) -> String {
        Self.status(step: step, total: total, done: step - startStep, elapsed: elapsed)
    }

    static func status(step: Int, total: Int, done: Int, elapsed: Double) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - step) / rate : 0
        let percent = total > 0 ? 100 * step / total : 0
        return String(format: "step %d/%d (%d%%)  elapsed %@  ETA %@  %.2f steps/s", step, total, percent,
                      duration(elapsed), duration(eta), rate)
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t % 3600 / 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }
}

struct RunningMean {
    private(set) var count = 0
    private var sum = 0.0
    mutating func add(_ x: Double) { if x.isFinite { sum += x; count += 1 } }
    var mean: Double { count > 0 ? sum / Double(count) : .nan }
}
