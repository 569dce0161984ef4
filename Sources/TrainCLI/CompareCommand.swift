import ArgumentParser
import Evaluation
import Foundation

/// `pfn-train compare`: one table over training logs and eval files; for two evals of the same
/// suite, the paired difference of the model's metrics with its standard error.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "One table comparing runs: final and best held-out metrics, steps, wall time, throughput.",
        discussion: """
        Reads training logs (held-out metrics are their eval_* series; without any, the \
        training-batch shd and delta_mse) and `pfn-train eval --json` files (the model's mean \
        ± sd over n datasets). Given exactly two eval files of the same suite, it also prints \
        the paired difference (second − first) of each metric with its standard error. \
        With --across-runs, eval files of several runs (training seeds) of one recipe on the \
        same suite become one table: the model's mean ± sd across the runs beside the \
        baselines. Formats: docs/file-formats.md.
        """)

    @Argument(help: "Training logs and/or eval JSON files.", completion: .file(extensions: ["json"]))
    var files: [String]

    @Option(help: "Comma-separated metrics to show, in order, e.g. shd,auroc,auprc,delta_mse (default: all).")
    var metrics: String?

    @Flag(help: "The files are eval JSON files of several runs (training seeds) on one suite: print the model's mean ± sd across runs and the baselines.")
    var acrossRuns = false

    var metricList: [String]? {
        metrics?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Give at least one training log or eval JSON file.") }
        if let m = metricList, m.isEmpty { throw ValidationError("--metrics needs at least one metric name, e.g. shd,auroc") }
    }

    func run() throws {
        if acrossRuns { return try runAcrossRuns() }
        let runs = try files.map { path -> RunSummary in
            try RunComparison.load(URL(fileURLWithPath: path))
        }
        if let chosen = metricList {
            let known = Set(runs.flatMap { $0.metrics.keys })
            if let unknown = chosen.first(where: { !known.contains($0) }) {
                throw CLIError("--metrics: no file has '\(unknown)'; available: \(known.sorted().joined(separator: ", "))")
            }
        }
        print(RunComparison.markdown(runs, metrics: metricList), terminator: "")
        let evals = files.compactMap { path -> EvaluationReport? in
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            return try? JSONDecoder().decode(EvaluationReport.self, from: data)
        }
        if files.count == 2 && evals.count == 2 {
            let names = files.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
            let chosen = metricList ?? ["shd", "auroc", "auprc", "f1", "delta_mse"]
            if let diffs = try PairedComparison.differences(evals[0], evals[1], metrics: chosen) {
                print("\n" + PairedComparison.markdown(diffs, first: names[0], second: names[1]), terminator: "")
            } else {
                print("\n(no paired difference: an eval file without per-dataset values; re-run pfn-train eval --json)")
            }
        }
    }

    func runAcrossRuns() throws {
        let reports = try files.map { path -> EvaluationReport in
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("\(path): cannot read the file") }
            do { return try JSONDecoder().decode(EvaluationReport.self, from: data) } catch {
                throw CLIError("\(path): not a `pfn-train eval --json` file (--across-runs reads only those)")
            }
        }
        let rows = try AcrossRuns.rows(reports)
        let chosen = metricList ?? ["shd", "auroc", "auprc", "f1", "delta_mse"]
        print(AcrossRuns.markdown(rows, metrics: chosen, suite: reports[0].suite), terminator: "")
    }
}
