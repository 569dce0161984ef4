// A pure-Swift SVG of training curves: the seed notebook's comparison figure (SHD and delta MSE
// against step, one line per run) plus a panel for every other series all runs share.
import Foundation

public struct PlotOptions: Sendable {
    /// Series to draw, one panel each; nil = the notebook's two, the loss terms and held-out
    /// metrics; ["all"] = every shared series.
    public var series: [String]?
    public var logScale: Bool = false
    /// Trailing moving-average window in logged points (1 = none).
    public var smoothing: Int = 1
    public var columns: Int = 2
    public init(series: [String]? = nil, logScale: Bool = false, smoothing: Int = 1) {
        self.series = series; self.logScale = logScale; self.smoothing = smoothing
    }
}

public enum ComparisonPlot {
    /// Panel order when choosing automatically; unknown shared series follow alphabetically.
    static let preferred = ["shd", "delta_mse", "dag_bce", "acyclicity", "loss",
                            "eval_auroc", "eval_auprc", "eval_shd", "eval_f1", "eval_delta_mse"]
    static let notPlotted: Set<String> = ["step", "eval_step", "elapsed"]
    static let titles = [
        "shd": "Structural Hamming Distance (lower is better)",
        "delta_mse": "Delta Prediction MSE (lower is better)",
        "dag_bce": "DAG BCE (lower is better)", "acyclicity": "Acyclicity h(A) (lower is better)",
        "loss": "Total loss", "eval_auroc": "Held-out AUROC (higher is better)",
        "eval_auprc": "Held-out AUPRC (higher is better)", "eval_shd": "Held-out SHD (lower is better)",
        "eval_f1": "Held-out F1 (higher is better)", "eval_delta_mse": "Held-out delta MSE (lower is better)"]
    static let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// The panels drawn for these logs: the requested series (each must be in every log; `all`
    /// = every shared numeric series, preferred ones first), or by default the preferred ones
    /// that every log has (the notebook's two, the loss terms, held-out metrics) — a log holds
    /// ~25 series, too many panels to read at once.
    public static func panels(for logs: [TrainingLog], options: PlotOptions) throws -> [String] {
        let shared = sharedSeries(logs)
        if options.series == ["all"] {
            return preferred.filter(shared.contains) + shared.filter { !preferred.contains($0) }
        }
        if let requested = options.series {
            for name in requested {
                let lacking = logs.filter { $0.series[name] == nil }.map { $0.name }
                if !lacking.isEmpty {
                    throw TrainingLogError(description: "series '\(name)' is missing from \(lacking.joined(separator: ", ")); "
                        + "available in all runs: \(sharedSeries(logs).joined(separator: ", ")).")
                }
            }
            return requested
        }
        return preferred.filter(shared.contains)
    }

    static func sharedSeries(_ logs: [TrainingLog]) -> [String] {
        guard let first = logs.first else { return [] }
        return first.series.keys.filter { key in
            !notPlotted.contains(key) && logs.allSatisfy { $0.series[key] != nil }
        }.sorted()
    }

