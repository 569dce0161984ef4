import Randomness
@testable import SCMGen
import XCTest

/// The pair context: each target's rows pooled over its values, observational correlations,
/// and the mixed stream's simulation of the seed's regime design around every item.
final class RegimeContextTests: XCTestCase {
    /// Two regimes on node 1 (values 5 and 8) and one on node 0, 3 nodes.
    private func handMade() -> SCMDataset {
        let obs: [Float] = [0, 1, 2, 1, 3, 2, 2, 2, 5, 3, 6, 4]  // [4, 3]
        let int: [Float] = [5, 1, 1, 5, 2, 0,  1, 5, 9, 2, 5, 7,  0, 8, 3, 1, 8, 4]  // [6, 3]
        return SCMDataset(nodeCount: 3, observational: obs, interventional: int, regime: [0, 0, 1, 1, 2, 2],
                          regimeTargets: [0, 1, 1], regimeValues: [5, 5, 8], queryIndex: [0, 1, 2, 3, 0, 1])
    }

    func testEachTargetsRowsArePooledOverItsValues() {
        let c = RegimeContext(handMade())
        XCTAssertEqual(c.intervened, [1, 1, 0])
        // do(0): rows 0, 1. do(1): rows 2, 3, 4, 5 (both values).
        XCTAssertEqual(Array(c.mean[0..<3]), [5, 1.5, 0.5])
        XCTAssertEqual(Array(c.mean[3..<6]), [1, 6.5, 5.75])
        XCTAssertEqual(c.std[3 + 1], Float(3.0.squareRoot()), accuracy: 1e-6)  // 5, 5, 8, 8: unbiased variance 9/3
        XCTAssertEqual(Array(c.mean[6..<9]), [0, 0, 0], "a node no regime targets has an empty row")
        XCTAssertEqual(Array(c.std[6..<9]), [0, 0, 0])
    }

    func testARegimeSubsetLeavesTheOthersOut() {
        let c = RegimeContext(handMade(), regimes: 1..<3)
        XCTAssertEqual(c.intervened, [0, 1, 0])
        XCTAssertEqual(Array(c.mean[0..<3]), [0, 0, 0])
        XCTAssertEqual(c.mean[3 + 1], 6.5)
    }

    func testCorrelationIsPearsonsAndZeroForAConstantColumn() {
        var rng = Xoshiro256(seed: 3)
        let (s, n) = (40, 4)
        var data = (0..<(s * n)).map { _ in Float(rng.nextDouble()) }
        for r in 0..<s {
            data[r * n + 1] += 2 * data[r * n]  // column 1 depends on column 0
            data[r * n + 3] = 7                 // column 3 is constant
        }
        let rho = RegimeContext.correlation(data, nodes: n)
        func naive(_ i: Int, _ j: Int) -> Double {
            let x = (0..<s).map { Double(data[$0 * n + i]) }, y = (0..<s).map { Double(data[$0 * n + j]) }
            let mx = x.reduce(0, +) / Double(s), my = y.reduce(0, +) / Double(s)
            let sxy = zip(x, y).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
            let sxx = x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +), syy = y.map { ($0 - my) * ($0 - my) }.reduce(0, +)
            return sxy / (sxx * syy).squareRoot()
        }
        for i in 0..<3 { for j in 0..<3 { XCTAssertEqual(Double(rho[i * n + j]), naive(i, j), accuracy: 1e-6) } }
        XCTAssertGreaterThan(rho[1], 0.8)
        for k in 0..<n { XCTAssertEqual(rho[3 * n + k], 0); XCTAssertEqual(rho[k * n + 3], 0) }
    }

    /// The item's regime (0) has the seed's row count on one of the targets; then every one of
    /// ceil(N·fraction) distinct targets gets one regime per value with the context's rows.
    func testSamplingWithContextFollowsTheSeedsDesign() {
        var c = PriorConfig()
        (c.observationalSamples, c.samplesPerRegime, c.contextRowsPerRegime) = (30, 20, 4)
        var rng = Xoshiro256(seed: 8)
        for n in [3, 7, 12] {
            let d = SCMDataset.sampleWithContext(nodeCount: n, config: c, rng: &rng)
            let t = c.targetCount(nodes: n), v = c.regimesPerTarget
            XCTAssertEqual(d.regimeCount, 1 + t * v)
            XCTAssertEqual(d.rows(ofRegime: 0).count, 20)
            for k in 1..<d.regimeCount { XCTAssertEqual(d.rows(ofRegime: k).count, 4) }
            let contextTargets = d.regimeTargets[1...].map { Int($0) }
            XCTAssertEqual(Set(contextTargets).count, t)
            XCTAssertTrue(contextTargets.contains(Int(d.regimeTargets[0])), "the item's target is one of the targets")
            let ctx = DatasetSummary(d, contextRegimes: 1..<d.regimeCount).context!
            XCTAssertEqual(Int(ctx.intervened.reduce(0, +)), t)
        }
    }

    /// Batches carry the context; the context stream is deterministic and resumes exactly.
    func testMixedStreamWithContextFillsTheBatchAndResumes() throws {
        var c = PriorConfig()
        (c.nodesMin, c.nodesMax, c.observationalSamples, c.samplesPerRegime, c.contextRowsPerRegime) = (4, 9, 20, 10, 3)
        var a = try BatchStream(config: c, seed: 4, batchSize: 6, mode: .mixed, context: true)
        let run = (0..<6).map { _ in a.next() }
        for b in run {
            let n = b.maxNodes
            for i in 0..<b.batchSize {
                let real = b.nodeCounts[i], o = i * n
                let intervened = (0..<n).filter { b.contextIntervened[o + $0] != 0 }
                XCTAssertEqual(intervened.count, c.targetCount(nodes: real))
                XCTAssertTrue(intervened.allSatisfy { $0 < real }, "padding is never intervened")
                XCTAssertTrue(intervened.contains(Int(b.target[i])))
                for j in 0..<real { XCTAssertEqual(b.correlation[(o + j) * n + j], b.baseStd[o + j] > 0 ? 1 : 0, accuracy: 1e-5) }
            }
        }
        // Without context the stream computes none: the arrays stay 0.
        var plain = try BatchStream(config: c, seed: 4, batchSize: 6, mode: .mixed)
        let p = plain.next()
        XCTAssertTrue((p.contextIntervened + p.contextMean + p.contextStd + p.correlation).allSatisfy { $0 == 0 })
        var resumed = try BatchStream(config: c, seed: 4, batchSize: 6, mode: .mixed, context: true, state: run[2].streamState)
        for i in 3..<6 { XCTAssertEqual(resumed.next(), run[i], "resumed batch \(i)") }
    }
}
