import Foundation
import Randomness
@testable import SCMGen
import XCTest

/// Hard interventions, regimes, clipping and the counterfactual delta mode.
final class InterventionTests: XCTestCase {
    private func small(_ mode: DeltaMode = .interventional) -> PriorConfig {
        var c = PriorConfig()
        (c.observationalSamples, c.samplesPerRegime, c.deltaMode) = (30, 20, mode)
        return c
    }

    func testRegimeCountIsTargetsTimesValuesWithTheGivenRowsEach() {
        var rng = Xoshiro256(seed: 2)
        for (n, fraction) in [(20, 0.5), (7, 0.5), (5, 1.0), (9, 0.1)] {
            var c = small()
            c.interventionFraction = fraction
            let d = SCMDataset.sample(nodeCount: n, config: c, rng: &rng)
            let targets = Int((Double(n) * fraction).rounded(.up))
            XCTAssertEqual(d.regimeCount, targets * 3, "ceil(N·fraction) targets × 3 values")
            XCTAssertEqual(Set(d.regimeTargets).count, targets, "distinct targets")
            XCTAssertEqual(d.interventionalCount, d.regimeCount * 20)
            XCTAssertEqual(d.observational.count, 30 * n)
            for k in 0..<d.regimeCount {
                XCTAssertEqual(d.rows(ofRegime: k), Array((k * 20)..<((k + 1) * 20)), "contiguous regimes of 20 rows")
                XCTAssertEqual(d.regimeValues[k], [5, 8, 10][k % 3], "each target takes each value in turn")
            }
            XCTAssertTrue(d.queryIndex.allSatisfy { (0..<30).contains($0) })
        }
    }

    func testTargetColumnEqualsTheValueAndOthersFollowTheEquations() {
        var rng = Xoshiro256(seed: 4)
        let d = SCMDataset.sample(nodeCount: 15, config: small(), rng: &rng)
        let n = d.nodeCount
        for r in 0..<d.interventionalCount {
            let k = Int(d.regime[r]), t = Int(d.regimeTargets[k])
            XCTAssertEqual(d.interventional[r * n + t], d.regimeValues[k])
        }
    }

    func testValueRangeDrawsValuesInsideIt() {
        var c = small()
        c.interventionRange = [-3, 2]
        var rng = Xoshiro256(seed: 4)
        let d = SCMDataset.sample(nodeCount: 10, config: c, rng: &rng)
        XCTAssertEqual(d.regimeCount, 5 * 3)
        XCTAssertTrue(d.regimeValues.allSatisfy { $0 >= -3 && $0 <= 2 })
        XCTAssertGreaterThan(Set(d.regimeValues).count, 10, "drawn, not a fixed list")
    }

    /// Roots keep their unclipped noise; every other node is clipped to [-20, 20].
    func testRootsAreUnclippedAndOthersClipped() {
        var c = small()
        c.noiseScale = 40
        var rng = Xoshiro256(seed: 6)
        let d = SCMDataset.sample(nodeCount: 12, config: c, rng: &rng)
        let n = d.nodeCount
        let roots = (0..<n).filter { j in (0..<n).allSatisfy { d.adjacency![$0 * n + j] == 0 } }
        XCTAssertFalse(roots.isEmpty)
        let rootMax = roots.map { j in (0..<d.observationalCount).map { abs(d.observational[$0 * n + j]) }.max()! }.max()!
        XCTAssertGreaterThan(rootMax, 20, "noise std 40 exceeds the clip somewhere in a root")
        for j in 0..<n where !roots.contains(j) {
            for r in 0..<d.observationalCount { XCTAssertLessThanOrEqual(abs(d.observational[r * n + j]), 20) }
        }
    }

