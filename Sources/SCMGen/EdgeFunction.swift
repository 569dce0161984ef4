import Randomness

/// The ten edge functions of the seed notebook (`SCMGenerator.edge_parameters` /
/// `generate_data` in `seed-notebook-causal-pfn.md`), numbered 1...10 in the seed's order
/// (`np.random.randint(1, 11)`); the raw value is the `edge_types` code of file-formats §1.
public enum EdgeFunction: Int, CaseIterable, Codable, Sendable {
    case linear = 1, negativeLinear, sin, cos, tanh, log, exp, sqrt, quadratic, cubic

    /// The term this edge adds to its child for parent value `x`: the seed's formulas and
    /// clips (the seed's "tan" is `np.tanh`), in Float with `FloatMath`'s polynomials (the
    /// seed used float64, but every value is stored as float32 and the clips keep all terms
    /// finite; the polynomials are within 2 ulp of libm). Exactly one lane of `apply(_:)`
    /// on a vector.
    @inline(__always)
    public func apply(_ x: Float) -> Float {
        switch self {
        case .linear: return 2 * x
        case .negativeLinear: return -2 * x
        case .sin: return FloatMath.sin(x)
        case .cos: return FloatMath.cos(x)
        case .tanh: return FloatMath.tanh(x)
        case .log: return FloatMath.log(abs(x) + 1e-5)
        case .exp: return FloatMath.exp(x < -5 ? -5 : x > 5 ? 5 : x)
        case .sqrt: return abs(x).squareRoot()
        case .quadratic:
            let c = x < -5 ? -5 : x > 5 ? 5 : x
            return c * c
        case .cubic:
            let c = x < -3 ? -3 : x > 3 ? 3 : x
            return c * c * c
        }
    }

    /// `apply` on 16 values at once.
    @inline(__always)
    public func apply(_ x: FloatMath.Vector) -> FloatMath.Vector {
        switch self {
        case .linear: return 2 * x
        case .negativeLinear: return -2 * x
        case .sin: return FloatMath.sin(x)
        case .cos: return FloatMath.cos(x)
        case .tanh: return FloatMath.tanh(x)
        case .log: return FloatMath.log(FloatMath.magnitude(x) + 1e-5)
        case .exp: return FloatMath.exp(Self.clip(x, 5))
        case .sqrt: return FloatMath.magnitude(x).squareRoot()
        case .quadratic:
            let c = Self.clip(x, 5)
            return c * c
        case .cubic:
            let c = Self.clip(x, 3)
            return c * c * c
        }
    }

    @inline(__always)
    static func clip(_ x: FloatMath.Vector, _ bound: Float) -> FloatMath.Vector {
        let b = FloatMath.Vector(repeating: bound)
        return FloatMath.select(FloatMath.less(x, -b), -b, FloatMath.select(FloatMath.less(b, x), b, x))
    }

    /// term[r] = apply(parent[r]) for every r, the last partial vector padded as in `accumulate`
    /// (so term + child is what `accumulate` adds, bit for bit).
    @inline(__always)
    func write(_ parent: UnsafePointer<Float>, into term: UnsafeMutablePointer<Float>, count: Int) {
        var r = 0
        while r + 16 <= count {
            FloatMath.store(apply(FloatMath.load(parent + r)), term + r)
            r += 16
        }
        guard r < count else { return }
        var x = FloatMath.Vector()
        for i in 0..<(count - r) { x[i] = parent[r + i] }
        let y = apply(x)
        for i in 0..<(count - r) { term[r + i] = y[i] }
    }

    /// Adds `apply(parent[r])` to `child[r]` for every r, 16 rows at a time; the last
    /// partial vector is padded (a regime of the context has only a few rows).
    @inline(__always)
    func accumulate(_ parent: UnsafePointer<Float>, into child: UnsafeMutablePointer<Float>, count: Int) {
        var r = 0
        while r + 16 <= count {
            FloatMath.store(FloatMath.load(child + r) + apply(FloatMath.load(parent + r)), child + r)
            r += 16
        }
        guard r < count else { return }
        var x = FloatMath.Vector()
        for i in 0..<(count - r) { x[i] = parent[r + i] }
        let y = apply(x)
        for i in 0..<(count - r) { child[r + i] += y[i] }
    }
}

/// What the delta target of an interventional row means.
public enum DeltaMode: String, Codable, Sendable {
    /// The seed's: the interventional row and its query row have independent noise.
    case interventional
    /// The interventional row reuses its query row's exogenous noise, so delta is the causal
    /// effect of the intervention on that very unit (non-descendants of the target: exactly 0).
    case counterfactual
}

/// How training items are grouped into batches (see `BatchStream`).
public enum StreamMode: String, Codable, Sendable {
    /// The seed's `CausalDataset` order: one SCM yields all its rows, regime by regime.
    case sequential
    /// Every item from a freshly sampled SCM.
    case mixed
}

/// child[r] += term[r] for every r.
@inline(__always)
func addTerm(_ term: UnsafePointer<Float>, into child: UnsafeMutablePointer<Float>, count: Int) {
    for r in 0..<count { child[r] += term[r] }
}
