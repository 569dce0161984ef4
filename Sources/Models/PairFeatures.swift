import Foundation
import NN
import Randomness
import SCMGen

/// The input of `PairContext` (not in the seed): numbers per ordered pair (i, j), i the
/// candidate parent, from the batch's `RegimeContext` arrays. Version 1 (8) —
///   [shift(i→j), log std ratio(i→j), shift(j→i), log std ratio(j→i),
///    i intervened, j intervened, observational correlation(i, j), i = j]
/// where shift(i→j) = asinh((mean of j under do(i) − base mean of j) / s_j) and the log std
/// ratio is log(max(std of j under do(i) + 1e-6, floor) / s_j), clipped to ±5, with
/// s_j = max(base std of j + 1e-6, floor) as `NodeFeatures`. asinh keeps the shift's sign and
/// order while taming the ~1e3 values a nearly constant (clipped) column gives.
/// Version 2 (31) appends, per docs/studies/pair-features.md —
///   [log s_i, log s_j, (s_j − s_i) / mean s,                    the variance sort
///    asinh t(i→j) ×3, asinh t(j→i) ×3,                          per-regime Welch t, value order
///    log(1 + rows) of i's 3 regimes, of j's 3, log(1 + observational rows),
///    partial corr, |partial|, |partial| − |corr|,              observational precision matrix
///    Spearman, |Spearman| − |corr|, dCor, dCor − |corr|]
/// (mean s over the item's real nodes). The sample sizes let the model read a t-statistic at
/// the context's size: the mixed stream's contexts have a few rows per regime, suites 100.
/// Entries of a node that no regime targets are 0; padded pairs are all 0.
public enum PairFeatures {
    public static let versions = 1...2
    public static let latest = 2

    /// Features per pair of version 1.
    public static let count = 8

    /// Features per pair of `version`.
    public static func width(_ version: Int) -> Int { version >= 2 ? 31 : 8 }

    /// [B, N, N, width(version)] for `batch`.
    public static func make(_ batch: TrainingBatch, stdFloor: Float, version: Int = 1) -> [Float] {
        var out = [Float](repeating: 0, count: batch.batchSize * batch.maxNodes * batch.maxNodes * width(version))
        out.withUnsafeMutableBufferPointer { make(batch, stdFloor: stdFloor, version: version, into: $0.baseAddress!) }
        return out
    }

    /// The same into `out` [B, N, N, width(version)], every value written (padded pairs 0); the
    /// items in parallel (each writes only its own [N, N, F] block), or one after another on
    /// the calling thread (`parallel` false: off the compute threads, e.g. the data producer).
    /// An item whose inputs are the previous item's (the mixed stream's items of one SCM share
    /// its context; an evaluation batch's items are rows of one dataset) gets a copy of that
    /// item's features.
    public static func make(_ batch: TrainingBatch, stdFloor: Float, version: Int, into out: UnsafeMutablePointer<Float>,
                            parallel: Bool = true) {
        let block = batch.maxNodes * batch.maxNodes * width(version)
        var source = Array(0..<batch.batchSize)  // [B] the item whose features an item copies (itself: computed)
        for item in source.indices.dropFirst() where sameInputs(batch, item, source[item - 1]) { source[item] = source[item - 1] }
        let distinct = source.indices.filter { source[$0] == $0 }
        let copies = source.indices.filter { source[$0] != $0 }
        func compute(_ item: Int) {
            (out + item * block).update(repeating: 0, count: block)  // padded pairs
            makeItem(batch, item: item, stdFloor: stdFloor, version: version, into: out)
        }
        func copy(_ item: Int) { (out + item * block).update(from: out + source[item] * block, count: block) }
        if parallel {
            parallelRanges(distinct.count, minimumPerChunk: 1) { _, range in for i in range { compute(distinct[i]) } }
            parallelRanges(copies.count, minimumPerChunk: 1) { _, range in for i in range { copy(copies[i]) } }
        } else {
            for item in distinct { compute(item) }
            for item in copies { copy(item) }
        }
    }

