import XCTest
import Randomness
@testable import Evaluation

final class DeltaAndBaselineTests: XCTestCase {
    // True DAG 0 → 1, node 2 isolated (N = 3).
    let adjacency: [UInt8] = [0, 1, 0,  0, 0, 0,  0, 0, 0]

    func testDescendantSplitsExcludeTheTarget() {
        // Row 0 intervenes on node 0: node 1 is a descendant, node 2 is not.
        // Row 1 intervenes on node 2: nodes 0 and 1 are non-descendants.
        let truth: [Float] = [5, 2, 0,   0, 0, 8]
        let predicted: [Float] = [4, 4, 1,  1, 0, 8]   // errors: [-1, 2, 1], [1, 0, 0]
        let m = DeltaMetrics(predicted: predicted, truth: truth, targets: [0, 2], adjacency: adjacency, nodeCount: 3)
        XCTAssertEqual(m.rows, 2)
        XCTAssertEqual(m.mse, (1 + 4 + 1 + 1) / 6.0, accuracy: 1e-12)
        XCTAssertEqual(m.mae, (1 + 2 + 1 + 1) / 6.0, accuracy: 1e-12)
        XCTAssertEqual(m.descendantMSE!, 4, accuracy: 1e-12)                       // (row 0, node 1)
        XCTAssertEqual(m.descendantMAE!, 2, accuracy: 1e-12)
        XCTAssertEqual(m.nonDescendantMSE!, (1 + 1 + 0) / 3.0, accuracy: 1e-12)   // (0,2), (1,0), (1,1)
        XCTAssertEqual(m.nonDescendantMAE!, (1 + 1 + 0) / 3.0, accuracy: 1e-12)
    }

    func testDescendantsAreTransitive() {
        let chain: [UInt8] = [0, 1, 0,  0, 0, 1,  0, 0, 0]
        let d = descendantMatrix(chain, nodeCount: 3)
        XCTAssertEqual(d, [false, true, true,  false, false, true,  false, false, false])
    }

    func testWithoutAdjacencyOnlyOverallErrors() {
        let m = DeltaMetrics(predicted: [1, 1], truth: [0, 0], targets: [0], adjacency: nil, nodeCount: 2)
        XCTAssertEqual(m.mse, 1)
        XCTAssertNil(m.descendantMSE); XCTAssertNil(m.nonDescendantMSE)
    }

    func testPlugInDeltaIsRegimeMeanMinusQueryRow() {
        // N = 2; observational rows [1, 1], [3, 5]; regime 0 rows [10, 2], [12, 4]; regime 1 row [0, 7].
        let obs: [Float] = [1, 1,  3, 5]
        let int: [Float] = [10, 2,  12, 4,  0, 7]
        let d = Baselines.plugInDelta(observational: obs, interventional: int,
                                      regime: [0, 0, 1], queryIndex: [0, 1, 1], nodeCount: 2)
        // regime 0 mean [11, 3]; regime 1 mean [0, 7].
        XCTAssertEqual(d, [10, 2,  8, -2,  -3, 2])
    }

    func testZeroAndEmptyBaselinesScoreAsExpected() {
        XCTAssertEqual(Baselines.zeroDelta(rows: 2, nodeCount: 3).count, 6)
        XCTAssertTrue(Baselines.emptyGraph(nodeCount: 4).allSatisfy { $0 == 0 })
    }

    func testRandomGraphIsASeededDAGAtTheTrueDensity() {
        // A 20-node truth with 57 edges: density 57 / 190 = 0.3 of forward pairs.
        let n = 20
        var truth = [UInt8](repeating: 0, count: n * n)
        var placed = 0
        for i in 0..<n { for j in (i + 1)..<n where (i * 7 + j) % 10 < 3 { truth[i * n + j] = 1; placed += 1 } }
        var counts: [Int] = []
        var rng = Xoshiro256(seed: 42)
        for _ in 0..<200 {
            let g = Baselines.randomGraph(trueAdjacency: truth, nodeCount: n, rng: &rng)
            XCTAssertFalse(containsCycle(g.map { $0 > 0.5 }, nodeCount: n))
            XCTAssertTrue((0..<n).allSatisfy { g[$0 * n + $0] == 0 })
            counts.append(g.filter { $0 > 0.5 }.count)
        }
        let mean = Double(counts.reduce(0, +)) / Double(counts.count)
        XCTAssertEqual(mean, Double(placed), accuracy: 1.5)    // sd of the mean ≈ 6.3 / √200 ≈ 0.45
        var a = Xoshiro256(seed: 7), b = Xoshiro256(seed: 7)
        XCTAssertEqual(Baselines.randomGraph(trueAdjacency: truth, nodeCount: n, rng: &a),
                       Baselines.randomGraph(trueAdjacency: truth, nodeCount: n, rng: &b))
    }

    func testSummaryMeanSampleSdAndSkippedUndefined() {
        let s = MetricSummary([1, 2, 3, nil, 6])!
        XCTAssertEqual(s.mean, 3); XCTAssertEqual(s.count, 4)
        XCTAssertEqual(s.sd, (14.0 / 3.0).squareRoot(), accuracy: 1e-12)  // deviations -2,-1,0,3
        XCTAssertNil(MetricSummary([nil, nil]))
        XCTAssertEqual(MetricSummary([5])!.sd, 0)
    }

    func testSummariesAreGroupedByNodeCount() {
        let rows: [(nodeCount: Int, values: [(String, Double?)])] = [
            (10, [("shd", 4)]), (20, [("shd", 10)]), (10, [("shd", 6)])]
        let groups = summariesByNodeCount(rows)
        XCTAssertEqual(groups.map { $0.nodeCount }, [10, 20])
        XCTAssertEqual(groups[0].table["shd"]?.mean, 5)
        XCTAssertEqual(groups[1].table["shd"]?.count, 1)
    }
}
