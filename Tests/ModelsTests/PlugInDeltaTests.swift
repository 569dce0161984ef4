import Foundation
import Models
import NN
import Randomness
import SCMGen
import XCTest

/// `ModelConfig.plugInDelta`: every variant's delta is the plug-in delta (regime mean − query
/// row) plus its head's output, and nothing else changes — same parameters, same logits.
final class PlugInDeltaTests: XCTestCase {
    func testTheDeltaIsThePlugInPlusTheHeadOnRealNodesAndZeroOnPadding() {
        let batch = smallBatch(seed: 3, context: true)
        XCTAssertTrue(batch.nodeMask.contains(0), "the batch should contain padding")
        for v in Variant.allCases {
            var config = tinyConfig(v)
            config.pairContext = true
            let plain = makeModel(config, seed: 5)
            config.plugInDelta = true
            let withPlugIn = makeModel(config, seed: 5)
            XCTAssertEqual(plain.parameterCount, withPlugIn.parameterCount, "variant \(v): no new parameters")
            let a = plain(ModelInput(batch, config: plain.config), ForwardContext(training: false, rng: Xoshiro256(seed: 2)))
            let b = withPlugIn(ModelInput(batch, config: withPlugIn.config), ForwardContext(training: false, rng: Xoshiro256(seed: 2)))
            XCTAssertEqual(a.logits.scalars, b.logits.scalars, "variant \(v): the graph is untouched")
            for e in 0..<(batch.batchSize * batch.maxNodes) {
                let plugIn = batch.nodeMask[e] == 0 ? 0 : batch.intMean[e] - batch.query[e]
                XCTAssertEqual(b.delta.scalars[e] - a.delta.scalars[e], plugIn, accuracy: 1e-4 * max(1, abs(plugIn)), "variant \(v), entry \(e)")
            }
        }
    }

    func testConfigsWrittenBeforeTheFieldDecodeWithoutIt() throws {
        let c = try JSONDecoder().decode(ModelConfig.self, from: Data(#"{"variant": "A", "pairContext": true}"#.utf8))
        XCTAssertFalse(c.plugInDelta)
    }
}
