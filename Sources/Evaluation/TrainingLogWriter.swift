import AtomicFile
import Foundation

/// The training log of file-formats.md §4: a JSON object of parallel arrays (the notebook's
/// keys `step`, `loss`, `delta_mse`, `dag_bce`, `shd`, `acyclicity`, plus more series) and the
/// run's `config`. Rewritten atomically after every logged step, so a crash never leaves it
/// half-written and a plot can read it while the run goes on. The reader is `TrainingLog`,
/// beside it; both take the notebook's keys from `TrainingLog.requiredSeries`.
public struct TrainingLogWriter {
    public let path: String
    public let configJSON: String
    public private(set) var series: [String: [Double]] = [:]
    private(set) var order: [String] = []

    public init(path: String, configJSON: String) {
        self.path = path
        self.configJSON = configJSON
    }

    /// Loads an existing log (on resume), keeping the rows logged up to `step` inclusive.
    public static func resuming(path: String, configJSON: String, upTo step: Int) throws -> TrainingLogWriter {
        var log = TrainingLogWriter(path: path, configJSON: configJSON)
        guard let data = FileManager.default.contents(atPath: path),
              let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let steps = object["step"] as? [Any] else { return log }
        func kept(_ steps: [Any]?) -> Int {
            (steps ?? []).prefix { (($0 as? NSNumber)?.intValue ?? Int.max) <= step }.count
        }
        let keep = kept(steps), keepEval = kept(object["eval_step"] as? [Any])
        for (key, value) in object where key != "config" {
            guard let values = value as? [Any] else { continue }
            log.order.append(key)
            let n = key.hasPrefix("eval_") ? keepEval : keep
            log.series[key] = values.prefix(n).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
        }
        let preferred = TrainingLog.requiredSeries
        log.order.sort { (preferred.firstIndex(of: $0) ?? 99, $0) < (preferred.firstIndex(of: $1) ?? 99, $1) }
        return log
    }

    /// Appends one row. Training series (aligned with `step`) and held-out series
    /// (`eval_*`, aligned with `eval_step`) are two groups of parallel arrays; a series first
    /// seen now is back-filled with NaN (written as null), one missing from the row gets NaN.
    public mutating func append(_ row: [(String, Double)]) {
        let isEval = row.first?.0.hasPrefix("eval_") ?? false
        let group = order.filter { $0.hasPrefix("eval_") == isEval }
        let rows = series[isEval ? "eval_step" : "step"]?.count ?? 0
        for (key, value) in row {
            if series[key] == nil {
                series[key] = [Double](repeating: .nan, count: rows)
                order.append(key)
            }
            series[key]!.append(value)
        }
        for key in group where series[key]!.count == rows { series[key]!.append(.nan) }
    }

    public func write() throws {
        var out = "{\n  \"config\": \(configJSON)"
        for key in order {
            let values = series[key]!.map { $0.isFinite ? formatNumber($0) : "null" }
            out += ",\n  \"\(key)\": [" + values.joined(separator: ", ") + "]"
        }
        out += "\n}\n"
        try AtomicFile.write(out, to: path)
    }
}

/// A number as JSON text: integers without a fraction, others with 9 significant digits
/// (enough to round-trip the Float values most series hold).
func formatNumber(_ x: Double) -> String {
    if x == x.rounded(), Swift.abs(x) < 1e15 { return String(Int64(x)) }
    return String(format: "%.9g", x)
}
