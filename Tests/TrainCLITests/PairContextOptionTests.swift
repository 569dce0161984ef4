import Foundation
import XCTest

/// Options that shape the pair context are refused, naming the conflict, when the run has
/// no pair context (they would be silently ignored otherwise).
final class PairContextOptionTests: XCTestCase {
    func testPairFeaturesWithoutThePairContextIsRefused() throws {
        let p = try PFNTrainProcess(self)
        try assertExportRefused(p, ["--model", "C", "--steps", "2", "--no-pair-context", "--pair-features", "2"] + PFNTrainProcess.tiny,
                                mentions: ["--pair-features", "--no-pair-context"])
    }

    func testContextRowsWithoutThePairContextIsRefused() throws {
        let p = try PFNTrainProcess(self)
        try assertExportRefused(p, ["--model", "A", "--steps", "2", "--no-pair-context", "--context-rows", "3"] + PFNTrainProcess.tiny,
                                mentions: ["--context-rows", "--no-pair-context"])
    }

    /// A run without the pair context, resumed with --pair-features: its config has none.
    func testPairFeaturesOnResumingARunWithoutThePairContextIsRefused() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "A", "--steps", "2", "--no-pair-context"] + PFNTrainProcess.tiny)
        try assertExportRefused(p, ["--resume", "checkpoints/A/final.h5", "--steps", "4", "--pair-features", "2", "--threads", "1"],
                                mentions: ["--pair-features", "pair context", "config has none"])
    }

    /// With the pair context both are accepted (version 2 trains).
    func testPairFeaturesWithThePairContextTrains() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "C", "--steps", "2", "--pair-context", "--pair-features", "2"] + PFNTrainProcess.tiny)
        XCTAssertTrue(p.exists("checkpoints/C/final.h5"))
    }
}
