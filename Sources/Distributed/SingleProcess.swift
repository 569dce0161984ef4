import Foundation

/// The world of one process: every collective is the identity and nothing touches MPI, so a
/// run without mpirun behaves exactly as before data parallelism existed.
public final class SingleProcess: Communicator {
    public let rank = 0
    public let size = 1

    public init() {}

    public func startAllreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> PendingReduction {
        Completed()
    }

    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard root == 0 else { throw CommunicatorError("broadcast from rank \(root) in a run of 1 process; the root must be 0") }
    }

    public func barrier() throws {}

    public func abort(code: Int32) -> Never { exit(code) }

    public func finalize() throws {}

    private final class Completed: PendingReduction {
        func test() throws -> Bool { true }
        func wait() throws {}
    }
}
