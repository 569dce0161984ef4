import Foundation

/// CPU time of this process's threads from /proc/self/task/*/schedstat (Linux): time on a
/// CPU and time waiting on a run queue (runnable, but every core busy: oversubscription),
/// split into the data producer's thread (by name) and the rest (the compute threads).
struct ThreadTimes {
    /// Nanoseconds on a CPU and waiting on a run queue.
    var producerRun: UInt64 = 0, producerQueue: UInt64 = 0
    var computeRun: UInt64 = 0, computeQueue: UInt64 = 0

    static func now(producerName: String) -> ThreadTimes {
        var t = ThreadTimes()
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for tid in tasks {
            guard let stat = try? String(contentsOfFile: "/proc/self/task/\(tid)/schedstat", encoding: .utf8) else { continue }
            let fields = stat.split(separator: " ").compactMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            guard fields.count >= 2 else { continue }
            let name = (try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if name == producerName {
                t.producerRun += fields[0]; t.producerQueue += fields[1]
            } else {
                t.computeRun += fields[0]; t.computeQueue += fields[1]
            }
        }
        return t
    }

    /// Milliseconds between two readings. A thread that exited in between drops out of the
    /// later reading: call both around a stretch in which the threads live.
    static func - (a: ThreadTimes, b: ThreadTimes) -> (producerRun: Double, producerQueue: Double, computeRun: Double, computeQueue: Double) {
        func ms(_ x: UInt64, _ y: UInt64) -> Double { x >= y ? Double(x - y) / 1e6 : 0 }
        return (ms(a.producerRun, b.producerRun), ms(a.producerQueue, b.producerQueue),
                ms(a.computeRun, b.computeRun), ms(a.computeQueue, b.computeQueue))
    }
}
