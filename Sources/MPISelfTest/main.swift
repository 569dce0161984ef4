import Distributed
import Foundation

// mpi-selftest MODE: the collectives of `Distributed` on real ranks, for the tests and the
// allreduce benchmark (docs/distributed.md). Each mode exits 0 only if what it checks holds.
//   alone             started without mpirun: SingleProcess, and MPI never initialised
//   check             sums, averages, broadcasts, barrier, buckets, agreement (any K)
//   die               the last rank kills itself (SIGKILL) while the others allreduce
//   stall SECONDS     the last rank sleeps; the others' collective times out after SECONDS
//   bench FLOATS REPS allreduce of FLOATS floats, REPS times, blocking and polled

let clock: @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

func fail(_ message: String, _ comm: Communicator) -> Never {
    FileHandle.standardError.write("mpi-selftest: rank \(comm.rank): \(message)\n".data(using: .utf8)!)
    comm.abort(code: 1)
}

func expect(_ ok: Bool, _ what: String, _ comm: Communicator) {
    if !ok { fail("FAILED: \(what)", comm) }
}

func runCheck(_ comm: Communicator) throws {
    let (r, k) = (Float(comm.rank), Float(comm.size))
    // Sum of (rank + 1)·(i + 1) over ranks = (i + 1)·K(K + 1)/2, exact in Float here.
    var values = (0..<1000).map { Float($0 + 1) * (r + 1) }
    try comm.allreduceSum(&values)
    expect(values == (0..<1000).map { Float($0 + 1) * k * (k + 1) / 2 }, "allreduce sum", comm)
    var mean = [r, 2 * r]
    try comm.allreduceAverage(&mean)
    expect(mean == [(k - 1) / 2, k - 1], "allreduce average \(mean)", comm)

    var words: [UInt64] = comm.rank == 0 ? [7, .max, 42] : [0, 0, 0]
    try comm.broadcast(&words, root: 0)
    expect(words == [7, .max, 42], "broadcast of UInt64 \(words)", comm)
    let last = comm.size - 1
    let bytes = try comm.broadcast(bytes: comm.rank == last ? Array("from the last rank".utf8) : [], root: last)
    expect(String(decoding: bytes, as: UTF8.self) == "from the last rank", "broadcast of bytes", comm)
    try comm.barrier()
    let gathered = try comm.allgather([UInt64(comm.rank), UInt64(comm.rank) * 10 + 1])
    expect(gathered == (0..<comm.size).map { [UInt64($0), UInt64($0) * 10 + 1] }, "allgather \(gathered)", comm)

    try comm.checkAgreement([1, 2, 3], "a constant")
    do {
        try comm.checkAgreement([UInt64(comm.rank)], "the rank")
        expect(comm.size == 1, "ranks that differ must be reported", comm)
    } catch let e as CommunicatorError {
        expect(e.message.contains("\(comm.size - 1) of \(comm.size) ranks disagree"), "agreement message: \(e)", comm)
    }

    // Buckets: 5 parameters, handed over out of order; the sum of (rank + 1)·value, scaled.
    let sizes = [3, 1000, 7, 0, 2500]
    let buckets = try GradientBuckets(sizes: sizes, capacity: 1200, communicator: comm)
    let grads = sizes.map { n in (0..<n).map { Float($0 % 97) * (r + 1) } }
    for i in [4, 0, 2, 1, 3] {
        try grads[i].withUnsafeBufferPointer { try buckets.ready(i, gradient: $0) }
        try buckets.progress()
    }
    let buffers = grads.map { g in
        let p = UnsafeMutableBufferPointer<Float>.allocate(capacity: g.count)
        _ = p.initialize(fromContentsOf: g)
        return p
    }
    try buckets.finish(into: buffers, scale: 2 / (k * (k + 1)))
    for (i, n) in sizes.enumerated() {
        expect(Array(buffers[i]) == (0..<n).map { Float($0 % 97) }, "bucketed sum of parameter \(i)", comm)
    }
    buffers.forEach { $0.deallocate() }
}

func runBench(_ comm: Communicator, floats: Int, reps: Int) throws {
    var buffer = [Float](repeating: 1, count: floats)
    for mode in ["blocking", "polled"] {
        var times: [Double] = []
        for _ in 0..<(reps + 1) {  // the first repetition warms up connections and is dropped
            try comm.barrier()
            let t0 = clock()
            try buffer.withUnsafeMutableBufferPointer { p in
                if mode == "blocking" { try comm.allreduceSum(p) } else {
                    let pending = try comm.startAllreduceSum(p)
                    while try !pending.test() {}
                }
            }
            times.append(clock() - t0)
        }
        times.removeFirst()
        var median = [Float(times.sorted()[times.count / 2])]
        try comm.allreduceAverage(&median)
        if comm.isRoot {
            let ms = times.map { String(format: "%.1f", $0 * 1e3) }.joined(separator: " ")
            print("allreduce \(mode): \(floats) floats (\(floats * 4) bytes), K = \(comm.size): per-rank median \(String(format: "%.2f", Double(median[0]) * 1e3)) ms (mean over ranks), min \(String(format: "%.2f", times.min()! * 1e3)) ms; rank 0's runs [\(ms)] ms")
        }
    }
}

let args = Array(CommandLine.arguments.dropFirst())
guard let mode = args.first else {
    FileHandle.standardError.write("usage: mpi-selftest alone|check|die|stall SECONDS|bench FLOATS REPS\n".data(using: .utf8)!)
    exit(2)
}
let env = ProcessInfo.processInfo.environment
let timeout = mode == "stall" ? CollectiveTimeout(seconds: Double(args.dropFirst().first ?? "") ?? 3, now: clock) : nil
let comm: Communicator
do {
    comm = try worldCommunicator(environment: env, timeout: timeout)
} catch {
    FileHandle.standardError.write("mpi-selftest: \(error)\n".data(using: .utf8)!)
    exit(1)
}
do {
    switch mode {
    case "alone":
        expect(comm is SingleProcess && comm.size == 1, "started alone, the communicator is SingleProcess", comm)
        try runCheck(comm)
        expect(!MPICommunicator.isInitialized, "MPI was initialised in a single-process run", comm)
    case "check":
        expect(comm is MPICommunicator, "under mpirun the communicator is MPICommunicator", comm)
        try runCheck(comm)
    case "die":
        try comm.barrier()
        if comm.rank == comm.size - 1 { kill(getpid(), SIGKILL) }
        var values = [Float](repeating: 1, count: 10)
        try comm.allreduceSum(&values)  // never completes: the last rank is gone
        fail("the allreduce completed without the dead rank", comm)
    case "stall":
        try comm.barrier()
        if comm.rank == comm.size - 1 { sleep(600) }
        var values = [Float](repeating: 1, count: 10)
        try comm.allreduceSum(&values)
        fail("the allreduce completed without the stalled rank", comm)
    case "bench":
        guard args.count == 3, let floats = Int(args[1]), let reps = Int(args[2]), floats > 0, reps > 0 else {
            fail("usage: mpi-selftest bench FLOATS REPS", comm)
        }
        try runBench(comm, floats: floats, reps: reps)
    default:
        fail("unknown mode \(mode)", comm)
    }
    try comm.finalize()
    print("mpi-selftest \(mode): rank \(comm.rank) of \(comm.size): ok")
} catch {
    fail("\(error)", comm)
}
