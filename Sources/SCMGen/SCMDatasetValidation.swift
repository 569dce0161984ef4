/// One problem with a dataset's content: the array (file-formats §1 name) and what is wrong.
public struct SCMDatasetProblem: Error, CustomStringConvertible, Equatable {
    public let field: String
    public let problem: String
    public init(field: String, problem: String) { self.field = field; self.problem = problem }
    public var description: String { "'\(field)' \(problem)" }
}

extension SCMDataset {
    /// The largest magnitude a data value may have. Larger values are almost surely corrupt,
    /// and squares and sums of them overflow float32 in the feature statistics.
    public static let maximumMagnitude: Float = 1e15

    /// Checks everything a model relies on, for data from any source (a suite file, a CSV
    /// import, code): consistent sizes, indices in range, at least one observational and one
    /// interventional row, and every value finite and at most `maximumMagnitude` in size
    /// (`regime_values` may be NaN: unknown). Throws the first problem found.
    public func validate() throws {
        let n = nodeCount
        func fail(_ field: String, _ problem: String) -> SCMDatasetProblem { SCMDatasetProblem(field: field, problem: problem) }
        guard n >= 1 else { throw fail("observational", "has no nodes (N = \(n))") }
        guard observational.count % n == 0, observationalCount >= 1 else {
            throw fail("observational", "has \(observational.count) values for \(n) nodes; need at least one full row")
        }
        guard interventionalCount >= 1 else {
            throw fail("interventional", "has no rows; every dataset needs at least one interventional row (R ≥ 1)")
        }
        guard interventional.count == interventionalCount * n else {
            throw fail("interventional", "has \(interventional.count) values; expected R × N = \(interventionalCount) × \(n)")
        }
        guard regimeCount >= 1 else { throw fail("regime_targets", "is empty; every dataset needs at least one regime (K ≥ 1)") }
        guard regimeValues.count == regimeCount else {
            throw fail("regime_values", "has \(regimeValues.count) values for \(regimeCount) regimes")
        }
        guard queryIndex.count == interventionalCount else {
            throw fail("query_index", "has \(queryIndex.count) entries for \(interventionalCount) interventional rows")
        }
        try checkRange("regime", regime, 0..<regimeCount, "a regime index (K = \(regimeCount))")
        try checkRange("regime_targets", regimeTargets, 0..<n, "a node index (N = \(n))")
        try checkRange("query_index", queryIndex, 0..<observationalCount, "an observational row (S_obs = \(observationalCount))")
        try checkValues("observational", observational, columns: n, allowNaN: false)
        try checkValues("interventional", interventional, columns: n, allowNaN: false)
        try checkValues("regime_values", regimeValues, columns: nil, allowNaN: true)
        if let a = adjacency {
            guard a.count == n * n else { throw fail("adjacency", "has \(a.count) entries; expected N × N = \(n * n)") }
            if let i = a.firstIndex(where: { $0 > 1 }) { throw fail("adjacency", "has \(a[i]) at [\(i / n), \(i % n)]; expected 0 or 1") }
        }
        if let e = edgeTypes {
            guard e.count == n * n else { throw fail("edge_types", "has \(e.count) entries; expected N × N = \(n * n)") }
            if let i = e.firstIndex(where: { !(0...10).contains($0) }) {
                throw fail("edge_types", "has \(e[i]) at [\(i / n), \(i % n)]; expected 0 (no edge) or 1...10")
            }
            if let a = adjacency, let i = a.indices.first(where: { (a[$0] != 0) != (e[$0] != 0) }) {
                throw fail("edge_types", "disagrees with adjacency at [\(i / n), \(i % n)]")
            }
        }
        if let names = nodeNames, names.count != n {
            throw fail("node_names", "has \(names.count) names for \(n) nodes")
        }
    }

    private func checkRange(_ field: String, _ values: [Int32], _ r: Range<Int>, _ what: String) throws {
        if let i = values.firstIndex(where: { !r.contains(Int($0)) }) {
            throw SCMDatasetProblem(field: field, problem: "has \(values[i]) at index \(i); expected \(what) in \(r.lowerBound)..<\(r.upperBound)")
        }
    }

    private func checkValues(_ field: String, _ values: [Float], columns: Int?, allowNaN: Bool) throws {
        let limit = SCMDataset.maximumMagnitude
        // One pass without branches in the common case: |x| ≤ limit is false for NaN and ±Inf.
        var allOK = true
        for x in values where !(abs(x) <= limit) { allOK = false; break }
        if allOK { return }
        guard let i = values.firstIndex(where: { !(abs($0) <= limit) && !(allowNaN && $0.isNaN) }) else { return }
        let at = columns.map { "[\(i / $0), \(i % $0)]" } ?? "[\(i)]"
        let x = values[i]
        let what = x.isNaN ? "NaN" : x.isInfinite ? (x > 0 ? "inf" : "-inf") : "\(x)"
        throw SCMDatasetProblem(field: field, problem: "has \(what) at \(at); every value must be finite and at most \(limit) in size"
                                + (allowNaN ? " (NaN means unknown)" : ""))
    }
}