    /// The whole figure as an SVG document.
    public static func svg(logs: [TrainingLog], options: PlotOptions = PlotOptions()) throws -> String {
        guard !logs.isEmpty else { throw TrainingLogError(description: "no training logs to plot.") }
        let names = try panels(for: logs, options: options)
        let panelW = 520.0, panelH = 340.0, legendH = 20.0 * Double((logs.count + 3) / 4) + 16
        let columns = max(1, min(options.columns, names.count))
        let rows = (names.count + columns - 1) / columns
        let width = panelW * Double(columns), height = legendH + panelH * Double(max(rows, 1))
        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>

        """
        out += legend(logs: logs, width: width)
        for (k, name) in names.enumerated() {
            let x0 = panelW * Double(k % columns), y0 = legendH + panelH * Double(k / columns)
            out += panel(name, logs: logs, options: options, x0: x0, y0: y0, w: panelW, h: panelH)
        }
        return out + "</svg>\n"
    }

    static func legend(logs: [TrainingLog], width: Double) -> String {
        var out = "<g class=\"legend\">\n"
        let slot = width / 4
        for (r, log) in logs.enumerated() {
            let x = 20 + slot * Double(r % 4), y = 16 + 20 * Double(r / 4)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(y - 4))\" x2=\"\(f(x + 24))\" y2=\"\(f(y - 4))\" "
                + "stroke=\"\(colors[r % colors.count])\" stroke-width=\"2.5\"/>"
                + "<text x=\"\(f(x + 30))\" y=\"\(f(y))\">\(escape(log.name))</text>\n"
        }
        return out + "</g>\n"
    }

    static func panel(_ name: String, logs: [TrainingLog], options: PlotOptions,
                      x0: Double, y0: Double, w: Double, h: Double) -> String {
        let left = x0 + 72, right = x0 + w - 20, top = y0 + 34, bottom = y0 + h - 48
        // Per run: smoothed points that can be drawn (finite, and positive on a log scale).
        let curves: [[(Double, Double)?]] = logs.map { log in
            guard let (xs, ys) = log.points(name) else { return [] }
            let smooth = movingAverage(ys, window: options.smoothing)
            return zip(xs, smooth).map { x, y in
                x.isFinite && y.isFinite && (!options.logScale || y > 0) ? (x, y) : nil
            }
        }
        let drawn = curves.flatMap { $0.compactMap { $0 } }
        let xs = PlotScale(covering: drawn.map { $0.0 }, pixelLo: left, pixelHi: right, log: false)
        let ys = PlotScale(covering: drawn.map { $0.1 }, pixelLo: bottom, pixelHi: top, log: options.logScale)
        var out = "<g class=\"panel\" data-series=\"\(escape(name))\">\n"
        out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(y0 + 20))\" text-anchor=\"middle\" font-size=\"14\">"
            + "\(escape(titles[name] ?? name))\(options.logScale ? " (log scale)" : "")</text>\n"
        for t in xs.ticks() {
            let px = xs.pixel(t)
            out += "<line x1=\"\(f(px))\" y1=\"\(f(top))\" x2=\"\(f(px))\" y2=\"\(f(bottom))\" stroke=\"#e6e6e6\"/>"
                + "<text x=\"\(f(px))\" y=\"\(f(bottom + 16))\" text-anchor=\"middle\">\(formatTick(t))</text>\n"
        }
        for t in ys.ticks() {
            let py = ys.pixel(t)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py))\" x2=\"\(f(right))\" y2=\"\(f(py))\" stroke=\"#e6e6e6\"/>"
                + "<text x=\"\(f(left - 6))\" y=\"\(f(py + 4))\" text-anchor=\"end\">\(formatTick(t))</text>\n"
        }
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" "
            + "fill=\"none\" stroke=\"#333\"/>\n"
        let xLabel = logs.contains { $0.xName(for: name) == "eval_step" } ? "Steps (held-out evaluations)" : "Steps"
        out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 36))\" text-anchor=\"middle\">\(xLabel)</text>\n"
        out += "<text transform=\"translate(\(f(x0 + 18)) \(f((top + bottom) / 2))) rotate(-90)\" "
            + "text-anchor=\"middle\">\(escape(name))</text>\n"
        if drawn.isEmpty {
            out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f((top + bottom) / 2))\" text-anchor=\"middle\" "
                + "fill=\"#999\">no finite values</text>\n"
        }
        for (r, curve) in curves.enumerated() {
            out += "<path class=\"run\" data-run=\"\(escape(logs[r].name))\" d=\"\(pathData(curve, xs, ys))\" "
                + "fill=\"none\" stroke=\"\(colors[r % colors.count])\" stroke-width=\"1.8\" "
                + "stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n"
        }
        return out + "</g>\n"
    }

    /// Path data with a gap (new subpath) at every undrawable point; a lone point (one-entry
    /// log, or between gaps) gets a small ring so it stays visible.
    static func pathData(_ curve: [(Double, Double)?], _ xs: PlotScale, _ ys: PlotScale) -> String {
        var parts: [String] = [], runLength = 0
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

    static func f(_ v: Double) -> String { String(format: "%.2f", v) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
