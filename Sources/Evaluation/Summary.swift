// Aggregation of per-dataset metrics: mean ± sd over datasets, overall and by node count.

/// Mean and sample standard deviation of one metric over the datasets where it is defined.
public struct MetricSummary: Codable, Equatable, Sendable {
    public var mean: Double
    /// Sample standard deviation (n − 1 denominator); 0 for a single value.
    public var sd: Double
    /// How many datasets had the metric defined (nil values are skipped, not counted as 0).
    public var count: Int

    public init?(_ values: [Double?]) {
        let defined = values.compactMap { $0 }.filter { $0.isFinite }
        guard !defined.isEmpty else { return nil }
        let m = defined.reduce(0, +) / Double(defined.count)
        let ss = defined.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        mean = m
        sd = defined.count > 1 ? (ss / Double(defined.count - 1)).squareRoot() : 0
        count = defined.count
    }
}

/// Summaries of named metrics, keeping the order in which names first appear.
public struct MetricTable: Codable, Equatable, Sendable {
    public var names: [String]
    public var summaries: [String: MetricSummary]

    /// - Parameter rows: one entry per dataset, each the (name, value) pairs of its metrics.
    public init(_ rows: [[(String, Double?)]]) {
        var names: [String] = []
        var values: [String: [Double?]] = [:]
        for row in rows {
            for (name, value) in row {
                if values[name] == nil { names.append(name); values[name] = [] }
                values[name]!.append(value)
            }
        }
        self.names = names
        self.summaries = values.compactMapValues { MetricSummary($0) }
    }

    public subscript(name: String) -> MetricSummary? { summaries[name] }
}

/// Groups per-dataset rows by node count N and summarises each group, ascending N.
public func summariesByNodeCount(_ rows: [(nodeCount: Int, values: [(String, Double?)])])
    -> [(nodeCount: Int, table: MetricTable)] {
    let groups = Dictionary(grouping: rows, by: { $0.nodeCount })
    return groups.keys.sorted().map { n in (n, MetricTable(groups[n]!.map { $0.values })) }
}
