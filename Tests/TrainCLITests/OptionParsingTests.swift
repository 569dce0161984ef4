import ArgumentParser
import Foundation
import Models
import NN
import SCMGen
import Training
import XCTest
@testable import TrainCLI

/// The command lines as the parser reads them, in-process: typed values, lists, options that
/// do not apply, and "given" on resume.
final class OptionParsingTests: XCTestCase {
    func testEnumOptionsParseToTheirTypes() throws {
        let c = try TrainCommand.parse(["--model", "c", "--steps", "3", "--stream", "sequential", "--precision", "fp32",
                                        "--schedule", "cosine", "--warmup", "2", "--loss", "seed"]).runConfig()
        XCTAssertEqual(c.model.variant, .C)
        XCTAssertEqual(c.train.steps, 3)
        XCTAssertEqual(c.train.stream, .sequential)
        XCTAssertEqual(c.train.precision, .float32)
        XCTAssertEqual(c.train.schedule, .cosine)
        XCTAssertEqual(c.train.warmupSteps, 2)
        XCTAssertEqual(c.loss, .seed)
    }

    func testANewRunGetsTheCommandLineDefaults() throws {
        let c = try TrainCommand.parse([]).runConfig()
        XCTAssertEqual(c.model.variant, .C)
        XCTAssertTrue(c.model.pairContext)
        XCTAssertEqual(c.model.maxNodes, 50)
        XCTAssertEqual(c.train.precision, .bfloat16)
        XCTAssertEqual(c.train.lr, 1e-4)
        XCTAssertEqual(c.loss, .standard)
        XCTAssertEqual(c.loss.deltaHuberStd, 3)
        XCTAssertNil(try TrainCommand.parse(["--delta-huber-std", "0"]).runConfig().loss.deltaHuberStd)
        XCTAssertNil(try TrainCommand.parse(["--loss", "notebook"]).runConfig().loss.deltaHuberStd)
        XCTAssertTrue(c.model.plugInDelta)
        XCTAssertEqual(c.prior.contextRowsPerRegime, 5)
        XCTAssertEqual(c.prior.contextRowsMax, 100)
    }

    /// The notebook's models (--no-pair-context) keep the notebook's delta heads unless the
    /// plug-in is asked for; --context-rows-max 0 fixes the context size; a --context-rows above
    /// the default maximum moves the range away, above a given one it is an error.
    func testPlugInDeltaAndContextRowDefaultsFollowThePairContext() throws {
        XCTAssertFalse(try TrainCommand.parse(["--no-pair-context"]).runConfig().model.plugInDelta)
        XCTAssertEqual(try TrainCommand.parse([]).runConfig().model.deltaCorrectionBound, 1)
        XCTAssertNil(try TrainCommand.parse(["--no-pair-context"]).runConfig().model.deltaCorrectionBound, "no plug-in, no bound")
        XCTAssertNil(try TrainCommand.parse(["--delta-correction-bound", "0"]).runConfig().model.deltaCorrectionBound)
        XCTAssertEqual(try TrainCommand.parse(["--delta-correction-bound", "2.5"]).runConfig().model.deltaCorrectionBound, 2.5)
        XCTAssertTrue(try TrainCommand.parse(["--no-pair-context", "--plug-in-delta"]).runConfig().model.plugInDelta)
        XCTAssertFalse(try TrainCommand.parse(["--no-plug-in-delta"]).runConfig().model.plugInDelta)
        XCTAssertNil(try TrainCommand.parse(["--context-rows-max", "0"]).runConfig().prior.contextRowsMax)
        XCTAssertNil(try TrainCommand.parse(["--context-rows", "200"]).runConfig().prior.contextRowsMax)
        XCTAssertEqual(try TrainCommand.parse(["--context-rows-max", "100"]).runConfig().prior.contextRowsMax, 100)
        let c = try TrainCommand.parse(["--context-rows", "10", "--context-rows-max", "40"]).runConfig().prior
        XCTAssertEqual([c.contextRowsPerRegime, c.contextRowsMax], [10, 40])
        XCTAssertThrowsError(try TrainCommand.parse(["--context-rows", "10", "--context-rows-max", "8"]).runConfig().prior.validate())
    }

    /// New runs: a 512-wide feed-forward and 4 items per SCM; --no-pair-context gives the
    /// notebook's model and stream (2048, a fresh SCM per item) unless those are asked for.
    func testFeedForwardAndItemsPerSCMDefaultsFollowThePairContext() throws {
        let fresh = try TrainCommand.parse([]).runConfig()
        XCTAssertEqual(fresh.model.feedForward, 512)
        XCTAssertEqual(fresh.prior.itemsPerSCM, 4)
        let notebook = try TrainCommand.parse(["--model", "A", "--no-pair-context"]).runConfig()
        XCTAssertEqual(notebook.model.feedForward, 2048)
        XCTAssertNil(notebook.prior.itemsPerSCM)
        let asked = try TrainCommand.parse(["--no-pair-context", "--feed-forward", "256", "--items-per-scm", "2"]).runConfig()
        XCTAssertEqual([asked.model.feedForward, asked.prior.itemsPerSCM], [256, 2])
        XCTAssertEqual(try TrainCommand.parse(["--feed-forward", "2048", "--items-per-scm", "1"]).runConfig().model.feedForward, 2048)
        XCTAssertNil(try TrainCommand.parse(["--stream", "sequential"]).runConfig().prior.itemsPerSCM, "no grouping off the mixed stream")
    }

