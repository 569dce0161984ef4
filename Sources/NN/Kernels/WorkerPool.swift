import Dispatch
import Foundation

/// A fixed set of worker threads for `parallelFor`. (libdispatch's concurrentPerform was
/// measured to run everything on the calling thread on this machine when it is loaded, so
/// the library keeps its own threads; they sleep on semaphores between jobs, never spin.)
///
/// Thread creation can fail (a container's pids limit, RLIMIT_NPROC): the pool then has as
/// many participants as threads could be started, and `size` says how many. It never waits
/// for a worker that does not exist.
final class WorkerPool {
    /// Participants that exist: the calling thread plus the workers actually started.
    private(set) var size = 1
    private var starts: [DispatchSemaphore] = []
    private let done = DispatchSemaphore(value: 0)
    private var job: ((Int) -> Void)?
    /// Set while a job runs: a nested parallelFor (from inside a job) runs serially.
    private(set) var busy = false

    /// Up to `size` participants: the calling thread plus up to size − 1 workers. `spawn`
    /// starts a thread running its argument and says whether it could (tests inject failures).
    init(size requested: Int, spawn: (@escaping () -> Void) -> Bool = WorkerPool.startThread) {
        let done = self.done
        var started = 0
        for w in 1..<max(requested, 1) {
            let start = DispatchSemaphore(value: 0)
            // The worker holds the pool strongly: pools live for the process (Threads keeps them).
            let ok = spawn { [self] in
                while true {
                    start.wait()
                    self.job!(w)
                    done.signal()
                }
            }
            guard ok else { break }
            starts.append(start)
            started += 1
        }
        size = started + 1
    }

    /// Runs body(0..<n) with n ≤ size, index 0 on the calling thread; returns when all finish.
    func run(_ n: Int, _ body: (Int) -> Void) {
        precondition(n <= size, "worker pool of \(size) asked for \(n) tasks")
        withoutActuallyEscaping(body) { b in
            job = b
            busy = true
            for i in 0..<(n - 1) { starts[i].signal() }
            b(0)
            for _ in 0..<(n - 1) { done.wait() }
            busy = false
            job = nil
        }
    }

    /// Starts a detached thread with a 1 MiB stack; false if the system refuses (EAGAIN).
    static func startThread(_ body: @escaping () -> Void) -> Bool {
        final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstacksize(&attr, 1 << 20)
        pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
        let box = Unmanaged.passRetained(Box(body))
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attr, { arg in
            Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue().body()
            return nil
        }, box.toOpaque())
        if rc != 0 { box.release(); return false }
        return true
    }
}

extension Threads {
    /// The most threads that can run at once here: the processors this process may use.
    /// More threads than this only add switching; a front end caps or refuses `--threads`
    /// above it.
    public static var processorLimit: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
