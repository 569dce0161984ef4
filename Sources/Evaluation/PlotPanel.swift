// One panel of the comparison figure: a series of every run against its step, with the raw
// curve faint behind a smoothed training curve, markers on sparse series and dashed reference
// lines for the baselines the log holds.
import Foundation

struct PlotPanel {
    let name: String
    let logs: [TrainingLog]
    let runNames: [String]
    let options: PlotOptions

    struct Frame { var x0, y0, w, h: Double }

    /// Log keys `eval_baseline_<method>_<metric>` (docs/file-formats.md §4.1).
    static let baselinePrefix = "eval_baseline_"
    static let baselineNames = ["empty": "empty graph", "random": "random DAG", "zero": "zero delta",
                                "plugin": "plug-in delta", "ttest": "intervention t-test"]
    /// Series with at most this many points get a marker at every point.
    static let markerLimit = 30

    static let titles = [
        "shd": "Training-batch SHD (notebook's count; lower is better)",
        "delta_mse": "Training-batch delta MSE (lower is better)",
        "dag_bce": "Training DAG BCE (lower is better)", "acyclicity": "Training acyclicity h(A) (lower is better)",
        "loss": "Training loss", "eval_auroc": "Held-out AUROC (higher is better)",
        "eval_auprc": "Held-out AUPRC (higher is better)", "eval_shd": "Held-out SHD (standard; lower is better)",
        "eval_f1": "Held-out F1 (higher is better)", "eval_delta_mse": "Held-out delta MSE (lower is better)"]
    static let axisLabels = [
        "shd": "SHD (notebook's count)", "delta_mse": "delta MSE", "dag_bce": "DAG BCE", "acyclicity": "h(A)",
        "loss": "loss", "eval_auroc": "AUROC", "eval_auprc": "AUPRC", "eval_shd": "SHD (standard)",
        "eval_f1": "F1", "eval_delta_mse": "delta MSE"]

    /// Held-out series are never smoothed: a held-out value is one evaluation, not noise around a trend.
    func isTrainingSeries(_ log: TrainingLog) -> Bool { log.xName(for: name) == "step" && !name.hasPrefix("eval_") }

    /// (method label, value, run index or nil when every log agrees) for this panel's baselines.
    func baselines() -> [(label: String, value: Double, run: Int?)] {
        guard name.hasPrefix("eval_") else { return [] }
        let metric = String(name.dropFirst(5))
        var methods: [String] = []
        for log in logs {
            for key in log.series.keys.sorted() where key.hasPrefix(Self.baselinePrefix) && key.hasSuffix("_" + metric) {
                let method = String(key.dropFirst(Self.baselinePrefix.count).dropLast(metric.count + 1))
                if !method.isEmpty, !method.contains("_"), !methods.contains(method) { methods.append(method) }
            }
        }
        var out: [(String, Double, Int?)] = []
        for method in methods {
            let key = Self.baselinePrefix + method + "_" + metric
            let values = logs.map { $0.final(key) }
            let label = Self.baselineNames[method] ?? method
            let found = values.compactMap { $0 }
            if let v = found.first, found.allSatisfy({ abs($0 - v) <= 1e-9 * max(1, abs(v)) }) {
                out.append((label, v, nil))
            } else {
                for (r, v) in values.enumerated() { if let v { out.append((label, v, r)) } }
            }
        }
        return out
    }

