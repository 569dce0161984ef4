// Axis scales and tick placement for the SVG plots.
import Foundation

/// Maps data values on one axis to pixels; linear or log10.
struct PlotScale {
    var lo: Double, hi: Double          // data range shown (lo < hi), in data units
    var pixelLo: Double, pixelHi: Double
    var log: Bool

    /// A range covering `values` (finite, and > 0 on a log scale) with a 5% margin, like
    /// matplotlib's default; a constant or single value gets a range around it.
    init(covering values: [Double], pixelLo: Double, pixelHi: Double, log: Bool) {
        self.pixelLo = pixelLo; self.pixelHi = pixelHi; self.log = log
        let t = values.map { log ? Foundation.log10($0) : $0 }
        var a = t.min() ?? 0, b = t.max() ?? 1
        if a == b {
            let pad = log ? 0.5 : (a == 0 ? 1 : abs(a) * 0.1)
            a -= pad; b += pad
        } else {
            let pad = (b - a) * 0.05
            a -= pad; b += pad
        }
        lo = log ? pow(10, a) : a
        hi = log ? pow(10, b) : b
    }

    func pixel(_ v: Double) -> Double {
        let (a, b, x) = log ? (log10(lo), log10(hi), log10(v)) : (lo, hi, v)
        return pixelLo + (x - a) / (b - a) * (pixelHi - pixelLo)
    }

    /// About `target` tick values inside the range: 1-2-5 steps on a linear scale; powers of ten
    /// on a log scale when it spans at least two of them, else 1-2-5 steps in value space.
    func ticks(target: Int = 5) -> [Double] {
        if log {
            let first = Int(ceil(log10(lo))), last = Int(floor(log10(hi)))
            if last - first >= 1 {
                let stride = max(1, (last - first + 1 + target - 1) / target)
                return Swift.stride(from: first, through: last, by: stride).map { pow(10, Double($0)) }
            }
        }
        let step = niceStep((hi - lo) / Double(target))
        var out: [Double] = []
        var v = ceil(lo / step) * step
        while v <= hi + step * 1e-9 {
            if !log || v > 0 { out.append(abs(v) < step * 1e-9 ? 0 : v) }
            v += step
        }
        return out
    }

    private func niceStep(_ raw: Double) -> Double {
        let magnitude = pow(10, floor(log10(raw)))
        let f = raw / magnitude
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude
    }
}

/// Compact tick label: up to 4 significant digits, exponent form for very large/small values.
func formatTick(_ v: Double) -> String {
    if v == 0 { return "0" }
    if abs(v) >= 1e5 || abs(v) < 1e-3 { return String(format: "%.3g", v) }
    return String(format: "%.4g", v)
}

/// Trailing moving average over the last `window` finite values; non-finite entries stay
/// non-finite (they are gaps, not zeros). window ≤ 1 returns the input.
public func movingAverage(_ values: [Double], window: Int) -> [Double] {
    guard window > 1 else { return values }
    var recent: [Double] = [], sum = 0.0
    return values.map { v in
        guard v.isFinite else { return v }
        recent.append(v); sum += v
        if recent.count > window { sum -= recent.removeFirst() }
        return sum / Double(recent.count)
    }
}
