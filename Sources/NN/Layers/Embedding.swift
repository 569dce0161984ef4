import Randomness

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
