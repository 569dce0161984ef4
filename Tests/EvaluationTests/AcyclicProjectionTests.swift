import Evaluation
import XCTest

/// `eval --acyclic`: the model's thresholded graph is made a DAG by adding its edges in order of
/// decreasing probability and skipping those that would close a cycle.
final class AcyclicProjectionTests: XCTestCase {
    /// A 3-cycle 0 → 1 (0.9), 1 → 2 (0.8), 2 → 0 (0.7) plus 0 → 2 (0.6): the weakest cycle edge
    /// goes, everything else stays; edges at or below the threshold never enter.
    func testTheWeakestEdgeOfACycleIsDropped() {
        var p = [Float](repeating: 0.1, count: 9)
        (p[0 * 3 + 1], p[1 * 3 + 2], p[2 * 3 + 0], p[0 * 3 + 2]) = (0.9, 0.8, 0.7, 0.6)
        let edges = greedyAcyclicEdges(p, nodeCount: 3, threshold: 0.5)
        XCTAssertEqual(edges, [false, true, true,
                               false, false, true,
                               false, false, false])
        XCTAssertFalse(containsCycle(edges, nodeCount: 3))
    }

    func testAnAcyclicThresholdedGraphIsUnchangedAndTheDiagonalIgnored() {
        let p: [Float] = [0.9, 0.8, 0.2,
                          0.1, 0.9, 0.7,
                          0.3, 0.4, 0.9]
        XCTAssertEqual(greedyAcyclicEdges(p, nodeCount: 3, threshold: 0.5),
                       [false, true, false, false, false, true, false, false, false])
    }

    /// Metrics on the projected graph: the cycle is gone, SHD counts the dropped reversed edge,
    /// AUROC/AUPRC (from the probabilities) do not move.
    func testGraphMetricsScoreTheProjectedGraph() {
        var p = [Float](repeating: 0.1, count: 9)
        (p[0 * 3 + 1], p[1 * 3 + 2], p[2 * 3 + 0]) = (0.9, 0.8, 0.7)
        let truth: [UInt8] = [0, 1, 0, 0, 0, 1, 0, 0, 0]  // 0 → 1 → 2
        let plain = GraphMetrics(probabilities: p, adjacency: truth, nodeCount: 3)
        let dag = GraphMetrics(probabilities: p, adjacency: truth, nodeCount: 3, acyclic: true)
        XCTAssertEqual(plain.shd, 1)
        XCTAssertEqual(dag.shd, 0)
        XCTAssertEqual(plain.auroc, dag.auroc)
        XCTAssertFalse(dag.hasCycle)
        XCTAssertTrue(plain.hasCycle)
        XCTAssertEqual([plain.predictedEdges, dag.predictedEdges], [3, 2])
    }
}
