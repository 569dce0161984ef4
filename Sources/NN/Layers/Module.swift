/// A layer or model: owns parameters and lists them, in a fixed order, under the PyTorch
/// `state_dict` keys of the reference module (`prefix` + local name, e.g.
/// `transformer.layers.0.linear1.weight`).
public protocol Module: AnyObject {
    func namedParameters(prefix: String) -> [(String, Tensor)]
}

extension Module {
    /// All parameters with their keys, from the root.
    public func namedParameters() -> [(String, Tensor)] { namedParameters(prefix: "") }
    public var parameters: [Tensor] { namedParameters().map(\.1) }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
    public func zeroGrad() { for p in parameters { p.zeroGrad() } }
}
