// Axis scales and tick placement for the SVG plots. Every quantity is kept finite: data beyond
// ±1e300 is clamped before ranges are taken, so no difference or power overflows and no tick
// conversion to Int can trap (reliability defect D16).
import Foundation

/// Maps data values on one axis to pixels; linear or log10.
struct PlotScale {
    var a: Double, b: Double            // range shown, in transformed units (log10 on a log scale), a < b
    var pixelLo: Double, pixelHi: Double
    var log: Bool

    /// Largest magnitude a value keeps; beyond it a value is drawn at the edge.
    static let limit = 1e300

    /// A range covering `values` (finite, and > 0 on a log scale) with a 5% margin, like
    /// matplotlib's default; a constant or single value gets a range around it.
    init(covering values: [Double], pixelLo: Double, pixelHi: Double, log: Bool) {
        self.pixelLo = pixelLo; self.pixelHi = pixelHi; self.log = log
        let t = values.filter { $0.isFinite && (!log || $0 > 0) }.map { PlotScale.transform($0, log: log) }
        var a = t.min() ?? 0, b = t.max() ?? 1
        if a == b {
            let pad = log ? 0.5 : (a == 0 ? 1 : abs(a) * 0.1)
            a -= pad; b += pad
        } else {
            let pad = (b - a) * 0.05   // b − a ≤ 2e300: finite
            a -= pad; b += pad
        }
        self.a = a; self.b = b
    }

    static func transform(_ v: Double, log: Bool) -> Double {
        let c = min(max(v, -limit), limit)
        return log ? Foundation.log10(max(c, Double.leastNormalMagnitude)) : c
    }

    var lo: Double { log ? pow(10, a) : a }
    var hi: Double { log ? pow(10, b) : b }

    func pixel(_ v: Double) -> Double {
        pixelLo + (PlotScale.transform(v, log: log) - a) / (b - a) * (pixelHi - pixelLo)
    }

    /// About `target` tick values inside the range. Linear: 1-2-5 steps. Log: powers of ten when
    /// the range spans several, else 1×, 2× and 5× each power when three of them fall inside, else
    /// 1-2-5 steps in value space — so labelled ticks always cover the data.
    func ticks(target: Int = 5) -> [Double] {
        if log {
            let first = Int(ceil(a)), last = Int(floor(b))   // a, b within ±310: no trap
            if last - first >= 3 {
                let stride = max(1, (last - first + 1 + target - 1) / target)
                return Swift.stride(from: first, through: last, by: stride).map { pow(10, Double($0)) }
            }
            let lowest = Int(floor(a)), highest = Int(ceil(b))
            let oneTwoFive = (lowest...highest).flatMap { e in [1.0, 2, 5].map { $0 * pow(10, Double(e)) } }
                .filter { Foundation.log10($0) >= a && Foundation.log10($0) <= b }
            if oneTwoFive.count >= 3 { return oneTwoFive }
            return linearTicks(lo: pow(10, a), hi: pow(10, b), target: target).filter { $0 > 0 }
        }
        return linearTicks(lo: a, hi: b, target: target)
    }

    /// Ticks at integer multiples of a 1-2-5 step (computed as k · step, never by accumulation,
    /// so a step far below the values' precision cannot stall the loop).
    private func linearTicks(lo: Double, hi: Double, target: Int) -> [Double] {
        let step = PlotScale.niceStep((hi - lo) / Double(target))
        guard step.isFinite, step > 0 else { return [lo] }
        let k0 = ceil(lo / step)
        var out: [Double] = []
        for i in 0..<(4 * target) {
            let v = (k0 + Double(i)) * step
            if v > hi + step * 1e-9 { break }
            let tick = abs(v) < step * 1e-9 ? 0 : v
            if out.last != tick { out.append(tick) }
        }
        return out
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        let f = raw / magnitude
        return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * magnitude
    }

    /// Tick labels with one number of decimals per axis (0, 0.5, 1.0 would read unevenly).
    func labels(_ ticks: [Double]) -> [String] {
        guard !log, ticks.count >= 2 else { return ticks.map(formatTick) }
        let step = abs(ticks[1] - ticks[0])
        let big = ticks.map(abs).max() ?? 0
        if big >= 1e5 || big < 1e-3 || step <= 0 { return ticks.map(formatTick) }
        let decimals = max(0, min(6, Int(-floor(log10(step) + 1e-9))))
        return ticks.map { $0 == 0 ? "0" : String(format: "%.\(decimals)f", $0) }
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
