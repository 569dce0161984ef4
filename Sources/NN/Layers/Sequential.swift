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
