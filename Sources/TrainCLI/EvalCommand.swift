import ArgumentParser
import AtomicFile
import Evaluation
import Foundation
import Models
import NN
import SCMGen

/// Which data a command evaluates: a suite file or a built-in held-out suite.
struct SuiteOptions: ParsableArguments {
    @Option(help: "Suite file (file-formats.md §1), e.g. from `pfn-train sample`.")
    var data: String?
    @Option(help: "Built-in held-out suite: \(BuiltinSuites.names.joined(separator: ", ")).")
    var suite: String?

    func validate() throws {
        if (data == nil) == (suite == nil) { throw ValidationError("pass exactly one of --data FILE or --suite NAME") }
    }

    /// (name, datasets) and a label for reports; refuses a dataset larger than the model.
    func load(maxNodes: Int) throws -> (label: String, named: [(name: String, dataset: SCMDataset)]) {
        let label = data ?? suite!
        let named = try data.map { try SCMSuiteFile.readNamed($0) }
            ?? BuiltinSuites.datasets(suite!).enumerated().map { (String(format: "%06d", $0.offset), $0.element) }
        if let big = named.first(where: { $0.dataset.nodeCount > maxNodes }) {
            throw CLIError("dataset \(big.name) has \(big.dataset.nodeCount) nodes but the checkpoint's model takes at most \(maxNodes); evaluate on smaller graphs or train with --max-nodes \(big.dataset.nodeCount)")
        }
        return (label, named)
    }
}

/// Options shared by `eval` and `predict`: how items are drawn and combined.
struct InferenceOptions: ParsableArguments {
    @Option(help: "Query rows per regime (the regime's first rows with their query rows); 0 = all.")
    var rowsPerRegime = 10
    @Option(help: "Edge aggregation over items: mean (of sigmoid) or mean_logit.")
    var aggregation = "mean"
    @Option(help: "Threads for the matrix products.")
    var threads = 2

    func validate() throws {
        if rowsPerRegime < 0 { throw ValidationError("--rows-per-regime must be 0 (all) or positive") }
        if EdgeAggregation(rawValue: aggregation) == nil { throw ValidationError("--aggregation is '\(aggregation)'; use mean or mean_logit") }
    }

    var evaluator: Evaluator {
        var o = EvaluatorOptions()
        o.queryRowsPerRegime = rowsPerRegime == 0 ? nil : rowsPerRegime
        o.aggregation = EdgeAggregation(rawValue: aggregation)!
        return Evaluator(options: o)
    }
}

/// `pfn-train eval`: graph and delta metrics of a checkpoint on held-out datasets, beside the
/// empty-graph, random-graph, zero-delta and plug-in-delta baselines on the same data.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on held-out SCM datasets against baselines.")

    @Option(help: "Checkpoint (pfn-train's, or a PyTorch export with /params).")
    var checkpoint: String
    @OptionGroup var suite: SuiteOptions
    @OptionGroup var inference: InferenceOptions
    @Option(help: "Also write every number as JSON to this file.")
    var json: String?
    @Flag(help: "Print the markdown table only (no progress lines).")
    var markdown = false
    @Flag(help: "Show every metric in the table (the JSON always has them all).")
    var allMetrics = false

    static let tableMetrics = ["shd", "shd_notebook", "f1", "auroc", "auprc", "orientation_accuracy", "predicted_edges",
                               "cycle_fraction", "delta_mse", "delta_mse_descendants", "delta_mse_non_descendants"]

    func run() throws {
        Threads.setCount(inference.threads)
        let (model, _, ckpt) = try ModelLoading.load(checkpoint)
        let (label, named) = try suite.load(maxNodes: model.config.maxNodes)
        let datasets = named.map(\.dataset)
        if !markdown { print("evaluating \(checkpoint) (model \(ckpt.model), step \(ckpt.step)) on \(label): \(datasets.count) datasets") }
        let evaluator = inference.evaluator
        let report = evaluator.report(try evaluator.evaluate(ModelPredictor(model), on: datasets), suite: label,
                                      checkpoint: checkpoint, step: Int(ckpt.step))
        if report.graphMetricsSkipped { print("note: some datasets have no adjacency; graph metrics were skipped for them") }
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
