import CMPI
import Foundation

/// MPI_COMM_WORLD of a run started by mpirun. Errors return (MPI_ERRORS_RETURN) and become
/// `CommunicatorError`s naming the call; with a `CollectiveTimeout` every collective is
/// nonblocking and polled against the deadline. MPI is initialised at most once per process
/// (`world`), with MPI_THREAD_SERIALIZED: calls may come from any thread, one at a time
/// (a lock here serialises them).
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    public let timeout: CollectiveTimeout?
    private let comm: MPI_Comm
    let lock = NSLock()

    private static let initLock = NSLock()
    private static var shared: MPICommunicator?

    /// The world communicator, initialising MPI on first use. Later calls return the same
    /// communicator (their `timeout` is ignored).
    public static func world(timeout: CollectiveTimeout? = nil) throws -> MPICommunicator {
        initLock.lock()
        defer { initLock.unlock() }
        if let shared { return shared }
        var initialised: Int32 = 0
        MPI_Initialized(&initialised)
        if initialised == 0 {
            var provided: Int32 = 0
            try check(MPI_Init_thread(nil, nil, cmpi_thread_serialized(), &provided), "MPI_Init_thread")
            guard provided >= cmpi_thread_serialized() else {
                throw CommunicatorError("this MPI library provides thread level \(provided), below MPI_THREAD_SERIALIZED; use an MPI built with thread support")
            }
        }
        let comm = cmpi_comm_world()!
        try check(MPI_Comm_set_errhandler(comm, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0, size: Int32 = 0
        try check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank")
        try check(MPI_Comm_size(comm, &size), "MPI_Comm_size")
        let c = MPICommunicator(comm: comm, rank: Int(rank), size: Int(size), timeout: timeout)
        shared = c
        return c
    }

    private init(comm: MPI_Comm, rank: Int, size: Int, timeout: CollectiveTimeout?) {
        self.comm = comm
        self.rank = rank
        self.size = size
        self.timeout = timeout
    }

    public func startAllreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> PendingReduction {
        let count = try Self.count(buffer.count)
        return try start("MPI_Iallreduce") { request in
            MPI_Iallreduce(cmpi_in_place(), buffer.baseAddress, count, cmpi_float(), cmpi_sum(), comm, &request)
        }
    }

    public func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        let count = try Self.count(buffer.count)
        guard timeout != nil else {
            return try locked("MPI_Allreduce") {
                MPI_Allreduce(cmpi_in_place(), buffer.baseAddress, count, cmpi_float(), cmpi_sum(), comm)
            }
        }
        try startAllreduceSum(buffer).wait()
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard (0..<size).contains(root) else { throw CommunicatorError("broadcast from rank \(root) in a run of \(size) processes") }
        let count = try Self.count(buffer.count)
        guard timeout != nil else {
            return try locked("MPI_Bcast") { MPI_Bcast(buffer.baseAddress, count, cmpi_byte(), Int32(root), comm) }
        }
        try start("MPI_Ibcast") { request in
            MPI_Ibcast(buffer.baseAddress, count, cmpi_byte(), Int32(root), comm, &request)
        }.wait()
    }

    public func barrier() throws {
        guard timeout != nil else { return try locked("MPI_Barrier") { MPI_Barrier(comm) } }
        try start("MPI_Ibarrier") { request in MPI_Ibarrier(comm, &request) }.wait()
    }

    public func abort(code: Int32) -> Never {
        // No lock: another thread may hold it inside a collective that will never finish.
        MPI_Abort(comm, code)
        exit(code)  // MPI_Abort does not return; this satisfies Never if it somehow does
    }

    public func finalize() throws {
        try locked("MPI_Finalize") { MPI_Finalize() }
    }

    /// Issues a nonblocking call under the lock and wraps its request.
    private func start(_ call: String, _ body: (inout MPI_Request?) -> Int32) throws -> PendingReduction {
        var request: MPI_Request? = cmpi_request_null()
        try locked(call) { body(&request) }
        return Request(self, request, call)
    }

    func locked(_ call: String, _ body: () -> Int32) throws {
        lock.lock()
        let code = body()
        lock.unlock()
        try Self.check(code, call)
    }

    static func check(_ code: Int32, _ call: String) throws {
        guard code != cmpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        let message = MPI_Error_string(code, &text, &length) == cmpi_success()
            ? String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown error"
        throw CommunicatorError("\(call) failed with MPI error \(code): \(message) (another rank probably died or diverged)")
    }

    private static func count(_ n: Int) throws -> Int32 {
        guard n <= Int(Int32.max) else { throw CommunicatorError("a collective of \(n) elements exceeds MPI's Int32 count; split it into buckets") }
        return Int32(n)
    }

    /// A nonblocking collective; `wait` polls MPI_Test (which also drives the collective's
    /// progress: Open MPI has no progress thread) until it completes or the deadline passes.
    private final class Request: PendingReduction {
        let owner: MPICommunicator
        var request: MPI_Request?
        let call: String
        var done = false

        init(_ owner: MPICommunicator, _ request: MPI_Request?, _ call: String) {
            (self.owner, self.request, self.call) = (owner, request, call)
        }

        func test() throws -> Bool {
            if done { return true }
            var flag: Int32 = 0
            try owner.locked("MPI_Test (\(call))") { MPI_Test(&request, &flag, cmpi_status_ignore()) }
            done = flag != 0
            return done
        }

        func wait() throws {
            guard let timeout = owner.timeout else {
                if done { return }
                try owner.locked("MPI_Wait (\(call))") { MPI_Wait(&request, cmpi_status_ignore()) }
                done = true
                return
            }
            let deadline = timeout.now() + timeout.seconds
            while try !test() {
                if timeout.now() > deadline {
                    throw CommunicatorError("\(call) on rank \(owner.rank) did not complete within \(timeout.seconds) s: another rank is stuck, died or called a different collective")
                }
                sched_yield()
            }
        }
    }
}

extension MPICommunicator {
    /// Whether MPI_Init has run in this process (callable before it, unlike most of MPI).
    public static var isInitialized: Bool {
        var flag: Int32 = 0
        MPI_Initialized(&flag)
        return flag != 0
    }
}
