import XCTest
@testable import Evaluation

/// AUROC and average precision on small examples with ties; expected values computed by hand
/// with the formulas of sklearn's `roc_auc_score` and `average_precision_score`.
final class RankingMetricsTests: XCTestCase {
    func testATiedPositiveAndNegativeCountHalf() {
        // y = [1, 0, 1, 0], s = [0.8, 0.8, 0.4, 0.2].
        // AUROC: pos 0.8 vs neg 0.8 → ½, vs 0.2 → 1; pos 0.4 vs 0.8 → 0, vs 0.2 → 1: 2.5 / 4.
        // AP: thresholds 0.8 (P ½, R ½), 0.4 (P ⅔, R 1), 0.2 (P ½, R 1): ½·½ + ½·⅔ = 7/12.
        let s = [0.8, 0.8, 0.4, 0.2], y = [true, false, true, false]
        XCTAssertEqual(areaUnderROC(scores: s, labels: y)!, 0.625, accuracy: 1e-12)
        XCTAssertEqual(averagePrecision(scores: s, labels: y)!, 7.0 / 12.0, accuracy: 1e-12)
    }

    func testResultDoesNotDependOnOrderWithinTies() {
        let s = [0.8, 0.8, 0.4, 0.2], y = [false, true, true, false]   // tied pair swapped
        XCTAssertEqual(areaUnderROC(scores: s, labels: y)!, 0.625, accuracy: 1e-12)
        XCTAssertEqual(averagePrecision(scores: s, labels: y)!, 7.0 / 12.0, accuracy: 1e-12)
    }

    func testSklearnDocExampleGivesSklearnsValues() {
        // sklearn docs: average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.8333…,
        // roc_auc_score(same) = 0.75.
        let s = [0.1, 0.4, 0.35, 0.8], y = [false, false, true, true]
        XCTAssertEqual(averagePrecision(scores: s, labels: y)!, 5.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(areaUnderROC(scores: s, labels: y)!, 0.75, accuracy: 1e-12)
    }

    func testAThreeWayTieAcrossClassesCountsHalfPerPair() {
        // y = [1, 1, 0, 0, 0], s = [0.9, 0.5, 0.5, 0.5, 0.1].
        // AUROC: 0.9 beats all 3 → 3; 0.5 vs (0.5, 0.5, 0.1) → ½ + ½ + 1 = 2: 5 / 6.
        // AP: 0.9 (P 1, R ½); 0.5 (2 of 4 → P ½, R 1); 0.1 (R 1): ½·1 + ½·½ = ¾.
        let s = [0.9, 0.5, 0.5, 0.5, 0.1], y = [true, true, false, false, false]
        XCTAssertEqual(areaUnderROC(scores: s, labels: y)!, 5.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(averagePrecision(scores: s, labels: y)!, 0.75, accuracy: 1e-12)
    }

    func testPerfectRankingScoresOneAndInvertedScoresZeroAUROC() {
        let y = [true, true, false, false]
        XCTAssertEqual(areaUnderROC(scores: [4, 3, 2, 1], labels: y), 1)
        XCTAssertEqual(areaUnderROC(scores: [1, 2, 3, 4], labels: y), 0)
        XCTAssertEqual(averagePrecision(scores: [4, 3, 2, 1], labels: y), 1)
        // Inverted: positives enter at ranks 3 and 4: ½·⅓ + ½·½ = 5/12.
        XCTAssertEqual(averagePrecision(scores: [1, 2, 3, 4], labels: y)!, 5.0 / 12.0, accuracy: 1e-12)
    }

    func testAUROCIsUndefinedWithOneClass() {
        XCTAssertNil(areaUnderROC(scores: [1, 2], labels: [true, true]))
        XCTAssertNil(areaUnderROC(scores: [1, 2], labels: [false, false]))
        XCTAssertNil(averagePrecision(scores: [1, 2], labels: [false, false]))
        XCTAssertEqual(averagePrecision(scores: [1, 2], labels: [true, true]), 1)
    }
}
