import Dispatch
import Foundation

/// A fixed set of worker threads for `parallelFor`. (libdispatch's concurrentPerform was
/// measured to run everything on the calling thread on this machine when it is loaded, so
/// the library keeps its own threads; they sleep on semaphores between jobs, never spin.)
final class WorkerPool {
    let size: Int
    private var starts: [DispatchSemaphore] = []
    private let done = DispatchSemaphore(value: 0)
    private var job: ((Int) -> Void)?
    /// Set while a job runs: a nested parallelFor (from inside a job) runs serially.
    private(set) var busy = false

    /// `size` participants: the calling thread plus size − 1 workers.
    init(size: Int) {
        self.size = size
        for w in 1..<max(size, 1) {
            let start = DispatchSemaphore(value: 0)
            starts.append(start)
            let thread = Thread { [unowned self] in
                while true {
                    start.wait()
                    self.job!(w)
                    self.done.signal()
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
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
}
