// Baselines scored on the very same data as a model: a model has to beat these to have learned
// anything beyond what its input features already say.
import Randomness

public enum Baselines {
    /// The empty graph: every edge probability 0.
    public static func emptyGraph(nodeCount n: Int) -> [Float] {
        [Float](repeating: 0, count: n * n)
    }

    /// A random DAG with the true graph's expected edge count: a uniformly random node order, and
    /// each of the N(N−1)/2 forward pairs an edge with probability E / (N(N−1)/2), E the number
    /// of true edges. A DAG (rather than independent coin flips on all N(N−1) entries) so that it
    /// is a fair guess of the same kind as the truth. Probabilities are 0 or 1.
    public static func randomGraph(trueAdjacency: [UInt8], nodeCount n: Int,
                                   rng: inout Xoshiro256) -> [Float] {
        precondition(trueAdjacency.count == n * n, "adjacency must be [N, N]")
        var out = [Float](repeating: 0, count: n * n)   // [N, N]
        guard n > 1 else { return out }
        var edges = 0
        for i in 0..<n { for j in 0..<n where i != j && trueAdjacency[i * n + j] != 0 { edges += 1 } }
        let density = min(1, Double(edges) / Double(n * (n - 1) / 2))
        var order = Array(0..<n)
        for k in stride(from: n - 1, to: 0, by: -1) { order.swapAt(k, rng.nextInt(k + 1)) }  // Fisher–Yates
        for a in 0..<n {
            for b in (a + 1)..<n where rng.nextDouble() < density {
                out[order[a] * n + order[b]] = 1
            }
        }
        return out
    }

    /// The zero delta: predicts that intervening changes nothing.
    public static func zeroDelta(rows: Int, nodeCount n: Int) -> [Float] {
        [Float](repeating: 0, count: rows * n)
    }

    /// The plug-in delta: for interventional row r of regime k, the column means of all of regime
    /// k's interventional rows minus r's query row `observational[queryIndex[r]]`. This is the
    /// best guess from the exact summary the model sees (the regime's mean and the query row).
    /// - Parameters:
    ///   - observational: [S_obs, N]; interventional: [R, N]; regime, queryIndex: [R].
    public static func plugInDelta(observational: [Float], interventional: [Float],
                                   regime: [Int], queryIndex: [Int], nodeCount n: Int) -> [Float] {
        let r = regime.count
        precondition(interventional.count == r * n && queryIndex.count == r,
                     "interventional must be [R, N] and regime, queryIndex [R]")
        let regimeCount = (regime.max() ?? -1) + 1
        var sums = [Double](repeating: 0, count: regimeCount * n)   // [K, N]
        var counts = [Int](repeating: 0, count: regimeCount)         // [K]
        for row in 0..<r {
            counts[regime[row]] += 1
            for j in 0..<n { sums[regime[row] * n + j] += Double(interventional[row * n + j]) }
        }
        var out = [Float](repeating: 0, count: r * n)                // [R, N]
        for row in 0..<r {
            let k = regime[row], q = queryIndex[row]
            precondition(q >= 0 && q * n < observational.count, "query_index \(q) of row \(row) is out of range")
            for j in 0..<n {
                let mean = sums[k * n + j] / Double(counts[k])
                out[row * n + j] = Float(mean - Double(observational[q * n + j]))
            }
        }
        return out
    }
}
