import Foundation
import HDF5Kit

/// Reads and writes SCM dataset suites in the layout of file-formats.md §1:
/// root attributes `format = "pfn-scm-datasets"`, `format_version = 1`, optional
/// `generator_config`; one group `/datasets/<000000…>` per dataset.
public enum SCMSuiteFile {
    public static let format = "pfn-scm-datasets"
    public static let formatVersion: Int64 = 1

    /// Writes `datasets` atomically to `path` (groups 000000, 000001, …).
    public static func write(_ datasets: [SCMDataset], to path: String, generatorConfig: String? = nil) throws {
        try H5File.writeAtomically(path) { file in
            let root = try file.root
            try root.setAttribute("format", format)
            try root.setAttribute("format_version", formatVersion)
            if let g = generatorConfig { try root.setAttribute("generator_config", g) }
            let top = try root.createGroup("datasets")
            let width = max(6, String(datasets.count).count)
            for (i, d) in datasets.enumerated() {
                let name = String(repeating: "0", count: width - String(i).count) + String(i)
                try write(d, into: try top.createGroup(name))
            }
        }
    }

    static func write(_ d: SCMDataset, into g: H5Group) throws {
        let n = d.nodeCount
        try g.write("observational", d.observational, shape: [d.observationalCount, n])
        try g.write("interventional", d.interventional, shape: [d.interventionalCount, n])
        try g.write("regime", d.regime, shape: [d.interventionalCount])
        try g.write("regime_targets", d.regimeTargets, shape: [d.regimeCount])
        try g.write("regime_values", d.regimeValues, shape: [d.regimeCount])
        try g.write("query_index", d.queryIndex, shape: [d.interventionalCount])
        if let a = d.adjacency { try g.write("adjacency", a, shape: [n, n]) }
        if let e = d.edgeTypes { try g.write("edge_types", e, shape: [n, n]) }
        try g.setAttribute("counterfactual", UInt8(d.counterfactual ? 1 : 0))
        if let names = d.nodeNames { try g.setAttribute("node_names", names) }
    }

    /// The root attribute `generator_config`, if any.
    public static func generatorConfig(at path: String) throws -> String? {
        try H5File.open(path).root.stringAttribute("generator_config")
    }

    /// Reads and validates every dataset of the suite at `path`, in name order.
    public static func read(_ path: String) throws -> [SCMDataset] {
        try readNamed(path).map(\.dataset)
    }

    /// As `read`, with each dataset's group name (predictions files reuse the names).
    public static func readNamed(_ path: String) throws -> [(name: String, dataset: SCMDataset)] {
        let root = try H5File.open(path).root
        guard let fmt = try root.stringAttribute("format") else {
            throw SuiteFileError("\(path): missing root attribute 'format'; expected \"\(format)\" (is this an SCM dataset suite written by `pfn-train sample`?)")
        }
        guard fmt == format else {
            throw SuiteFileError("\(path): root attribute 'format' is \"\(fmt)\"; expected \"\(format)\"")
        }
        let version: Int64?
        do { version = try root.integerAttribute("format_version", as: Int64.self) } catch {
            throw SuiteFileError("\(path): \(error); expected format_version \(formatVersion)")
        }
        guard let version else {
            throw SuiteFileError("\(path): missing root attribute 'format_version'; expected \(formatVersion)")
        }
        guard version == formatVersion else {
            throw SuiteFileError("\(path): format_version is \(version); this pfn-train reads version \(formatVersion)"
                + (version > formatVersion ? " (the file is newer: update pfn-train)" : ""))
        }
        guard root.isGroup("datasets") else { throw SuiteFileError("\(path): missing group '/datasets'") }
        let top = try root.openGroup("datasets")
        let names = try top.childNames()
        guard !names.isEmpty else {
            throw SuiteFileError("\(path): the group '/datasets' is empty; a suite needs at least one dataset")
        }
        return try names.map { name in
            guard top.isGroup(name) else { throw SuiteFileError("\(path): '/datasets/\(name)' is not a group (each dataset is a group)") }
            return (name, try read(try top.openGroup(name), path: path))
        }
    }

