// `--standardize` (docs/file-formats.md §6): z-scores every node by its observational mean and
// standard deviation, so data in any units reaches the model on the prior's scale (unit noise),
// and maps predicted deltas back to the user's units.
import Foundation

public struct Standardization: Equatable, Sendable {
    public var mean: [Float]   // [N] observational mean of each node
    public var std: [Float]    // [N] its standard deviation (ddof 0); 1 for a constant node

    /// A node whose observational spread is below this fraction of its magnitude (or 1e-12
    /// absolute) is constant: it is only centred, not divided by ~0.
    public static let relativeFloor = 1e-6

    public init(mean: [Float], std: [Float]) { self.mean = mean; self.std = std }

    /// Mean and std of each node over the observational rows, in Double.
    public init(fitting d: SCMDataset) {
        let n = d.nodeCount, s = d.observationalCount
        var mean = [Float](repeating: 0, count: n), std = [Float](repeating: 1, count: n)
        for j in 0..<n {
            var sum = 0.0
            for r in 0..<s { sum += Double(d.observational[r * n + j]) }
            let m = s > 0 ? sum / Double(s) : 0
            var ss = 0.0
            for r in 0..<s { let x = Double(d.observational[r * n + j]) - m; ss += x * x }
            let sd = s > 0 ? (ss / Double(s)).squareRoot() : 0
            mean[j] = Float(m)
            std[j] = sd > max(1e-12, Self.relativeFloor * abs(m)) ? Float(sd) : 1
        }
        self.init(mean: mean, std: std)
    }

    /// The dataset in standard units: every row (observational and interventional) and every
    /// known intervention value become (x − mean) / std; unknown (NaN) values stay unknown.
    public func apply(to d: SCMDataset) -> SCMDataset {
        var out = d
        let n = d.nodeCount
        for k in out.observational.indices { out.observational[k] = forward(d.observational[k], node: k % n) }
        for k in out.interventional.indices { out.interventional[k] = forward(d.interventional[k], node: k % n) }
        for k in out.regimeValues.indices { out.regimeValues[k] = forward(d.regimeValues[k], node: Int(d.regimeTargets[k])) }
        return out
    }

    func forward(_ x: Float, node j: Int) -> Float { (x - mean[j]) / std[j] }

    /// A value of node j back in the user's units.
    public func value(_ z: Float, node j: Int) -> Float { z * std[j] + mean[j] }

    /// Deltas [R, N] in standard units back to the user's units: a difference of two values
    /// of one node, so the mean cancels and only the std scales it.
    public func deltasToUserUnits(_ delta: [Float], nodeCount n: Int) -> [Float] {
        delta.indices.map { delta[$0] * std[$0 % n] }
    }
}
