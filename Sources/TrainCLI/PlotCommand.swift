import ArgumentParser
import AtomicFile
import Evaluation
import Foundation

/// `pfn-train plot`: training curves of one or more runs as one SVG figure.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw training curves of one or more runs into one SVG (no Python needed).",
        discussion: """
        By default: the seed notebook's comparison figure (training-batch SHD and delta MSE \
        against step, one line per run) plus the loss and held-out panels all logs share, at \
        most 6 panels (fits a slide). --panels all draws every shared series. Held-out panels \
        draw the baselines the log holds (eval_baseline_*) as dashed reference lines. --smooth \
        smooths only per-step training series (the raw curve stays, faint, behind); held-out \
        series are never smoothed. Non-finite values are gaps; a log still being written is \
        read up to its shortest series. Log keys: docs/file-formats.md §4.
        """)

    @Argument(help: "Training logs (logs/<run>.json); the file name is the run's name in the legend.", completion: .file(extensions: ["json"]))
    var logs: [String]

    @Option(name: .long, help: "Output SVG path.")
    var out: String

    @Option(name: [.long, .customLong("series")],
            help: "Comma-separated series, one panel each, or 'all' (default: up to 6 of shd, delta_mse, loss and the held-out metrics).")
    var panels: String?

    @Option(name: .long, help: "Comma-separated legend entries, one per log (default: the file names).")
    var labels: String?

    @Option(name: .long, help: "Panels per row (default: up to 3).")
    var columns: Int?

    @Option(name: .long, help: "Figure size WIDTHxHEIGHT in pixels, e.g. 1200x700 (default: 400x290 per panel, plus legend and title).")
    var size: String?

    @Option(name: .long, help: "Figure title.")
    var title: String?

    @Flag(name: .long, help: "Logarithmic y axes on panels whose positive values span a factor of 10 or more.")
    var logScale = false

    @Option(name: .long, help: "Trailing moving-average window over logged points, training series only (1 = none).")
    var smooth: Int = 1

    @Option(name: .long, help: "x axis: step, or minutes of wall time from the log's elapsed series (held-out metrics against training time).")
    var x: PlotXAxis = .step

    func validate() throws {
        guard !logs.isEmpty else { throw ValidationError("Give at least one training log to plot.") }
        guard smooth >= 1 else { throw ValidationError("--smooth must be at least 1 (1 = no smoothing), got \(smooth).") }
        if let c = columns, c < 1 { throw ValidationError("--columns must be at least 1, got \(c).") }
        if let l = labelList, l.count != logs.count {
            throw ValidationError("--labels has \(l.count) entries for \(logs.count) logs; give one label per log")
        }
    }

    var labelList: [String]? {
        labels?.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func run() throws {
        let loaded = try logs.map { path -> TrainingLog in
            try TrainingLog(contentsOf: URL(fileURLWithPath: path))
        }
        let chosen = panels?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let options = PlotOptions(series: chosen, logScale: logScale, smoothing: smooth, labels: labelList,
                                  columns: columns, size: try size.map { try PlotSize(parsing: $0) }, title: title, xAxis: x)
        let svg = try ComparisonPlot.svg(logs: loaded, options: options)
        try AtomicFile.write(svg, to: out)
        print("wrote \(out) (\(loaded.count) runs)")
    }
}
