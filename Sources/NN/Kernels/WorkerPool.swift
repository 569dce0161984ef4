import Dispatch
import Foundation
import Synchronization

/// A fixed set of worker threads for `parallelFor`. (libdispatch's concurrentPerform was
/// measured to run everything on the calling thread on this machine when it is loaded, so
/// the library keeps its own threads; they sleep on semaphores between jobs, never spin.)
///
/// A job's tasks are taken from a shared counter by the calling thread and the workers, and
/// the caller does not wait for a worker that has not started by the time the tasks run out:
/// on two cores shared with the data producer, a woken worker often waits milliseconds for a
/// core, and the caller would otherwise sit idle until it got one. Each task runs exactly once,
/// on whichever thread takes it; bodies must not depend on which.
///
/// Thread creation can fail (a container's pids limit, RLIMIT_NPROC): the pool then has as
/// many participants as threads could be started, and `size` says how many. It never waits
/// for a worker that does not exist.
final class WorkerPool {
    /// Participants that exist: the calling thread plus the workers actually started.
    private(set) var size = 1
    private var workers: [Worker] = []
    private let done = DispatchSemaphore(value: 0)
    private var job: ((Int) -> Void)?
    private var tasks = 0
    private let next = Atomic<Int>(0)
    /// Set while a job runs: a nested parallelFor (from inside a job) runs serially.
    private(set) var busy = false

    /// One worker's start signal and where it is in the current job.
    private final class Worker {
        let start = DispatchSemaphore(value: 0)
        let state = Atomic<Int>(Worker.idle)
        static let idle = 0, posted = 1, running = 2, cancelled = 3
    }

    /// Up to `size` participants: the calling thread plus up to size − 1 workers. `spawn`
    /// starts a thread running its argument and says whether it could (tests inject failures).
    init(size requested: Int, spawn: (@escaping () -> Void) -> Bool = WorkerPool.startThread) {
        for _ in 1..<max(requested, 1) {
            let worker = Worker()
            // The worker holds the pool strongly: pools live for the process (Threads keeps them).
            let ok = spawn { [self] in
                while true {
                    worker.start.wait()
                    // A signal whose job was cancelled (or already run) finds no posted job.
                    guard worker.state.compareExchange(expected: Worker.posted, desired: Worker.running,
                                                       ordering: .acquiring).exchanged else { continue }
                    self.takeTasks()
                    worker.state.store(Worker.idle, ordering: .releasing)
                    done.signal()
                }
            }
            guard ok else { break }
            workers.append(worker)
        }
        size = workers.count + 1
    }

    /// Runs body(i) for every i in 0..<n, on the calling thread and up to threads − 1 workers
    /// (at most size − 1); returns when all n have run.
    func run(_ n: Int, threads: Int? = nil, _ body: (Int) -> Void) {
        let helpers = min(n, threads ?? size, size) - 1
        guard helpers > 0 else { for i in 0..<n { body(i) }; return }
        withoutActuallyEscaping(body) { b in
            job = b
            tasks = n
            busy = true
            next.store(0, ordering: .relaxed)
            for w in workers.prefix(helpers) {
                w.state.store(Worker.posted, ordering: .releasing)
                w.start.signal()
            }
            takeTasks()
            for w in workers.prefix(helpers) {
                // Not started yet: it will find the job cancelled; started: wait for it.
                let (unstarted, _) = w.state.compareExchange(expected: Worker.posted, desired: Worker.cancelled,
                                                             ordering: .acquiringAndReleasing)
                if !unstarted { done.wait() }
            }
            busy = false
            job = nil
        }
    }

    private func takeTasks() {
        while true {
            let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard i < tasks else { return }
            job!(i)
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
