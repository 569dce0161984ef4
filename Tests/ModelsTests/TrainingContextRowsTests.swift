import Models
import SCMGen
import XCTest

/// Inference reads pair-context statistics from as many rows per regime as the model was
/// trained on (a v2 model fed a suite's 100 rows drifts: docs/studies/pair-features.md).
final class TrainingContextRowsTests: XCTestCase {
    func testOnlyVersion2PairModelsFromTheMixedStreamReadTheirTrainingContextSize() {
        var m = ModelConfig(variant: .C)
        (m.pairContext, m.pairFeatures) = (true, 2)
        var prior = PriorConfig()
        prior.contextRowsPerRegime = 7
        XCTAssertEqual(ModelLoading.trainingContextRows(model: m, prior: prior, stream: .mixed), 7)
        XCTAssertNil(ModelLoading.trainingContextRows(model: m, prior: prior, stream: .sequential), "sequential contexts are whole regimes")
        prior.contextRowsMax = 60
        XCTAssertEqual(ModelLoading.trainingContextRows(model: m, prior: prior, stream: .mixed), 60, "contexts of varying size: the largest")
        prior.contextRowsMax = nil
        m.pairFeatures = 1
        XCTAssertNil(ModelLoading.trainingContextRows(model: m, prior: prior, stream: .mixed))
        (m.pairContext, m.pairFeatures) = (false, 2)
        XCTAssertNil(ModelLoading.trainingContextRows(model: m, prior: prior, stream: .mixed))
    }

    func testTheStoredRunConfigDecidesAndAbsentFieldsTakeTheirDefaults() {
        XCTAssertEqual(ModelLoading.trainingContextRows(#"{"model": {"variant": "C", "pairContext": true, "pairFeatures": 2}}"#), 5)
        XCTAssertEqual(ModelLoading.trainingContextRows(
            #"{"model": {"variant": "A", "pairContext": true, "pairFeatures": 2}, "prior": {"contextRowsPerRegime": 20}, "train": {"stream": "mixed"}}"#), 20)
        XCTAssertNil(ModelLoading.trainingContextRows(#"{"model": {"variant": "C", "pairContext": true}}"#), "written before v2: version 1")
        XCTAssertEqual(ModelLoading.trainingContextRows(
            #"{"model": {"variant": "C", "pairContext": true, "pairFeatures": 2}, "prior": {"contextRowsMax": 100}}"#), 100)
        XCTAssertNil(ModelLoading.trainingContextRows(nil))
        XCTAssertNil(ModelLoading.trainingContextRows("not json"))
    }
}
