import Randomness
@testable import SCMGen
import XCTest

/// The DAG prior: the seed's random-topological-order construction.
final class GraphPriorTests: XCTestCase {
    /// Kahn's algorithm on the adjacency matrix alone: true iff the graph has no cycle.
    private func isAcyclic(_ a: [UInt8], _ n: Int) -> Bool {
        var indeg = (0..<n).map { j in (0..<n).reduce(0) { $0 + Int(a[$1 * n + j]) } }
        var ready = (0..<n).filter { indeg[$0] == 0 }
        var seen = 0
        while let i = ready.popLast() {
            seen += 1
            for j in 0..<n where a[i * n + j] != 0 {
                indeg[j] -= 1
                if indeg[j] == 0 { ready.append(j) }
            }
        }
        return seen == n
    }

    func testEverySampledGraphIsAcyclicAndFollowsItsOrder() {
        var rng = Xoshiro256(seed: 7)
        for trial in 0..<500 {
            let n = 1 + trial % 40
            let p = [0.0, 0.3, 0.8, 1.0][trial % 4]
            let scm = StructuralCausalModel.sample(nodeCount: n, edgeProbability: p, functions: EdgeFunction.allCases, rng: &rng)
            let a = scm.adjacency
            XCTAssertTrue(isAcyclic(a, n), "cycle in graph \(trial)")
            XCTAssertEqual(Set(scm.order), Set(0..<n), "order is a permutation")
            let position = Dictionary(uniqueKeysWithValues: scm.order.enumerated().map { ($1, $0) })
            for c in 0..<n { for p in scm.parents[c] { XCTAssertLessThan(position[p]!, position[c]!) } }
            if p == 1.0 { XCTAssertEqual(a.reduce(0) { $0 + Int($1) }, n * (n - 1) / 2, "p = 1 gives a full DAG") }
            for i in 0..<n { XCTAssertEqual(a[i * n + i], 0, "no self-loops") }
        }
    }

    /// Over 300 graphs of 20 nodes (57,000 pairs) the edge fraction is within 5 standard
    /// errors (sqrt(p(1-p)/pairs) ≈ 0.0019) of edgeProb = 0.3; each of the ten functions
    /// takes a share within 5 standard errors of 1/10 (≈ 0.0023 for ~17,000 edges).
    func testEdgeDensityAndFunctionTypesMatchThePrior() {
        var rng = Xoshiro256(seed: 11)
        let n = 20, graphs = 300, p = 0.3
        var edges = 0
        var counts = [Int](repeating: 0, count: 11)
        for _ in 0..<graphs {
            let scm = StructuralCausalModel.sample(nodeCount: n, edgeProbability: p, functions: EdgeFunction.allCases, rng: &rng)
            for t in scm.edgeTypes where t != 0 { counts[Int(t)] += 1; edges += 1 }
            XCTAssertEqual(scm.edgeTypes.filter { $0 != 0 }.count, scm.adjacency.filter { $0 != 0 }.count)
        }
        let pairs = Double(graphs * n * (n - 1) / 2)
        let density = Double(edges) / pairs
        XCTAssertEqual(density, p, accuracy: 5 * (p * (1 - p) / pairs).squareRoot())
        let se = (0.1 * 0.9 / Double(edges)).squareRoot()
        for f in 1...10 { XCTAssertEqual(Double(counts[f]) / Double(edges), 0.1, accuracy: 5 * se, "function \(f)") }
    }

    func testEnabledSubsetIsTheOnlyFunctionsUsed() {
        var rng = Xoshiro256(seed: 3)
        let subset: [EdgeFunction] = [.sin, .cubic]
        var seen = Set<Int8>()
        for _ in 0..<50 {
            let scm = StructuralCausalModel.sample(nodeCount: 15, edgeProbability: 0.5, functions: subset, rng: &rng)
            seen.formUnion(scm.edgeTypes.filter { $0 != 0 })
        }
        XCTAssertEqual(seen, [Int8(EdgeFunction.sin.rawValue), Int8(EdgeFunction.cubic.rawValue)])
    }

    /// expectedParents = e gives mean in-degree e at every N (p = 2e/(N−1)), within 5
    /// standard errors over 200 graphs.
    func testExpectedParentsSetsTheMeanInDegree() {
        var config = PriorConfig()
        config.expectedParents = 2
        var rng = Xoshiro256(seed: 5)
        for n in [10, 50] {
            let p = config.edgeProbability(nodes: n)
            XCTAssertEqual(p, 4.0 / Double(n - 1), accuracy: 1e-12)
            var edges = 0
            for _ in 0..<200 {
                let scm = StructuralCausalModel.sample(nodeCount: n, edgeProbability: p, functions: EdgeFunction.allCases, rng: &rng)
                edges += scm.parents.reduce(0) { $0 + $1.count }
            }
            let pairs = Double(200 * n * (n - 1) / 2)
            let se = (p * (1 - p) * pairs).squareRoot() / Double(200 * n)
            XCTAssertEqual(Double(edges) / Double(200 * n), 2, accuracy: 5 * se, "N = \(n)")
        }
    }
}
