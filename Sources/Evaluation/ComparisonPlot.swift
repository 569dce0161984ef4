// A pure-Swift SVG of training curves: the seed notebook's comparison figure (SHD and delta MSE
// against step, one line per run) plus the loss and held-out panels, sized to fit a slide.
import Foundation

/// A figure size in pixels, parsed from "1200x700".
public struct PlotSize: Sendable, Equatable {
    public var width: Double, height: Double
    public init(width: Double, height: Double) { self.width = width; self.height = height }

    public init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: "x").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let w = parts[0], let h = parts[1], w >= 200, h >= 150, w <= 20000, h <= 20000 else {
            throw TrainingLogError(description: "size '\(text)' is not WIDTHxHEIGHT in pixels (e.g. 1200x700; each 200–20000 wide, 150–20000 high).")
        }
        self.init(width: w, height: h)
    }
}

/// What the x axes show.
public enum PlotXAxis: String, Sendable, CaseIterable {
    /// Optimizer steps (held-out series at their evaluation steps).
    case step
    /// Wall-clock minutes since the run started, from the log's `elapsed` (a held-out curve
    /// against training time, for comparing recipes that differ in cost per step).
    case minutes
}

public struct PlotOptions: Sendable {
    /// Series to draw, one panel each; nil = up to `defaultPanelLimit` preferred ones every log
    /// has; ["all"] = every shared series.
    public var series: [String]?
    /// Log y axes where they help: panels whose positive values span a factor of 10 or more.
    public var logScale: Bool = false
    /// Trailing moving-average window in logged points for the per-step training series (the
    /// raw curve stays, faint, behind); held-out (`eval_*`) series are never smoothed.
    public var smoothing: Int = 1
    /// Legend entries, one per log (default: file names, told apart by folder when equal).
    public var labels: [String]?
    /// Panels per row (default: up to 3).
    public var columns: Int?
    /// Whole figure size (default: 400×290 per panel plus legend and title).
    public var size: PlotSize?
    /// A figure title above the legend.
    public var title: String?
    public var xAxis: PlotXAxis = .step

    public init(series: [String]? = nil, logScale: Bool = false, smoothing: Int = 1, labels: [String]? = nil,
                columns: Int? = nil, size: PlotSize? = nil, title: String? = nil, xAxis: PlotXAxis = .step) {
        self.series = series; self.logScale = logScale; self.smoothing = smoothing; self.labels = labels
        self.columns = columns; self.size = size; self.title = title; self.xAxis = xAxis
    }
}

