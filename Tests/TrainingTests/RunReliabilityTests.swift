import Evaluation
import Foundation
import HDF5Kit
import Models
import NN
import XCTest
@testable import Training

/// Issue 13, the library's side: a run is checked completely before anything is created, is
/// claimed atomically under a plain name, never destroys a run's history on resume, never
/// saves a non-finite state, and refuses crafted checkpoints with an error instead of a trap.
final class RunReliabilityTests: XCTestCase {
    func files(_ path: String) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: path).sorted()) ?? [] }

    // D2
    func testResumingFromAnOlderCheckpointStartsABranchAndKeepsTheLaterHistory() throws {
        let run = try TinyRun(self, variant: .A, seed: 3, steps: 30)
        run.output.checkpointEvery = 10
        try run.train()
        let final = try XCTUnwrap(FileManager.default.contents(atPath: run.checkpoint("final.h5")))
        let log = try XCTUnwrap(FileManager.default.contents(atPath: run.logPath))

        let outcome = try run.resume("step-10.h5", steps: 15)
        let branch = "\(run.output.checkpointDir)/A-from-10"
        XCTAssertEqual(outcome, .finished(checkpoint: "\(branch)/final.h5", log: "\(run.output.logDir)/A-from-10.json"))
        XCTAssertEqual(FileManager.default.contents(atPath: run.checkpoint("final.h5")), final, "the run's final.h5 was overwritten")
        XCTAssertEqual(FileManager.default.contents(atPath: run.logPath), log, "the run's log was rewritten")
        XCTAssertEqual(files(run.checkpoint("")), ["final.h5", "step-10.h5", "step-20.h5"])
        XCTAssertEqual(try Checkpoint.read("\(branch)/final.h5").step, 15)
        let branchLog = try TrainingLog(contentsOf: URL(fileURLWithPath: "\(run.output.logDir)/A-from-10.json"))
        XCTAssertEqual(branchLog.series["step"], (1...15).map(Double.init))
        XCTAssertEqual(branchLog.series["loss"]?.prefix(10), try run.log().series["loss"]?.prefix(10), "the branch's log starts as the run's")

        // A second branch from the same point takes the next suffix.
        try run.resume("step-10.h5", steps: 12)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(run.output.checkpointDir)/A-from-10-2/final.h5"))
    }

    /// The run's latest checkpoint continues in place (a crash's extra log rows are dropped).
    func testResumingFromTheLatestCheckpointContinuesInPlace() throws {
        let run = try TinyRun(self, variant: .A, seed: 3, steps: 1000)
        var steps = 0
        try run.train(hooks: TrainingHooks(events: { if case .stepped = $0 { steps += 1 } }, shouldStop: { steps == 4 }))
        XCTAssertEqual(try run.resume("step-4.h5", steps: 6), .finished(checkpoint: run.checkpoint("final.h5"), log: run.logPath))
        XCTAssertEqual(files(run.output.checkpointDir), ["A"])
    }

    // D9
    func testResumeWritesIntoTheGivenCheckpointDirAndChecksItFirst() throws {
        let run = try TinyRun(self, variant: .A, seed: 3, steps: 4)
        try run.train()
        let point = try ResumePoint(run.checkpoint("final.h5"))
        var elsewhere = run.output
        elsewhere.checkpointDir = run.folder.appendingPathComponent("moved").path
        _ = try Training.train(TrainingRun.resuming(point, steps: 6, output: elsewhere))
        XCTAssertEqual(try Checkpoint.read("\(elsewhere.checkpointDir)/A/final.h5").step, 6)
        XCTAssertEqual(try Checkpoint.read(run.checkpoint("final.h5")).step, 4, "the original folder is untouched")

        let blocker = run.folder.appendingPathComponent("file").path
        FileManager.default.createFile(atPath: blocker, contents: Data())
        var blocked = run.output
        blocked.checkpointDir = blocker + "/ck"
        let before = files(run.output.checkpointDir)
        XCTAssertThrowsError(try TrainingRun.resuming(point, steps: 8, output: blocked)) {
            XCTAssertTrue("\($0)".contains("--checkpoint-dir") && "\($0)".contains("is a file"), "\($0)")
        }
        XCTAssertEqual(files(run.output.checkpointDir), before)
    }

    // D5
    func testRunsStartedTogetherClaimDifferentFolders() throws {
        let run = try TinyRun(self, variant: .A, seed: 1, steps: 1)
        let names = UnsafeMutableBufferPointer<String>.allocate(capacity: 16)
        defer { names.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            names.initializeElement(at: i, to: (try? RunFolder.claim(run.output, base: "A", suffixed: true).name) ?? "failed")
        }
        XCTAssertEqual(Set(names).count, 16, "two runs claimed one folder: \(names.sorted())")
        XCTAssertFalse(names.contains("failed"))
        XCTAssertThrowsError(try RunFolder.claim(run.output, base: "A-3", suffixed: false)) { XCTAssertTrue("\($0)".contains("'A-3' exists"), "\($0)") }
    }

    func testARunCutOffBeforeItsFirstCheckpointSaysHowToStartAgain() throws {
        let run = try TinyRun(self, variant: .A, seed: 1, steps: 1)
        _ = try RunFolder.claim(run.output, base: "cut", suffixed: false)  // its folder, no checkpoint yet
        XCTAssertThrowsError(try RunFolder.claim(run.output, base: "cut", suffixed: false)) {
            XCTAssertTrue("\($0)".contains("no checkpoint to continue") && "\($0)".contains("delete"), "\($0)")
        }
        FileManager.default.createFile(atPath: "\(run.output.checkpointDir)/cut/step-4.h5", contents: Data())
        XCTAssertThrowsError(try RunFolder.claim(run.output, base: "cut", suffixed: false)) {
            XCTAssertTrue("\($0)".contains("--resume \(run.output.checkpointDir)/cut"), "\($0)")
        }
    }

    // D18
    func testRunNamesMustBePlainNames() throws {
        let run = try TinyRun(self, variant: .A, seed: 1, steps: 1)
        for name in ["../escape", "a/b", ".", "..", ".hidden", "", "tab\tname"] {
            run.output.runName = name
            XCTAssertThrowsError(try run.train(), name) { XCTAssertTrue("\($0)".contains("plain name"), "\($0)") }
        }
        XCTAssertEqual(files(run.folder.path), [], "a refused name created something")
        XCTAssertNil(RunName.problem("run_2.b+lr=1e-3"))
    }

    // D10, D17
    func testNonFiniteOrNegativeSettingsAreRefusedBeforeAnythingIsCreated() throws {
        let run = try TinyRun(self, variant: .C, seed: 1, steps: 2)
        let good = run.config
        let bad: [(String, (inout RunConfig) -> Void)] = [
            ("--lr", { $0.train.lr = .infinity }), ("--lr", { $0.train.lr = -1 }), ("--weight-decay", { $0.train.weightDecay = .nan }),
            ("--weight-decay", { $0.train.weightDecay = -1 }), ("--grad-clip", { $0.train.gradClip = .nan }),
            ("--grad-clip", { $0.train.gradClip = -1 }), ("--pair-lr-scale", { $0.train.pairLRScale = .infinity }),
            ("--tau-start", { $0.train.tauStart = .infinity }), ("--tau-end", { $0.train.tauEnd = .nan }),
            ("--warmup", { $0.train.warmupSteps = -5 }), ("--tau-anneal", { $0.train.tauAnnealSteps = -1 }),
            ("--steps", { $0.train.steps = -5 }), ("--batch", { $0.train.batch = 0 }),
            ("--delta-weight", { $0.loss.deltaWeight = -1 }), ("--delta-weight", { $0.loss.deltaWeight = .nan }),
            ("--dag-weight", { $0.loss.dagWeight = .infinity }), ("--acyclicity-weight", { $0.loss.acyclicityWeight = -1 }),
            ("--sparsity-weight", { $0.loss.sparsityWeight = .nan }), ("--acyclicity-warmup", { $0.loss.acyclicityWarmup = -1 }),
            ("feature clip", { $0.model.featureClip = .infinity }), ("dropout", { $0.model.dropout = 2 }),
        ]
        for (option, change) in bad {
            run.config = good
            change(&run.config)
            XCTAssertThrowsError(try run.train(), option) { XCTAssertTrue("\($0)".contains(option), "\(option): \($0)") }
        }
        XCTAssertEqual(files(run.folder.path), [], "a refused run created folders")
    }

    // D13
    func testAResumedCosineRunKeepsItsScheduleAndCannotBeExtendedPastIt() throws {
        let straight = try TinyRun(self, variant: .A, seed: 5, steps: 20), split = try TinyRun(self, variant: .A, seed: 5, steps: 20)
        for r in [straight, split] { (r.config.train.schedule, r.config.train.warmupSteps) = (.cosine, 2) }
        straight.output.checkpointEvery = 15
        try straight.train()
        var steps = 0
        try split.train(hooks: TrainingHooks(events: { if case .stepped = $0 { steps += 1 } }, shouldStop: { steps == 7 }))
        try split.resume("step-7.h5", steps: 15)   // a shorter total: the decay still ends at 20
        let a = try Checkpoint.read(straight.checkpoint("step-15.h5")), b = try Checkpoint.read(split.checkpoint("final.h5"))
        XCTAssertEqual(a.params, b.params, "the resumed cosine run left the original schedule")
        XCTAssertEqual(try split.log().series["lr"], try straight.log().series["lr"].map { Array($0.prefix(15)) })

        XCTAssertThrowsError(try split.resume("final.h5", steps: 30)) {
            XCTAssertTrue("\($0)".contains("decays to lr 0 at step 20") && "\($0)".contains("--steps 20 or less"), "\($0)")
        }
    }

    // D4
    func testAStateThatStoppedBeingFiniteIsNeverSaved() throws {
        let run = try TinyRun(self, variant: .A, seed: 3, steps: 6)
        run.config.train.lr = 3e38   // the first update overflows every parameter to ±inf
        run.output.checkpointEvery = 1
        XCTAssertThrowsError(try run.train()) { XCTAssertTrue($0 is NonFiniteStateError, "\($0)") }
        XCTAssertEqual(files(run.checkpoint("")), [], "a non-finite checkpoint was written")
    }

    // D15, D24
    func testCraftedCheckpointsAreRefusedWithAnErrorNotATrap() throws {
        let run = try TinyRun(self, variant: .A, seed: 3, steps: 2)
        try run.train()
        let good = try XCTUnwrap(FileManager.default.contents(atPath: run.checkpoint("final.h5")))
        let crafted: [(String, String, (H5Group) throws -> Void)] = [
            ("heads 3", "multiple of the head count", { try self.setConfig($0, "model", "heads", 3) }),
            ("d-model 0", "multiple of the head count", { try self.setConfig($0, "model", "dModel", 0) }),
            ("feed-forward 0", "feed-forward", { try self.setConfig($0, "model", "feedForward", 0) }),
            ("dropout 2", "dropout", { try self.setConfig($0, "model", "dropout", 2.0) }),
            ("lr -1", "--lr is -1", { try self.setConfig($0, "train", "lr", -1.0) }),
            ("steps -5", "--steps is -5", { try self.setConfig($0, "train", "steps", -5) }),
            ("huge width", "larger than", { try self.setConfig($0, "model", "dModel", 1 << 30) }),
            ("dropout rng zero", "all zero", { try $0.write("rng/dropout", [Int64](repeating: 0, count: 4), shape: [4]) }),
            ("negative stream cursor", "must be ≥ 0", { try $0.openGroup("stream").setAttribute("cursor", Int64(-7)) }),
            ("model attribute Z", "damaged", { try $0.setAttribute("model", "Z") }),
        ]
        for (what, fragment, change) in crafted {
            FileManager.default.createFile(atPath: run.checkpoint("final.h5"), contents: good)
            let file = try H5File.open(run.checkpoint("final.h5"), writable: true)
            try change(try file.root)
            try file.close()
            XCTAssertThrowsError(try run.resume("final.h5", steps: 4), what) {
                XCTAssertTrue("\($0)".contains(fragment), "\(what): \($0)")
                XCTAssertFalse("\($0)".contains("pass --model"), "\(what): contradictory advice: \($0)")
            }
        }
        // The old stream layout's position words are exact integers, never wrapped.
        FileManager.default.createFile(atPath: run.checkpoint("final.h5"), contents: good)
        var old = try Checkpoint.read(run.checkpoint("final.h5"))
        old.rng["stream"] = [1, 2, 3, 4]
        old.rng["stream_position"] = [UInt64(bitPattern: -1), 0]
        try old.write(to: run.checkpoint("final.h5"))
        XCTAssertThrowsError(try ResumePoint(run.checkpoint("final.h5"))) { XCTAssertTrue("\($0)".contains("stream_position"), "\($0)") }
    }

    // D23
    func testADamagedLogIsNamedOnResume() throws {
        let run = try TinyRun(self, variant: .A, seed: 3, steps: 2)
        try run.train()
        FileManager.default.createFile(atPath: run.logPath, contents: Data("{\"step\": [1, 2".utf8))
        XCTAssertThrowsError(try run.resume("final.h5", steps: 4)) { error in
            XCTAssertTrue("\(error)".contains(run.logPath) && !"\(error)".contains("Error Domain"), "\(error)")
        }
    }

    // D19
    func testResumeRemovesTemporaryFilesOfKilledWriters() throws {
        let run = try TinyRun(self, variant: .A, seed: 3, steps: 2)
        try run.train()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        let stale = run.checkpoint(".step-9.h5.tmp-\(p.processIdentifier)")
        FileManager.default.createFile(atPath: stale, contents: Data(repeating: 7, count: 1000))
        _ = try TrainingRun.resuming(ResumePoint(run.checkpoint("final.h5")), steps: 4, output: run.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
    }

    func setConfig(_ root: H5Group, _ section: String, _ key: String, _ value: Any) throws {
        let json = try XCTUnwrap(try root.stringAttribute("config"))
        var object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        var inner = try XCTUnwrap(object[section] as? [String: Any])
        inner[key] = value
        object[section] = inner
        try root.setAttribute("config", String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
    }
}
