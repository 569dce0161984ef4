@testable import SCMGen
import XCTest

/// `PriorConfig.itemsPerSCM`: consecutive items of a mixed-stream batch share one SCM, its
/// observational rows and its context, each with a regime of its own; 1 (or no field) is the
/// stream of a fresh SCM per item, draw for draw.
final class ItemsPerSCMTests: XCTestCase {
    private func config(_ k: Int?) -> PriorConfig {
        var c = PriorConfig()
        (c.nodesMin, c.nodesMax, c.observationalSamples, c.samplesPerRegime) = (4, 12, 30, 10)
        c.itemsPerSCM = k
        return c
    }

    func testOneItemPerSCMIsTheStreamWithoutTheField() throws {
        for context in [false, true] {
            var a = try BatchStream(config: config(nil), seed: 5, batchSize: 6, mode: .mixed, context: context, pairStatistics: true)
            var b = try BatchStream(config: config(1), seed: 5, batchSize: 6, mode: .mixed, context: context, pairStatistics: true)
            for step in 0..<4 { XCTAssertEqual(a.next(), b.next(), "context \(context), batch \(step)") }
        }
    }

    func testItemsOfAGroupShareTheSCMAndItsContextAndKeepTheirOwnRegime() throws {
        var s = try BatchStream(config: config(4), seed: 7, batchSize: 8, mode: .mixed, context: true, pairStatistics: true)
        for _ in 0..<3 {
            let b = s.next(), n = b.maxNodes
            func row(_ a: [Float], _ i: Int) -> ArraySlice<Float> { a[(i * n)..<((i + 1) * n)] }
            func grid(_ a: [Float], _ i: Int) -> ArraySlice<Float> { a[(i * n * n)..<((i + 1) * n * n)] }
            for g in [0, 4] {
                for i in (g + 1)..<(g + 4) {
                    XCTAssertEqual(b.nodeCounts[i], b.nodeCounts[g])
                    XCTAssertEqual(row(b.baseMean, i), row(b.baseMean, g), "one SCM's observational rows")
                    XCTAssertEqual(grid(b.adjacency, i), grid(b.adjacency, g), "one graph")
                    XCTAssertEqual(grid(b.contextMean, i), grid(b.contextMean, g), "one context")
                    XCTAssertEqual(grid(b.distanceCorrelation, i), grid(b.distanceCorrelation, g))
                }
                for i in g..<(g + 4) {  // each item's target is one of the context's intervened nodes
                    XCTAssertEqual(b.contextIntervened[i * n + Int(b.target[i])], 1)
                }
                // Four regimes of their own: fresh rows, so their means differ even on a shared target.
                XCTAssertEqual(Set((g..<(g + 4)).map { row(b.intMean, $0).map(\.bitPattern) }).count, 4)
            }
            XCTAssertNotEqual(row(b.baseMean, 0), row(b.baseMean, 4), "a new SCM for the next group")
        }
    }

    func testAGroupNeverSpansTwoBatchesSoTheStateIsStillTheGenerator() throws {
        var a = try BatchStream(config: config(3), seed: 9, batchSize: 7, mode: .mixed, context: true)
        _ = a.next()
        let state = a.state
        let expected = a.next()
        var b = try BatchStream(config: config(3), seed: 9, batchSize: 7, mode: .mixed, context: true, state: state)
        XCTAssertEqual(b.next(), expected)
    }

    func testZeroItemsPerSCMIsRefused() {
        XCTAssertThrowsError(try config(0).validate())
    }
}
