import Foundation
import NN
import XCTest
import Models
@testable import Training

/// `TrainConfig` as written into checkpoints and logs.
final class TrainConfigTests: XCTestCase {
    func testCosineScheduleWarmsUpThenDecaysToZeroAtTheLastStep() {
        var c = TrainConfig()
        (c.lr, c.schedule, c.warmupSteps, c.steps) = (1e-3, .cosine, 10, 110)
        XCTAssertEqual(c.learningRate(atStep: 1), 1e-4, accuracy: 1e-9)
        XCTAssertEqual(c.learningRate(atStep: 10), 1e-3, accuracy: 1e-9)
        XCTAssertEqual(c.learningRate(atStep: 60), 1e-3 / 2, accuracy: 1e-8)  // half-way down
        XCTAssertEqual(c.learningRate(atStep: 110), 0)
        XCTAssertEqual(c.learningRate(atStep: 500), 0)
        (c.schedule, c.lr) = (.constant, 3e-4)
        XCTAssertEqual(c.learningRate(atStep: 77), 3e-4)
    }

    func testPrecisionRoundTripsAndDefaultsToFP32WhenAbsent() throws {
        var c = TrainConfig()
        XCTAssertEqual(c.precision, .float32)
        c.precision = .bfloat16
        let json = try JSONEncoder().encode(c)
        XCTAssertEqual(try JSONDecoder().decode(TrainConfig.self, from: json), c)
        XCTAssertTrue(String(decoding: json, as: UTF8.self).contains("\"precision\":\"bf16\""))

        // A config written before the option existed (no "precision" key) trained in fp32.
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        object["precision"] = nil
        let old = try JSONDecoder().decode(TrainConfig.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(old.precision, .float32)
        XCTAssertEqual(old.steps, c.steps)

        object["precision"] = "fp16"
        XCTAssertThrowsError(try JSONDecoder().decode(TrainConfig.self, from: JSONSerialization.data(withJSONObject: object)))
    }
}
