import ArgumentParser
import Evaluation
import Foundation
import SCMGen

/// Which data `eval` and `predict` read: a suite file, a user's CSV (docs/file-formats.md §5),
/// or a built-in held-out suite; with a CSV, optionally its known graph and z-scoring.
struct DataOptions: ParsableArguments {
    @Option(help: "Suite file (.h5, docs/file-formats.md §1), a CSV table or a CSV folder (§5).",
            completion: .file(extensions: ["h5", "csv"]))
    var data: String?
    @Option(help: "Built-in held-out suite: \(BuiltinSuites.names.joined(separator: ", ")).", completion: .list(BuiltinSuites.names))
    var suite: String?
    @Option(help: "With a CSV --data: the true graph as an edge list source,target (§5.3), for the graph metrics.",
            completion: .file(extensions: ["csv"]))
    var graph: String?
    @Flag(help: "Z-score each node by its observational mean and std before the model sees it; deltas are mapped back to the data's units (§6).")
    var standardize = false

    func validate() throws {
        if (data == nil) == (suite == nil) { throw ValidationError("pass exactly one of --data FILE or --suite NAME") }
        if graph != nil && !(data.map(Self.isCSV) ?? false) {
            throw ValidationError("--graph gives the graph of a CSV --data; a suite file carries its own adjacency, so drop --graph")
        }
    }

    /// A folder or a `.csv` file is CSV; anything else a suite file.
    static func isCSV(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return (FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue)
            || path.lowercased().hasSuffix(".csv")
    }

    /// The datasets (each named as in the suite file, or `000000` for one CSV dataset), a
    /// label for reports, and — with `--standardize` — each dataset's map to standard units
    /// (the datasets returned are already mapped). Refuses what the models cannot read.
    func load(maxNodes: Int) throws -> LoadedData {
        let label = data ?? suite!
        var named: [(name: String, dataset: SCMDataset)]
        if let path = data, Self.isCSV(path) {
            named = [("000000", try Self.readCSV(path, graph: graph))]
        } else if let path = data {
            named = try SCMSuiteFile.readNamed(path)
        } else {
            named = try BuiltinSuites.datasets(suite!).enumerated().map { (String(format: "%06d", $0.offset), $0.element) }
        }
        if let big = named.first(where: { $0.dataset.nodeCount > maxNodes }) {
            throw CLIError("dataset \(big.name) has \(big.dataset.nodeCount) nodes but the checkpoint's model takes at most \(maxNodes); evaluate on smaller graphs or train with --max-nodes \(big.dataset.nodeCount)")
        }
        if let obsOnly = named.first(where: { $0.dataset.regimeCount == 0 || $0.dataset.interventionalCount == 0 }) {
            throw CLIError("dataset \(obsOnly.name) of \(label) has no interventional rows; the models read interventional regimes (their features are statistics of the regimes), so they cannot predict from observational data alone (docs/file-formats.md §5.4); add rows with a target")
        }
        var maps: [Standardization]? = nil
        if standardize {
            maps = named.map { Standardization(fitting: $0.dataset) }
            for k in named.indices { named[k].dataset = maps![k].apply(to: named[k].dataset) }
        }
        return LoadedData(label: label, named: named, standardization: maps)
    }

    static func defaultNames(_ n: Int) -> [String] { (0..<n).map { "X\($0)" } }

    /// One CSV dataset, with the graph of `graph` (an edge list) if given, validated.
    static func readCSV(_ path: String, graph: String?) throws -> SCMDataset {
        var d = try CSVImport.read(path)
        if let graph {
            if d.adjacency != nil {
                throw CLIError("\(path) has its own adjacency.csv and --graph gives another; drop one of them")
            }
            d.adjacency = try EdgeListCSV.read(graph, nodeNames: d.nodeNames ?? defaultNames(d.nodeCount))
            d.edgeTypes = nil  // they describe another graph, if any
        }
        if d.interventionalCount == 0 {
            throw CLIError("\(path) has no interventional rows (no row with a target); the models read interventional regimes, so they cannot predict from observational data alone (docs/file-formats.md §5.4); add rows with a target")
        }
        do { try d.validate() } catch { throw CLIError("\(path): \(error)") }
        return d
    }
}

struct LoadedData {
    var label: String
    var named: [(name: String, dataset: SCMDataset)]
    /// Per dataset, with --standardize.
    var standardization: [Standardization]?

    var datasets: [SCMDataset] { named.map(\.dataset) }
}
