/// NumPy/PyTorch broadcasting of two shapes: the result shape and, for each operand, the
/// element offset that feeds every result element (nil when the operand is not broadcast).
struct Broadcast {
    let shape: [Int]
    let offsetsA: [Int]?
    let offsetsB: [Int]?

    init(_ a: [Int], _ b: [Int]) {
        let r = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: r - a.count) + a
        let pb = [Int](repeating: 1, count: r - b.count) + b
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            precondition(pa[i] == pb[i] || pa[i] == 1 || pb[i] == 1,
                         "shapes \(a) and \(b) do not broadcast (dimension \(i): \(pa[i]) vs \(pb[i]))")
            out[i] = max(pa[i], pb[i])
        }
        shape = out
        offsetsA = pa == out ? nil : Broadcast.offsets(pa, out)
        offsetsB = pb == out ? nil : Broadcast.offsets(pb, out)
    }

    /// For each element of `out`, the row-major offset of the element of `src` it reads.
    static func offsets(_ src: [Int], _ out: [Int]) -> [Int] {
        let r = out.count
        var strides = [Int](repeating: 0, count: r)
        var s = 1
        for i in stride(from: r - 1, through: 0, by: -1) {
            strides[i] = src[i] == 1 ? 0 : s
            s *= src[i]
        }
        let n = out.reduce(1, *)
        var result = [Int](repeating: 0, count: n)
        var idx = [Int](repeating: 0, count: r)
        var off = 0
        for e in 0..<n {
            result[e] = off
            var d = r - 1
            while d >= 0 {
                idx[d] += 1
                off += strides[d]
                if idx[d] < out[d] { break }
                off -= strides[d] * idx[d]
                idx[d] = 0
                d -= 1
            }
        }
        return result
    }
}
