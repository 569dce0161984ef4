// A user's own data as an SCMDataset (docs/file-formats.md §5): the folder `pfn-train sample
// --csv` writes, or one table with a column per node and a `target` column.
import Foundation

public enum CSVImport {
    /// A folder (the `sample --csv` layout) or a single table, by what `path` is.
    public static func read(_ path: String) throws -> SCMDataset {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw CSVImportError("\(path): no such file or folder; give a CSV table or a folder holding observational.csv and interventional.csv")
        }
        return isFolder.boolValue ? try readFolder(path) : try readTable(path)
    }

    // MARK: - Layout (a): observational.csv + interventional.csv

    /// `observational.csv` (one column per node) and `interventional.csv` (`regime,target,value,
    /// query_index` then the node columns, in the same order); `adjacency.csv` and
    /// `edge_types.csv` (N×N, no header) when present. `interventional.csv` may be absent
    /// (observational data only).
    public static func readFolder(_ dir: String) throws -> SCMDataset {
        let obsPath = "\(dir)/observational.csv", interPath = "\(dir)/interventional.csv"
        guard FileManager.default.fileExists(atPath: obsPath) else {
            throw CSVImportError("\(dir): no observational.csv; the folder layout needs observational.csv (and interventional.csv), as `pfn-train sample --csv` writes")
        }
        let obs = try CSVTable(path: obsPath)
        let inter = FileManager.default.fileExists(atPath: interPath) ? try CSVTable(path: interPath) : nil
        var d = try fromFolderTables(observational: obs, interventional: inter)
        let n = d.nodeCount
        if FileManager.default.fileExists(atPath: "\(dir)/adjacency.csv") {
            let m = try matrix(CSVTable(path: "\(dir)/adjacency.csv", hasHeader: false), n: n)
            for (k, v) in m.enumerated() where v != 0 && v != 1 {
                throw CSVImportError("\(dir)/adjacency.csv: row \(k / n + 1), column \(k % n + 1): '\(v)' is not 0 or 1; A[i, j] = 1 iff i → j")
            }
            d.adjacency = m.map { UInt8($0) }
        }
        if FileManager.default.fileExists(atPath: "\(dir)/edge_types.csv") {
            let m = try matrix(CSVTable(path: "\(dir)/edge_types.csv", hasHeader: false), n: n)
            for (k, v) in m.enumerated() where !(-10...10).contains(v) {
                throw CSVImportError("\(dir)/edge_types.csv: row \(k / n + 1), column \(k % n + 1): '\(v)' is not an edge type (0 = none, 1...10)")
            }
            d.edgeTypes = m.map { Int8($0) }
        }
        return d
    }

    static func fromFolderTables(observational obs: CSVTable, interventional inter: CSVTable?) throws -> SCMDataset {
        let names = obs.header, n = names.count
        let nodes = NodeNames(names, file: obs.file)
        let observational = try numbers(obs, columns: Array(0..<n))
        guard obs.rows.count >= 1 else {
            throw CSVImportError("\(obs.file): no data rows; the models need observational rows (one per line under the header)")
        }
        var d = SCMDataset(nodeCount: n, observational: observational, interventional: [], regime: [],
                           regimeTargets: [], regimeValues: [], queryIndex: [], nodeNames: names)
        guard let inter else { return d }
        let fixed = ["regime", "target", "value", "query_index"]
        let hasQuery = inter.header.count > 3 && inter.header[3] == "query_index"
        let lead = hasQuery ? 4 : 3
        guard Array(inter.header.prefix(3)) == Array(fixed.prefix(3)), Array(inter.header.dropFirst(lead)) == names else {
            throw CSVImportError("\(inter.file): row 1: the header is '\(inter.header.joined(separator: ","))'; expected "
                + "'\((fixed.prefix(lead) + names).joined(separator: ","))' (regime,target,value[,query_index], then the node columns of observational.csv in the same order)")
        }
        var regimes = RegimeTable()
        for r in inter.rows.indices {
            let id = inter.rows[r][0]
            guard Int(id) != nil else {
                throw CSVImportError("\(inter.place(r, 0)): '\(id)' is not a regime number; write an integer per row")
            }
            let target = try nodes.resolve(inter, r, 1)
            let value = try optionalValue(inter, r, 2)
            d.regime.append(Int32(try regimes.index(of: id, target: target, value: value, at: inter.place(r, 0))))
            d.queryIndex.append(Int32(hasQuery ? try inter.index(r, 3, below: obs.rows.count, meaning: "a row of observational.csv (0-based, header excluded)")
                                      : r % obs.rows.count))
        }
        d.interventional = try numbers(inter, columns: Array(lead..<(lead + n)))
        d.regimeTargets = regimes.targets.map(Int32.init)
        d.regimeValues = regimes.values
        return d
    }

    // MARK: - Layout (b): one table, a column per node plus `target` (and `value`)

    /// One table: a column per node, a `target` column (empty = observational row, else the
    /// intervened node by name or 0-based index) and an optional `value` column (absent: the
    /// target node's own cell in that row; empty or NaN: unknown). Rows with the same target
    /// and value form one regime, numbered in order of first appearance.
    public static func readTable(_ path: String) throws -> SCMDataset {
        try fromTable(CSVTable(path: path))
    }

    public static func readTable(text: String, file: String) throws -> SCMDataset {
        try fromTable(CSVTable(text: text, file: file))
    }

    static func fromTable(_ t: CSVTable) throws -> SCMDataset {
        guard let targetColumn = t.header.firstIndex(of: "target") else {
            throw CSVImportError("\(t.file): row 1: no 'target' column; add one (empty for observational rows, the intervened node's name or 0-based index otherwise)")
        }
        let valueColumn = t.header.firstIndex(of: "value")
        let nodeColumns = t.header.indices.filter { $0 != targetColumn && $0 != valueColumn }
        let names = nodeColumns.map { t.header[$0] }, n = names.count
        guard n >= 1 else { throw CSVImportError("\(t.file): row 1: no node columns; add one column per variable") }
        guard !t.rows.isEmpty else {
            throw CSVImportError("\(t.file): no data rows; add observational rows (empty target) and interventional rows")
        }
        let nodes = NodeNames(names, file: t.file)
        var observational: [Float] = [], interventional: [Float] = [], regime: [Int32] = []
        var regimes = RegimeTable()
        for r in t.rows.indices {
            let row = try nodeColumns.map { try t.number(r, $0) }
            guard !t.rows[r][targetColumn].isEmpty else { observational += row; continue }
            let target = try nodes.resolve(t, r, targetColumn)
            let value = try valueColumn.map { try optionalValue(t, r, $0) } ?? row[target]
            regime.append(Int32(try regimes.index(of: "\(target) \(value)", target: target, value: value, at: t.place(r, targetColumn))))
            interventional += row
        }
        let sObs = observational.count / n
        guard sObs >= 1 else {
            throw CSVImportError("\(t.file): no observational rows (rows with an empty target); the models compare interventional rows with observational ones, so add some")
        }
        return SCMDataset(nodeCount: n, observational: observational, interventional: interventional, regime: regime,
                          regimeTargets: regimes.targets.map(Int32.init), regimeValues: regimes.values,
                          queryIndex: regime.indices.map { Int32($0 % sObs) }, nodeNames: names)
    }

    // MARK: - Shared pieces

    static func numbers(_ t: CSVTable, columns: [Int]) throws -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(t.rows.count * columns.count)
        for r in t.rows.indices { for c in columns { out.append(try t.number(r, c)) } }
        return out
    }

    /// An intervention value: a finite number, or unknown (NaN) when empty or NaN.
    static func optionalValue(_ t: CSVTable, _ r: Int, _ c: Int) throws -> Float {
        let text = t.rows[r][c]
        if text.isEmpty || text.lowercased() == "nan" { return .nan }
        return try t.number(r, c)
    }

    static func matrix(_ t: CSVTable, n: Int) throws -> [Int] {
        guard t.rows.count == n, t.rows.first?.count == n else {
            throw CSVImportError("\(t.file): a \(t.rows.count)×\(t.rows.first?.count ?? 0) matrix; expected \(n)×\(n), one row and column per node, no header")
        }
        var out: [Int] = []
        for r in 0..<n {
            for c in 0..<n {
                guard let v = Int(t.rows[r][c]) else {
                    throw CSVImportError("\(t.place(r, c)): '\(t.rows[r][c])' is not an integer")
                }
                out.append(v)
            }
        }
        return out
    }
}

