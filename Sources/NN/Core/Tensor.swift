#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Float32 row-major storage, freed with its last owner. Reshaped views share it.
public final class Storage {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// Zero-filled storage of `count` floats.
    public convenience init(count: Int) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    /// Storage whose values the caller overwrites entirely (op outputs).
    public init(uninitializedCount count: Int) {
        _ = Storage.allocatorConfigured
        self.count = count
        pointer = Storage.takeRecycled(count) ?? .allocate(capacity: max(count, 1))
    }

    /// A training step frees and reallocates the same multi-megabyte buffers every step. By
    /// default glibc serves those with mmap and returns them to the kernel, so every step
    /// pays page faults and kernel zeroing; keeping them in the heap avoids that.
    private static let allocatorConfigured: Bool = {
        #if canImport(Glibc)
        // mallopt is in <malloc.h>, which the Glibc module does not export.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        if let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") {  // RTLD_DEFAULT
            let mallopt = unsafeBitCast(sym, to: Mallopt.self)
            _ = mallopt(-3, 1 << 30)  // M_MMAP_THRESHOLD: big buffers from the heap
            _ = mallopt(-1, 1 << 30)  // M_TRIM_THRESHOLD: keep freed heap memory
        }
        #endif
        return true
    }()

    deinit { if !Storage.recycle(pointer, count) { pointer.deallocate() } }

    /// Freed buffers of 64 MB and more, kept (at most `recycledLimit`) for the next storage of
    /// the same size. glibc serves a thread other than the main one from its own arena, which
    /// grows in 64 MB heaps: anything larger is a fresh mmap, and the kernel zeroes each of its
    /// pages on first touch. The data producer's pair features are such a buffer from N ≈ 130
    /// on (159 MB at N = 200): that zeroing was 18% of the producer's CPU there.
    private static let recycled = Mutex<[(count: Int, address: UInt)]>([])
    static let recycledMinimum = 16 << 20  // floats
    static let recycledLimit = 4
    static var recycledCount: Int { recycled.withLock { $0.count } }

    private static func takeRecycled(_ count: Int) -> UnsafeMutablePointer<Float>? {
        guard count >= recycledMinimum else { return nil }
        let address = recycled.withLock { list -> UInt? in
            guard let i = list.firstIndex(where: { $0.count == count }) else { return nil }
            return list.remove(at: i).address
        }
        return address.flatMap { UnsafeMutablePointer(bitPattern: $0) }
    }

    private static func recycle(_ pointer: UnsafeMutablePointer<Float>, _ count: Int) -> Bool {
        guard count >= recycledMinimum else { return false }
        return recycled.withLock { list in
            guard list.count < recycledLimit else { return false }
            list.append((count, UInt(bitPattern: pointer)))
            return true
        }
    }
}

/// An n-dimensional float32 array with an optional gradient, recorded on the graph of the ops
/// that made it (micrograd style: each op stores its inputs and a backward closure written
/// beside its forward; `backward()` replays them in reverse topological order).
public final class Tensor {
    public let shape: [Int]
    public let count: Int
    public let storage: Storage
    /// The gradient of the last `backward()` (accumulated), allocated on first use.
    public private(set) var gradStorage: Storage?
    /// Parameters and tensors derived from them take part in backward.
    public var requiresGrad: Bool

    var parents: [Tensor] = []
    /// Adds this tensor's gradient contribution into its parents' gradients.
    var backwardFn: ((Tensor) -> Void)?

