// A user's known graph as an edge list (docs/file-formats.md §5.3): `source,target` rows, each
// node by name or 0-based index, turned into the adjacency matrix of file-formats.md §1.
import Foundation

public enum EdgeListCSV {
    /// The adjacency [N, N] (A[i, j] = 1 iff i → j) of the edges listed at `path`.
    public static func read(_ path: String, nodeNames: [String]) throws -> [UInt8] {
        try adjacency(CSVTable(path: path), nodeNames: nodeNames)
    }

    public static func read(text: String, file: String, nodeNames: [String]) throws -> [UInt8] {
        try adjacency(CSVTable(text: text, file: file), nodeNames: nodeNames)
    }

    static func adjacency(_ t: CSVTable, nodeNames: [String]) throws -> [UInt8] {
        guard t.header == ["source", "target"] else {
            throw CSVImportError("\(t.file): row 1: the header is '\(t.header.joined(separator: ","))'; expected 'source,target' (one edge source → target per row)")
        }
        let nodes = NodeNames(nodeNames, file: t.file), n = nodeNames.count
        var a = [UInt8](repeating: 0, count: n * n)   // [N, N]
        for r in t.rows.indices {
            let i = try nodes.resolve(t, r, 0), j = try nodes.resolve(t, r, 1)
            guard i != j else {
                throw CSVImportError("\(t.place(r, 1)): a self-loop \(nodeNames[i]) → \(nodeNames[j]); the graphs are DAGs: remove the row")
            }
            a[i * n + j] = 1
        }
        return a
    }
}
