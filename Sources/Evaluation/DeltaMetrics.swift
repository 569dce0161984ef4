// Errors of predicted interventional deltas (interventional row − its query row).

/// MSE and MAE of predicted deltas over a dataset's interventional rows.
///
/// `mse`/`mae` average over every (row, node) entry, the intervened node included (all rows of a
/// dataset have N entries, so this is also the mean of per-row MSEs). The descendant /
/// non-descendant splits pool the (row, node) entries whose node is (not) a descendant of the
/// row's intervened node in the true DAG, and exclude the intervened node itself from both: its
/// delta is the intervention value minus the query value, readable straight from the inputs, and
/// would flatter either group. They are nil without a true adjacency or when a group is empty.
public struct DeltaMetrics: Codable, Equatable, Sendable {
    public var rows: Int
    public var mse: Double
    public var mae: Double
    public var descendantMSE: Double?
    public var descendantMAE: Double?
    public var nonDescendantMSE: Double?
    public var nonDescendantMAE: Double?

    /// Ordered (name, value) pairs, as `GraphMetrics.namedValues`.
    public var namedValues: [(String, Double?)] {
        [("delta_mse", mse), ("delta_mae", mae),
         ("delta_mse_descendants", descendantMSE), ("delta_mae_descendants", descendantMAE),
         ("delta_mse_non_descendants", nonDescendantMSE),
         ("delta_mae_non_descendants", nonDescendantMAE)]
    }

    /// - Parameters:
    ///   - predicted, truth: [R, N] row-major deltas.
    ///   - targets: [R] the intervened node of each row.
    ///   - adjacency: [N, N] true DAG, or nil when unknown (only the overall errors are computed).
    public init(predicted: [Float], truth: [Float], targets: [Int], adjacency: [UInt8]?, nodeCount n: Int) {
        let r = targets.count
        precondition(predicted.count == r * n && truth.count == r * n,
                     "predicted and true deltas must be [R, N] with R = \(r), N = \(n)")
        let descendants = adjacency.map { descendantMatrix($0, nodeCount: n) }   // [N, N]
        var sq = 0.0, abs = 0.0
        var sqD = 0.0, absD = 0.0, countD = 0
        var sqN = 0.0, absN = 0.0, countN = 0
        for row in 0..<r {
            let t = targets[row]
            precondition(t >= 0 && t < n, "row \(row): intervened node \(t) is outside 0..<\(n)")
            for j in 0..<n {
                let e = Double(predicted[row * n + j]) - Double(truth[row * n + j])
                sq += e * e; abs += Swift.abs(e)
                guard let descendants, j != t else { continue }
                if descendants[t * n + j] { sqD += e * e; absD += Swift.abs(e); countD += 1 }
                else { sqN += e * e; absN += Swift.abs(e); countN += 1 }
            }
        }
        let total = Double(max(r * n, 1))
        rows = r
        mse = sq / total
        mae = abs / total
        descendantMSE = countD > 0 ? sqD / Double(countD) : nil
        descendantMAE = countD > 0 ? absD / Double(countD) : nil
        nonDescendantMSE = countN > 0 ? sqN / Double(countN) : nil
        nonDescendantMAE = countN > 0 ? absN / Double(countN) : nil
    }
}
