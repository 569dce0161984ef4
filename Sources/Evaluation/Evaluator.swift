// Runs a predictor on every regime of every dataset of a suite, aggregates its edge
// probabilities per dataset, and scores it and the baselines on the same data.
import Foundation
import Randomness
import SCMGen

public struct EvaluatorOptions: Sendable {
    /// Items per regime: its first Q interventional rows in file order, each with its stored
    /// `query_index` row (a regime with fewer rows uses them all); nil = every row. 10 rows per
    /// regime × ~3N/2 regimes gives every dataset hundreds of items at modest cost.
    public var queryRowsPerRegime: Int? = 10
    public var batchSize = 32
    /// An edge is predicted iff its aggregated probability > threshold.
    public var threshold: Float = 0.5
    public var aggregation: EdgeAggregation = .meanProbability
    /// Seeds the random-graph baseline (dataset d draws from stream d, so results do not depend
    /// on which other datasets are evaluated).
    public var baselineSeed: UInt64 = 0
    /// Rows per regime the pair context's statistics read (nil: all); the item's own regime
    /// statistics and the baselines always use every row.
    public var contextRowsPerRegime: Int? = nil
    /// The model's thresholded graph is made a DAG (`greedyAcyclicEdges`) before its graph
    /// metrics; the probabilities, and so AUROC/AUPRC, are unchanged.
    public var acyclic = false
    public init() {}
}

/// How item-level edge logits become one probability per edge.
public enum EdgeAggregation: String, Codable, Sendable {
    /// Mean of sigmoid(logit) over items.
    case meanProbability = "mean"
    /// sigmoid(mean logit) over items: a geometric-style pooling that lets confident items dominate.
    case meanLogit = "mean_logit"
}

/// One dataset's predictions, in the shapes of the predictions file (file-formats.md §2).
public struct DatasetPrediction: Sendable {
    public var nodeCount: Int
    public var edgeProbability: [Float]            // [N, N] over all items of the dataset
    public var edgeProbabilityPerRegime: [Float]   // [K, N, N]; NaN for a regime with no items
    public var delta: [Float]                      // [R, N]; NaN rows were not evaluated
    public var evaluatedRows: [Int]                // rows r with a predicted delta, ascending
}

/// Everything computed for one dataset: the model's predictions and metrics, and the baselines'.
public struct DatasetEvaluation: Sendable {
    public var index: Int
    public var nodeCount: Int
    public var prediction: DatasetPrediction
    /// Graph metrics per method ("model", "empty graph", "random graph", "intervention t-test");
    /// empty without adjacency.
    public var graph: [String: GraphMetrics]
    /// Delta metrics per method ("model", "zero delta", "plug-in delta") over the evaluated rows.
    public var delta: [String: DeltaMetrics]
}

public struct Evaluator {
    public var options: EvaluatorOptions
    /// Table order of methods: the model, then the baselines.
    public static let methods = ["model", "empty graph", "random graph", "intervention t-test", "zero delta", "plug-in delta"]

    public init(options: EvaluatorOptions = EvaluatorOptions()) { self.options = options }

    /// The items evaluated for dataset `index`: per regime, its first Q rows.
    public func items(for d: SCMDataset, index: Int) -> [BatchItem] {
        var taken = [Int](repeating: 0, count: d.regimeCount)
        var out: [BatchItem] = []
        for r in 0..<d.interventionalCount {
            let k = Int(d.regime[r])
            if let q = options.queryRowsPerRegime, taken[k] >= q { continue }
            taken[k] += 1
            out.append(BatchItem(dataset: index, regime: k, row: r, query: Int(d.queryIndex[r])))
        }
        return out
    }

    /// Predicts every dataset's items in batches of `options.batchSize` and scores them.
    public func evaluate(_ predictor: some CausalPredictor, on datasets: [SCMDataset]) throws -> [DatasetEvaluation] {
        if let big = datasets.firstIndex(where: { $0.nodeCount > predictor.maxNodes }) {
            throw EvaluationError("dataset \(big) has \(datasets[big].nodeCount) nodes but the model supports at most "
                + "\(predictor.maxNodes); evaluate on a suite with at most \(predictor.maxNodes) nodes per graph "
                + "or use a model trained with more node slots.")
        }
        let predictions = try predict(predictor, on: datasets)
        return datasets.indices.map { score(datasets[$0], index: $0, prediction: predictions[$0]) }
    }

    /// Runs the predictor and aggregates its outputs per dataset (no scoring; for `predict`).
    public func predict(_ predictor: some CausalPredictor, on datasets: [SCMDataset]) throws -> [DatasetPrediction] {
        var acc = datasets.map { Accumulator($0) }
        let summaries = datasets.map { DatasetSummary($0, contextRowsPerRegime: options.contextRowsPerRegime) }
        let all = datasets.indices.flatMap { items(for: datasets[$0], index: $0) }
        var start = 0
        while start < all.count {
            let chunk = Array(all[start..<min(start + max(1, options.batchSize), all.count)])
            let batch = TrainingBatch(items: chunk, datasets: datasets, summaries: summaries)
            let (logits, delta) = try predictor.predict(batch)
            let b = batch.batchSize, n = batch.maxNodes
            guard logits.count == b * n * n, delta.count == b * n else {
                throw EvaluationError("the predictor returned \(logits.count) edge logits and \(delta.count) deltas "
                    + "for a batch of \(b) items with \(n) node slots; expected [B, N, N] = \(b * n * n) and [B, N] = \(b * n).")
            }
            for (slot, item) in chunk.enumerated() {
                acc[item.dataset].add(item, logits: logits, delta: delta, slot: slot, slots: n, mode: options.aggregation)
            }
            start += chunk.count
        }
        return acc.map { $0.result(options.aggregation) }
    }

