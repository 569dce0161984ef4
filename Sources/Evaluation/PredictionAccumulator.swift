// Sums one dataset's per-item outputs until every batch has been seen.
import Foundation
import SCMGen

extension Evaluator {
    struct Accumulator {
        let n: Int, regimes: Int
        var edgeSum: [Double]          // [N, N] sum of sigmoid(logit) or of logits
        var regimeSum: [Double]        // [K, N, N]
        var regimeItems: [Int]         // [K]
        var items = 0
        var delta: [Float]             // [R, N], NaN until predicted
        var rows: [Int] = []

        init(_ d: SCMDataset) {
            n = d.nodeCount; regimes = d.regimeCount
            edgeSum = [Double](repeating: 0, count: n * n)
            regimeSum = [Double](repeating: 0, count: regimes * n * n)
            regimeItems = [Int](repeating: 0, count: regimes)
            delta = [Float](repeating: .nan, count: d.interventionalCount * n)
        }

        /// Adds batch slot `slot` (padded to `slots` nodes) as `item`, dropping the padding.
        mutating func add(_ item: BatchItem, logits: [Float], delta out: [Float], slot: Int, slots: Int,
                          mode: EdgeAggregation) {
            for i in 0..<n {
                for j in 0..<n {
                    let z = Double(logits[(slot * slots + i) * slots + j])
                    let v = mode == .meanProbability ? 1 / (1 + exp(-z)) : z
                    edgeSum[i * n + j] += v
                    regimeSum[(item.regime * n + i) * n + j] += v
                }
                delta[item.row * n + i] = out[slot * slots + i]
            }
            items += 1
            regimeItems[item.regime] += 1
            rows.append(item.row)
        }

        func result(_ mode: EdgeAggregation) -> DatasetPrediction {
            func finish(_ sum: Double, _ count: Int) -> Float {
                guard count > 0 else { return .nan }
                let m = sum / Double(count)
                return Float(mode == .meanProbability ? m : 1 / (1 + exp(-m)))
            }
            let graph = edgeSum.map { finish($0, items) }
            let perRegime = regimeSum.indices.map { finish(regimeSum[$0], regimeItems[$0 / (n * n)]) }
            return DatasetPrediction(nodeCount: n, edgeProbability: graph, edgeProbabilityPerRegime: perRegime,
                                     delta: delta, evaluatedRows: rows.sorted())
        }
    }
}