    func testListOptionsTakeCommaSeparatedValues() throws {
        let bench = try Bench.Step.parse(["--variants", "A,d", "--nodes", "4, 8", "--threads", "1"])
        XCTAssertEqual(bench.variantList, [.A, .D])
        XCTAssertEqual(bench.nodeList, [4, 8])
        XCTAssertEqual(bench.threadList, [1])
        let prior = try PriorOptions.parse(["--edge-functions", "sin,negative-linear", "--intervention-values", "1,2.5"]).config()
        XCTAssertEqual(prior.edgeFunctions, [.sin, .negativeLinear])
        XCTAssertEqual(prior.interventionValues, [1, 2.5])
        XCTAssertThrowsError(try Bench.Step.parse(["--variants", "A,F"]))
    }

    func testOptionsThatDoNotApplyAreRefused() throws {
        XCTAssertThrowsError(try TrainCommand.parse(["--warmup", "5"]), "--warmup without the cosine schedule")
        XCTAssertNoThrow(try TrainCommand.parse(["--schedule", "cosine", "--warmup", "5"]))
        XCTAssertThrowsError(try TrainCommand.parse(["--model", "A", "--tau-start", "0.5"]), "--tau-* for a model other than C")
        XCTAssertNoThrow(try TrainCommand.parse(["--model", "C", "--tau-start", "0.5"]))
        XCTAssertThrowsError(try TrainCommand.parse(["--model", "A", "--dag-layers", "4"]), "--dag-layers for a model other than D")
        XCTAssertThrowsError(try TrainCommand.parse(["--stream", "sequential", "--items-per-scm", "2"]), "--items-per-scm off the mixed stream")
        XCTAssertEqual(try TrainCommand.parse(["--items-per-scm", "4"]).runConfig().prior.itemsPerSCM, 4)
        XCTAssertNil(try TrainCommand.parse(["--items-per-scm", "1"]).runConfig().prior.itemsPerSCM, "1 is the stream without the field")
        XCTAssertEqual(try TrainCommand.parse(["--model", "D", "--dag-layers", "4"]).runConfig().model.dagLayers, 4)
        XCTAssertThrowsError(try TrainCommand.parse(["--model", "C", "--no-structural-bias"]), "--no-structural-bias for a model other than D")
        XCTAssertFalse(try TrainCommand.parse(["--model", "D", "--no-structural-bias"]).runConfig().model.structuralBias)
        XCTAssertTrue(try TrainCommand.parse(["--model", "D"]).runConfig().model.structuralBias)
        XCTAssertThrowsError(try TrainCommand.parse(["--no-pair-context", "--pair-lr-scale", "3"]), "--pair-lr-scale without the pair context")
        XCTAssertThrowsError(try TrainCommand.parse(["--eval-suite", "n10"]), "--eval-suite without --eval-every")
        XCTAssertNoThrow(try TrainCommand.parse(["--eval-suite", "n10", "--eval-every", "5"]))
        XCTAssertThrowsError(try TrainCommand.parse(["--stream", "sequential", "--context-rows", "3"]), "--context-rows off the mixed stream")
        XCTAssertThrowsError(try SampleCommand.parse(["--context-rows", "3"]), "--context-rows in sample")
        XCTAssertThrowsError(try TrainCommand.parse(["--stream", "sequential", "--context-rows-max", "30"]), "--context-rows-max off the mixed stream")
        XCTAssertThrowsError(try TrainCommand.parse(["--no-pair-context", "--context-rows-max", "30"]), "--context-rows-max without the pair context")
    }

    /// `--lr 0.0001` is the default, but given on resume it is given: against a run trained at
    /// 1e-3 it is a contradiction, not silence. Restating the checkpoint's value is accepted.
    func testAnExplicitDefaultThatContradictsTheCheckpointIsRefusedOnResume() throws {
        var stored = try TrainCommand.parse(["--model", "A", "--nodes", "5", "--lr", "0.001"]).runConfig()
        stored.train.steps = 10
        let existing = #filePath  // --resume must name a file that exists; the checkpoint's config is `stored`
        let contradicting = try TrainCommand.parse(["--resume", existing, "--steps", "20", "--lr", "0.0001"])
        XCTAssertEqual(try resumeConflicts(contradicting, checkpoint: stored), ["--lr 0.0001 (the checkpoint has 0.001)"])
        let restating = try TrainCommand.parse(["--resume", existing, "--steps", "20", "--lr", "0.001", "--nodes", "5", "--model", "A"])
        XCTAssertEqual(try resumeConflicts(restating, checkpoint: stored), [])
        let shape = try TrainCommand.parse(["--resume", existing, "--steps", "20", "--d-model", "64"])
        XCTAssertEqual(try resumeConflicts(shape, checkpoint: stored), ["--d-model 64 (the checkpoint has 128)"])
    }
}
