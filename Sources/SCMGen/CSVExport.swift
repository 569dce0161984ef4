// One dataset as the CSV folder `pfn-train sample --csv` writes (docs/file-formats.md §5.1),
// the exact text of the CLI's writer, so that CSVImport.readFolder reads it back bit for bit
// (Swift prints the shortest text that parses back to the same Float).
import AtomicFile
import Foundation

public enum CSVExport {
    /// observational.csv, interventional.csv and, when known, adjacency.csv and edge_types.csv.
    public static func writeFolder(_ d: SCMDataset, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let n = d.nodeCount
        let names = d.nodeNames ?? (0..<n).map { "X\($0)" }
        func row(_ a: [Float], _ r: Int) -> [String] { (0..<n).map { "\(a[r * n + $0])" } }
        var obs = [names.map(quoted).joined(separator: ",")]
        for r in 0..<d.observationalCount { obs.append(row(d.observational, r).joined(separator: ",")) }
        var inter = [(["regime", "target", "value", "query_index"] + names.map(quoted)).joined(separator: ",")]
        for r in 0..<d.interventionalCount {
            let k = Int(d.regime[r])
            inter.append((["\(k)", "\(d.regimeTargets[k])", "\(d.regimeValues[k])", "\(d.queryIndex[r])"]
                          + row(d.interventional, r)).joined(separator: ","))
        }
        try save(obs, dir, "observational.csv")
        try save(inter, dir, "interventional.csv")
        if let a = d.adjacency {
            try save((0..<n).map { i in (0..<n).map { "\(a[i * n + $0])" }.joined(separator: ",") }, dir, "adjacency.csv")
        }
        if let e = d.edgeTypes {
            try save((0..<n).map { i in (0..<n).map { "\(e[i * n + $0])" }.joined(separator: ",") }, dir, "edge_types.csv")
        }
    }

    /// A header cell, quoted only when it must be (a comma, quote or newline in a node name).
    static func quoted(_ s: String) -> String {
        guard s.contains(where: { ",\"\n\r".contains($0) }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func save(_ lines: [String], _ dir: String, _ name: String) throws {
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: "\(dir)/\(name)")
    }
}
