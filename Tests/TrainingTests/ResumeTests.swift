import Foundation
import HDF5Kit
import Models
import NN
import XCTest
@testable import Training

/// A run stopped and resumed from its checkpoint must give the same bits as never stopping:
/// parameters, AdamW moments, generators, the data stream's position and the logged losses.
final class ResumeTests: XCTestCase {
    func testResumedRunEqualsStraightRun() throws {
        let straight = try TinyRun(self, variant: .A, seed: 3, steps: 20), split = try TinyRun(self, variant: .A, seed: 3, steps: 10)
        try straight.train()
        try split.train()
        let firstHalf = try Checkpoint.read(split.checkpoint("final.h5"))
        try split.resume("final.h5", steps: 20)

        XCTAssertNotEqual(try Checkpoint.read(split.checkpoint("final.h5")).params, firstHalf.params, "the resumed run did not train")
        try assertSameCheckpoint(straight.checkpoint("final.h5"), split.checkpoint("final.h5"))
        try assertSameLog(straight, split)
    }

    /// Variant C draws Gumbel noise every step, and its temperature and a cosine learning rate
    /// depend on the step: resuming from step-10.h5 of the 20-step run itself must rewrite the
    /// same final.h5 and the same log rows 11...20 (the old rows past step 10 are dropped).
    func testGumbelRunResumedFromAnIntermediateCheckpointEqualsStraightRun() throws {
        let run = try TinyRun(self, variant: .C, seed: 6, steps: 20)
        run.config.train.schedule = .cosine
        run.config.train.warmupSteps = 3
        (run.config.train.tauStart, run.config.train.tauEnd, run.config.train.tauAnnealSteps) = (1, 0.3, 20)
        run.output.checkpointEvery = 10
        try run.train()
        let kept = try TinyRun(self, variant: .C, seed: 6, steps: 20)
        try FileManager.default.createDirectory(atPath: kept.checkpoint(""), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: kept.output.logDir, withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: run.checkpoint("final.h5"), toPath: kept.checkpoint("final.h5"))
        try FileManager.default.copyItem(atPath: run.logPath, toPath: kept.logPath)

        try run.resume("step-10.h5", steps: 20)
        try assertSameCheckpoint(kept.checkpoint("final.h5"), run.checkpoint("final.h5"))
        try assertSameLog(kept, run)
    }

    func testSequentialStreamResumesExactlyInsideAnSCM() throws {
        // 20 + 20·K rows per SCM and batch 4: a resume at step 10 lands inside an SCM.
        let straight = try TinyRun(self, variant: .A, seed: 4, steps: 20), split = try TinyRun(self, variant: .A, seed: 4, steps: 10)
        straight.config.train.stream = .sequential
        split.config.train.stream = .sequential
        try straight.train()
        try split.train()
        try split.resume("final.h5", steps: 20)
        try assertSameCheckpoint(straight.checkpoint("final.h5"), split.checkpoint("final.h5"))
        try assertSameLog(straight, split)
    }

    /// Checkpoints written before the stream state had its own /stream entry kept it as
    /// /rng/stream and /rng/stream_position = [cursor, batches]: they resume exactly too.
    func testCheckpointWithTheOldStreamLayoutResumesExactly() throws {
        let straight = try TinyRun(self, variant: .D, seed: 5, steps: 20), split = try TinyRun(self, variant: .D, seed: 5, steps: 10)
        try straight.train()
        try split.train()
        let path = split.checkpoint("final.h5")
        var old = try Checkpoint.read(path)
        let stream = try XCTUnwrap(RunCheckpoint.streamState(path, checkpoint: old, mode: .mixed))
        old.rng["stream"] = stream.rng
        old.rng["stream_position"] = [UInt64(stream.cursor), UInt64(stream.batches)]
        try old.write(to: path)
        XCTAssertFalse(try H5File.open(path).root.isGroup("stream"), "the rewritten checkpoint still has /stream")

        try split.resume("final.h5", steps: 20)
        try assertSameCheckpoint(straight.checkpoint("final.h5"), split.checkpoint("final.h5"))
        try assertSameLog(straight, split)
    }

    /// `shouldStop` ends the run between steps with step-<k>.h5 and the log, and the run
    /// resumes from there.
    func testAStopRequestSavesAResumableCheckpoint() throws {
        let run = try TinyRun(self, variant: .A, seed: 3, steps: 1000)
        var steps = 0
        let hooks = TrainingHooks(events: { if case .stepped = $0 { steps += 1 } }, shouldStop: { steps == 3 })
        XCTAssertEqual(try run.train(hooks: hooks),
                       .interrupted(step: 3, checkpoint: run.checkpoint("step-3.h5"), log: run.logPath))
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.checkpoint("final.h5")))
        XCTAssertEqual(try run.log().series["step"], [1, 2, 3])
        try run.resume("step-3.h5", steps: 5)
        XCTAssertEqual(try run.log().series["step"], [1, 2, 3, 4, 5])
    }

    func testADivergingRunStopsBeforeTheUpdateAndKeepsTheLog() throws {
        let run = try TinyRun(self, variant: .A, seed: 3, steps: 6)
        run.config.train.lr = 1e30   // the first update blows the parameters up: step 2's loss is NaN
        run.output.checkpointEvery = 1
        XCTAssertThrowsError(try run.train()) { error in
            XCTAssertEqual((error as? NonFiniteLossError)?.step, 2, "\(error)")
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.checkpoint("step-1.h5")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.checkpoint("step-2.h5")))
        XCTAssertEqual(try run.log().series["step"], [1])
    }

    /// Parameters, AdamW moments and step, generators and stream state, bit for bit.
    func assertSameCheckpoint(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let x = try Checkpoint.read(a), y = try Checkpoint.read(b)
        XCTAssertFalse(x.params.isEmpty, file: file, line: line)
        XCTAssertEqual(x.step, y.step, "step", file: file, line: line)
        XCTAssertEqual(x.optimizerStep, y.optimizerStep, file: file, line: line)
        for (what, p, q) in [("parameters", x.params, y.params), ("exp_avg", x.expAvg, y.expAvg), ("exp_avg_sq", x.expAvgSq, y.expAvgSq)] {
            XCTAssertEqual(Set(p.keys), Set(q.keys), "\(what) keys", file: file, line: line)
            XCTAssertEqual(p.keys.filter { p[$0] != q[$0] }.sorted(), [], "\(what) differ after resuming", file: file, line: line)
        }
        XCTAssertEqual(x.rng, y.rng, "generators differ after resuming", file: file, line: line)
        let mode = x.config.flatMap { try? JSONDecoder().decode(RunConfig.self, from: Data($0.utf8)) }?.train.stream ?? .mixed
        let stream = try RunCheckpoint.streamState(a, checkpoint: x, mode: mode)
        XCTAssertNotNil(stream, file: file, line: line)
        XCTAssertEqual(stream, try RunCheckpoint.streamState(b, checkpoint: y, mode: mode), "stream state", file: file, line: line)
    }

    /// The resumed log has every step once, with the straight run's values.
    func assertSameLog(_ straight: TinyRun, _ resumed: TinyRun, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try straight.log(), b = try resumed.log()
        XCTAssertEqual(b.series["step"], (1...20).map(Double.init), file: file, line: line)
        for key in ["loss", "delta_mse", "dag_bce", "shd", "acyclicity", "lr"] + (straight.config.model.variant == .C ? ["tau"] : []) {
            XCTAssertEqual(a.series[key], b.series[key], "series '\(key)'", file: file, line: line)
        }
    }
}