    /// Whether items a and b read the same values (so their features are equal bit for bit).
    static func sameInputs(_ batch: TrainingBatch, _ a: Int, _ b: Int) -> Bool {
        let n = batch.maxNodes, slots = RegimeContext.regimeSlots
        func same(_ x: [Float], _ width: Int) -> Bool {
            x.withUnsafeBufferPointer { p in memcmp(p.baseAddress! + a * width, p.baseAddress! + b * width, width * 4) == 0 }
        }
        return batch.nodeCounts[a] == batch.nodeCounts[b] && same(batch.nodeMask, n) && same(batch.baseStd, n)
            && same(batch.baseMean, n) && same(batch.contextIntervened, n) && same(batch.observationalCount, 1)
            && same(batch.contextCount, n * slots) && same(batch.contextMean, n * n) && same(batch.contextStd, n * n)
            && same(batch.correlation, n * n) && same(batch.partialCorrelation, n * n) && same(batch.spearman, n * n)
            && same(batch.distanceCorrelation, n * n) && same(batch.contextT, n * n * slots)
    }

    private static func makeItem(_ batch: TrainingBatch, item: Int, stdFloor: Float, version: Int, into out: UnsafeMutablePointer<Float>) {
        let n = batch.maxNodes, f = width(version)
        let o = item * n
        // shift and log std ratio of (i → j) at [i, j]
        var shift = [Float](repeating: 0, count: n * n), logRatio = shift
        for i in 0..<n where batch.contextIntervened[o + i] != 0 {
            for j in 0..<n where batch.nodeMask[o + j] != 0 {
                let s = max(batch.baseStd[o + j] + 1e-6, stdFloor)
                let p = (o + i) * n + j
                shift[i * n + j] = (batch.contextMean[p] - batch.baseMean[o + j]) / s  // asinh below
                let r = logf(max(batch.contextStd[p] + 1e-6, stdFloor) / s)
                logRatio[i * n + j] = min(max(r, -5), 5)
            }
        }
        shift.withUnsafeMutableBufferPointer { FloatMath.asinh($0.baseAddress!, count: $0.count) }  // asinh(0) = 0 elsewhere
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
        if version >= 2 { appendVersion2(batch, item: item, stdFloor: stdFloor, into: out) }
    }

    /// Features 8..<31 of item `item` (see the type's comment).
    static func appendVersion2(_ batch: TrainingBatch, item: Int, stdFloor: Float, into out: UnsafeMutablePointer<Float>) {
        let n = batch.maxNodes, f = width(2), o = item * n, slots = RegimeContext.regimeSlots
        let real = (0..<n).filter { batch.nodeMask[o + $0] != 0 }
        let s = (0..<n).map { max(batch.baseStd[o + $0] + 1e-6, stdFloor) }
        let meanS = real.isEmpty ? 1 : real.map { s[$0] }.reduce(0, +) / Float(real.count)
        let logObs = log1pf(batch.observationalCount[item])
        // Each node's and each ordered pair's transforms once, not once per pair that reads them;
        // the asinh of [N, N, slots] t-statistics 16 at a time (`FloatMath.asinh`, ≤ 3 ulp from libm's).
        let logS = s.map { logf($0) }                                                       // [N]
        var logCount = [Float](repeating: 0, count: n * slots)                             // [N, slots]
        var asinhT = [Float](repeating: 0, count: n * n * slots)                           // [N, N, slots]
        for i in real {
            for r in 0..<slots { logCount[i * slots + r] = log1pf(batch.contextCount[(o + i) * slots + r]) }
            for j in real {
                for r in 0..<slots { asinhT[(i * n + j) * slots + r] = batch.contextT[((o + i) * n + j) * slots + r] }
            }
        }
        asinhT.withUnsafeMutableBufferPointer { FloatMath.asinh($0.baseAddress!, count: $0.count) }
        for i in real {
            for j in real {
                let q = ((o + i) * n + j) * f + 8, p = (o + i) * n + j
                out[q + 0] = logS[i]
                out[q + 1] = logS[j]
                out[q + 2] = (s[j] - s[i]) / meanS
                for r in 0..<slots {
                    out[q + 3 + r] = asinhT[(i * n + j) * slots + r]
                    out[q + 6 + r] = asinhT[(j * n + i) * slots + r]
                    out[q + 9 + r] = logCount[i * slots + r]
                    out[q + 12 + r] = logCount[j * slots + r]
                }
                out[q + 15] = logObs
                let corr = abs(batch.correlation[p]), partial = batch.partialCorrelation[p]
                out[q + 16] = partial
                out[q + 17] = abs(partial)
                out[q + 18] = abs(partial) - corr
                out[q + 19] = batch.spearman[p]
                out[q + 20] = abs(batch.spearman[p]) - corr
                out[q + 21] = batch.distanceCorrelation[p]
                out[q + 22] = batch.distanceCorrelation[p] - corr
            }
        }
    }
}
