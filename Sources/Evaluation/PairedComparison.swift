// Two evaluations of the same suite, compared dataset by dataset: the mean difference of each
// metric and its standard error (paired: the datasets' own difficulty cancels).
import Foundation

public struct PairedDifference: Equatable, Sendable {
    public var metric: String
    /// Mean over the shared datasets of (second − first).
    public var mean: Double
    /// Standard error of that mean: sd of the differences / √n (0 for n = 1).
    public var standardError: Double
    public var count: Int
}

public enum PairedComparison {
    /// The model's per-dataset metrics of `b` minus those of `a`, over the datasets both have
    /// (matched by name); nil when either file lacks per-dataset values or they share no
    /// dataset. Refuses two files of different suites.
    public static func differences(_ a: EvaluationReport, _ b: EvaluationReport, metrics: [String]) throws -> [PairedDifference]? {
        guard let da = a.datasets, let db = b.datasets else { return nil }
        guard a.suite == b.suite, da.map(\.name) == db.map(\.name) else {
            throw EvaluationError("the two evaluations are of different data (\(a.suite), \(da.count) datasets vs \(b.suite), \(db.count)); a paired comparison needs the same suite")
        }
        let method = "model"
        return metrics.compactMap { metric -> PairedDifference? in
            let diffs = zip(da, db).compactMap { x, y -> Double? in
                guard let u = x.values[method]?[metric], let v = y.values[method]?[metric] else { return nil }
                return v - u
            }
            guard !diffs.isEmpty else { return nil }
            let n = Double(diffs.count), m = diffs.reduce(0, +) / n
            let sd = diffs.count > 1 ? (diffs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot() : 0
            return PairedDifference(metric: metric, mean: m, standardError: sd / n.squareRoot(), count: diffs.count)
        }
    }

    /// A markdown table: metric, mean difference ± standard error, n.
    public static func markdown(_ diffs: [PairedDifference], first: String, second: String) -> String {
        var lines = ["Paired difference \(second) − \(first) over the same datasets:", "",
                     "| metric | difference ± se | n |", "|---|---:|---:|"]
        for d in diffs {
            lines.append("| \(d.metric) | \(formatMeanSD(d.mean, d.standardError)) | \(d.count) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
