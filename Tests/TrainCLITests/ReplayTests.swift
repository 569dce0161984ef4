import Foundation
import XCTest
@testable import TrainCLI

/// Runs that can be replayed and resumed without surprises: --config from a log, --resume
/// keeping the output settings and finding the newest checkpoint, --version, a bare
/// `pfn-train`, the training log as CSV tables, and a paired comparison of two evals.
final class ReplayTests: XCTestCase {
    func testAConfigFromALogReplaysTheRunAndFlagsOverrideIt() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "A", "--steps", "3", "--log-every", "1", "--lr", "0.001", "--run-name", "a"] + PFNTrainProcess.tiny)
        try p.runOK(["--config", "logs/a.json", "--run-name", "b", "--log-every", "1", "--threads", "1"])
        let (a, b) = (try p.log("logs/a.json"), try p.log("logs/b.json"))
        func settings(_ log: [String: Any]) throws -> NSDictionary {
            var c = try XCTUnwrap(log["config"] as? [String: Any])
            c["provenance"] = nil
            return c as NSDictionary
        }
        XCTAssertEqual(try settings(a), try settings(b), "the replayed run has the logged config")
        XCTAssertEqual(try p.series(b, "loss"), try p.series(a, "loss"), "and trains the same steps")
        try p.runOK(["--config", "logs/a.json", "--run-name", "c", "--lr", "0.002", "--steps", "1", "--threads", "1"])
        let train = try XCTUnwrap((try p.log("logs/c.json"))["config"] as? [String: Any])["train"] as? [String: Any]
        XCTAssertEqual((train?["lr"] as? NSNumber)?.floatValue, 0.002, "a flag overrides the config file")
    }

    func testAConfigSubsetKeepsTheDefaultsAndATypoIsRefused() throws {
        let subset = try TrainCommand.parse(["--config", try write(#"{"train": {"lr": 0.003}, "prior": {"nodesMin": 10, "nodesMax": 12}}"#)]).runConfig()
        XCTAssertEqual(subset.train.lr, 0.003)
        XCTAssertEqual(subset.prior.nodesMax, 12)
        XCTAssertEqual(subset.model.maxNodes, 50, "a default the file leaves out")
        XCTAssertEqual(subset.train.precision, .bfloat16)
        XCTAssertThrowsError(try TrainCommand.parse(["--config", try write(#"{"train": {"lrr": 0.003}}"#)]).runConfig()) { error in
            XCTAssertTrue(TrainCommand.message(for: error).contains("train.lrr"), TrainCommand.message(for: error))
        }
    }

    /// A log from before a field existed replays what that run did (the type's default, e.g. no
    /// delta-correction bound, a fresh SCM per item), not a newer CLI default; a subset gets
    /// today's defaults.
    func testALogOlderThanAFieldReplaysWithoutItsNewerDefault() throws {
        var c = try TrainCommand.parse([]).runConfig()
        XCTAssertEqual(c.model.deltaCorrectionBound, 1)
        XCTAssertEqual(c.prior.itemsPerSCM, TrainCommand.defaultItemsPerSCM)
        (c.model.deltaCorrectionBound, c.prior.itemsPerSCM) = (nil, nil)  // encoded without the two fields
        let log = String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
        XCTAssertFalse(log.contains("itemsPerSCM") || log.contains("deltaCorrectionBound"))
        let replayed = try TrainCommand.parse(["--config", try write(#"{"config": \#(log)}"#)]).runConfig()
        XCTAssertNil(replayed.model.deltaCorrectionBound)
        XCTAssertNil(replayed.prior.itemsPerSCM)
        XCTAssertEqual(replayed, try TrainCommand.parse(["--config", try write(log.dropLast() + #", "provenance": {}}"#)]).runConfig(),
                       "the config object a log holds reads as the log")
        let subset = try TrainCommand.parse(["--config", try write(#"{"train": {"lr": 0.003}}"#)]).runConfig()
        XCTAssertEqual(subset.model.deltaCorrectionBound, 1)
        XCTAssertEqual(subset.prior.itemsPerSCM, TrainCommand.defaultItemsPerSCM)
    }

    func write(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString.prefix(8)).json")
        try text.write(to: url, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    func testResumeLatestContinuesWithTheRunsOwnOutputSettings() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "A", "--steps", "4", "--log-every", "1", "--checkpoint-every", "2", "--run-name", "r"] + PFNTrainProcess.tiny)
        try p.runOK(["--resume", "latest", "--steps", "6", "--threads", "1"])
        XCTAssertEqual(try p.series(try p.log("logs/r.json"), "step"), [1, 2, 3, 4, 5, 6],
                       "--log-every 1 is kept on resume (the default would log step 6 only)")
        XCTAssertTrue(p.exists("checkpoints/r/final.h5"))
        let r = try p.run(["--resume", "checkpoints/r", "--threads", "1"])
        XCTAssertNotEqual(r.status, 0, "a finished run's folder resumes from final.h5, which is at its total already")
        XCTAssertTrue(r.stderr.contains("step 6"), r.stderr)
    }

    func testVersionAndABareCommand() throws {
        let p = try PFNTrainProcess(self)
        let v = try p.runOK(["--version"])
        XCTAssertTrue(v.stdout.hasPrefix("pfn-train \(pfnTrainVersion) (commit "), v.stdout)
        let bare = try p.runOK([])
        XCTAssertTrue(bare.stdout.contains("USAGE"), bare.stdout)
        XCTAssertFalse(p.exists("logs"), "a bare pfn-train starts no run")
    }

    func testTheLogRecordsProvenanceAndExportsToCSVWithBaselines() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["sample", "--count", "2", "--nodes", "5", "--out", "s.h5", "--observational-samples", "20", "--samples-per-regime", "20"])
        try p.runOK(["--model", "A", "--steps", "2", "--log-every", "1", "--eval-every", "2", "--eval-suite", "s.h5"] + PFNTrainProcess.tiny)
        let config = try XCTUnwrap((try p.log("logs/A.json"))["config"] as? [String: Any])
        let provenance = try XCTUnwrap(config["provenance"] as? [String: Any])
        XCTAssertEqual(provenance["version"] as? String, pfnTrainVersion)
        XCTAssertEqual((provenance["threads"] as? NSNumber)?.intValue, 1)
        XCTAssertNotNil(provenance["precision_used"] as? String)
        XCTAssertTrue((provenance["command_line"] as? String ?? "").contains("--eval-every 2"))
        try p.runOK(["export-csv", "logs/A.json"])
        let train = String(decoding: try XCTUnwrap(p.contents("logs/A.train.csv")), as: UTF8.self)
        XCTAssertTrue(train.hasPrefix("step,loss,delta_mse,dag_bce,shd,acyclicity,"), train)
        XCTAssertEqual(train.split(separator: "\n").count, 3)
        let heldOut = String(decoding: try XCTUnwrap(p.contents("logs/A.eval.csv")), as: UTF8.self)
        let header = heldOut.split(separator: "\n")[0].split(separator: ",").map(String.init)
        XCTAssertEqual(header.first, "eval_step")
        for key in ["eval_shd", "eval_baseline_empty_shd", "eval_baseline_plugin_delta_mse", "eval_baseline_ttest_auroc"] {
            XCTAssertTrue(header.contains(key), "\(key) missing from \(header)")
        }
    }

    func testComparePairsTwoEvalsOfTheSameSuite() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["--model", "A", "--steps", "2", "--checkpoint-every", "1"] + PFNTrainProcess.tiny)
        try p.runOK(["sample", "--count", "3", "--nodes", "5", "--out", "s.h5", "--observational-samples", "20", "--samples-per-regime", "20"])
        for (ckpt, out) in [("step-1.h5", "one.json"), ("final.h5", "two.json")] {
            try p.runOK(["eval", "--checkpoint", "checkpoints/A/\(ckpt)", "--data", "s.h5", "--json", out, "--threads", "1"])
        }
        let r = try p.runOK(["compare", "one.json", "two.json", "--metrics", "shd,auroc"])
        XCTAssertTrue(r.stdout.contains("Paired difference two − one"), r.stdout)
        XCTAssertTrue(r.stdout.contains("| shd |"), r.stdout)
        XCTAssertTrue(r.stdout.contains("(n 3)"), r.stdout)
        XCTAssertFalse(r.stdout.contains("delta_mse"), "--metrics picks the columns")
        let bad = try p.run(["compare", "one.json", "--metrics", "nope"])
        XCTAssertNotEqual(bad.status, 0)
    }

    func testOptionNamesAndValues() throws {
        XCTAssertEqual(try TrainCommand.parse(["--loss", "notebook"]).runConfig().loss, .seed)
        XCTAssertEqual(try TrainCommand.parse(["--loss", "seed"]).runConfig().loss, .seed, "old configs and scripts say seed")
        let values = try TrainCommand.parse(["--intervention-values", "-6,-3,3"]).runConfig()
        XCTAssertEqual(values.prior.interventionValues, [-6, -3, 3], "negative numbers parse")
        XCTAssertGreaterThanOrEqual(try TrainCommand.parse([]).threads, 1)
        XCTAssertLessThanOrEqual(try TrainCommand.parse([]).threads, threadCap)
        XCTAssertEqual(try PlotCommand.parse(["a.json", "--out", "x.svg", "--series", "shd"]).panels, "shd", "--series is the old name of --panels")
        XCTAssertThrowsError(try PlotCommand.parse(["a.json", "b.json", "--out", "x.svg", "--labels", "one"]))
    }
}
