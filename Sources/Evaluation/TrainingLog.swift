// Reading training logs (file-formats.md §4): a JSON object of parallel arrays plus `config`.
import Foundation

public struct TrainingLogError: Error, CustomStringConvertible {
    public var description: String
}

/// One run's training log, with every numeric series as Doubles (null/NaN entries as NaN).
///
/// Series are paired by position with an x series: `eval_*` series with `eval_step` when the
/// log has one (held-out evaluation may run less often than logging), everything else with
/// `step`. A run still being written can have arrays of slightly different lengths; each group
/// is truncated to its shortest array so that the entries stay paired.
public struct TrainingLog {
    /// The run name: the file name without its extension.
    public var name: String
    public var series: [String: [Double]]
    /// The raw `config` object, if any.
    public var config: [String: Any]
    /// The file it was read from, if any (tells apart two runs with the same file name).
    public var path: String?

    /// Keys every training log has (the seed notebook's history dict).
    public static let requiredSeries = ["step", "loss", "delta_mse", "dag_bce", "shd", "acyclicity"]

    /// The x series a series is paired with.
    public func xName(for name: String) -> String {
        name.hasPrefix("eval_") && series["eval_step"] != nil && name != "eval_step" ? "eval_step" : "step"
    }

    /// (x, y) for a series, or nil if the log lacks it.
    public func points(_ name: String) -> (x: [Double], y: [Double])? {
        guard let y = series[name], let x = series[xName(for: name)] else { return nil }
        return (x, y)
    }

    /// (wall-clock minutes, y) for a series: each point's step (or eval step) mapped to the
    /// log's `elapsed` by linear interpolation between logged steps; nil if the log lacks
    /// the series or has no finite `elapsed`. Steps outside the logged range are dropped.
    public func pointsAgainstMinutes(_ name: String) -> (x: [Double], y: [Double])? {
        guard let (steps, y) = points(name), let s = series["step"], let e = series["elapsed"] else { return nil }
        let known = zip(s, e).filter { $0.0.isFinite && $0.1.isFinite }.sorted { $0.0 < $1.0 }
        guard !known.isEmpty else { return nil }
        var xs: [Double] = [], ys: [Double] = []
        for (step, v) in zip(steps, y) {
            guard let hi = known.firstIndex(where: { $0.0 >= step }), known[hi].0 == step || hi > 0 else { continue }
            let (a, b) = (known[max(hi - 1, 0)], known[hi])
            let seconds = b.0 == step ? b.1 : a.1 + (b.1 - a.1) * (step - a.0) / (b.0 - a.0)
            xs.append(seconds / 60)
            ys.append(v)
        }
        return (xs, ys)
    }

    public init(name: String, series: [String: [Double]], config: [String: Any] = [:], path: String? = nil) {
        self.name = name; self.series = series; self.config = config; self.path = path
        truncateGroups()
    }

    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TrainingLogError(description: "\(url.path): cannot read the file (\(error.localizedDescription)).")
        }
        try self.init(data: data, name: url.deletingPathExtension().lastPathComponent, path: url.path)
    }

    /// - Parameter path: how to name the file in errors.
    public init(data: Data, name: String, path: String) throws {
        guard let object = parseLenientJSON(data) as? [String: Any] else {
            throw TrainingLogError(description:
                "\(path) is not a training log: expected a JSON object of parallel arrays (file-formats.md §4).")
        }
        let missing = Self.requiredSeries.filter { !(object[$0] is [Any]) }
        guard missing.isEmpty else {
            throw TrainingLogError(description:
                "\(path) is not a training log: it lacks the series \(missing.joined(separator: ", ")) "
                + "(a training log has at least \(Self.requiredSeries.joined(separator: ", "))).")
        }
        var series: [String: [Double]] = [:]
        for (key, value) in object {
            guard let array = value as? [Any] else { continue }
            let numbers = array.map { ($0 as? NSNumber)?.doubleValue ?? .nan }
            // Keep arrays of numbers (nulls allowed); skip arrays of strings or objects.
            if array.allSatisfy({ $0 is NSNumber || $0 is NSNull }) { series[key] = numbers }
        }
        self.init(name: name, series: series, config: object["config"] as? [String: Any] ?? [:], path: path)
    }

    private mutating func truncateGroups() {
        var groups: [String: [String]] = [:]
        for key in series.keys where key != "eval_step" { groups[xName(for: key), default: []].append(key) }
        for (x, members) in groups {
            let all = members + [x]
            let shortest = all.compactMap { series[$0]?.count }.min() ?? 0
            for key in all { if let s = series[key], s.count > shortest { series[key] = Array(s.prefix(shortest)) } }
        }
    }

    /// The last finite value of a series.
    public func final(_ name: String) -> Double? { series[name]?.last(where: { $0.isFinite }) }
}

/// JSONSerialization with Python's non-standard `NaN`, `Infinity`, `-Infinity` tokens (what
/// `json.dump` writes for non-finite floats) turned into null first; strings are left alone.
func parseLenientJSON(_ data: Data) -> Any? {
    if let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) { return object }
    guard let text = String(data: data, encoding: .utf8) else { return nil }
    var out = "", inString = false, escaped = false
    var chars = Substring(text)
    while let c = chars.first {
        if inString {
            out.append(c); chars.removeFirst()
            if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
            continue
        }
        if c == "\"" { inString = true; out.append(c); chars.removeFirst(); continue }
        var replaced = false
        for token in ["-Infinity", "Infinity", "NaN"] where chars.hasPrefix(token) {
            out += "null"; chars.removeFirst(token.count); replaced = true; break
        }
        if !replaced { out.append(c); chars.removeFirst() }
    }
    return try? JSONSerialization.jsonObject(with: Data(out.utf8), options: [.fragmentsAllowed])
}
