import ArgumentParser
import Foundation
import SCMGen

/// `pfn-train bench-data`: batches per second of the data streams on one core (the caller's
/// thread, no prefetch), so the producer can be checked against the trainer's step time.
struct BenchDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-data",
        abstract: "Measure batches/s of the sequential and mixed data streams on one core.")

    @Option(help: "Batch size.")
    var batchSize = 32
    @Option(help: "Seconds to run each stream.")
    var seconds = 3.0
    @Option(help: "Random seed.")
    var seed: UInt64 = 0
    @Option(help: "Stream(s) to measure: sequential, mixed or both.")
    var stream = "both"
    @Flag(help: "Also simulate each mixed item's regime context (what --pair-context models train on).")
    var pairContext = false
    @OptionGroup var prior: PriorOptions

    func run() throws {
        let config = try prior.config()
        let modes: [StreamMode]
        switch stream {
        case "both": modes = [.sequential, .mixed]
        default:
            guard let m = StreamMode(rawValue: stream) else {
                throw ValidationError("--stream is '\(stream)'; use sequential, mixed or both")
            }
            modes = [m]
        }
        for mode in modes {
            var s = try BatchStream(config: config, seed: seed, batchSize: batchSize, mode: mode, context: pairContext)
            let clock = ContinuousClock()
            let start = clock.now
            var count = 0
            var elapsed = 0.0
            while elapsed < seconds {
                let b = s.next()
                precondition(b.batchSize == batchSize)
                count += 1
                let d = clock.now - start
                elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            }
            let rate = Double(count) / elapsed
            print("\(mode.rawValue) stream\(pairContext && mode == .mixed ? " with context" : ""), nodes \(config.nodesMin)-\(config.nodesMax), B=\(batchSize): "
                + String(format: "%.1f batches/s (%.2f ms/batch, %d batches in %.1f s)", rate, 1000 / rate, count, elapsed))
        }
    }
}