    /// A hand-made SCM 4 → 0 → 1 → 2, 3 isolated, 5 ← 4; do(0 = 10). Parents of the target
    /// (4) and non-descendants (3, 5) keep their observational distribution: Welch z of the
    /// means below 5 (false alarm ≈ 6e-7 per column); the descendants (1, 2) shift by far
    /// more (the test has power).
    func testDoKeepsNonDescendantDistributions() {
        let scm = StructuralCausalModel(
            nodeCount: 6, order: [4, 3, 0, 5, 1, 2],
            parents: [[4], [0], [1], [], [], [4]],
            parentFunctions: [[.linear], [.linear], [.negativeLinear], [], [], [.cubic]])
        var c = PriorConfig()
        (c.observationalSamples, c.samplesPerRegime) = (4000, 4000)
        var rng = Xoshiro256(seed: 8)
        var gen = RegimeSampler(scm: scm, config: c, rng: &rng)
        gen.addRegime(target: 0, value: 10, rng: &rng)
        let d = gen.dataset()
        func column(_ a: [Float], _ j: Int) -> [Double] { stride(from: j, to: a.count, by: 6).map { Double(a[$0]) } }
        func z(_ j: Int) -> Double {
            let (x, y) = (column(d.observational, j), column(d.interventional, j))
            func mv(_ v: [Double]) -> (Double, Double) {
                let m = v.reduce(0, +) / Double(v.count)
                return (m, v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1))
            }
            let (mx, vx) = mv(x), (my, vy) = mv(y)
            return (my - mx) / (vx / Double(x.count) + vy / Double(y.count) + 1e-12).squareRoot()
        }
        for j in [3, 4, 5] { XCTAssertLessThan(abs(z(j)), 5, "non-descendant \(j)") }
        for j in [1, 2] { XCTAssertGreaterThan(abs(z(j)), 20, "descendant \(j) must move") }
        XCTAssertTrue(column(d.interventional, 0).allSatisfy { $0 == 10 })
    }

    /// Counterfactual mode: each interventional row reuses its query row's noise, so every
    /// node that is not a descendant of the target (its parents included) has delta exactly 0.
    func testCounterfactualDeltaIsZeroOffDescendants() {
        var rng = Xoshiro256(seed: 10)
        for _ in 0..<5 {
            let d = SCMDataset.sample(nodeCount: 15, config: small(.counterfactual), rng: &rng)
            XCTAssertTrue(d.counterfactual)
            let n = d.nodeCount
            var parents = [[Int]](repeating: [], count: n)
            for i in 0..<n { for j in 0..<n where d.adjacency![i * n + j] != 0 { parents[j].append(i) } }
            var nonzero = 0
            for r in 0..<d.interventionalCount {
                let t = Int(d.regimeTargets[Int(d.regime[r])])
                // Descendants of t by repeated relaxation over the adjacency.
                var desc: Set<Int> = [t]
                var grew = true
                while grew {
                    grew = false
                    for j in 0..<n where !desc.contains(j) && parents[j].contains(where: desc.contains) { desc.insert(j); grew = true }
                }
                let delta = d.delta(row: r)
                for j in 0..<n where !desc.contains(j) { XCTAssertEqual(delta[j], 0, "row \(r) node \(j)") }
                if delta[t] != 0 { nonzero += 1 }
            }
            XCTAssertGreaterThan(nonzero, d.interventionalCount / 2, "the target itself moves")
        }
        // The seed's mode draws fresh noise: non-descendants differ from the query row,
        // except where both rows sit at the ±20 clip (a saturated node; ~15% of the entries of
        // some graphs) or on the target's value.
        let d = SCMDataset.sample(nodeCount: 15, config: small(.interventional), rng: &rng)
        XCTAssertFalse(d.counterfactual)
        var zeros = 0
        for r in 0..<d.interventionalCount {
            let t = Int(d.regimeTargets[Int(d.regime[r])]), delta = d.delta(row: r)
            for j in 0..<d.nodeCount where j != t && delta[j] == 0 && abs(d.interventional[r * d.nodeCount + j]) != 20 {
                zeros += 1
            }
        }
        XCTAssertLessThan(zeros, d.interventional.count / 100)
    }

    func testConfigValidationNamesTheProblem() {
        var c = PriorConfig()
        (c.nodesMin, c.nodesMax) = (30, 20)
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("nodesMin")) }
        c = PriorConfig()
        c.interventionFraction = 0
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("(0, 1]")) }
        c = PriorConfig()
        c.edgeFunctions = []
        XCTAssertThrowsError(try c.validate())
        XCTAssertNoThrow(try PriorConfig().validate())
        let partial = try! JSONDecoder().decode(PriorConfig.self, from: Data(#"{"nodesMin": 5, "deltaMode": "counterfactual"}"#.utf8))
        XCTAssertEqual(partial.nodesMin, 5)
        XCTAssertEqual(partial.nodesMax, 50, "absent keys take the seed's defaults")
        XCTAssertEqual(partial.deltaMode, .counterfactual)
    }
}