    /// Metrics of one dataset's prediction and of the baselines on the same rows.
    public func score(_ d: SCMDataset, index: Int, prediction p: DatasetPrediction) -> DatasetEvaluation {
        let n = d.nodeCount
        var graph: [String: GraphMetrics] = [:]
        if let a = d.adjacency {
            var rng = Xoshiro256(seed: options.baselineSeed, stream: UInt64(index))
            graph["model"] = GraphMetrics(probabilities: p.edgeProbability, adjacency: a, nodeCount: n, threshold: options.threshold,
                                          acyclic: options.acyclic)
            graph["empty graph"] = GraphMetrics(probabilities: Baselines.emptyGraph(nodeCount: n), adjacency: a,
                                                nodeCount: n, threshold: options.threshold)
            graph["random graph"] = GraphMetrics(probabilities: Baselines.randomGraph(trueAdjacency: a, nodeCount: n, rng: &rng),
                                                 adjacency: a, nodeCount: n, threshold: options.threshold)
            // Its probabilities are ranks placed so that exactly its edges lie above ½.
            graph["intervention t-test"] = GraphMetrics(probabilities: InterventionTTest(d).probabilities, adjacency: a,
                                                        nodeCount: n, threshold: 0.5)
        }
        let rows = p.evaluatedRows
        let truth = rows.flatMap { d.delta(row: $0) }                                      // [R', N]
        let targets = rows.map { Int(d.regimeTargets[Int(d.regime[$0])]) }
        let plugIn = Baselines.plugInDelta(observational: d.observational, interventional: d.interventional,
                                           regime: d.regime.map(Int.init), queryIndex: d.queryIndex.map(Int.init), nodeCount: n)
        func pick(_ full: [Float]) -> [Float] { rows.flatMap { full[($0 * n)..<($0 * n + n)] } }
        func metrics(_ predicted: [Float]) -> DeltaMetrics {
            DeltaMetrics(predicted: predicted, truth: truth, targets: targets, adjacency: d.adjacency, nodeCount: n)
        }
        let delta = ["model": metrics(pick(p.delta)),
                     "zero delta": metrics(Baselines.zeroDelta(rows: rows.count, nodeCount: n)),
                     "plug-in delta": metrics(pick(plugIn))]
        return DatasetEvaluation(index: index, nodeCount: n, prediction: p, graph: graph, delta: delta)
    }

    /// Mean ± sd over datasets (and by N) for the model and each baseline. A baseline row
    /// carries only the metrics it has (graph baselines no delta metrics, and vice versa).
    /// `names` label the datasets in the per-dataset values (default `000000`, `000001`, …).
    public func report(_ evaluations: [DatasetEvaluation], suite: String, checkpoint: String? = nil,
                       step: Int? = nil, names: [String]? = nil) -> EvaluationReport {
        let methods = Self.methods.compactMap { method -> MethodSummary? in
            let rows = evaluations.map { e -> (nodeCount: Int, values: [(String, Double?)]) in
                (e.nodeCount, (e.graph[method]?.namedValues ?? []) + (e.delta[method]?.namedValues ?? []))
            }.filter { !$0.values.isEmpty }
            guard !rows.isEmpty else { return nil }
            return MethodSummary(name: method, overall: MetricTable(rows.map { $0.values }),
                                 byNodeCount: summariesByNodeCount(rows).map { NodeCountSummary(nodeCount: $0.nodeCount, table: $0.table) })
        }
        let perDataset = evaluations.enumerated().map { k, e -> DatasetValues in
            var values: [String: [String: Double]] = [:]
            for method in Self.methods {
                let pairs = (e.graph[method]?.namedValues ?? []) + (e.delta[method]?.namedValues ?? [])
                let finite = pairs.compactMap { p in p.1.flatMap { $0.isFinite ? (p.0, $0) : nil } }
                if !finite.isEmpty { values[method] = Dictionary(finite, uniquingKeysWith: { a, _ in a }) }
            }
            let name = names.map { k < $0.count ? $0[k] : String(format: "%06d", k) } ?? String(format: "%06d", e.index)
            return DatasetValues(name: name, nodeCount: e.nodeCount, values: values)
        }
        var report = EvaluationReport(checkpoint: checkpoint, step: step, suite: suite, datasetCount: evaluations.count,
                                      queryRowsPerRegime: options.queryRowsPerRegime ?? -1,
                                      aggregation: options.aggregation.rawValue,
                                      graphMetricsSkipped: evaluations.contains { $0.graph.isEmpty },
                                      methods: methods)
        report.datasets = perDataset
        report.contextRowsPerRegime = options.contextRowsPerRegime
        report.acyclic = options.acyclic ? true : nil
        return report
    }
}