    static func read(_ g: H5Group, path: String) throws -> SCMDataset {
        let v = SuiteValidator(group: g, path: path)
        let (obs, obsShape) = try v.floats("observational", rank: 2)
        let n = obsShape[1], sObs = obsShape[0]
        guard n >= 1, sObs >= 1 else { throw v.error("observational", "has shape \(obsShape); need at least one row and one node") }
        let (inter, interShape) = try v.floats("interventional", rank: 2)
        guard interShape[1] == n else {
            throw v.error("interventional", "has \(interShape[1]) columns but observational has \(n) nodes")
        }
        let r = interShape[0]
        let (targets, tShape) = try v.ints("regime_targets", rank: 1, Int32.self)
        let k = tShape[0]
        let (values, _) = try v.floats("regime_values", shape: [k])
        let (regime, _) = try v.ints("regime", shape: [r], Int32.self)
        try v.range("regime", regime.map(Int.init), 0..<k, "regime indices (K = \(k) regimes)")
        try v.range("regime_targets", targets.map(Int.init), 0..<n, "node indices (N = \(n))")
        var query: [Int32]
        if g.contains("query_index") {
            query = try v.ints("query_index", shape: [r], Int32.self).0
            try v.range("query_index", query.map(Int.init), 0..<sObs, "observational row indices (S_obs = \(sObs))")
        } else {
            query = (0..<r).map { Int32($0 % sObs) }  // §1: absent means r mod S_obs
        }
        var adjacency: [UInt8]? = nil, edgeTypes: [Int8]? = nil
        if g.contains("adjacency") {
            let a = try v.ints("adjacency", shape: [n, n], UInt8.self).0
            try v.range("adjacency", a.map(Int.init), 0..<2, "0 or 1")
            adjacency = a
        }
        if g.contains("edge_types") {
            let e = try v.ints("edge_types", shape: [n, n], Int8.self).0
            try v.range("edge_types", e.map(Int.init), 0..<11, "0 (no edge) or 1...10")
            if let a = adjacency, let i = a.indices.first(where: { (a[$0] != 0) != (e[$0] != 0) }) {
                throw v.error("edge_types", "disagrees with adjacency at [\(i / n), \(i % n)]")
            }
            edgeTypes = e
        }
        var counterfactual = false
        if g.hasAttribute("counterfactual") {
            guard let c = try? g.integerAttribute("counterfactual", as: Int64.self), c == 0 || c == 1 else {
                throw v.error("counterfactual", "attribute must be 0 or 1")
            }
            counterfactual = c == 1
        }
        var names: [String]? = nil
        if g.hasAttribute("node_names") {
            let s = try g.stringsAttribute("node_names") ?? []
            guard s.count == n else { throw v.error("node_names", "attribute has \(s.count) names for \(n) nodes") }
            names = s
        }
        let dataset = SCMDataset(nodeCount: n, observational: obs, interventional: inter, regime: regime,
                                 regimeTargets: targets, regimeValues: values, queryIndex: query,
                                 adjacency: adjacency, edgeTypes: edgeTypes, counterfactual: counterfactual, nodeNames: names)
        do { try dataset.validate() } catch let p as SCMDatasetProblem { throw v.error(p.field, p.problem) }
        return dataset
    }
}

public struct SuiteFileError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Shape, dtype and range checks whose errors name the file, the dataset and the problem.
struct SuiteValidator {
    let group: H5Group
    let path: String

    func error(_ child: String, _ what: String) -> SuiteFileError {
        SuiteFileError("\(path): '\(group.name)/\(child)' \(what)")
    }

    func floats(_ child: String, rank: Int? = nil, shape: [Int]? = nil) throws -> ([Float], [Int]) {
        guard group.contains(child) else { throw error(child, "is missing (required by file-formats §1)") }
        guard case .float = try group.storedClass(of: child) else {
            throw error(child, "has type \(try group.storedClass(of: child).summary); expected float32")
        }
        let (data, s) = try group.read(child, as: Float.self)
        try check(child, s, rank: rank, shape: shape)
        return (data, s)
    }

    func ints<T: H5Element & BinaryInteger>(_ child: String, rank: Int? = nil, shape: [Int]? = nil,
                                            _ type: T.Type) throws -> ([T], [Int]) {
        guard group.contains(child) else { throw error(child, "is missing (required by file-formats §1)") }
        guard case .integer = try group.storedClass(of: child) else {
            throw error(child, "has type \(try group.storedClass(of: child).summary); expected an integer type (\(T.self))")
        }
        // Read at full width and check each value fits: HDF5 would clip or truncate silently.
        let (wide, s) = try group.read(child, as: Int64.self)
        try check(child, s, rank: rank, shape: shape)
        if let i = wide.firstIndex(where: { T(exactly: $0) == nil }) {
            throw error(child, "has value \(wide[i]) at index \(i), which does not fit \(T.self)")
        }
        return (wide.map { T($0) }, s)
    }

    func check(_ child: String, _ s: [Int], rank: Int?, shape: [Int]?) throws {
        if let rank, s.count != rank { throw error(child, "has shape \(s); expected \(rank) dimensions") }
        if let shape, s != shape { throw error(child, "has shape \(s); expected \(shape)") }
    }

    func range(_ child: String, _ values: [Int], _ r: Range<Int>, _ what: String) throws {
        if let i = values.firstIndex(where: { !r.contains($0) }) {
            throw error(child, "has value \(values[i]) at index \(i); expected \(what) in \(r.lowerBound)..<\(r.upperBound)")
        }
    }
}
