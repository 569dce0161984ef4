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

    func testABoundedCorrectionIsCTanhOfTheHeadInStdUnits() {
        let batch = smallBatch(seed: 4, context: true)
        for v in Variant.allCases {
            var config = tinyConfig(v)
            config.pairContext = true
            let plain = makeModel(config, seed: 6)
            config.plugInDelta = true
            config.deltaCorrectionBound = 0.05  // small, so that it binds on some entries
            XCTAssertNil(config.validationError())
            let bounded = makeModel(config, seed: 6)
            let a = plain(ModelInput(batch, config: plain.config), ForwardContext(training: false, rng: Xoshiro256(seed: 2)))
            let b = bounded(ModelInput(batch, config: bounded.config), ForwardContext(training: false, rng: Xoshiro256(seed: 2)))
            var bound = 0
            for e in 0..<(batch.batchSize * batch.maxNodes) where batch.nodeMask[e] != 0 {
                let scale = max(batch.baseStd[e] + 1e-6, config.stdFloor)
                let head = a.delta.scalars[e] / scale
                let expected = batch.intMean[e] - batch.query[e] + scale * 0.05 * tanh(head / 0.05)
                XCTAssertEqual(b.delta.scalars[e], expected, accuracy: 1e-4 * max(1, abs(expected)), "variant \(v), entry \(e)")
                XCTAssertLessThanOrEqual(abs(b.delta.scalars[e] - (batch.intMean[e] - batch.query[e])), scale * 0.05 * 1.001)
                if abs(head) > 0.1 { bound += 1 }
            }
            XCTAssertGreaterThan(bound, 0, "variant \(v): the bound never bound; the test would not see it")
        }
    }

    func testABoundNeedsThePlugInAndMustBePositive() {
        var c = tinyConfig(.A)
        c.deltaCorrectionBound = 1
        XCTAssertNotNil(c.validationError(), "a bound without the plug-in")
        c.plugInDelta = true
        XCTAssertNil(c.validationError())
        c.deltaCorrectionBound = 0
        XCTAssertNotNil(c.validationError())
    }

    func testConfigsWrittenBeforeTheFieldDecodeWithoutIt() throws {
        let c = try JSONDecoder().decode(ModelConfig.self, from: Data(#"{"variant": "A", "pairContext": true}"#.utf8))
        XCTAssertFalse(c.plugInDelta)
        XCTAssertNil(c.deltaCorrectionBound)
    }
}
