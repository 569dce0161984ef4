import Foundation
import HDF5Kit
import Randomness
import XCTest
@testable import NN

/// Issue 13, D4 and D8 (library side): an update that overflows is detected before it can be
/// saved, checkpoints with non-finite or mis-shaped tensors are refused when loaded, crafted
/// integer attributes are refused, and a worker pool whose threads cannot all be started
/// runs with the ones it has instead of waiting forever.
final class NonFiniteStateTests: XCTestCase {
    private func tempPath(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nn-nonfinite-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent(name).path
    }

    private func parameters() -> [(String, Tensor)] {
        let w = Tensor(zeros: [2, 3], requiresGrad: true), b = Tensor(zeros: [3], requiresGrad: true)
        for i in 0..<6 { w.data[i] = Float(i) * 0.1 }
        return [("layer.weight", w), ("layer.bias", b)]
    }

    func testAnUpdateThatOverflowsIsDetected() throws {
        let ps = parameters()
        let opt = AdamW(ps, learningRate: 1e-3)
        for (_, p) in ps { for i in 0..<p.count { p.grad[i] = 1 } }
        opt.update()
        XCTAssertTrue(opt.allFinite)
        XCTAssertNoThrow(try opt.checkFinite())
        // g² overflows float32 in exp_avg_sq although g itself is finite (D4: --lr 1e3 runs).
        for (_, p) in ps { for i in 0..<p.count { p.grad[i] = 1e30 } }
        opt.update()
        XCTAssertFalse(opt.allFinite)
        XCTAssertEqual(opt.firstNonFinite(), "exp_avg_sq of layer.weight")
        XCTAssertThrowsError(try opt.checkFinite()) { XCTAssertTrue("\($0)".contains("step 2"), "\($0)") }
    }

    func testAHugeLearningRateMakesParametersInfiniteAndIsDetected() {
        let ps = parameters()
        let opt = AdamW(ps, learningRate: 3e38)
        for (_, p) in ps { for i in 0..<p.count { p.grad[i] = 1 } }
        opt.update()
        XCTAssertEqual(opt.firstNonFinite(), "layer.weight")
    }

    func testNonFiniteParametersInACheckpointAreRefusedWhenLoaded() throws {
        let ps = parameters()
        ps[0].1.data[4] = .infinity
        let path = try tempPath("inf.h5")
        try Checkpoint(model: "A", parameters: ps).write(to: path)
        let read = try Checkpoint.read(path)
        let target = parameters()
        let before = target.flatMap { $0.1.scalars }
        XCTAssertThrowsError(try read.loadParameters(into: target)) { error in
            XCTAssertTrue("\(error)".contains("layer.weight has inf at [1, 1]"), "\(error)")
        }
        XCTAssertEqual(target.flatMap { $0.1.scalars }, before, "nothing is changed")
    }

    func testNonFiniteOptimizerMomentsAreRefusedOnResume() throws {
        let ps = parameters()
        let opt = AdamW(ps, learningRate: 1e-3)
        for (_, p) in ps { for i in 0..<p.count { p.grad[i] = 1e30 } }
        opt.update()
        var ckpt = Checkpoint(model: "A", parameters: ps, optimizer: opt)
        ckpt.params = ckpt.params.mapValues { NamedArray(shape: $0.shape, values: $0.values.map { $0.isFinite ? $0 : 0 }) }
        let path = try tempPath("moments.h5")
        try ckpt.write(to: path)
        let read = try Checkpoint.read(path)
        XCTAssertNoThrow(try read.loadParameters(into: parameters()))
        XCTAssertThrowsError(try read.loadOptimizer(into: AdamW(parameters()))) { error in
            XCTAssertTrue("\(error)".contains("exp_avg_sq"), "\(error)")
        }
    }

    func testMisShapedParametersAreRefused() throws {
        let path = try tempPath("shape.h5")
        var ckpt = Checkpoint(model: "A", parameters: parameters())
        ckpt.params["layer.bias"] = NamedArray(shape: [], values: [1])
        try ckpt.write(to: path)
        XCTAssertThrowsError(try Checkpoint.read(path).loadParameters(into: parameters())) { error in
            XCTAssertTrue("\(error)".contains("mis-shaped 1: layer.bias (file [], model [3])"), "\(error)")
        }
    }

    func testCraftedIntegerAttributesAreRefused() throws {
        let path = try tempPath("crafted.h5")
        try Checkpoint(model: "A", step: 5, parameters: parameters(), rng: ["dropout": [1, 2, 3, 4]]).write(to: path)
        let file = try H5File.open(path, writable: true)
        try file.root.setAttribute("format_version", 1.7)
        try file.close()
        XCTAssertThrowsError(try Checkpoint.read(path)) { XCTAssertTrue("\($0)".contains("1.7"), "\($0)") }

        try Checkpoint(model: "A", step: 5, parameters: parameters()).write(to: path)
        let f2 = try H5File.open(path, writable: true)
        try f2.root.setAttribute("step", Int64(-3))
        try f2.close()
        XCTAssertThrowsError(try Checkpoint.read(path)) { XCTAssertTrue("\($0)".contains("-3"), "\($0)") }

        try Checkpoint(model: "A", step: 5, parameters: parameters()).write(to: path)
        let f3 = try H5File.open(path, writable: true)
        try f3.root.write("rng/dropout", [Float(0.5)], shape: [1])
        try f3.close()
        XCTAssertThrowsError(try Checkpoint.read(path)) { XCTAssertTrue("\($0)".contains("float32"), "\($0)") }
    }

    func testPoolWhoseThreadsCannotAllStartRunsWithTheOnesItHas() {
        var started = 0
        let pool = WorkerPool(size: 8) { body in
            guard started < 2 else { return false }  // the system refuses the third thread
            started += 1
            return WorkerPool.startThread(body)
        }
        XCTAssertEqual(pool.size, 3, "the caller and the two workers that exist")
        let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: 3)
        defer { hits.deallocate() }
        hits.initialize(repeating: 0)
        pool.run(3) { i in hits[i] += 1 }  // would wait forever for a missing worker before
        XCTAssertEqual(Array(hits), [1, 1, 1])
        let none = WorkerPool(size: 4) { _ in false }
        XCTAssertEqual(none.size, 1)
        none.run(1) { _ in }
    }

    func testThreadCountIsWhatCouldBeStartedAndTheMachineLimitIsKnown() {
        XCTAssertGreaterThanOrEqual(Threads.processorLimit, 1)
        let old = Threads.count
        defer { Threads.setCount(old) }
        XCTAssertEqual(Threads.setCount(2), 2)
        XCTAssertLessThanOrEqual(Threads.count, Threads.pool?.size ?? 1)
    }
}
