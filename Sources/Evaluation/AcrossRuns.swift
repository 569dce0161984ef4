// `pfn-train compare --across-runs`: several training runs (seeds) of one recipe, evaluated on
// the same suite, summarised as mean ± sd across the runs.
import Foundation

/// Runs differ by more than the gaps worth claiming (issue 11 asks every claim to rest on ≥ 3
/// training seeds), so the spread that matters is across runs, not across datasets: each run's
/// dataset mean is one sample. Baselines do not depend on the run; they are shown once, and a
/// file whose baselines differ is refused (it was evaluated on other data).
public enum AcrossRuns {
    public struct Row: Sendable {
        public var method: String
        public var runs: Int
        /// Per metric: mean and sample sd (n − 1) across runs of the per-run dataset means.
        public var values: [String: (mean: Double, sd: Double)]
    }

    /// The model's row (mean ± sd across `reports`) followed by each baseline's row.
    public static func rows(_ reports: [EvaluationReport]) throws -> [Row] {
        guard let first = reports.first else { return [] }
        for r in reports where r.suite != first.suite || r.datasetCount != first.datasetCount
            || r.queryRowsPerRegime != first.queryRowsPerRegime || r.contextRowsPerRegime != first.contextRowsPerRegime {
            throw EvaluationError("--across-runs needs evaluations of the same suite with the same settings; got "
                + "\(first.suite) (\(first.datasetCount) datasets, \(first.queryRowsPerRegime) query rows) and "
                + "\(r.suite) (\(r.datasetCount), \(r.queryRowsPerRegime)): evaluate every run with the same eval command.")
        }
        func means(_ m: MethodSummary) -> [String: Double] { m.overall.summaries.mapValues(\.mean) }
        let models = reports.compactMap { $0.methods.first }
        guard models.count == reports.count else {
            throw EvaluationError("--across-runs: an eval file has no methods; re-run pfn-train eval --json")
        }
        var rows = [Row(method: "model", runs: reports.count, values: spread(models.map(means)))]
        for baseline in first.methods.dropFirst() {
            let same = reports.map { $0.methods.first { $0.name == baseline.name }.map(means) }
            guard same.allSatisfy({ $0 != nil && closeEnough($0!, means(baseline)) }) else {
                throw EvaluationError("--across-runs: the '\(baseline.name)' baseline differs between the files, so they "
                    + "were evaluated on different data; evaluate every run on the same suite.")
            }
            rows.append(Row(method: baseline.name, runs: 1, values: means(baseline).mapValues { ($0, 0) }))
        }
        return rows
    }

    static func spread(_ runs: [[String: Double]]) -> [String: (mean: Double, sd: Double)] {
        var keys = Set(runs.first.map { Array($0.keys) } ?? [])
        for r in runs.dropFirst() { keys.formIntersection(r.keys) }
        var out: [String: (Double, Double)] = [:]
        for k in keys {
            let v = runs.map { $0[k]! }.filter(\.isFinite)
            guard !v.isEmpty else { continue }
            let m = v.reduce(0, +) / Double(v.count)
            let sd = v.count > 1 ? (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot() : 0
            out[k] = (m, sd)
        }
        return out
    }

    /// Baseline means agree up to the rounding of a different summation order.
    static func closeEnough(_ a: [String: Double], _ b: [String: Double]) -> Bool {
        Set(a.keys) == Set(b.keys) && a.allSatisfy { k, v in
            let w = b[k]!
            return v == w || (v.isNaN && w.isNaN) || abs(v - w) <= 1e-9 * max(1, abs(v), abs(w))
        }
    }

    /// Markdown: a row per method; the model's cells are mean ± sd across its runs.
    public static func markdown(_ rows: [Row], metrics: [String], suite: String) -> String {
        var lines = ["| method (\(suite)) | runs | " + metrics.joined(separator: " | ") + " |",
                     "|---|---:|" + String(repeating: "---|", count: metrics.count)]
        for r in rows {
            let cells = metrics.map { name -> String in
                guard let v = r.values[name] else { return "" }
                return r.runs > 1 ? formatMeanSD(v.mean, v.sd) : formatMetric(v.mean)
            }
            lines.append("| \(r.method) | \(r.runs) | " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("model: mean ± sd across the runs (sample sd, n − 1) of each run's mean over the suite's datasets; "
            + "baselines: their mean over the datasets (they do not depend on the run).")
        return lines.joined(separator: "\n") + "\n"
    }
}
