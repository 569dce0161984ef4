import XCTest
@testable import Evaluation

/// Graph metrics on cases small enough to check by hand. Node count 3 unless stated:
/// the true DAG is 0 → 1 → 2 (two edges, four off-diagonal non-edges).
final class GraphMetricsTests: XCTestCase {
    let chain: [UInt8] = [0, 1, 0,
                          0, 0, 1,
                          0, 0, 0]

    /// Probabilities equal to the truth ±0.1-ish: a confident correct prediction.
    func probabilities(_ a: [UInt8]) -> [Float] { a.map { $0 != 0 ? 0.9 : 0.1 } }

    func testPerfectPredictionScoresPerfectly() {
        let m = GraphMetrics(probabilities: probabilities(chain), adjacency: chain, nodeCount: 3)
        XCTAssertEqual(m.shd, 0)
        XCTAssertEqual(m.notebookSHD, 0)
        XCTAssertEqual(m.precision, 1); XCTAssertEqual(m.recall, 1); XCTAssertEqual(m.f1, 1)
        XCTAssertEqual(m.auroc, 1); XCTAssertEqual(m.auprc, 1)
        XCTAssertEqual(m.orientationAccuracy, 1)
        XCTAssertEqual(m.predictedEdges, 2); XCTAssertEqual(m.trueEdges, 2)
        XCTAssertFalse(m.hasCycle)
    }

    func testEmptyPredictionMissesEveryEdge() {
        let m = GraphMetrics(probabilities: [Float](repeating: 0, count: 9), adjacency: chain, nodeCount: 3)
        XCTAssertEqual(m.shd, 2)           // two missing edges
        XCTAssertEqual(m.notebookSHD, 2)
        XCTAssertEqual(m.precision, 0); XCTAssertEqual(m.recall, 0); XCTAssertEqual(m.f1, 0)
        XCTAssertEqual(m.auroc, 0.5)       // every score tied: each pair counts ½
        XCTAssertEqual(m.auprc!, 2.0 / 6.0, accuracy: 1e-12)  // one threshold: precision = prevalence
        XCTAssertEqual(m.orientationAccuracy, 0)  // p[i,j] == p[j,i] is not a correct orientation
        XCTAssertEqual(m.predictedEdges, 0)
    }

    func testReversedEdgeCostsOneStandardTwoNotebook() {
        let single: [UInt8] = [0, 1, 0,  0, 0, 0,  0, 0, 0]          // 0 → 1
        let reversed: [UInt8] = [0, 0, 0,  1, 0, 0,  0, 0, 0]        // 1 → 0
        let m = GraphMetrics(probabilities: probabilities(reversed), adjacency: single, nodeCount: 3)
        XCTAssertEqual(m.shd, 1)
        XCTAssertEqual(m.notebookSHD, 2)
        XCTAssertEqual(m.orientationAccuracy, 0)
        XCTAssertEqual(m.precision, 0)
    }

    func testMissingAndExtraEdgesCountOnceEach() {
        // Truth 0→1→2; prediction keeps 0→1, drops 1→2, adds 0→2.
        let predicted: [UInt8] = [0, 1, 1,  0, 0, 0,  0, 0, 0]
        let m = GraphMetrics(probabilities: probabilities(predicted), adjacency: chain, nodeCount: 3)
        XCTAssertEqual(m.shd, 2)
        XCTAssertEqual(m.notebookSHD, 2)
        XCTAssertEqual(m.precision, 0.5); XCTAssertEqual(m.recall, 0.5); XCTAssertEqual(m.f1, 0.5)
    }

    func testTwoCycleIsDetectedAndCostsOne() {
        let single: [UInt8] = [0, 1,  0, 0]
        let both: [Float] = [0, 0.9,  0.9, 0]                         // 0 ⇄ 1
        let m = GraphMetrics(probabilities: both, adjacency: single, nodeCount: 2)
        XCTAssertTrue(m.hasCycle)
        XCTAssertEqual(m.shd, 1)            // the pair's state "both" differs from "0→1": one error
        XCTAssertEqual(m.notebookSHD, 1)    // one extra entry
        XCTAssertEqual(m.predictedEdges, 2)
        XCTAssertEqual(m.orientationAccuracy, 0)  // tie, not p[0,1] > p[1,0]
    }

    func testDiagonalOnlyCountsInNotebookSHD() {
        var p = probabilities(chain)
        p[4] = 0.99                                                   // self-loop on node 1
        let m = GraphMetrics(probabilities: p, adjacency: chain, nodeCount: 3)
        XCTAssertEqual(m.notebookSHD, 1)
        XCTAssertEqual(m.shd, 0)
        XCTAssertEqual(m.predictedEdges, 2)
        XCTAssertFalse(m.hasCycle)
    }

    func testThresholdIsStrict() {
        // p = 0.5 exactly is not an edge: the notebook thresholds logits > 0.
        let p: [Float] = [0, 0.5, 0,  0, 0, 0.5,  0, 0, 0]
        XCTAssertEqual(GraphMetrics(probabilities: p, adjacency: chain, nodeCount: 3).predictedEdges, 0)
    }

    func testLongerCycleIsDetected() {
        let ring: [Bool] = [false, true, false,  false, false, true,  true, false, false]
        XCTAssertTrue(containsCycle(ring, nodeCount: 3))
        XCTAssertFalse(containsCycle(chain.map { $0 != 0 }, nodeCount: 3))
    }

    func testNoTrueEdgesLeavesRankingMetricsUndefined() {
        let m = GraphMetrics(probabilities: [Float](repeating: 0.2, count: 4), adjacency: [0, 0, 0, 0], nodeCount: 2)
        XCTAssertNil(m.auroc); XCTAssertNil(m.auprc); XCTAssertNil(m.orientationAccuracy)
        XCTAssertEqual(m.shd, 0)
    }
}
