import Foundation
import NN
import XCTest
import Models
@testable import Training

/// `TrainConfig` as written into checkpoints and logs.
final class TrainConfigTests: XCTestCase {
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
