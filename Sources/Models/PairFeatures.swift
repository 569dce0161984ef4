import Foundation
import SCMGen

/// The input of `PairContext` (not in the seed): eight numbers per ordered pair (i, j), i the
/// candidate parent, from the batch's `RegimeContext` arrays —
///   [shift(i→j), log std ratio(i→j), shift(j→i), log std ratio(j→i),
///    i intervened, j intervened, observational correlation(i, j), i = j]
/// where shift(i→j) = asinh((mean of j under do(i) − base mean of j) / s_j) and the log std
/// ratio is log(max(std of j under do(i) + 1e-6, floor) / s_j), clipped to ±5, with
/// s_j = max(base std of j + 1e-6, floor) as `NodeFeatures`. asinh keeps the shift's sign and
/// order while taming the ~1e3 values a nearly constant (clipped) column gives. Entries of a
/// node that no regime targets are 0; padded pairs are all 0.
public enum PairFeatures {
    public static let count = 8

    /// [B, N, N, 8] for `batch`.
    public static func make(_ batch: TrainingBatch, stdFloor: Float) -> [Float] {
        let b = batch.batchSize, n = batch.maxNodes, f = count
        var out = [Float](repeating: 0, count: b * n * n * f)  // [B, N, N, 8]
        for item in 0..<b {
            let o = item * n
            // shift and log std ratio of (i → j) at [i, j]
            var shift = [Float](repeating: 0, count: n * n), logRatio = shift
            for i in 0..<n where batch.contextIntervened[o + i] != 0 {
                for j in 0..<n where batch.nodeMask[o + j] != 0 {
                    let s = max(batch.baseStd[o + j] + 1e-6, stdFloor)
                    let p = (o + i) * n + j
                    shift[i * n + j] = asinhf((batch.contextMean[p] - batch.baseMean[o + j]) / s)
                    let r = logf(max(batch.contextStd[p] + 1e-6, stdFloor) / s)
                    logRatio[i * n + j] = min(max(r, -5), 5)
                }
            }
            for i in 0..<n where batch.nodeMask[o + i] != 0 {
                for j in 0..<n where batch.nodeMask[o + j] != 0 {
                    let q = ((o + i) * n + j) * f
                    out[q + 0] = shift[i * n + j]
                    out[q + 1] = logRatio[i * n + j]
                    out[q + 2] = shift[j * n + i]
                    out[q + 3] = logRatio[j * n + i]
                    out[q + 4] = batch.contextIntervened[o + i]
                    out[q + 5] = batch.contextIntervened[o + j]
                    out[q + 6] = batch.correlation[(o + i) * n + j]
                    out[q + 7] = i == j ? 1 : 0
                }
            }
        }
        return out
    }
}
