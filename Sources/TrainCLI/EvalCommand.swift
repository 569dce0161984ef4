import ArgumentParser
import AtomicFile
import Evaluation
import Foundation
import Models
import NN
import SCMGen

/// `pfn-train eval`: graph and delta metrics of a checkpoint on held-out datasets, beside the
/// empty-graph, random-graph, intervention t-test, zero-delta and plug-in-delta baselines on the same data.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on held-out SCM datasets (a suite or your CSV data) against baselines.",
        discussion: """
            Data: --suite NAME, or --data with a suite file or CSV (a table or a folder; with --graph \
            EDGES.csv for the true graph). Formats: docs/file-formats.md.

            The table shows mean ± sd (sample sd over the n datasets); the --json file also has every \
            dataset's values, for `pfn-train compare` of two evaluations of the same suite (paired). \
            shd is the standard SHD (a reversed edge counts once); shd_notebook the seed notebook's count \
            (the training log's `shd`). Training's held-out evaluation (--eval-every, --eval-suite) computes \
            what eval computes with these defaults (fp32 products even in a bf16 run), so its eval_* values \
            equal this table's means for the checkpoint of that step.

            Baselines on the same data: the empty graph, a random DAG at the true density, the zero and plug-in deltas, \
            and the intervention t-test: per intervened node t (its regimes pooled), Welch's t-test of each node's \
            interventional mean against its observational mean; p < 0.01/(N-1) marks a descendant, mutual marks keep \
            the smaller p, and t -> j is dropped when another intervened u has t => u => j. Its AUROC/AUPRC rank pairs \
            in bands (edges > removed descendants > unintervened sources > the rest), by -log p, ties by std(j) - std(i).
            """)

    @Option(help: "Checkpoint (pfn-train's, or a PyTorch export with /params).", completion: .file(extensions: ["h5"]))
    var checkpoint: String
    @OptionGroup var data: DataOptions
    @OptionGroup var inference: InferenceOptions
    @Option(help: "Also write every number (means and per-dataset values) as JSON to this file.")
    var json: String?
    @Flag(help: "Print the markdown table only (no progress lines).")
    var markdown = false
    @Flag(help: "Show every metric in the table (the JSON always has them all).")
    var allMetrics = false
    @Flag(help: "Make the model's thresholded graph a DAG before scoring it: predicted edges are added by decreasing probability, skipping any that would close a cycle (AUROC/AUPRC unchanged; recorded in the JSON).")
    var acyclic = false

    static let tableMetrics = ["shd", "shd_notebook", "f1", "auroc", "auprc", "orientation_accuracy", "predicted_edges",
                               "cycle_fraction", "delta_mse", "delta_mse_descendants", "delta_mse_non_descendants"]

    func validate() throws {
        if let json { try refuseOutputOverInput(json, option: "--json", inputs: [(checkpoint, "--checkpoint")] + (data.data.map { [($0, "--data")] } ?? [])) }
    }

    func run() throws {
        Threads.setCount(inference.threads)
        let (model, _, ckpt) = try ModelLoading.load(checkpoint)
        let loaded = try data.load(maxNodes: model.config.maxNodes)
        let datasets = loaded.datasets
        if !markdown { print("evaluating \(checkpoint) (model \(ckpt.model), step \(ckpt.step)) on \(loaded.label): \(datasets.count) datasets") }
        var evaluator = inference.evaluator(defaultRows: 10, trainedContextRows: ModelLoading.trainingContextRows(ckpt.config))
        evaluator.options.acyclic = acyclic
        let report = evaluator.report(try evaluator.evaluate(ModelPredictor(model), on: datasets), suite: loaded.label,
                                      checkpoint: checkpoint, step: Int(ckpt.step), names: loaded.named.map(\.name))
        if report.graphMetricsSkipped { print("note: some datasets have no adjacency (give --graph EDGES.csv for CSV data); graph metrics were skipped for them") }
        if let k = evaluator.options.contextRowsPerRegime, !markdown {
            print("note: the pair context read the first \(k) rows of each regime (as the model was trained, or --context-rows); --context-rows 0 reads all")
        }
        if data.standardize { print("note: --standardize: delta metrics are in standard units (each node's observational sd)") }
        print(report.markdown(metrics: allMetrics ? nil : Self.tableMetrics))
        if let byN = report.markdownByNodeCount(metrics: ["shd", "auroc", "auprc", "delta_mse"]) {
            print("By graph size:\n\n" + byN)
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(String(decoding: try encoder.encode(report), as: UTF8.self), to: json)
            if !markdown { print("wrote \(json)") }
        }
    }
}
