@testable import Distributed
import XCTest

/// Bucketed gradient reduction: the plan, the launch order and the written-back sums.
final class GradientBucketsTests: XCTestCase {
    /// A world of `size` ranks whose other ranks all hold the same buffer as this one: the
    /// sum is `size` × the buffer. Records each reduction's length in launch order.
    final class Recording: Communicator {
        let rank = 0, size: Int
        var launched: [Int] = []
        init(size: Int) { self.size = size }
        func startAllreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> PendingReduction {
            launched.append(buffer.count)
            for i in buffer.indices { buffer[i] *= Float(size) }
            return Done()
        }
        func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws { try startAllreduceSum(buffer).wait() }
        func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {}
        func barrier() throws {}
        func abort(code: Int32) -> Never { fatalError("abort \(code)") }
        func finalize() throws {}
        final class Done: PendingReduction {
            func test() throws -> Bool { true }
            func wait() throws {}
        }
    }

    /// `finish` into gradient buffers of their own (as a model's gradient storage is).
    private func finish(_ b: GradientBuckets, _ grads: inout [[Float]], scale: Float) throws {
        let buffers = grads.map { g in
            let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: g.count)
            _ = p.initialize(fromContentsOf: g)
            return p
        }
        defer { buffers.forEach { $0.deallocate() } }
        try b.finish(into: buffers, scale: scale)
        grads = buffers.map { Array($0) }
    }

    func testBucketsFillInReverseParameterOrderUpToCapacity() throws {
        let b = try GradientBuckets(sizes: [4, 4, 10, 1, 3], capacity: 5, communicator: SingleProcess())
        XCTAssertEqual(b.plan, [[4, 3, 2], [1, 0]])
    }

    func testBucketsLaunchInPlanOrderWhateverOrderGradientsArrive() throws {
        let comm = Recording(size: 3)
        let sizes = [2, 3, 5, 7]
        let b = try GradientBuckets(sizes: sizes, capacity: 6, communicator: comm)
        XCTAssertEqual(b.plan, [[3], [2, 1], [0]])
        var grads = sizes.map { n in (0..<n).map { Float($0 + 1) } }
        try grads[0].withUnsafeBufferPointer { try b.ready(0, gradient: $0) }
        XCTAssertEqual(comm.launched, [], "bucket 2 is complete but must wait for buckets 0 and 1")
        try grads[1].withUnsafeBufferPointer { try b.ready(1, gradient: $0) }
        XCTAssertEqual(comm.launched, [])
        try grads[3].withUnsafeBufferPointer { try b.ready(3, gradient: $0) }
        XCTAssertEqual(comm.launched, [7])
        try grads[2].withUnsafeBufferPointer { try b.ready(2, gradient: $0) }
        XCTAssertEqual(comm.launched, [7, 8, 2])
        try finish(b, &grads, scale: 0.5)
        for (i, n) in sizes.enumerated() { XCTAssertEqual(grads[i], (0..<n).map { Float($0 + 1) * 1.5 }) }
    }

    func testFinishHandsOverUnusedParametersAndTheNextStepStartsAfresh() throws {
        let comm = Recording(size: 2)
        let b = try GradientBuckets(sizes: [3, 3], capacity: 3, communicator: comm)
        for step in 1...2 {
            var grads: [[Float]] = [[1, 2, 3], [Float(step), 0, -1]]
            try grads[1].withUnsafeBufferPointer { try b.ready(1, gradient: $0) }
            try finish(b, &grads, scale: 1)
            XCTAssertEqual(grads, [[2, 4, 6], [Float(2 * step), 0, -2]])
        }
        XCTAssertEqual(comm.launched, [3, 3, 3, 3])
    }

    func testMisuseIsAnErrorNotACrash() throws {
        let b = try GradientBuckets(sizes: [2], capacity: 8, communicator: SingleProcess())
        let g: [Float] = [1, 2, 3]
        XCTAssertThrowsError(try g.withUnsafeBufferPointer { try b.ready(0, gradient: $0) })
        XCTAssertThrowsError(try g.withUnsafeBufferPointer { try b.ready(5, gradient: UnsafeBufferPointer(rebasing: $0[0..<2])) })
        try g.withUnsafeBufferPointer { try b.ready(0, gradient: UnsafeBufferPointer(rebasing: $0[0..<2])) }
        XCTAssertThrowsError(try g.withUnsafeBufferPointer { try b.ready(0, gradient: UnsafeBufferPointer(rebasing: $0[0..<2])) })
        XCTAssertThrowsError(try GradientBuckets(sizes: [1, 2], capacity: 4, communicator: SingleProcess(), order: [0, 0]))
        XCTAssertThrowsError(try GradientBuckets(sizes: [1], capacity: 0, communicator: SingleProcess()))
    }
}
