// The JSON written by `pfn-train eval --json` and read back by `pfn-train compare`.
import Foundation

/// Summaries of one method (the model or a baseline) over a suite.
public struct MethodSummary: Codable, Sendable {
    public var name: String
    public var overall: MetricTable
    public var byNodeCount: [NodeCountSummary]
    public init(name: String, overall: MetricTable, byNodeCount: [NodeCountSummary]) {
        self.name = name; self.overall = overall; self.byNodeCount = byNodeCount
    }

    // snake_case throughout the JSON, as its top-level keys and the other file formats.
    enum CodingKeys: String, CodingKey { case name, overall, byNodeCount = "by_node_count" }
}

public struct NodeCountSummary: Codable, Sendable {
    public var nodeCount: Int
    public var table: MetricTable

    enum CodingKeys: String, CodingKey { case nodeCount = "node_count", table }
}

/// One dataset's metrics per method (`"model"`, `"empty graph"`, …), as in the summaries.
public struct DatasetValues: Codable, Sendable {
    public var name: String
    public var nodeCount: Int
    public var values: [String: [String: Double]]

    public init(name: String, nodeCount: Int, values: [String: [String: Double]]) {
        self.name = name; self.nodeCount = nodeCount; self.values = values
    }

    enum CodingKeys: String, CodingKey { case name, nodeCount = "node_count", values }
}

public struct EvaluationReport: Codable, Sendable {
    public var format = "pfn-eval"
    public var formatVersion = 1
    public var checkpoint: String?
    /// The training step of the checkpoint, when known.
    public var step: Int?
    public var suite: String
    public var datasetCount: Int
    public var queryRowsPerRegime: Int
    /// Rows per regime the pair context's statistics read; nil (absent) = all.
    public var contextRowsPerRegime: Int?
    /// true when the model's thresholded graphs were made DAGs (`eval --acyclic`); absent otherwise.
    public var acyclic: Bool?
    public var aggregation: String
    /// True when the suite has no `adjacency`: only delta metrics were computed.
    public var graphMetricsSkipped: Bool
    /// The model first, then the baselines, in table order.
    public var methods: [MethodSummary]
    /// Every method's metrics on every dataset, in suite order, so two evaluations of the same
    /// suite can be compared paired (`pfn-train compare`). Absent in files from before it existed.
    public var datasets: [DatasetValues]?

    public init(checkpoint: String?, step: Int?, suite: String, datasetCount: Int,
                queryRowsPerRegime: Int, aggregation: String, graphMetricsSkipped: Bool,
                methods: [MethodSummary]) {
        self.checkpoint = checkpoint; self.step = step; self.suite = suite
        self.datasetCount = datasetCount; self.queryRowsPerRegime = queryRowsPerRegime
        self.aggregation = aggregation; self.graphMetricsSkipped = graphMetricsSkipped
        self.methods = methods
    }

    enum CodingKeys: String, CodingKey {
        case format, formatVersion = "format_version", checkpoint, step, suite,
             datasetCount = "dataset_count", queryRowsPerRegime = "query_rows_per_regime",
             contextRowsPerRegime = "context_rows_per_regime", acyclic,
             aggregation, graphMetricsSkipped = "graph_metrics_skipped", methods, datasets
    }

    /// Short names of the baselines in log keys (`eval_baseline_<short>_<metric>`, file-formats.md §4.1).
    public static let baselineKeys = ["empty graph": "empty", "random graph": "random", "intervention t-test": "ttest",
                                      "zero delta": "zero", "plug-in delta": "plugin"]

    /// The model's overall means as training-log series values (`eval_<metric>`), and each
    /// baseline's as `eval_baseline_<method>_<metric>`, for `--eval-every` during training.
    public func logSeries(prefix: String = "eval_") -> [String: Double] {
        guard let model = methods.first else { return [:] }
        var out: [String: Double] = [:]
        for (name, s) in model.overall.summaries { out[prefix + name] = s.mean }
        for method in methods.dropFirst() {
            guard let short = Self.baselineKeys[method.name] else { continue }
            for (name, s) in method.overall.summaries { out[prefix + "baseline_\(short)_\(name)"] = s.mean }
        }
        return out
    }

    /// A markdown table: a row per method, columns mean ± sd of the chosen metrics
    /// (default: those any method has, in first-seen order), with n, the datasets averaged.
    public func markdown(metrics: [String]? = nil) -> String {
        var names = metrics ?? []
        if metrics == nil {
            for m in methods { for n in m.overall.names where !names.contains(n) { names.append(n) } }
        }
        var lines = ["| method | n | " + names.joined(separator: " | ") + " |",
                     "|---|---:|" + String(repeating: "---|", count: names.count)]
        for m in methods {
            let cells = names.map { n -> String in
                guard let s = m.overall[n] else { return "—" }
                return formatMeanSD(s.mean, s.sd)
            }
            let n = m.overall.summaries.values.map(\.count).max() ?? 0
            lines.append("| \(m.name) | \(n) | " + cells.joined(separator: " | ") + " |")
        }
        lines.append("")
        lines.append("mean ± sd over the n datasets (sample sd, n − 1); shd is the standard SHD (a reversed edge counts once), shd_notebook the seed notebook's count.")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A markdown table by graph size: a row per (N, method), mean ± sd of the chosen metrics;
    /// nil when every dataset has the same N (the overall table says it all).
    public func markdownByNodeCount(metrics: [String]) -> String? {
        let sizes = Set(methods.flatMap { $0.byNodeCount.map(\.nodeCount) }).sorted()
        guard sizes.count > 1 else { return nil }
        var lines = ["| N | method | " + metrics.joined(separator: " | ") + " |",
                     "|---|---|" + String(repeating: "---|", count: metrics.count)]
        for n in sizes {
            for m in methods {
                guard let t = m.byNodeCount.first(where: { $0.nodeCount == n })?.table else { continue }
                let cells = metrics.map { name in t[name].map { formatMeanSD($0.mean, $0.sd) } ?? "—" }
                lines.append("| \(n) | \(m.name) | " + cells.joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Mean ± sd with the sd to two significant digits and the mean to the same decimal place
/// (`10.3 ± 3.2`, `0.891 ± 0.057`); 4 significant digits when the sd is 0 or not finite.
public func formatMeanSD(_ mean: Double, _ sd: Double) -> String {
    guard mean.isFinite, sd.isFinite, sd > 0, abs(mean) < 1e6, sd >= 1e-4 else {
        return formatMetric(mean) + " ± " + formatMetric(sd)
    }
    let decimals = min(4, max(0, 1 - Int(log10(sd).rounded(.down))))
    return String(format: "%.\(decimals)f ± %.\(decimals)f", mean, sd)
}

/// 4 significant digits, no exponent for ordinary magnitudes.
public func formatMetric(_ v: Double) -> String {
    guard v.isFinite else { return "\(v)" }
    if v != 0 && (abs(v) >= 1e6 || abs(v) < 1e-3) { return String(format: "%.3e", v) }
    return String(format: "%.4g", v)
}