/// Node names of a table and the lookup of a node by name or 0-based index.
struct NodeNames {
    let names: [String]
    let file: String
    let index: [String: Int]

    init(_ names: [String], file: String) {
        self.names = names
        self.file = file
        index = Dictionary(names.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
    }

    /// The node a cell names: a header name first (so a node called "3" is that node), else an index.
    func resolve(_ t: CSVTable, _ r: Int, _ c: Int) throws -> Int {
        try resolve(t.rows[r][c], at: t.place(r, c))
    }

    func resolve(_ text: String, at place: String) throws -> Int {
        if let i = index[text] { return i }
        if let i = Int(text) {
            guard i >= 0 && i < names.count else {
                throw CSVImportError("\(place): node index \(i) is out of range; indices are 0-based, 0..<\(names.count)")
            }
            return i
        }
        if text.isEmpty { throw CSVImportError("\(place): empty node; give a node name or 0-based index") }
        if text.contains(where: { ";|+&".contains($0) }) || text.contains(",") {
            throw CSVImportError("\(place): '\(text)' names several targets; regimes with several intervened nodes are not supported: "
                + "keep single-target rows only")
        }
        let shown = names.prefix(8).joined(separator: ", ") + (names.count > 8 ? ", …" : "")
        throw CSVImportError("\(place): unknown node '\(text)'; use a column name of the table (\(shown)) or a 0-based index")
    }
}

/// Regimes in order of first appearance, each with one target and one value.
struct RegimeTable {
    var ids: [String: Int] = [:]
    var targets: [Int] = [], values: [Float] = []

    mutating func index(of id: String, target: Int, value: Float, at place: String) throws -> Int {
        if let k = ids[id] {
            guard targets[k] == target, values[k] == value || (values[k].isNaN && value.isNaN) else {
                throw CSVImportError("\(place): regime \(id) was target \(targets[k]) = \(values[k]) in an earlier row, here target \(target) = \(value); "
                    + "one regime has one target and one value")
            }
            return k
        }
        ids[id] = targets.count
        targets.append(target)
        values.append(value)
        return targets.count - 1
    }
}
