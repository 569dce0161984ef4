import ArgumentParser
import AtomicFile
import Evaluation
import Foundation
import Models
import NN
import SCMGen

/// `pfn-train predict`: edge probabilities (graph level and per regime) and every
/// interventional row's delta of a checkpoint on a suite or a user's CSV data, as the
/// predictions file of docs/file-formats.md §2, and/or as CSV with the data's node names.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Write a checkpoint's predictions on a suite or your CSV data (docs/file-formats.md §2).",
        discussion: """
        Data: --suite NAME, or --data with a suite file or CSV (a table or a folder, \
        docs/file-formats.md §5). Every interventional row gets its delta (--rows-per-regime Q \
        limits the items to each regime's first Q rows; the other rows' deltas are then NaN). \
        Self-loop probabilities are 0. Node names from the data label every CSV output and are \
        stored as node_names in the HDF5 file. With --standardize the model sees z-scored data \
        and the deltas are mapped back to the data's units.
        """)

    @Option(help: "Checkpoint (pfn-train's, or a PyTorch export with /params).", completion: .file(extensions: ["h5"]))
    var checkpoint: String
    @OptionGroup var data: DataOptions
    @OptionGroup var inference: InferenceOptions
    @Option(help: "Output predictions file (HDF5).")
    var out: String?
    @Option(help: "Write one dataset's edge-probability matrix as CSV to this file.")
    var csv: String?
    @Option(help: "Which dataset --csv writes (0-based index in name order).")
    var csvIndex = 0
    @Option(help: "Write every dataset's edge probabilities, predicted graph and deltas as CSV into this folder (<name>.edges.csv; <name>.graph.csv, the edges above 0.5 made a DAG as a source,target list; <name>.delta.csv).")
    var csvDir: String?

    func validate() throws {
        if out == nil && csv == nil && csvDir == nil { throw ValidationError("pass --out PRED.h5, --csv FILE and/or --csv-dir DIR") }
        let inputs = [(checkpoint, "--checkpoint")] + (data.data.map { [($0, "--data")] } ?? [])
        for (path, option) in [(out, "--out"), (csv, "--csv"), (csvDir, "--csv-dir")] { if let path { try refuseOutputOverInput(path, option: option, inputs: inputs) } }
    }

    func run() throws {
        Threads.setCount(inference.threads)
        let (model, config, ckpt) = try ModelLoading.load(checkpoint)
        let loaded = try data.load(maxNodes: config.maxNodes)
        let named = loaded.named
        guard csv == nil || named.indices.contains(csvIndex) else {
            throw CLIError("--csv-index \(csvIndex) is out of range: the data has \(named.count) datasets")
        }
        let evaluator = inference.evaluator(defaultRows: 0, trainedContextRows: ModelLoading.trainingContextRows(ckpt.config))
        var predictions = try evaluator.predict(ModelPredictor(model), on: loaded.datasets).map { $0.withoutSelfLoops() }
        if let maps = loaded.standardization {
            for k in predictions.indices {
                predictions[k].delta = maps[k].deltasToUserUnits(predictions[k].delta, nodeCount: predictions[k].nodeCount)
            }
        }
        func names(_ k: Int) -> [String] { named[k].dataset.nodeNames ?? DataOptions.defaultNames(named[k].dataset.nodeCount) }
        if let out {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let json = String(decoding: try encoder.encode(config), as: UTF8.self)
            let entries = named.indices.map { k in
                PredictionsFile.Entry(name: named[k].name, prediction: predictions[k], regimes: named[k].dataset.regimeCount,
                                      rows: named[k].dataset.interventionalCount, nodeNames: names(k))
            }
            try PredictionsFile.write(entries, to: out, checkpoint: checkpoint, modelConfig: json,
                                      aggregation: evaluator.options.aggregation, standardized: data.standardize)
            print("wrote predictions for \(named.count) datasets to \(out)")
        }
        if let csv {
            try AtomicFile.write(PredictionCSV.edges(predictions[csvIndex], names: names(csvIndex)), to: csv)
            print("wrote the edge probabilities of dataset \(named[csvIndex].name) to \(csv)")
        }
        if let dir = csvDir {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for k in named.indices {
                try AtomicFile.write(PredictionCSV.edges(predictions[k], names: names(k)), to: "\(dir)/\(named[k].name).edges.csv")
                try AtomicFile.write(PredictionCSV.deltas(predictions[k], dataset: named[k].dataset, names: names(k)),
                                     to: "\(dir)/\(named[k].name).delta.csv")
                try AtomicFile.write(PredictionCSV.graph(predictions[k], names: names(k)), to: "\(dir)/\(named[k].name).graph.csv")
            }
            print("wrote edge probabilities, predicted graphs and deltas of \(named.count) datasets to \(dir)/")
        }
    }
}

/// Predictions as CSV tables labelled with node names.
enum PredictionCSV {
    /// The [N, N] matrix: a row per parent, a column per child.
    static func edges(_ p: DatasetPrediction, names: [String]) -> String {
        let n = p.nodeCount
        var text = "parent\\child," + names.map(csvCell).joined(separator: ",") + "\n"
        for i in 0..<n {
            text += csvCell(names[i]) + "," + (0..<n).map { String(format: "%.6f", p.edgeProbability[i * n + $0]) }.joined(separator: ",") + "\n"
        }
        return text
    }

    /// The predicted graph as an edge list (file-formats §5.3, so `eval --graph` reads it back):
    /// edges with probability > ½ made a DAG (`greedyAcyclicEdges`), most probable first.
    static func graph(_ p: DatasetPrediction, names: [String]) -> String {
        let n = p.nodeCount
        let edges = greedyAcyclicEdges(p.edgeProbability, nodeCount: n, threshold: 0.5)
        let kept = (0..<(n * n)).filter { edges[$0] }.sorted { (p.edgeProbability[$0], -$0) > (p.edgeProbability[$1], -$1) }
        return "source,target\n" + kept.map { csvCell(names[$0 / n]) + "," + csvCell(names[$0 % n]) + "\n" }.joined()
    }

    /// One line per interventional row: its row index, regime, target and query row, then the
    /// predicted delta of every node (empty where the row was not predicted).
    static func deltas(_ p: DatasetPrediction, dataset d: SCMDataset, names: [String]) -> String {
        let n = p.nodeCount
        var text = (["row", "regime", "target", "query_index"] + names.map(csvCell)).joined(separator: ",") + "\n"
        for r in 0..<d.interventionalCount {
            let k = Int(d.regime[r])
            let cells = (0..<n).map { j -> String in
                let v = p.delta[r * n + j]
                return v.isFinite ? "\(v)" : ""
            }
            text += (["\(r)", "\(k)", csvCell(names[Int(d.regimeTargets[k])]), "\(d.queryIndex[r])"] + cells).joined(separator: ",") + "\n"
        }
        return text
    }

    static func csvCell(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
