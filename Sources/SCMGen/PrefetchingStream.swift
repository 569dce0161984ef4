import Foundation

/// Runs a `BatchStream` on a background thread, up to `capacity` batches ahead of the
/// consumer. One producer in order, so the batches are exactly the stream's; each carries
/// its `streamState`, so a trainer resumes from the state of the last batch it *consumed*
/// (not from how far the producer got). Releasing it stops the producer.
public final class PrefetchingStream: @unchecked Sendable {
    private let channel: Channel
    /// The stream itself when the system refused the producer thread (a pids limit): batches
    /// are then made on the consumer's thread, the same batches in the same order.
    private var inline: BatchStream?

    /// `producerNice` > 0 lowers the producer thread's scheduling priority (Linux, per thread):
    /// on a machine with as many cores as compute threads the producer then runs when a compute
    /// thread waits, rather than taking its core while it works.
    /// `prepare`: more work on each batch for its consumer, done on the producer thread too
    /// (the training loop's model input); `nextPrepared` hands it over with the batch. It must
    /// not use the compute threads' worker pool.
    public init(_ stream: BatchStream, capacity: Int = 4, producerNice: Int32 = PrefetchingStream.trainingNice,
                prepare: (@Sendable (TrainingBatch) -> AnyObject)? = nil) {
        let channel = Channel(capacity: max(1, capacity))
        self.channel = channel
        // The thread holds the channel, never `self`, so releasing `self` can stop it.
        let started = startDetachedThread {
            // Named, so a profiler (or `bench train`, from /proc) can tell its CPU time apart.
            nameThisThread(PrefetchingStream.threadName)
            if producerNice > 0 { lowerThisThreadsPriority(by: producerNice) }
            var s = stream
            while true {
                let batch = s.next()
                guard channel.put(Item(batch: batch, prepared: prepare?(batch))) else { break }
            }
        }
        if !started { inline = stream }
    }

    deinit { channel.stop() }

    /// The producer's nice value in training, so the compute threads win a contended core.
    /// `bench train` on the 2-core Intel Xeon (model C, nodes 20–50, 2 compute threads, 4 pairs
    /// alternating): 393 / 357 / 334 / 337 ms per step at 0, 350 / 330 / 322 / 341 ms at 10 —
    /// about 3% by the medians, within the noise; the producer still kept up (~80 ms of CPU per
    /// step, the trainer waited 0 ms).
    public static let trainingNice: Int32 = 10

    /// The producer thread's name.
    public static let threadName = "pfn-data"


    /// The next batch, waiting for the producer if it has none ready.
    public func next() -> TrainingBatch { nextPrepared().batch }

    /// The next batch and what `prepare` made of it (nil without `prepare`, or when the
    /// batches are made on the consumer's thread: the consumer then prepares it itself).
    public func nextPrepared() -> (batch: TrainingBatch, prepared: AnyObject?) {
        if inline != nil { return (inline!.next(), nil) }
        let item = channel.take()
        return (item.batch, item.prepared)
    }

    /// A batch and its prepared companion, as queued.
    private struct Item: @unchecked Sendable {
        let batch: TrainingBatch
        let prepared: AnyObject?
    }

    /// A bounded FIFO between one producer and one consumer.
    private final class Channel: @unchecked Sendable {
        private let condition = NSCondition()
        private var queue: [Item] = []
        private var stopped = false
        private let capacity: Int

        init(capacity: Int) { self.capacity = capacity }

        /// Appends once there is room; false once stopped (the producer then exits).
        func put(_ b: Item) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while queue.count >= capacity && !stopped { condition.wait() }
            if stopped { return false }
            queue.append(b)
            condition.broadcast()
            return true
        }

        func take() -> Item {
            condition.lock()
            defer { condition.unlock() }
            while queue.isEmpty { condition.wait() }
            let b = queue.removeFirst()
            condition.broadcast()
            return b
        }

        func stop() {
            condition.lock()
            stopped = true
            queue.removeAll()
            condition.broadcast()
            condition.unlock()
        }
    }
}

/// Names the calling thread (Linux: its /proc comm; elsewhere nothing). Failing is harmless.
private func nameThisThread(_ name: String) {
    #if os(Linux)
    let fd = open("/proc/thread-self/comm", O_WRONLY)
    guard fd >= 0 else { return }
    _ = name.withCString { write(fd, $0, strlen($0)) }
    close(fd)
    #endif
}

/// Raises the calling thread's nice value: on Linux the nice value is per thread, and
/// setpriority(PRIO_PROCESS, 0) acts on the calling thread only (setpriority(2), "Bugs").
/// Failing leaves it as it was.
private func lowerThisThreadsPriority(by nice: Int32) {
    #if os(Linux)
    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) + nice)
    #endif
}

/// Starts a detached thread running `body`; false if the system refuses (EAGAIN). Foundation's
/// `Thread.start` cannot report that failure, and a consumer would then wait forever.
private func startDetachedThread(_ body: @escaping () -> Void) -> Bool {
    final class Box { let body: () -> Void; init(_ b: @escaping () -> Void) { body = b } }
    var attr = pthread_attr_t()
    pthread_attr_init(&attr)
    defer { pthread_attr_destroy(&attr) }
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
