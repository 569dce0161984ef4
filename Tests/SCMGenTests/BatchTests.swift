import Randomness
@testable import SCMGen
import XCTest

/// Padded batches from item references, checked against naive computations.
final class BatchTests: XCTestCase {
    private func datasets() throws -> [SCMDataset] {
        var c = PriorConfig()
        (c.observationalSamples, c.samplesPerRegime) = (9, 6)
        var rng = Xoshiro256(seed: 21)
        return [SCMDataset.sample(nodeCount: 3, config: c, rng: &rng), SCMDataset.sample(nodeCount: 5, config: c, rng: &rng)]
    }

    /// Mean and unbiased std of a column, the textbook way (one row at a time).
    private func naive(_ a: [Float], _ n: Int, _ j: Int, _ rows: [Int]) -> (Float, Float) {
        let xs = rows.map { Double(a[$0 * n + j]) }
        let m = xs.reduce(0, +) / Double(xs.count)
        let v = xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1)
        return (Float(m), Float(v.squareRoot()))
    }

    func testPaddingMaskAndStatsMatchNaiveComputation() throws {
        let ds = try datasets()
        let items = [BatchItem(dataset: 0, regime: 1, row: 8, query: 2), BatchItem(dataset: 1, regime: 4, row: 27, query: 8)]
        XCTAssertEqual(Int(ds[1].regime[27]), 4)
        let b = TrainingBatch(items: items, datasets: ds)
        XCTAssertEqual(b.batchSize, 2)
        XCTAssertEqual(b.maxNodes, 5)
        XCTAssertEqual(b.nodeCounts, [3, 5])
        XCTAssertEqual(b.nodeMask, [1, 1, 1, 0, 0, 1, 1, 1, 1, 1])
        for (i, it) in items.enumerated() {
            let d = ds[it.dataset], n = d.nodeCount, o = i * 5
            let t = Int(d.regimeTargets[it.regime])
            XCTAssertEqual(Int(b.target[i]), t)
            for j in 0..<5 {
                guard j < n else {
                    for a in [b.baseMean, b.baseStd, b.intMean, b.intStd, b.query, b.delta, b.interventionMask] { XCTAssertEqual(a[o + j], 0) }
                    for k in 0..<5 { XCTAssertEqual(b.adjacency[(i * 5 + j) * 5 + k], 0); XCTAssertEqual(b.adjacency[(i * 5 + k) * 5 + j], 0) }
                    continue
                }
                let (bm, bs) = naive(d.observational, n, j, Array(0..<d.observationalCount))
                let (im, istd) = naive(d.interventional, n, j, d.rows(ofRegime: it.regime))
                XCTAssertEqual(b.baseMean[o + j], bm, accuracy: 1e-5 * max(1, abs(bm)))
                XCTAssertEqual(b.baseStd[o + j], bs, accuracy: 1e-5 * max(1, bs))
                XCTAssertEqual(b.intMean[o + j], im, accuracy: 1e-5 * max(1, abs(im)))
                XCTAssertEqual(b.intStd[o + j], istd, accuracy: 1e-5 * max(1, istd))
                XCTAssertEqual(b.query[o + j], d.observational[it.query * n + j])
                XCTAssertEqual(b.delta[o + j], d.interventional[it.row * n + j] - d.observational[it.query * n + j])
                XCTAssertEqual(b.interventionMask[o + j], j == t ? 1 : 0)
                for k in 0..<n { XCTAssertEqual(b.adjacency[(i * 5 + j) * 5 + k], Float(d.adjacency![j * n + k])) }
            }
            XCTAssertEqual(b.intStd[o + t], 0, "the target is constant within its regime")
        }
        // Precomputed summaries give the same batch.
        XCTAssertEqual(TrainingBatch(items: items, datasets: ds, summaries: ds.map { DatasetSummary($0) }), b)
    }

    func testAllItemsOfADatasetUseItsStoredPairing() throws {
        let d = try datasets()[1]
        let items = BatchItem.all(of: d, index: 0)
        XCTAssertEqual(items.count, d.interventionalCount)
        let b = TrainingBatch(items: items, datasets: [d])
        for r in [0, 7, d.interventionalCount - 1] {
            XCTAssertEqual(Array(b.delta[(r * 5)..<(r * 5 + 5)]), d.delta(row: r))
        }
    }
}
