// A training log (docs/file-formats.md §4) as two CSV tables for pandas or a spreadsheet:
// the per-step training series (x = `step`) and the held-out series (x = `eval_step`).

public enum LogTables {
    /// (training, held-out) CSV text; the held-out table is nil when the log has none.
    /// Columns: the x series first, then the notebook's keys, then the rest alphabetically;
    /// a missing value is an empty cell (pandas reads it as NaN).
    public static func csv(_ log: TrainingLog) -> (training: String, heldOut: String?) {
        let keys = log.series.keys
        let trainingKeys = keys.filter { !$0.hasPrefix("eval_") }
        let heldOutKeys = keys.filter { $0.hasPrefix("eval_") }
        let training = table(log, x: "step", keys: TrainingLog.requiredSeries.filter(trainingKeys.contains)
                             + trainingKeys.filter { !TrainingLog.requiredSeries.contains($0) }.sorted())
        let heldOut = heldOutKeys.contains("eval_step") ? table(log, x: "eval_step", keys: heldOutKeys.sorted()) : nil
        return (training, heldOut)
    }

    static func table(_ log: TrainingLog, x: String, keys: [String]) -> String {
        let columns = [x] + keys.filter { $0 != x }
        let rows = log.series[x]?.count ?? 0
        var lines = [columns.joined(separator: ",")]
        for r in 0..<rows {
            lines.append(columns.map { key -> String in
                guard let v = log.series[key], r < v.count, v[r].isFinite else { return "" }
                return formatNumber(v[r])
            }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
