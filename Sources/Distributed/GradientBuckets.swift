/// DDP-style bucketed gradient reduction: parameters are grouped into buckets of about
/// `capacity` floats in the order their gradients become final during backward (the reverse
/// of the forward order), each bucket a contiguous buffer. A trainer hands over each
/// parameter's gradient as soon as it is final (`ready`); a bucket's allreduce starts the
/// moment its last parameter arrives, so it runs while backward computes earlier layers,
/// and `finish` waits for all and writes the sums back.
///
/// Buckets are launched strictly in plan order on every rank (MPI needs the same order of
/// collectives everywhere): a bucket completed out of order waits for its predecessors.
public final class GradientBuckets {
    /// Parameter indices of each bucket, in launch order.
    public let plan: [[Int]]
    public let sizes: [Int]
    private let communicator: Communicator
    private let bucketOf: [Int]             // parameter → bucket
    private let offset: [Int]               // parameter → offset in its bucket
    private var buffers: [UnsafeMutableBufferPointer<Float>]
    private var missing: [Int]              // per bucket: parameters not yet ready
    private var isReady: [Bool]             // per parameter
    private var pending: [PendingReduction] = []

    /// `sizes[i]` is parameter i's element count; `order` the order gradients become final
    /// (default: reverse parameter order, as a forward pass uses parameters in order).
    public init(sizes: [Int], capacity: Int, communicator: Communicator, order: [Int]? = nil) throws {
        let order = order ?? Array(sizes.indices.reversed())
        guard order.sorted() == Array(sizes.indices) else {
            throw CommunicatorError("bucket order must be a permutation of the \(sizes.count) parameters")
        }
        guard capacity >= 1 else { throw CommunicatorError("bucket capacity is \(capacity); it must be at least 1 float") }
        var plan: [[Int]] = [], current: [Int] = [], filled = 0
        for i in order {
            current.append(i)
            filled += sizes[i]
            if filled >= capacity { plan.append(current); (current, filled) = ([], 0) }
        }
        if !current.isEmpty { plan.append(current) }
        self.plan = plan
        self.sizes = sizes
        self.communicator = communicator
        var bucketOf = [Int](repeating: 0, count: sizes.count), offset = bucketOf
        buffers = []
        for (b, members) in plan.enumerated() {
            var o = 0
            for i in members { (bucketOf[i], offset[i], o) = (b, o, o + sizes[i]) }
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: o)
            buffer.initialize(repeating: 0)
            buffers.append(buffer)
        }
        self.bucketOf = bucketOf
        self.offset = offset
        missing = plan.map(\.count)
        isReady = [Bool](repeating: false, count: sizes.count)
    }

    deinit {
        // A reduction still in flight writes into its buffer: only free after it is done
        // (after an error the run aborts anyway, so a failure here is not reported).
        for p in pending { _ = try? p.wait() }
        for b in buffers { b.deallocate() }
    }

    /// Parameter `i`'s gradient is final: copies it into its bucket and starts every bucket
    /// whose turn has come.
    public func ready(_ i: Int, gradient: UnsafeBufferPointer<Float>) throws {
        guard sizes.indices.contains(i), gradient.count == sizes[i] else {
            throw CommunicatorError("gradient \(i) has \(gradient.count) elements; the bucket plan expects \(sizes.indices.contains(i) ? sizes[i] : -1)")
        }
        guard !isReady[i] else { throw CommunicatorError("gradient \(i) was handed over twice in one step") }
        let b = bucketOf[i]
        _ = UnsafeMutableBufferPointer(rebasing: buffers[b][offset[i]..<(offset[i] + sizes[i])]).update(fromContentsOf: gradient)
        isReady[i] = true
        missing[b] -= 1
        try launchReady()
    }

    /// Drives the reductions in flight (call between pieces of backward work).
    public func progress() throws {
        for p in pending { _ = try p.test() }
    }

    /// Hands over the parameters not yet ready (unused this step: their gradients as given),
    /// waits for every bucket and writes `scale` × the sum over ranks into `gradients`.
    public func finish(into gradients: [UnsafeMutableBufferPointer<Float>], scale: Float = 1) throws {
        guard gradients.map(\.count) == sizes else {
            throw CommunicatorError("finish got \(gradients.count) gradients that do not match the bucket plan's \(sizes.count) sizes")
        }
        for i in sizes.indices where !isReady[i] { try ready(i, gradient: UnsafeBufferPointer(gradients[i])) }
        for p in pending { try p.wait() }
        for (b, members) in plan.enumerated() {
            for i in members {
                let src = buffers[b].baseAddress! + offset[i], dst = gradients[i]
                for j in 0..<sizes[i] { dst[j] = src[j] * scale }
            }
        }
        pending = []
        missing = plan.map(\.count)
        isReady = [Bool](repeating: false, count: sizes.count)
    }

    private func launchReady() throws {
        while pending.count < plan.count && missing[pending.count] == 0 {
            pending.append(try communicator.startAllreduceSum(buffers[pending.count]))
        }
    }
}