    func svg(in fr: Frame) -> String {
        let left = fr.x0 + 64, right = fr.x0 + fr.w - 16, top = fr.y0 + 30, bottom = fr.y0 + fr.h - 42
        let raw: [[(Double, Double)]] = logs.map { log in
            let points = options.xAxis == .minutes ? log.pointsAgainstMinutes(name) : log.points(name)
            guard let (xs, ys) = points else { return [] }
            return Array(zip(xs, ys))
        }
        let refs = baselines()
        let ys0: [Double] = raw.flatMap { pts in pts.map { $0.1 } }
        let refValues: [Double] = refs.map { $0.value }
        let positive: [Double] = (ys0 + refValues).filter { $0.isFinite && $0 > 0 }
        let log = options.logScale && (positive.max() ?? 0) >= 10 * (positive.min() ?? .infinity)
        let drawable = { (p: (Double, Double)) in p.0.isFinite && p.1.isFinite && (!log || p.1 > 0) }
        let curves: [[(Double, Double)?]] = zip(logs, raw).map { lg, pts in
            let smooth = isTrainingSeries(lg) ? movingAverage(pts.map(\.1), window: options.smoothing) : pts.map(\.1)
            return zip(pts.map(\.0), smooth).map { drawable($0) ? $0 : nil }
        }
        let faint = options.smoothing > 1 ? zip(logs, raw).map { lg, pts in
            isTrainingSeries(lg) ? pts.map { drawable($0) ? $0 : nil } : []
        } : raw.map { _ in [] }
        let drawn: [(Double, Double)] = (curves + faint).flatMap { $0.compactMap { $0 } }
        let xs = PlotScale(covering: drawn.map { $0.0 }, pixelLo: left, pixelHi: right, log: false)
        let ys = PlotScale(covering: drawn.map { $0.1 } + refValues, pixelLo: bottom, pixelHi: top, log: log)
        let f = ComparisonPlot.f, escape = ComparisonPlot.escape
        var out = "<g class=\"panel\" data-series=\"\(escape(name))\"\(log ? " data-scale=\"log\"" : "")>\n"
        let title = (Self.titles[name] ?? name) + (log ? " (log scale)" : "")
        // Bold 13 px is ~7.4 px a character: shrink a long title to its panel rather than overlap the next.
        let titleSize = max(9, min(13, (fr.w - 12) / (0.57 * Double(max(title.count, 1)))))
        out += "<text x=\"\(f(fr.x0 + fr.w / 2))\" y=\"\(f(fr.y0 + 18))\" text-anchor=\"middle\" font-size=\"\(f(titleSize))\" "
            + "font-weight=\"bold\">\(escape(title))</text>\n"
        let xt = xs.ticks()
        for (t, label) in zip(xt, xs.labels(xt)) {
            let px = xs.pixel(t)
            out += "<line x1=\"\(f(px))\" y1=\"\(f(top))\" x2=\"\(f(px))\" y2=\"\(f(bottom))\" stroke=\"#e6e6e6\"/>"
                + "<text x=\"\(f(px))\" y=\"\(f(bottom + 15))\" text-anchor=\"middle\" font-size=\"11\">\(label)</text>\n"
        }
        let yt = ys.ticks()
        for (t, label) in zip(yt, ys.labels(yt)) {
            let py = ys.pixel(t)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py))\" x2=\"\(f(right))\" y2=\"\(f(py))\" stroke=\"#e6e6e6\"/>"
                + "<text x=\"\(f(left - 5))\" y=\"\(f(py + 4))\" text-anchor=\"end\" font-size=\"11\">\(label)</text>\n"
        }
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" "
            + "fill=\"none\" stroke=\"#333\"/>\n"
        let held = logs.contains { $0.xName(for: name) == "eval_step" }
        out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 32))\" text-anchor=\"middle\">"
            + "\(options.xAxis == .minutes ? "Wall time (min)" : "Step")\(held ? " (held-out evaluations)" : "")</text>\n"
        out += "<text transform=\"translate(\(f(fr.x0 + 14)) \(f((top + bottom) / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\">\(escape(Self.axisLabels[name] ?? name))</text>\n"
        if drawn.isEmpty {
            out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\" "
                + "fill=\"#999\">no finite values</text>\n"
        }
        let occupied = Self.samplePixels(curves, xs, ys)
        var labelBoxes: [LabelBox] = []
        for ref in refs {
            let y = ys.pixel(ref.value)
            let color: String = ref.run.map { ComparisonPlot.colors[$0 % ComparisonPlot.colors.count] } ?? "#555"
            let label: String = ref.label + (ref.run.map { " (\(runNames[$0]))" } ?? "")
            let (tx, ty, anchor, box) = Self.labelPlace(width: 5.6 * Double(label.count), lineY: y, left: left, right: right,
                                                        top: top, bottom: bottom, occupied: occupied, labels: labelBoxes)
            labelBoxes.append(box)
            let (x1, x2, py): (String, String, String) = (f(left), f(right), f(y))
            var line = "<line class=\"baseline\" data-baseline=\"\(escape(ref.label))\" x1=\"\(x1)\" y1=\"\(py)\" "
            line += "x2=\"\(x2)\" y2=\"\(py)\" stroke=\"\(color)\" stroke-width=\"1.2\" stroke-dasharray=\"6 4\"/>"
            line += "<text x=\"\(f(tx))\" y=\"\(f(ty))\" text-anchor=\"\(anchor)\" font-size=\"10\" fill=\"\(color)\">\(escape(label))</text>\n"
            out += line
        }
        for (r, curve) in curves.enumerated() {
            let color = ComparisonPlot.colors[r % ComparisonPlot.colors.count], run = escape(runNames[r])
            if !faint[r].isEmpty {
                out += "<path class=\"raw\" data-run=\"\(run)\" d=\"\(Self.pathData(faint[r], xs, ys))\" fill=\"none\" "
                    + "stroke=\"\(color)\" stroke-opacity=\"0.25\" stroke-width=\"1\"/>\n"
            }
            out += "<path class=\"run\" data-run=\"\(run)\" d=\"\(Self.pathData(curve, xs, ys))\" "
                + "fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n"
            let points = curve.compactMap { $0 }
            if points.count <= Self.markerLimit {
                for (x, y) in points {
                    out += "<circle class=\"marker\" cx=\"\(f(xs.pixel(x)))\" cy=\"\(f(ys.pixel(y)))\" r=\"3\" fill=\"\(color)\"/>"
                }
                if !points.isEmpty { out += "\n" }
            }
        }
        return out + "</g>\n"
    }

    /// Pixel positions along every drawn curve (segments sampled), for placing labels clear of them.
    static func samplePixels(_ curves: [[(Double, Double)?]], _ xs: PlotScale, _ ys: PlotScale) -> [(Double, Double)] {
        var out: [(Double, Double)] = []
        for curve in curves {
            var last: (Double, Double)? = nil
            for point in curve {
                guard let (x, y) = point else { last = nil; continue }
                let p = (xs.pixel(x), ys.pixel(y))
                if let q = last { for k in 1...8 { let t = Double(k) / 8; out.append((q.0 + (p.0 - q.0) * t, q.1 + (p.1 - q.1) * t)) } }
                else { out.append(p) }
                last = p
            }
        }
        return out
    }

    /// A placed label's box in pixels (x0, y0, x1, y1).
    typealias LabelBox = (Double, Double, Double, Double)

    /// Where a reference line's label goes: at the left or right end, above or below the line,
    /// whichever box (inside the frame) covers the fewest curve pixels and no label placed
    /// before it (two baselines at one value, e.g. AUROC 0.5, would otherwise print over each other).
    static func labelPlace(width: Double, lineY: Double, left: Double, right: Double, top: Double, bottom: Double,
                           occupied: [(Double, Double)], labels: [LabelBox] = [])
        -> (x: Double, y: Double, anchor: String, box: LabelBox) {
        var best: (Double, Double, String, Int, LabelBox) = (right - 4, lineY - 4, "end", Int.max, (0, 0, 0, 0))
        for atLeft in [false, true] {
            for above in [true, false] {
                let x0 = atLeft ? left + 4 : right - 4 - width
                let baseline = above ? lineY - 4 : lineY + 12
                let box = (x0 - 3, baseline - 12, x0 + width + 3, baseline + 3)
                let inside = box.1 >= top && box.3 <= bottom
                let hits = occupied.filter { $0.0 >= box.0 && $0.0 <= box.2 && $0.1 >= box.1 && $0.1 <= box.3 }.count
                let overlaps = labels.filter { box.0 < $0.2 && $0.0 < box.2 && box.1 < $0.3 && $0.1 < box.3 }.count
                let score = hits + (inside ? 0 : 10_000) + 1_000 * overlaps
                if score < best.3 { best = (atLeft ? left + 4 : right - 4, baseline, atLeft ? "start" : "end", score, box) }
            }
        }
        return (best.0, best.1, best.2, best.4)
    }

    /// Path data with a gap (new subpath) at every undrawable point; a lone point (one-entry
    /// log, or between gaps) gets a small ring so it stays visible.
    static func pathData(_ curve: [(Double, Double)?], _ xs: PlotScale, _ ys: PlotScale) -> String {
        var parts: [String] = [], runLength = 0
        let f = ComparisonPlot.f
        for point in curve + [nil] {
            guard let (x, y) = point else {
                if runLength == 1 { parts.append("m-2.5 0 a2.5 2.5 0 1 0 5 0 a2.5 2.5 0 1 0 -5 0") }
                runLength = 0
                continue
            }
            parts.append("\(runLength == 0 ? "M" : "L")\(f(xs.pixel(x))) \(f(ys.pixel(y)))")
            runLength += 1
        }
        return parts.joined(separator: " ")
    }
}
