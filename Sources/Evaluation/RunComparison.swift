// One table comparing runs: a row per training log or eval JSON file.
import Foundation

public struct RunSummary: Sendable {
    public var name: String
    public var steps: Int?
    /// Seconds, from the log's `elapsed` series.
    public var wallTime: Double?
    /// Optimizer steps per second over the run.
    public var stepsPerSecond: Double?
    /// Per metric (names without the `eval_` prefix): the final and the best value.
    public var metrics: [String: (final: Double, best: Double)]
    /// For an eval file: each metric's sd over the datasets and n (one evaluation: no "best").
    public var spread: [String: (sd: Double, count: Int)] = [:]
}

public enum RunComparison {
    /// Counts and rates where "best" means nothing: only the final value is shown.
    public static let noBest: Set<String> = ["predicted_edges", "true_edges", "cycle_fraction", "elapsed"]
    /// Metrics where larger is better; all others are better when smaller.
    public static let higherIsBetter: Set<String> =
        ["auroc", "auprc", "precision", "recall", "f1", "orientation_accuracy"]
    /// Column order; further metrics follow alphabetically.
    static let preferred = ["shd", "shd_notebook", "auroc", "auprc", "f1", "orientation_accuracy",
                            "delta_mse", "delta_mse_descendants", "delta_mse_non_descendants"]

    /// Reads a training log or an eval JSON file into a row.
    public static func load(_ url: URL) throws -> RunSummary {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TrainingLogError(description: "\(url.path): cannot read the file (\(error.localizedDescription)).")
        }
        let name = url.deletingPathExtension().lastPathComponent
        if let object = parseLenientJSON(data) as? [String: Any], object["format"] as? String == "pfn-eval" {
            do {
                return summary(of: try JSONDecoder().decode(EvaluationReport.self, from: data), name: name)
            } catch {
                throw TrainingLogError(description: "\(url.path): an eval file that cannot be decoded (\(error)).")
            }
        }
        do { return summary(of: try TrainingLog(data: data, name: name, path: url.path)) } catch {
            throw TrainingLogError(description: "\((error as? TrainingLogError)?.description ?? "\(error)") "
                + "compare reads training logs and `pfn-train eval --json` files.")
        }
    }

    /// Held-out series (`eval_*`) give the metrics; a log without any falls back to the
    /// training-batch `shd` and `delta_mse` (named `train_shd`, `train_delta_mse`).
    public static func summary(of log: TrainingLog) -> RunSummary {
        var metrics: [String: (Double, Double)] = [:]
        var sources = log.series.keys.filter { $0.hasPrefix("eval_") && $0 != "eval_step" }
            .map { ($0, String($0.dropFirst(5))) }
        if sources.isEmpty { sources = [("shd", "train_shd"), ("delta_mse", "train_delta_mse")] }
        for (key, metric) in sources {
            let values = (log.series[key] ?? []).filter { $0.isFinite }
            guard let last = values.last else { continue }
            let bare = metric.hasPrefix("train_") ? String(metric.dropFirst(6)) : metric
            let best = higherIsBetter.contains(bare) ? values.max()! : values.min()!
            metrics[metric] = (last, best)
        }
        let steps = log.final("step").flatMap(representableInt)
        let elapsed = log.final("elapsed")
        var rate: Double? = nil
        if let s = log.series["step"], let e = log.series["elapsed"],
           let i = s.indices.first(where: { s[$0].isFinite && e[$0].isFinite }),
           let j = s.indices.last(where: { s[$0].isFinite && e[$0].isFinite }), e[j] > e[i] {
            rate = (s[j] - s[i]) / (e[j] - e[i])
        }
        return RunSummary(name: log.name, steps: steps, wallTime: elapsed, stepsPerSecond: rate,
                          metrics: metrics)
    }

    /// An eval report's model row: mean values, final = best (one evaluation).
    public static func summary(of report: EvaluationReport, name: String) -> RunSummary {
        var metrics: [String: (Double, Double)] = [:]
        var spread: [String: (Double, Int)] = [:]
        for (metric, s) in report.methods.first?.overall.summaries ?? [:] {
            metrics[metric] = (s.mean, s.mean)
            spread[metric] = (s.sd, s.count)
        }
        return RunSummary(name: name, steps: report.step, wallTime: nil, stepsPerSecond: nil, metrics: metrics, spread: spread)
    }

    /// Markdown: run, steps, wall time, steps/s, then per metric any run has (or `metrics`, in
    /// that order): "final (best)" for a log, "mean ± sd (n)" for an eval file.
    public static func markdown(_ runs: [RunSummary], metrics chosen: [String]? = nil) -> String {
        let all = Set(runs.flatMap { $0.metrics.keys })
        let order = preferred.filter(all.contains) + preferred.map { "train_" + $0 }.filter(all.contains)
        let columns = chosen ?? (order + all.subtracting(order).sorted())
        var lines = ["| run | steps | wall time | steps/s | " + columns.joined(separator: " | ") + " |",
                     "|---|---:|---:|---:|" + String(repeating: "---:|", count: columns.count)]
        for r in runs {
            var cells = [r.name, r.steps.map(String.init) ?? "—", r.wallTime.map(formatDuration) ?? "—",
                         r.stepsPerSecond.map { String(format: "%.2f", $0) } ?? "—"]
            cells += columns.map { c in
                guard let m = r.metrics[c] else { return "—" }
                if let s = r.spread[c] { return formatMeanSD(m.final, s.sd) + " (n \(s.count))" }
                let bare = c.hasPrefix("train_") ? String(c.dropFirst(6)) : c
                return noBest.contains(bare) ? formatMetric(m.final) : "\(formatMetric(m.final)) (best \(formatMetric(m.best)))"
            }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("Logs: final held-out value (best over the run); eval files: mean ± sd over n datasets.")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A log's number as an Int, or nil when it is not finite or beyond Int's range (a corrupt
    /// or hand-edited log must not trap: reliability defect D16).
    static func representableInt(_ v: Double) -> Int? {
        v.isFinite && abs(v) < 9.0e18 ? Int(v) : nil
    }

    static func formatDuration(_ seconds: Double) -> String {
        guard let s = representableInt(seconds.rounded()), s >= 0, s < 1_000_000_000 else {
            return String(format: "%.3gs", seconds)
        }
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60)
            : s >= 60 ? String(format: "%dm%02ds", s / 60, s % 60) : "\(s)s"
    }
}
