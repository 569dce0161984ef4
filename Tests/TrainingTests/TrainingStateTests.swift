import Foundation
import Models
import XCTest
@testable import Training

final class TrainingStateTests: XCTestCase {
    /// Configs written before the pair context existed load without it; the optimizer gives
    /// only the pair-context parameters the lr multiplier.
    func testOldConfigsLoadWithoutTheContextAndOnlyItsParametersGetTheMultiplier() throws {
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(RunConfig(model: ModelConfig(variant: .A)))) as! [String: Any]
        var model = json["model"] as! [String: Any], train = json["train"] as! [String: Any]
        XCTAssertNotNil(model.removeValue(forKey: "pairContext"))
        XCTAssertNotNil(train.removeValue(forKey: "pairLRScale"))
        (json["model"], json["train"]) = (model, train)
        let config = try JSONDecoder().decode(RunConfig.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertFalse(config.model.pairContext)
        XCTAssertEqual(config.train.pairLRScale, 10)

        var on = RunConfig(model: ModelConfig(variant: .D))
        (on.model.maxNodes, on.model.dModel, on.model.heads, on.model.layers, on.model.feedForward) = (8, 16, 2, 2, 32)
        on.model.pairContext = true
        on.train.pairLRScale = 3
        let state = TrainingState(config: on)
        for ((key, _), scale) in zip(state.optimizer.parameters, state.optimizer.learningRateScales) {
            XCTAssertEqual(scale, key.hasPrefix("pair_context.") ? 3 : 1, key)
        }
    }
}
