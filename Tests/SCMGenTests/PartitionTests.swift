@testable import SCMGen
import XCTest

/// Data-parallel partitioning: K ranks' streams together yield exactly the single-process
/// stream's batches — same SCMs, same items, same order, same bits.
final class PartitionTests: XCTestCase {
    private func config(itemsPerSCM: Int? = nil) -> PriorConfig {
        var c = PriorConfig()
        (c.nodesMin, c.nodesMax, c.observationalSamples, c.samplesPerRegime) = (3, 9, 12, 6)
        c.itemsPerSCM = itemsPerSCM
        return c
    }

    private let streams: [(StreamMode, Bool)] = [(.sequential, false), (.mixed, false), (.mixed, true)]

    /// The ranks' slices in rank order, re-padded to the largest node count: the whole batch.
    private func reassemble(_ parts: [TrainingBatch]) -> TrainingBatch {
        let n = parts.map(\.maxNodes).max()!
        var whole = TrainingBatch(batchSize: parts.map(\.batchSize).reduce(0, +), maxNodes: n)
        var first = 0
        for p in parts {
            let m = p.maxNodes
            func rows(_ src: [Float], _ dst: inout [Float]) {
                for b in 0..<p.batchSize { for c in 0..<m { dst[(first + b) * n + c] = src[b * m + c] } }
            }
            func matrices(_ src: [Float], _ dst: inout [Float]) {
                for b in 0..<p.batchSize {
                    for i in 0..<m { for j in 0..<m { dst[((first + b) * n + i) * n + j] = src[(b * m + i) * m + j] } }
                }
            }
            rows(p.baseMean, &whole.baseMean); rows(p.baseStd, &whole.baseStd)
            rows(p.intMean, &whole.intMean); rows(p.intStd, &whole.intStd)
            rows(p.query, &whole.query); rows(p.interventionMask, &whole.interventionMask)
            rows(p.delta, &whole.delta); rows(p.nodeMask, &whole.nodeMask)
            rows(p.contextIntervened, &whole.contextIntervened)
            matrices(p.adjacency, &whole.adjacency); matrices(p.contextMean, &whole.contextMean)
            matrices(p.contextStd, &whole.contextStd); matrices(p.correlation, &whole.correlation)
            matrices(p.partialCorrelation, &whole.partialCorrelation); matrices(p.spearman, &whole.spearman)
            matrices(p.distanceCorrelation, &whole.distanceCorrelation)
            let k = RegimeContext.regimeSlots
            for b in 0..<p.batchSize {  // [b, m, m, 3] and [b, m, 3] slices
                for i in 0..<m {
                    for r in 0..<k { whole.contextCount[((first + b) * n + i) * k + r] = p.contextCount[(b * m + i) * k + r] }
                    for j in 0..<m {
                        for r in 0..<k { whole.contextT[(((first + b) * n + i) * n + j) * k + r] = p.contextT[((b * m + i) * m + j) * k + r] }
                    }
                }
            }
            whole.observationalCount.replaceSubrange(first..<(first + p.batchSize), with: p.observationalCount)
            whole.target.replaceSubrange(first..<(first + p.batchSize), with: p.target)
            whole.nodeCounts.replaceSubrange(first..<(first + p.batchSize), with: p.nodeCounts)
            whole.streamState = p.streamState
            first += p.batchSize
        }
        return whole
    }

    func testTheRanksSlicesReassembleTheSingleProcessBatchBitForBit() throws {
        // Items sharing an SCM (groups of 3 in a batch of 7: 3, 3, 1) split across ranks too.
        for (mode, context, k) in streams.map({ ($0.0, $0.1, nil as Int?) }) + [(.mixed, true, 3), (.mixed, false, 3)] {
            for ranks in [2, 3, 7] {
                var whole = try BatchStream(config: config(itemsPerSCM: k), seed: 4, batchSize: 7, mode: mode, context: context)
                var parts = try (0..<ranks).map { try whole.partitioned(rank: $0, of: ranks) }
                for step in 0..<15 {
                    let expected = whole.next()
                    let got = parts.indices.map { parts[$0].next() }
                    XCTAssertEqual(got.map(\.batchSize).reduce(0, +), 7)
                    XCTAssertEqual(reassemble(got), expected, "\(mode) context \(context) items per SCM \(k ?? 1), K = \(ranks), batch \(step)")
                    for (r, g) in got.enumerated() {
                        XCTAssertEqual(g.share, BatchShare(firstItem: r * 7 / ranks, globalNodeCounts: expected.nodeCounts))
                        XCTAssertEqual(g, expected.slice(items: g.share!.firstItem..<(g.share!.firstItem + g.batchSize)))
                    }
                }
            }
        }
    }

    func testEveryRankSavesTheGlobalStreamStateAndResumesItsShardExactly() throws {
        for (mode, context) in streams {
            var a = try BatchStream(config: config(), seed: 9, batchSize: 6, mode: mode, context: context)
                .partitioned(rank: 1, of: 2)
            var whole = try BatchStream(config: config(), seed: 9, batchSize: 6, mode: mode, context: context)
            for _ in 0..<5 { XCTAssertEqual(a.next().streamState, whole.next().streamState) }
            var resumed = try BatchStream(config: config(), seed: 9, batchSize: 6, mode: mode, context: context,
                                          state: a.state).partitioned(rank: 1, of: 2)
            for _ in 0..<5 { XCTAssertEqual(resumed.next(), a.next(), "\(mode) context \(context)") }
        }
    }

    /// Scaling each term by its fraction of the global normaliser: the fractions of the
    /// ranks add up to one, and a whole batch's are all one.
    func testLossFractionsOfTheRanksSumToOne() throws {
        var parts = try (0..<3).map { try BatchStream(config: config(), seed: 2, batchSize: 8, mode: .mixed).partitioned(rank: $0, of: 3) }
        for _ in 0..<5 {
            let f = parts.indices.map { parts[$0].next().lossFractions }
            XCTAssertEqual(f.map(\.items).reduce(0, +), 1, accuracy: 1e-12)
            XCTAssertEqual(f.map(\.nodes).reduce(0, +), 1, accuracy: 1e-12)
            XCTAssertEqual(f.map(\.pairs).reduce(0, +), 1, accuracy: 1e-12)
        }
        var whole = try BatchStream(config: config(), seed: 2, batchSize: 8, mode: .mixed)
        let f = whole.next().lossFractions
        XCTAssertEqual([f.items, f.nodes, f.pairs], [1, 1, 1])
    }

    func testShardsThatCannotExistAreRefusedWithTheFix() throws {
        let s = try BatchStream(config: config(), seed: 1, batchSize: 3, mode: .mixed)
        XCTAssertThrowsError(try s.partitioned(rank: 0, of: 4)) { XCTAssertTrue("\($0)".contains("use --batch of at least 4"), "\($0)") }
        XCTAssertThrowsError(try s.partitioned(rank: 2, of: 2)) { XCTAssertTrue("\($0)".contains("rank 2 of 2"), "\($0)") }
        XCTAssertThrowsError(try s.partitioned(rank: 0, of: 0))
        XCTAssertEqual(try BatchShard(rank: 2, of: 3, batchSize: 10).items, 6..<10)
    }
}
