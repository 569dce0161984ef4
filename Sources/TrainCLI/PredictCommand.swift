import ArgumentParser
import AtomicFile
import Evaluation
import Foundation
import Models
import NN
import SCMGen

/// `pfn-train predict`: edge probabilities (graph level and per regime) and per-row deltas of
/// a checkpoint on a suite, as the predictions file of file-formats.md §2; `--csv` writes one
/// dataset's edge-probability matrix with node names.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Write a checkpoint's predictions on a suite (file-formats.md §2).")

    @Option(help: "Checkpoint (pfn-train's, or a PyTorch export with /params).")
    var checkpoint: String
    @OptionGroup var suite: SuiteOptions
    @OptionGroup var inference: InferenceOptions
    @Option(help: "Output predictions file (HDF5).")
    var out: String?
    @Option(help: "Write one dataset's edge-probability matrix as CSV to this file.")
    var csv: String?
    @Option(help: "Which dataset --csv writes (0-based index in name order).")
    var csvIndex = 0

    func validate() throws {
        if out == nil && csv == nil { throw ValidationError("pass --out PRED.h5 and/or --csv FILE") }
        let inputs = [(checkpoint, "--checkpoint")] + (suite.data.map { [($0, "--data")] } ?? [])
        for (path, option) in [(out, "--out"), (csv, "--csv")] { if let path { try refuseOutputOverInput(path, option: option, inputs: inputs) } }
    }

    func run() throws {
        Threads.setCount(inference.threads)
        let (model, config, _) = try ModelLoading.load(checkpoint)
        let (_, named) = try suite.load(maxNodes: config.maxNodes)
        guard csv == nil || named.indices.contains(csvIndex) else {
            throw CLIError("--csv-index \(csvIndex) is out of range: the suite has \(named.count) datasets")
        }
        let evaluator = inference.evaluator
        let predictions = try evaluator.predict(ModelPredictor(model), on: named.map(\.dataset))
        if let out {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let json = String(decoding: try encoder.encode(config), as: UTF8.self)
            try PredictionsFile.write(zip(named, predictions).map { ($0.0.name, $0.1, $0.0.dataset.regimeCount, $0.0.dataset.interventionalCount) },
                                      to: out, checkpoint: checkpoint, modelConfig: json, aggregation: evaluator.options.aggregation)
            print("wrote predictions for \(named.count) datasets to \(out)")
        }
        if let csv {
            let d = named[csvIndex].dataset, p = predictions[csvIndex].edgeProbability, n = d.nodeCount
            let names = d.nodeNames ?? (0..<n).map { "X\($0)" }
            var text = "parent\\child," + names.joined(separator: ",") + "\n"
            for i in 0..<n {
                text += names[i] + "," + (0..<n).map { String(format: "%.6f", p[i * n + $0]) }.joined(separator: ",") + "\n"
            }
            try AtomicFile.write(text, to: csv)
            print("wrote the edge probabilities of dataset \(named[csvIndex].name) to \(csv)")
        }
    }
}
