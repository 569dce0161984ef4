import Randomness
@testable import SCMGen
import XCTest

/// The sequential and mixed training streams: order, mixing, determinism and resume.
final class StreamTests: XCTestCase {
    private func config() -> PriorConfig {
        var c = PriorConfig()
        (c.nodesMin, c.nodesMax, c.observationalSamples, c.samplesPerRegime) = (3, 8, 10, 5)
        return c
    }

    /// The seed's CausalDataset order: all rows of one SCM, regime by regime, then the next
    /// SCM (N uniform in the range), on the training random stream.
    func testSequentialStreamReplaysTheSeedOrder() throws {
        let c = config()
        var rng = Xoshiro256(seed: 5, stream: RandomStream.training)
        var expected: [(SCMDataset, Int)] = []
        while expected.count < 140 {
            let n = c.nodesMin + rng.nextInt(c.nodesMax - c.nodesMin + 1)
            let d = SCMDataset.sample(nodeCount: n, config: c, rng: &rng)
            expected += (0..<d.interventionalCount).map { (d, $0) }
        }
        var s = try BatchStream(config: c, seed: 5, batchSize: 7, mode: .sequential)
        var sawPadding = false
        for bi in 0..<20 {
            let b = s.next()
            for i in 0..<7 {
                let (d, r) = expected[bi * 7 + i]
                XCTAssertEqual(b.nodeCounts[i], d.nodeCount)
                XCTAssertEqual(Int(b.target[i]), Int(d.regimeTargets[Int(d.regime[r])]))
                XCTAssertEqual(Array(b.delta[(i * b.maxNodes)..<(i * b.maxNodes + d.nodeCount)]), d.delta(row: r))
                sawPadding = sawPadding || d.nodeCount < b.maxNodes
            }
        }
        XCTAssertTrue(sawPadding, "batches cross graph boundaries and are padded")
    }

    /// Mixed: every item from its own SCM (here: at least 30 distinct graphs of 32).
    func testMixedStreamPutsManySCMsInEveryBatch() throws {
        var c = config()
        (c.nodesMin, c.nodesMax) = (10, 20)
        var s = try BatchStream(config: c, seed: 1, batchSize: 32, mode: .mixed)
        for _ in 0..<5 {
            let b = s.next()
            let n = b.maxNodes
            let graphs = Set((0..<32).map { i in b.adjacency[(i * n * n)..<((i + 1) * n * n)].map { $0 } + [Float(b.nodeCounts[i])] })
            XCTAssertGreaterThanOrEqual(graphs.count, 30)
        }
    }

    /// Mixed: N has the seed's per-item law, P(N) ∝ ceil(N·fraction). Nodes 2...3 with
    /// fraction 0.5 give 1 and 2 targets: P(N = 3) = 2/3, checked within 5 standard errors
    /// over 4,000 items.
    func testMixedNodeCountsFollowThePerItemMarginal() throws {
        var c = config()
        (c.nodesMin, c.nodesMax) = (2, 3)
        var s = try BatchStream(config: c, seed: 2, batchSize: 100, mode: .mixed)
        var threes = 0
        for _ in 0..<40 { threes += s.next().nodeCounts.filter { $0 == 3 }.count }
        XCTAssertEqual(Double(threes) / 4000, 2.0 / 3, accuracy: 5 * (2.0 / 9 / 4000).squareRoot())
    }

    func testSameSeedSameBatchesAndResumeIsExact() throws {
        for mode in [StreamMode.sequential, .mixed] {
            var a = try BatchStream(config: config(), seed: 9, batchSize: 7, mode: mode)
            let run = (0..<30).map { _ in a.next() }
            var b = try BatchStream(config: config(), seed: 9, batchSize: 7, mode: mode)
            XCTAssertEqual((0..<30).map { _ in b.next() }, run, "\(mode): same seed, same batches")
            var other = try BatchStream(config: config(), seed: 10, batchSize: 7, mode: mode)
            XCTAssertNotEqual(other.next(), run[0])
            for cut in [0, 1, 11, 12] {
                // Round-trip the state through JSON, as a checkpoint would.
                let saved = try JSONDecoder().decode(StreamState.self, from: JSONEncoder().encode(run[cut].streamState!))
                XCTAssertEqual(saved.batches, cut + 1)
                var resumed = try BatchStream(config: config(), seed: 9, batchSize: 7, mode: mode, state: saved)
                for i in (cut + 1)..<30 { XCTAssertEqual(resumed.next(), run[i], "\(mode) resumed after \(cut), batch \(i)") }
            }
        }
    }

    func testPrefetchingGivesTheSameBatches() throws {
        for mode in [StreamMode.sequential, .mixed] {
            var direct = try BatchStream(config: config(), seed: 4, batchSize: 5, mode: mode)
            let want = (0..<20).map { _ in direct.next() }
            let pre = PrefetchingStream(try BatchStream(config: config(), seed: 4, batchSize: 5, mode: mode), capacity: 3)
            XCTAssertEqual((0..<20).map { _ in pre.next() }, want)
        }
    }

    func testResumeRejectsAStateOfTheOtherMode() throws {
        var s = try BatchStream(config: config(), seed: 1, batchSize: 4, mode: .mixed)
        let state = s.next().streamState!
        XCTAssertThrowsError(try BatchStream(config: config(), seed: 1, batchSize: 4, mode: .sequential, state: state)) {
            XCTAssertTrue("\($0)".contains("mixed"))
        }
    }
}
