/// Two shapes broadcast together (NumPy rules), and how each operand's elements map onto the output.
struct Broadcast {
    let shape: [Int]
    /// The operands' shapes with leading 1s up to the output's rank.
    let paddedA: [Int], paddedB: [Int]
    /// When one operand has the output's shape and the other is a trailing block of it repeated
    /// over the leading axes (x [B, N, D] + emb [1, N, D], a bias [D]): the block's element
    /// count, and whether b is the block. Such products skip the offset tables.
    let repeatedBlock: (size: Int, bIsBlock: Bool)?

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
        (paddedA, paddedB) = (pa, pb)
        if pa == out, pb != out, let size = Broadcast.trailingBlock(pb, of: out) {
            repeatedBlock = (size, true)
        } else if pb == out, pa != out, let size = Broadcast.trailingBlock(pa, of: out) {
            repeatedBlock = (size, false)
        } else {
            repeatedBlock = nil
        }
    }

    /// The element count of `src` when it is [1, …, 1, out[k…]] (a block repeated over rows).
    static func trailingBlock(_ src: [Int], of out: [Int]) -> Int? {
        let k = src.firstIndex { $0 != 1 } ?? src.count
        return Array(src[k...]) == Array(out[k...]) ? src.reduce(1, *) : nil
    }

    /// Per output element, the offset of the element of a (nil: a has the output's shape).
    func offsetsA() -> [Int]? { paddedA == shape ? nil : Broadcast.offsets(paddedA, shape) }
    /// Per output element, the offset of the element of b (nil: b has the output's shape).
    func offsetsB() -> [Int]? { paddedB == shape ? nil : Broadcast.offsets(paddedB, shape) }

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
