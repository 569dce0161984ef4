@testable import SCMGen
import XCTest

/// The streams' exact output, pinned by a hash of every array of their first batches: the
/// data-parallel partitioning must leave a single-process run's data bit-identical.
final class StreamPinTests: XCTestCase {
    private func digest(_ mode: StreamMode, context: Bool) throws -> UInt64 {
        var c = PriorConfig()
        (c.nodesMin, c.nodesMax, c.observationalSamples, c.samplesPerRegime) = (3, 9, 12, 6)
        var s = try BatchStream(config: c, seed: 11, batchSize: 9, mode: mode, context: context)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a over the bit patterns
        func mix(_ v: UInt64) { h = (h ^ v) &* 0x100_0000_01b3 }
        for _ in 0..<12 {
            let b = s.next()
            for a in [b.baseMean, b.baseStd, b.intMean, b.intStd, b.query, b.interventionMask, b.delta,
                      b.adjacency, b.nodeMask, b.contextMean, b.contextStd, b.contextIntervened, b.correlation] {
                mix(UInt64(a.count))
                for x in a { mix(UInt64(x.bitPattern)) }
            }
            for t in b.target { mix(UInt64(UInt32(bitPattern: t))) }
            for n in b.nodeCounts { mix(UInt64(n)) }
            for w in b.streamState!.rng { mix(w) }
            mix(UInt64(b.streamState!.cursor))
        }
        return h
    }

    func testStreamsAreBitIdenticalToTheirPinnedOutput() throws {
        // Recorded from the streams before partitioning existed (commit df275e6).
        XCTAssertEqual(try digest(.sequential, context: false), 5_542_904_808_434_371_259)
        XCTAssertEqual(try digest(.mixed, context: false), 10_359_350_418_764_785_931)
        XCTAssertEqual(try digest(.mixed, context: true), 17_276_152_789_144_946_724)
    }
}
