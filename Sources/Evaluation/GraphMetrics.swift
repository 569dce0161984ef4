// Graph-level metrics of one predicted edge-probability matrix against the true DAG.
import SCMGen

/// Metrics of one dataset's aggregated [N, N] edge probabilities against its true adjacency.
/// Everything except `notebookSHD` is computed over off-diagonal entries only (a DAG has no
/// self-loops, and the models' diagonal carries no information).
public struct GraphMetrics: Codable, Equatable, Sendable {
    public var nodeCount: Int
    public var trueEdges: Int
    /// Structural Hamming distance over unordered pairs {i, j}: 1 for each pair whose edge
    /// state (none, i→j, j→i, both) differs, so a reversed edge costs 1, a missing or extra
    /// edge 1 each.
    public var shd: Int
    /// The seed notebook's `compute_shd`: the number of entries where the thresholded matrix
    /// differs from the truth, diagonal included; a reversed edge costs 2.
    public var notebookSHD: Int
    /// Edge precision / recall / F1 at the threshold; 0 when the denominator is 0 (sklearn's
    /// `zero_division=0`), so an empty prediction scores precision 0.
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// AUROC and AUPRC (average precision) of the off-diagonal probabilities against the
    /// off-diagonal truth; nil when undefined (no true edges, or a complete graph for AUROC).
    public var auroc: Double?
    public var auprc: Double?
    /// Fraction of true edges i→j with p[i,j] > p[j,i] (ties count as wrong); nil with no edges.
    public var orientationAccuracy: Double?
    /// Number of off-diagonal predicted edges (p > threshold, after the DAG projection with `acyclic`).
    public var predictedEdges: Int
    /// Whether the thresholded off-diagonal graph contains a directed cycle.
    public var hasCycle: Bool

    /// The metrics as ordered (name, value) pairs, the names used in tables, JSON summaries and
    /// training-log series (`eval_<name>`); nil values are undefined for this dataset.
    public var namedValues: [(String, Double?)] {
        [("shd", Double(shd)), ("shd_notebook", Double(notebookSHD)),
         ("precision", precision), ("recall", recall), ("f1", f1),
         ("auroc", auroc), ("auprc", auprc), ("orientation_accuracy", orientationAccuracy),
         ("predicted_edges", Double(predictedEdges)), ("true_edges", Double(trueEdges)),
         ("cycle_fraction", hasCycle ? 1 : 0)]
    }

    /// - Parameters:
    ///   - probabilities: [N, N] row-major, p[i*n + j] = probability of i → j.
    ///   - adjacency: [N, N] row-major true DAG, nonzero iff i → j.
    ///   - threshold: an edge is predicted iff p > threshold (the notebook's logits > 0 ⇔ p > ½).
    ///   - acyclic: the predicted graph is `greedyAcyclicEdges` of the thresholded one (a DAG).
    public init(probabilities: [Float], adjacency: [UInt8], nodeCount n: Int, threshold: Float = 0.5, acyclic: Bool = false) {
        precondition(probabilities.count == n * n && adjacency.count == n * n,
                     "probabilities and adjacency must both be [N, N] with N = \(n)")
        let predicted = acyclic ? greedyAcyclicEdges(probabilities, nodeCount: n, threshold: threshold)
            : probabilities.map { $0 > threshold }                   // [N, N]
        let truth = adjacency.map { $0 != 0 }                         // [N, N]
        var notebook = 0
        for k in 0..<(n * n) where predicted[k] != truth[k] { notebook += 1 }

        var shd = 0, tp = 0, fp = 0, fn = 0, correctlyOriented = 0
        var scores: [Double] = [], labels: [Bool] = []
        scores.reserveCapacity(n * (n - 1)); labels.reserveCapacity(n * (n - 1))
        var offDiagonal = predicted
        for i in 0..<n {
            offDiagonal[i * n + i] = false
            for j in 0..<n where j != i {
                let ij = i * n + j, ji = j * n + i
                scores.append(Double(probabilities[ij])); labels.append(truth[ij])
                switch (predicted[ij], truth[ij]) {
                case (true, true): tp += 1
                case (true, false): fp += 1
                case (false, true): fn += 1
                case (false, false): break
                }
                if truth[ij] && probabilities[ij] > probabilities[ji] { correctlyOriented += 1 }
                if i < j && (predicted[ij] != truth[ij] || predicted[ji] != truth[ji]) { shd += 1 }
            }
        }
        let trueEdges = tp + fn
        self.nodeCount = n
        self.trueEdges = trueEdges
        self.shd = shd
        self.notebookSHD = notebook
        self.precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : 0
        self.recall = trueEdges > 0 ? Double(tp) / Double(trueEdges) : 0
        self.f1 = 2 * tp + fp + fn > 0 ? 2 * Double(tp) / Double(2 * tp + fp + fn) : 0
        self.auroc = areaUnderROC(scores: scores, labels: labels)
        self.auprc = averagePrecision(scores: scores, labels: labels)
        self.orientationAccuracy = trueEdges > 0 ? Double(correctlyOriented) / Double(trueEdges) : nil
        self.predictedEdges = tp + fp
        self.hasCycle = containsCycle(offDiagonal, nodeCount: n)
    }
}

/// The notebook's `compute_shd` on a training batch (logits > 0 vs the truth, differing
/// entries, mean over items) and the standard SHD (a reversed edge counts once), on each
/// item's real nodes: the `shd` and `shd_standard` series of the training log.
public struct BatchSHD {
    public var notebook = 0.0, standard = 0.0

    public init(logits: [Float], batch: TrainingBatch) {
        let n = batch.maxNodes
        for b in 0..<batch.batchSize {
            let m = batch.nodeCounts[b]
            var probs = [Float](repeating: 0, count: m * m), truth = [UInt8](repeating: 0, count: m * m)
            for i in 0..<m {
                for j in 0..<m {
                    let k = (b * n + i) * n + j
                    probs[i * m + j] = logits[k] > 0 ? 1 : 0
                    truth[i * m + j] = batch.adjacency[k] != 0 ? 1 : 0
                }
            }
            let g = GraphMetrics(probabilities: probs, adjacency: truth, nodeCount: m)
            notebook += Double(g.notebookSHD)
            standard += Double(g.shd)
        }
        notebook /= Double(max(batch.batchSize, 1))
        standard /= Double(max(batch.batchSize, 1))
    }
}