public enum ComparisonPlot {
    /// Panel order when choosing automatically; unknown shared series follow alphabetically.
    static let preferred = ["shd", "delta_mse", "loss", "eval_shd", "eval_auroc", "eval_delta_mse",
                            "eval_auprc", "dag_bce", "acyclicity", "eval_f1"]
    /// The default figure: at most this many panels (two rows of three fit a slide).
    public static let defaultPanelLimit = 6
    static let notPlotted: Set<String> = ["step", "eval_step", "elapsed"]
    static let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// The panels drawn for these logs: the requested series (each must be in every log; `all`
    /// = every shared numeric series, preferred ones first), or by default the first
    /// `defaultPanelLimit` preferred ones that every log has.
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
                        + "available in all runs: \(shared.joined(separator: ", ")).")
                }
            }
            return requested
        }
        return Array(preferred.filter(shared.contains).prefix(defaultPanelLimit))
    }

    /// Numeric series every log has, less the x series and the baselines (drawn as reference lines).
    static func sharedSeries(_ logs: [TrainingLog]) -> [String] {
        guard let first = logs.first else { return [] }
        return first.series.keys.filter { key in
            !notPlotted.contains(key) && !key.hasPrefix(PlotPanel.baselinePrefix) && logs.allSatisfy { $0.series[key] != nil }
        }.sorted()
    }

    /// Legend names: the given labels, else the run names, with equal names told apart by the
    /// folders their files are in (`a/C`, `b/C`), and by a number as the last resort.
    public static func legendNames(_ logs: [TrainingLog], labels: [String]?) throws -> [String] {
        if let labels {
            guard labels.count == logs.count else {
                throw TrainingLogError(description: "\(labels.count) labels for \(logs.count) logs; give one label per log, in the same order.")
            }
            return labels
        }
        var names = logs.map(\.name)
        for depth in 1...3 {
            let counts = Dictionary(grouping: names, by: { $0 }).mapValues(\.count)
            guard counts.values.contains(where: { $0 > 1 }) else { return names }
            names = names.indices.map { i in
                guard counts[names[i], default: 0] > 1, let path = logs[i].path else { return names[i] }
                let folders = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().pathComponents.suffix(depth)
                return (folders + [logs[i].name]).joined(separator: "/")
            }
        }
        var seen: [String: Int] = [:]
        return names.map { n in
            seen[n, default: 0] += 1
            return seen[n]! == 1 ? n : "\(n) (\(seen[n]!))"
        }
    }

    /// The whole figure as an SVG document.
    public static func svg(logs: [TrainingLog], options: PlotOptions = PlotOptions()) throws -> String {
        guard !logs.isEmpty else { throw TrainingLogError(description: "no training logs to plot.") }
        guard options.smoothing >= 1 else {
            throw TrainingLogError(description: "smoothing window \(options.smoothing); it must be at least 1 (1 = none).")
        }
        let names = try panels(for: logs, options: options)
        let runNames = try legendNames(logs, labels: options.labels)
        let columns = max(1, min(options.columns ?? 3, names.count))
        let rows = max(1, (names.count + columns - 1) / columns)
        let width = options.size?.width ?? 400 * Double(columns)
        let titleH = options.title == nil ? 0.0 : 30
        let (legendSVG, legendH) = legend(runNames, width: width, top: titleH)
        let height = options.size?.height ?? titleH + legendH + 290 * Double(rows)
        let panelW = width / Double(columns), panelH = max(120, (height - titleH - legendH) / Double(rows))
        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>

        """
        if let title = options.title {
            out += "<text class=\"title\" x=\"\(f(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"17\" "
                + "font-weight=\"bold\">\(escape(title))</text>\n"
        }
        out += legendSVG
        for (k, name) in names.enumerated() {
            let frame = PlotPanel.Frame(x0: panelW * Double(k % columns), y0: titleH + legendH + panelH * Double(k / columns),
                                        w: panelW, h: panelH)
            out += PlotPanel(name: name, logs: logs, runNames: runNames, options: options).svg(in: frame)
        }
        return out + "</svg>\n"
    }

    /// Legend entries flowed left to right, wrapping only when the next entry does not fit (a
    /// lone entry never wraps); returns the SVG and its height.
    static func legend(_ names: [String], width: Double, top: Double) -> (String, Double) {
        var out = "<g class=\"legend\">\n"
        var x = 20.0, line = 0
        for (r, name) in names.enumerated() {
            let w = 30 + textWidth(name) + 24
            if x + w > width - 10 && x > 20 { x = 20; line += 1 }
            let y = top + 18 + 20 * Double(line)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(y - 4))\" x2=\"\(f(x + 24))\" y2=\"\(f(y - 4))\" "
                + "stroke=\"\(colors[r % colors.count])\" stroke-width=\"2.5\"/>"
                + "<text x=\"\(f(x + 30))\" y=\"\(f(y))\">\(escape(name))</text>\n"
            x += w
        }
        return (out + "</g>\n", 20 * Double(line + 1) + 12)
    }

    /// Approximate width of 12 px Helvetica text.
    static func textWidth(_ s: String) -> Double { 6.7 * Double(s.count) }

    static func f(_ v: Double) -> String { String(format: "%.2f", v) }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
