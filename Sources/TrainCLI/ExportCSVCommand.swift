import ArgumentParser
import AtomicFile
import Evaluation
import Foundation

/// `pfn-train export-csv LOG`: a training log as two CSV tables (training and held-out series).
struct ExportCSVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-csv",
        abstract: "Write a training log's series as CSV tables: <run>.train.csv and <run>.eval.csv (docs/file-formats.md §4).",
        discussion: """
        pandas: pd.read_csv("logs/C.train.csv") (x = step) and pd.read_csv("logs/C.eval.csv") \
        (x = eval_step, held-out metrics and baselines; only when the run evaluated with \
        --eval-every). Missing values are empty cells (NaN in pandas).
        """)

    @Argument(help: "Training logs (logs/<run>.json).")
    var logs: [String]
    @Option(help: "Folder for the CSV files (default: beside each log).")
    var outDir: String?

    func validate() throws {
        guard !logs.isEmpty else { throw ValidationError("give at least one training log") }
    }

    func run() throws {
        for path in logs {
            let url = URL(fileURLWithPath: path)
            let log = try TrainingLog(contentsOf: url)
            let dir = outDir ?? url.deletingLastPathComponent().path
            if let outDir { try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true) }
            let tables = LogTables.csv(log)
            let base = "\(dir)/\(url.deletingPathExtension().lastPathComponent)"
            try AtomicFile.write(tables.training, to: base + ".train.csv")
            var wrote = [base + ".train.csv"]
            if let heldOut = tables.heldOut {
                try AtomicFile.write(heldOut, to: base + ".eval.csv")
                wrote.append(base + ".eval.csv")
            }
            print("wrote " + wrote.joined(separator: " and "))
        }
    }
}
