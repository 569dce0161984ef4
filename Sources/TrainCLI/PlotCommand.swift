import ArgumentParser
import AtomicFile
import Evaluation
import Foundation

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw training curves of one or more runs into one SVG (no Python needed).",
        discussion: """
        Draws the seed notebook's comparison figure (SHD and delta MSE against step, one line \
        per run) plus panels for the loss terms all logs share (dag_bce, acyclicity, loss) and \
        held-out metrics (eval_auroc, eval_auprc, eval_shd, eval_f1, eval_delta_mse) when \
        present; --series all draws every shared series. Non-finite values are gaps; a log \
        still being written is read up to its shortest series.
        """)

    @Argument(help: "Training logs (logs/<run>.json); the file name is the run's name in the legend.")
    var logs: [String]

    @Option(name: .long, help: "Output SVG path.")
    var out: String

    @Option(name: .long, help: "Comma-separated series to plot, one panel each, or 'all' (default: the notebook's SHD and delta MSE, BCE, acyclicity, loss, held-out metrics).")
    var series: String?

    @Flag(name: .long, help: "Logarithmic y axes (non-positive values are left out).")
    var logScale = false

    @Option(name: .long, help: "Trailing moving-average window, in logged points.")
    var smooth: Int = 1

    func validate() throws {
        guard !logs.isEmpty else { throw ValidationError("Give at least one training log to plot.") }
        guard smooth >= 1 else { throw ValidationError("--smooth must be at least 1 (1 = no smoothing), got \(smooth).") }
    }

    func run() throws {
        let loaded = try logs.map { path -> TrainingLog in
            try TrainingLog(contentsOf: URL(fileURLWithPath: path))
        }
        let chosen = series?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let svg = try ComparisonPlot.svg(
            logs: loaded, options: PlotOptions(series: chosen, logScale: logScale, smoothing: smooth))
        try AtomicFile.write(svg, to: out)
        print("wrote \(out) (\(loaded.count) runs)")
    }
}
