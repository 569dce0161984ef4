import ArgumentParser
import Evaluation
import Foundation
import SCMGen

/// `pfn-train sample`: writes a suite of SCM datasets (docs/file-formats.md §1), sampled from
/// the prior or one of the built-in held-out suites, so users can run their own metrics on
/// `predict`'s output.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Sample a suite of SCM datasets from the prior into an HDF5 file (docs/file-formats.md §1).",
        discussion: """
        --suite NAME writes a built-in held-out suite exactly as eval and --eval-suite use it \
        (its own seed and prior; --count, --seed and the prior options do not apply). --csv-dir DIR \
        also writes one dataset as the CSV folder of docs/file-formats.md §5.1, which \
        predict/eval --data and import read back exactly.
        """)

    @Option(help: "Number of datasets (default 50).")
    var count: Int?
    @Option(help: "Random seed (suites use their own random stream, independent of training; default 0).")
    var seed: UInt64?
    @Option(help: "Export a built-in held-out suite: \(BuiltinSuites.names.joined(separator: ", ")).", completion: .list(BuiltinSuites.names))
    var suite: String?
    @Option(help: "Output HDF5 file.")
    var out: String
    @Option(help: "Also write one dataset as CSV files into this folder (docs/file-formats.md §5.1).")
    var csvDir: String?
    /// The option's name before 0.3 (predict's --csv names a file, so the folder became --csv-dir).
    @Option(name: .customLong("csv"), help: .hidden)
    var legacyCSV: String?
    @Option(help: "Which dataset --csv-dir writes (0-based).")
    var csvIndex = 0

    var csvFolder: String? { csvDir ?? legacyCSV }
    @OptionGroup(title: "Prior (the SCM distribution)") var prior: PriorOptions

    func validate() throws {
        if let suite {
            guard BuiltinSuites.prior(suite) != nil else {
                throw ValidationError("unknown suite '\(suite)'; built-in suites: \(BuiltinSuites.names.joined(separator: ", "))")
            }
            let priorGiven = try prior.config() != PriorConfig()
            if count != nil || seed != nil || priorGiven {
                throw ValidationError("--suite \(suite) has its own prior, seed and count; drop --count, --seed and the prior options")
            }
        }
        let n = suite == nil ? (count ?? 50) : BuiltinSuites.datasetCount
        if n < 1 { throw ValidationError("--count is \(n); it must be at least 1") }
        if csvIndex < 0 || csvIndex >= n {
            throw ValidationError("--csv-index is \(csvIndex); it must lie in 0..<\(n) (the number of datasets)")
        }
        _ = try prior.config()
        if csvDir != nil && legacyCSV != nil { throw ValidationError("--csv is the old name of --csv-dir; give only --csv-dir") }
        var isDir: ObjCBool = false
        if let dir = csvFolder, FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), !isDir.boolValue {
            throw ValidationError("--csv-dir \(dir) is a file; --csv-dir names a folder for the CSV files, so pass a new or existing folder")
        }
    }

    func run() throws {
        let config: PriorConfig, n: Int, s: UInt64
        if let suite {
            (config, n, s) = (BuiltinSuites.prior(suite)!, BuiltinSuites.datasetCount, BuiltinSuites.seed)
        } else {
            (config, n, s) = (try prior.config(), count ?? 50, seed ?? 0)
        }
        let datasets = try SuiteSampler.sample(config: config, count: n, seed: s)
        let json = try SuiteSampler.generatorConfigJSON(config: config, count: n, seed: s)
        try SCMSuiteFile.write(datasets, to: out, generatorConfig: json)
        let rows = datasets.reduce(0) { $0 + $1.interventionalCount }
        print("wrote \(n) datasets (\(config.nodesMin)–\(config.nodesMax) nodes, \(rows) interventional rows) to \(out)")
        if let dir = csvFolder {
            try CSVExport.writeFolder(datasets[csvIndex], to: dir)
            print("wrote dataset \(csvIndex) as CSV to \(dir)/")
        }
    }
}
