/// The processes of one data-parallel run and the collectives a trainer needs. Every rank
/// must call the same collectives in the same order with the same counts (MPI's rule); a
/// collective that fails or times out throws, and the run must then end with `abort`, since
/// the ranks no longer agree on where they are.
public protocol Communicator: AnyObject {
    /// This process's index, 0..<size; rank 0 writes logs and checkpoints.
    var rank: Int { get }
    var size: Int { get }

    /// Starts the in-place sum over ranks of `buffer` and returns at once. The memory must
    /// stay valid and untouched until the returned reduction completes.
    func startAllreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> PendingReduction
    /// The in-place sum over ranks of `buffer`.
    func allreduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// Copies `buffer` of rank `root` into `buffer` of every rank (same byte count on all).
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Returns once every rank has called it.
    func barrier() throws
    /// Ends every rank of the run with `code` (MPI_Abort: mpirun then kills the others).
    func abort(code: Int32) -> Never
    /// Ends MPI cleanly; every rank calls it once, last, after its final collective.
    func finalize() throws
}

/// A reduction in flight.
public protocol PendingReduction: AnyObject {
    /// True once the reduction has completed; each call also drives MPI's progress, so a
    /// trainer calls it between pieces of work to overlap communication with compute.
    func test() throws -> Bool
    /// Returns once the reduction has completed (or throws on error or timeout).
    func wait() throws
}

public struct CommunicatorError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(_ message: String) { self.message = message }
}

extension Communicator {
    public var isRoot: Bool { rank == 0 }

    public func allreduceSum(_ values: inout [Float]) throws {
        try values.withUnsafeMutableBufferPointer { try allreduceSum($0) }
    }

    /// The in-place mean over ranks (the sum times 1/size).
    public func allreduceAverage(_ values: inout [Float]) throws {
        try allreduceSum(&values)
        let scale = 1 / Float(size)
        for i in values.indices { values[i] *= scale }
    }

    public func broadcast(_ values: inout [UInt64], root: Int = 0) throws {
        try values.withUnsafeMutableBytes { try broadcast($0, root: root) }
    }

    /// Rank `root`'s bytes on every rank (any length: the count is broadcast first).
    public func broadcast(bytes: [UInt8], root: Int = 0) throws -> [UInt8] {
        var count = [UInt64(bytes.count)]
        try broadcast(&count, root: root)
        var out = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count[0]))
        try out.withUnsafeMutableBytes { try broadcast($0, root: root) }
        return out
    }

    /// Every rank's `values` (the same count on each), in rank order, on every rank: e.g.
    /// the ranks' dropout generator states for rank 0's checkpoint. One broadcast per rank,
    /// for small arrays at checkpoint time, not for gradients.
    public func allgather(_ values: [UInt64]) throws -> [[UInt64]] {
        var out: [[UInt64]] = []
        for root in 0..<size {
            var v = root == rank ? values : [UInt64](repeating: 0, count: values.count)
            try broadcast(&v, root: root)
            out.append(v)
        }
        return out
    }

    /// Throws unless every rank passed the same `values` (e.g. the config's bytes, the step,
    /// the stream state), naming `what` and the first rank that differs from rank 0.
    public func checkAgreement(_ values: [UInt64], _ what: String) throws {
        var root = values
        var count = [UInt64(values.count)]
        try broadcast(&count, root: 0)
        if Int(count[0]) != values.count { root = [UInt64](repeating: 0, count: Int(count[0])) }
        try broadcast(&root, root: 0)
        var differs: [Float] = [root == values ? 0 : 1]
        try allreduceSum(&differs)
        if differs[0] != 0 {
            throw CommunicatorError("\(Int(differs[0])) of \(size) ranks disagree with rank 0 on \(what); every rank must start from the same arguments and files")
        }
    }
}

/// How this process was started: under an MPI launcher (mpirun, srun with PMIx) or alone.
public enum Launch: Equatable, Sendable {
    case alone
    /// Started by an MPI launcher; `size` is the world size it announced (if any).
    case mpi(size: Int?)

    /// Reads the variables the launchers set: Open MPI's OMPI_COMM_WORLD_SIZE, PMIx's
    /// PMIX_RANK (Open MPI 4+, Slurm), the PMI-1/2 PMI_RANK/PMI_SIZE (MPICH's hydra).
    public init(environment env: [String: String]) {
        let size = env["OMPI_COMM_WORLD_SIZE"] ?? env["PMI_SIZE"]
        if size != nil || env["PMIX_RANK"] != nil || env["PMI_RANK"] != nil {
            self = .mpi(size: size.flatMap { Int($0) })
        } else {
            self = .alone
        }
    }
}

/// The communicator of this process: `SingleProcess` when started alone (MPI is neither
/// initialised nor needed), `MPICommunicator` when started by an MPI launcher.
public func worldCommunicator(environment: [String: String], timeout: CollectiveTimeout? = nil) throws -> Communicator {
    switch Launch(environment: environment) {
    case .alone: return SingleProcess()
    case .mpi: return try MPICommunicator.world(timeout: timeout)
    }
}
