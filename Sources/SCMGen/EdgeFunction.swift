import Foundation

/// The ten edge functions of the seed notebook (`SCMGenerator.edge_parameters` /
/// `generate_data` in `seed-notebook-causal-pfn.md`), numbered 1...10 in the seed's order
/// (`np.random.randint(1, 11)`); the raw value is the `edge_types` code of file-formats §1.
public enum EdgeFunction: Int, CaseIterable, Codable, Sendable {
    case linear = 1, negativeLinear, sin, cos, tanh, log, exp, sqrt, quadratic, cubic

    /// The term this edge adds to its child for parent value `x`, exactly the seed's
    /// formulas and clips (the seed's "tan" is `np.tanh`). Evaluated in Float: the seed used
    /// float64, but every value is stored as float32 and the clips keep all terms finite.
    @inline(__always)
    public func apply(_ x: Float) -> Float {
        switch self {
        case .linear: return 2 * x
        case .negativeLinear: return -2 * x
        case .sin: return Foundation.sin(x)
        case .cos: return Foundation.cos(x)
        case .tanh: return Foundation.tanh(x)
        case .log: return Foundation.log(abs(x) + 1e-5)
        case .exp: return Foundation.exp(min(max(x, -5), 5))
        case .sqrt: return abs(x).squareRoot()
        case .quadratic:
            let c = min(max(x, -5), 5)
            return c * c
        case .cubic:
            let c = min(max(x, -3), 3)
            return c * c * c
        }
    }

    /// Adds `apply(parent[r])` to `child[r]` for every r; one loop per function so the
    /// cheap ones vectorise.
    @inline(__always)
    func accumulate(_ parent: UnsafePointer<Float>, into child: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .linear: for r in 0..<count { child[r] += 2 * parent[r] }
        case .negativeLinear: for r in 0..<count { child[r] -= 2 * parent[r] }
        case .sin: for r in 0..<count { child[r] += Foundation.sin(parent[r]) }
        case .cos: for r in 0..<count { child[r] += Foundation.cos(parent[r]) }
        case .tanh: for r in 0..<count { child[r] += Foundation.tanh(parent[r]) }
        case .log: for r in 0..<count { child[r] += Foundation.log(abs(parent[r]) + 1e-5) }
        case .exp: for r in 0..<count { child[r] += Foundation.exp(min(max(parent[r], -5), 5)) }
        case .sqrt: for r in 0..<count { child[r] += abs(parent[r]).squareRoot() }
        case .quadratic:
            for r in 0..<count {
                let c = min(max(parent[r], -5), 5)
                child[r] += c * c
            }
        case .cubic:
            for r in 0..<count {
                let c = min(max(parent[r], -3), 3)
                child[r] += c * c * c
            }
        }
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