    public init(shape: [Int], storage: Storage, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        let n = shape.reduce(1, *)
        precondition(storage.count == n, "storage of \(storage.count) floats for shape \(shape)")
        self.shape = shape
        self.count = n
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    /// A zero tensor.
    public convenience init(zeros shape: [Int], requiresGrad: Bool = false) {
        self.init(shape: shape, storage: Storage(count: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    /// A tensor holding a copy of `scalars` (row-major).
    public convenience init(shape: [Int], scalars: [Float], requiresGrad: Bool = false) {
        let n = shape.reduce(1, *)
        precondition(scalars.count == n, "\(scalars.count) values for shape \(shape) (needs \(n))")
        let s = Storage(uninitializedCount: n)  // every value is copied in
        if n > 0 { scalars.withUnsafeBufferPointer { s.pointer.update(from: $0.baseAddress!, count: n) } }
        self.init(shape: shape, storage: s, requiresGrad: requiresGrad)
    }

    /// A scalar (shape []) tensor.
    public convenience init(scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    public var data: UnsafeMutablePointer<Float> { storage.pointer }
    public var rank: Int { shape.count }
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }
    /// The value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item of a tensor of shape \(shape)")
        return data[0]
    }

    /// The gradient buffer, allocated (zeroed) if absent.
    public var grad: UnsafeMutablePointer<Float> {
        if gradStorage == nil { gradStorage = Storage(count: count) }
        return gradStorage!.pointer
    }

    /// The gradient as an array (nil before any backward reached this tensor).
    public var gradScalars: [Float]? {
        gradStorage.map { Array(UnsafeBufferPointer(start: $0.pointer, count: count)) }
    }

    /// The gradient buffer for a backward that writes every element of it. If no gradient has
    /// arrived yet, the buffer is left uninitialised (no zero-fill of a multi-megabyte
    /// buffer every step) and `accumulate` is false: the caller must store, not add.
    func gradForWriting() -> (pointer: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if let g = gradStorage { return (g.pointer, true) }
        let s = Storage(uninitializedCount: count)
        gradStorage = s
        return (s.pointer, false)
    }

    public func zeroGrad() { gradStorage = nil }

    /// A copy of the values, outside any graph.
    public func detached() -> Tensor {
        let t = Tensor(zeros: shape)
        t.data.update(from: data, count: count)
        return t
    }

    /// Size of dimension `axis` (negative counts from the end).
    public func dim(_ axis: Int) -> Int { shape[axis < 0 ? shape.count + axis : axis] }

    /// Backpropagates from this tensor: from 1 for a one-element tensor, else from `seed`
    /// (same shape), accumulating into the `grad` of every tensor that requires it.
    public func backward(seed: [Float]? = nil) {
        if let seed {
            precondition(seed.count == count, "backward seed of \(seed.count) values for shape \(shape)")
            let g = grad
            for i in 0..<count { g[i] += seed[i] }
        } else {
            precondition(count == 1, "backward() without a seed needs a one-element tensor, not \(shape)")
            grad[0] += 1
        }
        for node in topologicalOrder().reversed() where node.gradStorage != nil {
            node.backwardFn?(node)
        }
    }

    /// Frees the graph below this tensor (backward closures and inputs); values stay.
    public func releaseGraph() {
        for node in topologicalOrder() { node.parents = []; node.backwardFn = nil }
    }

    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative DFS: deep graphs (many layers × ops) must not overflow the stack.
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            if !visited.insert(ObjectIdentifier(node)).inserted { continue }
            stack.append((node, true))
            for p in node.parents where p.requiresGrad && !visited.contains(ObjectIdentifier(p)) {
                stack.append((p, false))
            }
        }
        return order
    }
}

/// Whether new ops record backward closures. Evaluation code turns it off so no graph is
/// kept; it is process-wide (training runs one graph at a time).
public enum Tape {
    nonisolated(unsafe) public static var isRecording = true

    /// Runs `body` without recording a graph.
    public static func withoutRecording<T>(_ body: () throws -> T) rethrows -> T {
        let saved = isRecording
        isRecording = false
        defer { isRecording = saved }
        return try body()
    }
}

extension Tensor {
    /// An op's output before its forward has run (micrograd's order: the forward fills
    /// `out.data`, then `recorded(from:backward:)` attaches the backward written right
    /// below it). Every op writes all of its output, so it starts uninitialised unless the
    /// op passes its own `storage` (a zero-filled one, or an input's for a view).
    static func output(_ shape: [Int], storage: Storage? = nil) -> Tensor {
        Tensor(shape: shape, storage: storage ?? Storage(uninitializedCount: shape.reduce(1, *)))
    }

    /// Records `self` as computed from `inputs`, with `backward` adding `out.grad`'s
    /// contribution into the inputs' gradients, when recording and any input requires a
    /// gradient; otherwise `self` stays a constant.
    func recorded(from inputs: [Tensor], backward: @escaping (Tensor) -> Void) -> Tensor {
        if Tape.isRecording && inputs.contains(where: { $0.requiresGrad }) {
            requiresGrad = true
            parents = inputs
            backwardFn = backward
        }
        return self
    }

    /// An op with no forward (a view such as `reshaped`): the output over `storage`, recorded.
    static func result(_ shape: [Int], _ inputs: [Tensor], storage: Storage? = nil,
                       backward: @escaping (Tensor) -> Void) -> Tensor {
        output(shape, storage: storage).recorded(from: inputs, backward: backward)
    }
}
