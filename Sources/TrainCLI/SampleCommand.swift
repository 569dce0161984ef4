import ArgumentParser
import AtomicFile
import Foundation
import SCMGen

/// `pfn-train sample`: writes a held-out suite of SCM datasets (file-formats.md §1).
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample a suite of SCM datasets from the prior into an HDF5 file (file-formats.md §1).")

    @Option(help: "Number of datasets.")
    var count = 50
    @Option(help: "Random seed (suites use their own random stream, independent of training).")
    var seed: UInt64 = 0
    @Option(help: "Output HDF5 file.")
    var out: String
    @Option(help: "Also dump one dataset as CSV files into this folder.")
    var csv: String?
    @Option(help: "Which dataset --csv dumps (0-based).")
    var csvIndex = 0
    @OptionGroup var prior: PriorOptions

    func validate() throws {
        if count < 1 { throw ValidationError("--count is \(count); it must be at least 1") }
        if csvIndex < 0 || csvIndex >= count {
            throw ValidationError("--csv-index is \(csvIndex); it must lie in 0..<\(count) (the --count)")
        }
        _ = try prior.config()
        var isDir: ObjCBool = false
        if let dir = csv, FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), !isDir.boolValue {
            throw ValidationError("--csv \(dir) is a file; --csv names a folder for the CSV files, so pass a new or existing folder")
        }
    }

    func run() throws {
        let config = try prior.config()
        let suite = try SuiteSampler.sample(config: config, count: count, seed: seed)
        let json = try SuiteSampler.generatorConfigJSON(config: config, count: count, seed: seed)
        try SCMSuiteFile.write(suite, to: out, generatorConfig: json)
        let rows = suite.reduce(0) { $0 + $1.interventionalCount }
        print("wrote \(count) datasets (\(config.nodesMin)–\(config.nodesMax) nodes, \(rows) interventional rows) to \(out)")
        if let dir = csv {
            try CSVDump.write(suite[csvIndex], to: dir)
            print("wrote dataset \(csvIndex) as CSV to \(dir)/")
        }
    }
}

/// One dataset as CSV files, for a quick look in a spreadsheet or pandas.
enum CSVDump {
    static func write(_ d: SCMDataset, to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let n = d.nodeCount
        let names = d.nodeNames ?? (0..<n).map { "X\($0)" }
        func row(_ a: [Float], _ r: Int) -> [String] { (0..<n).map { "\(a[r * n + $0])" } }
        var obs = [names.joined(separator: ",")]
        for r in 0..<d.observationalCount { obs.append(row(d.observational, r).joined(separator: ",")) }
        var inter = [(["regime", "target", "value", "query_index"] + names).joined(separator: ",")]
        for r in 0..<d.interventionalCount {
            let k = Int(d.regime[r])
            inter.append((["\(k)", "\(d.regimeTargets[k])", "\(d.regimeValues[k])", "\(d.queryIndex[r])"] + row(d.interventional, r)).joined(separator: ","))
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

    static func save(_ lines: [String], _ dir: String, _ name: String) throws {
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: "\(dir)/\(name)")
    }
}
