import Foundation
import XCTest

/// `pfn-train bench` on a tiny model: one result per (variant, N, threads), each from its own
/// child process, with timings, memory, FLOPs and the data streams in the JSON.
final class BenchCommandTests: XCTestCase {
    static let tinyModel = ["--d-model", "16", "--heads", "2", "--layers", "1", "--feed-forward", "32",
                            "--batch", "4", "--gemm-size", "64", "--steps", "3", "--warmup", "1"]

    func testJSONHasEveryConfigurationWithTimingsMemoryAndFlops() throws {
        let p = try PFNTrainProcess(self)
        try p.runOK(["bench", "--variants", "A,D", "--nodes", "4,8", "--threads", "1", "--data-seconds", "0.05",
                     "--json", "bench.json"] + Self.tinyModel)
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: p.directory.appendingPathComponent("bench.json"))) as? [String: Any])
        let machine = try XCTUnwrap(doc["machine"] as? [String: Any])
        XCTAssertFalse((machine["cpuModel"] as? String ?? "").isEmpty)
        XCTAssertGreaterThan(machine["logicalCPUs"] as? Int ?? 0, 0)

        let results = try XCTUnwrap(doc["results"] as? [[String: Any]])
        let keys = results.map { "\($0["variant"]!)\($0["nodes"]!)" }
        XCTAssertEqual(Set(keys), ["A4", "A8", "D4", "D8"])
        func flops(_ v: String, _ n: Int) -> Double {
            results.first { $0["variant"] as? String == v && $0["nodes"] as? Int == n }?["gflop"] as? Double ?? 0
        }
        for r in results {
            let train = try XCTUnwrap(r["train"] as? [String: Any]), eval = try XCTUnwrap(r["eval"] as? [String: Any])
            XCTAssertEqual((train["samplesMs"] as? [Double])?.count, 3, "one sample per timed step")
            XCTAssertGreaterThan(train["medianMs"] as? Double ?? 0, 0)
            XCTAssertGreaterThan(eval["medianMs"] as? Double ?? 0, 0)
            XCTAssertGreaterThan(r["peakRSSMB"] as? Double ?? 0, 1, "peak RSS of the child process")
            let gflop = r["gflop"] as? Double ?? 0, evalGflop = r["evalGflop"] as? Double ?? 0
            XCTAssertEqual(gflop, 3 * evalGflop, accuracy: 1e-12, "a training step counts forward + 2× backward")
            XCTAssertGreaterThan(r["sgemmFraction"] as? Double ?? 0, 0)
        }
        // D has 2 more encoder layers than A; doubling N at least doubles the FLOPs.
        XCTAssertGreaterThan(flops("D", 4), flops("A", 4))
        XCTAssertGreaterThanOrEqual(flops("A", 8), 2 * flops("A", 4))

        let data = try XCTUnwrap(doc["data"] as? [[String: Any]])
        XCTAssertEqual(Set(data.map { "\($0["mode"]!)\($0["nodes"]!)" }), ["mixed4", "sequential4", "mixed8", "sequential8"])
        XCTAssertTrue(data.allSatisfy { ($0["itemsPerSecond"] as? Double ?? 0) > 0 })
    }

    /// `--items-per-scm K` times the model on train's stream of K items per SCM (each child
    /// process is given it); 0 is refused with the fix.
    func testItemsPerSCMReachesTheChildAndZeroIsRefused() throws {
        let p = try PFNTrainProcess(self)
        let ok = try p.runOK(["bench", "--variants", "C", "--nodes", "6", "--threads", "1", "--data-seconds", "0",
                              "--pair-context", "--items-per-scm", "2", "--json", "items.json"] + Self.tinyModel)
        XCTAssertTrue(ok.stdout.contains("2 item(s) per SCM"), ok.stdout)
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: p.directory.appendingPathComponent("items.json"))) as? [String: Any])
        let results = try XCTUnwrap(doc["results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["itemsPerSCM"] as? Int }, [2], "the child's stream")
        let bad = try p.run(["bench", "--items-per-scm", "0"] + Self.tinyModel)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--items-per-scm is 0; it must be at least 1"), bad.stderr)
    }

    func testUnknownVariantIsRefusedByName() throws {
        let p = try PFNTrainProcess(self)
        let r = try p.run(["bench", "--variants", "A,F"] + Self.tinyModel)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("'F'") && r.stderr.contains("A, B, C, D, E"), r.stderr)
    }
}
