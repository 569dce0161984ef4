import Randomness

/// `nn.Linear`: y = x·Wᵀ + b, weight [out, in], bias [out]; PyTorch's init
/// (weight kaiming-uniform, bias U(±1/√in)).
public final class Linear: Module {
    public let weight: Tensor  // [Out, In]
    public let bias: Tensor?   // [Out]

    public init(_ inFeatures: Int, _ outFeatures: Int, bias hasBias: Bool = true, rng: inout Xoshiro256) {
        precondition(inFeatures > 0 && outFeatures > 0, "Linear(\(inFeatures), \(outFeatures)): sizes must be positive")
        weight = Init.parameter([outFeatures, inFeatures])
        Init.kaimingLinear(weight, &rng)
        bias = hasBias ? Init.parameter([outFeatures]) : nil
        if let bias { Init.uniform(bias, bound: 1 / Float(inFeatures).squareRoot(), &rng) }
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func callAsFunction(_ x: Tensor) -> Tensor { linear(x, weight: weight, bias: bias) }

    public func namedParameters(prefix: String) -> [(String, Tensor)] {
        [(prefix + "weight", weight)] + (bias.map { [(prefix + "bias", $0)] } ?? [])
    }
}

/// `nn.Embedding`: rows of a [count, dim] table, initialised N(0, 1).
public final class Embedding: Module {
    public let weight: Tensor  // [Count, Dim]

    public init(_ count: Int, _ dim: Int, rng: inout Xoshiro256) {
        weight = Init.parameter([count, dim])
        Init.normal(weight, &rng)
    }

    /// The rows `indices`, shaped `shape + [dim]` (default [indices.count, dim]).
    public func callAsFunction(_ indices: [Int], shape: [Int]? = nil) -> Tensor {
        let rows = weight.gatherRows(indices)
        return shape.map { rows.reshaped($0 + [weight.shape[1]]) } ?? rows
    }

    public func namedParameters(prefix: String) -> [(String, Tensor)] { [(prefix + "weight", weight)] }
}

/// `nn.LayerNorm` over the last dimension, eps 1e-5, weight 1 and bias 0.
public final class LayerNorm: Module {
    public let weight: Tensor  // [D]
    public let bias: Tensor    // [D]
    public let eps: Float

    public init(_ dim: Int, eps: Float = 1e-5) {
        weight = Init.parameter([dim])
        Init.fill(weight, 1)
        bias = Init.parameter([dim])
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, weight: weight, bias: bias, eps: eps) }

    public func namedParameters(prefix: String) -> [(String, Tensor)] {
        [(prefix + "weight", weight), (prefix + "bias", bias)]
    }
}

/// `nn.Sequential` of linear layers and activations; keys are the item positions
/// (`0.weight`, `2.bias`, … as PyTorch numbers every item, parameterless ones included).
public final class Sequential: Module {
    public enum Item {
        case linear(Linear)
        case gelu, relu
        case dropout(Float)
    }

    public let items: [Item]

    public init(_ items: [Item]) { self.items = items }

    /// The Linear at position `index` (e.g. `head.linear(0)` for PyTorch's `head[0]`).
    public func linear(_ index: Int) -> Linear {
        guard case .linear(let l) = items[index] else { preconditionFailure("Sequential item \(index) is not a Linear") }
        return l
    }

    public func callAsFunction(_ x: Tensor, _ ctx: ForwardContext? = nil) -> Tensor {
        var h = x
        for item in items {
            switch item {
            case .linear(let l): h = l(h)
            case .gelu: h = h.gelu()
            case .relu: h = h.relu()
            case .dropout(let p): if let ctx { h = h.dropout(p, ctx) }
            }
        }
        return h
    }

    public func namedParameters(prefix: String) -> [(String, Tensor)] {
        items.enumerated().flatMap { i, item -> [(String, Tensor)] in
            if case .linear(let l) = item { return l.namedParameters(prefix: "\(prefix)\(i).") }
            return []
        }
    }
}
