import ArgumentParser
import Foundation
import Models
import SCMGen

/// `pfn-train bench stream`: batches per second of the data streams on one core (the caller's
/// thread, no prefetch), so the producer can be checked against the trainer's step time.
extension Bench {
    struct Stream: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stream",
            abstract: "Measure batches/s of the sequential and mixed data streams on one core.")

        @Option(name: [.customLong("batch"), .customLong("batch-size")], help: "Batch size.")
        var batch = 32
        @Option(help: "Seconds to run each stream.")
        var seconds = 3.0
        @Option(help: "Random seed.")
        var seed: UInt64 = 0
        @Option(help: "Stream to measure (default: both).")
        var stream: StreamMode?
        @Flag(help: "Also simulate each mixed item's regime context, what pair-context models train on. Off by default, unlike train's pair context, so the bare stream is measured too.")
        var pairContext = false
        @Option(help: "With --pair-context: rows per (target, value) simulated for each item's context (default 5); with --context-rows-max the smallest.")
        var contextRows: Int?
        @Option(help: "With --pair-context: each item's context gets a log-uniform row count per (target, value) in [--context-rows, this] (default 100, as train; 0 = always --context-rows).")
        var contextRowsMax: Int?
        @Option(help: "With --pair-context: the pair features the model reads, 1 or 2 (2 adds the per-pair statistics of --pair-features 2).")
        var pairFeatures = PairFeatures.latest
        @Option(help: "Mixed stream: consecutive items drawn from one SCM (as train's --items-per-scm; default 1).")
        var itemsPerScm: Int?
        @OptionGroup var prior: PriorOptions

        func validate() throws {
            guard batch >= 1, seconds > 0 else { throw ValidationError("--batch and --seconds must be positive") }
            guard PairFeatures.versions.contains(pairFeatures) else {
                throw ValidationError("--pair-features is \(pairFeatures); it must be 1 or 2")
            }
            for (flag, given) in [("--context-rows", contextRows != nil), ("--context-rows-max", contextRowsMax != nil)] where given && !pairContext {
                throw ValidationError("\(flag) applies only with --pair-context; add it or drop \(flag)")
            }
            if let k = itemsPerScm, k < 1 { throw ValidationError("--items-per-scm is \(k); it must be at least 1") }
            if itemsPerScm != nil && stream == .sequential {
                throw ValidationError("--items-per-scm groups the items of the mixed stream; drop it or --stream sequential")
            }
        }

        func run() throws {
            var config = try prior.config()
            config.contextRowsMax = TrainCommand.defaults(.C).prior.contextRowsMax  // train's default range
            applyContextRows(contextRows, max: contextRowsMax, to: &config)
            applyItemsPerSCM(itemsPerScm, to: &config)
            try config.validate()
            for mode in stream.map({ [$0] }) ?? [.sequential, .mixed] {
                var s = try BatchStream(config: config, seed: seed, batchSize: batch, mode: mode, context: pairContext,
                                        pairStatistics: pairFeatures >= 2)
                let (count, elapsed) = streamRate(&s, seconds: seconds)
                let rate = Double(count) / elapsed
                let rows = config.contextRowsMax.map { "\(config.contextRowsPerRegime)-\($0)" } ?? "\(config.contextRowsPerRegime)"
                let shared = mode == .mixed && (config.itemsPerSCM ?? 1) > 1 ? ", \(config.itemsPerSCM!) items per SCM" : ""
                print("\(mode.rawValue) stream\(pairContext && mode == .mixed ? " with context (\(rows) rows per regime)" : "")\(shared), nodes \(config.nodesMin)-\(config.nodesMax), B=\(batch): "
                    + String(format: "%.1f batches/s (%.2f ms/batch, %d batches in %.1f s)", rate, 1000 / rate, count, elapsed))
            }
        }
    }
}
