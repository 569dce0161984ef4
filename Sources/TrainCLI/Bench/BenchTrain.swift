import ArgumentParser
import AtomicFile
import Foundation
import Models
import NN
import SCMGen
import Training

/// `pfn-train bench train [--variants A,D] -- [train options]`: the training loop end to end,
/// as `pfn-train train` runs it with the same options: its config (defaults included, so the
/// pair context, `--precision auto` and the 20–50-node mixed stream unless told otherwise),
/// its data stream on the producer thread, `trainStep`. Per step: wall time, the time the
/// loop waited for a batch, and the CPU time of the producer and compute threads and their
/// run-queue wait (time runnable with every core busy) from /proc. No log, checkpoint or
/// held-out evaluation: those are per-run costs, not per-step ones.
extension Bench {
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time training steps end to end: train's config and defaults, its real data stream.",
        discussion: "Options after -- are train's, e.g. `pfn-train bench train --variants A -- --nodes 50 --no-pair-context`.")

    @Option(help: "Comma-separated variants A-E (default C, as train).", transform: CommaList.parse) var variants = CommaList([Variant.C])
    @Option(help: "Timed steps per variant.") var steps = 20
    @Option(help: "Untimed steps first (the producer fills its queue).") var warmup = 3
    @Option(help: "Also write all results as JSON to this path.") var json: String?
    @Option(help: "Nice value added to the data producer thread (train's is PrefetchingStream.trainingNice).") var producerNice: Int32 = PrefetchingStream.trainingNice
    @Argument(parsing: .postTerminator, help: "Options of `pfn-train train` (after --).") var trainOptions: [String] = []

    func validate() throws {
        guard steps >= 1, warmup >= 0 else { throw ValidationError("--steps must be positive; --warmup at least 0") }
        if let bad = trainOptions.first(where: { ["--model", "--steps", "--resume"].contains($0) }) {
            throw ValidationError("\(bad) cannot be passed to bench train (use --variants and --steps of bench train)")
        }
    }

    struct Result: Codable {
        var variant: String, pairContext: Bool, nodesMin: Int, nodesMax: Int, threads: Int, batch: Int
        var precision: String, calibration: String?
        /// The model's feed-forward width and the stream's items per SCM (what the defaults set).
        var feedForward: Int?, itemsPerSCM: Int?
        /// Wall time per step, and the part of it the loop waited for the next batch.
        var step: BenchReport.Timing, dataWait: BenchReport.Timing
        /// Over the timed steps, ms per step: CPU time of the producer thread and of the rest,
        /// and their time runnable but waiting for a core.
        var producerCPUMs: Double, producerQueueMs: Double, computeCPUMs: Double, computeQueueMs: Double
        /// Producer CPU time / step wall time: the share of a core the data stream takes.
        var producerShare: Double
    }

    struct Report: Codable {
        var machine: MachineInfo, command: String, date: String, blas: String
        var steps: Int, warmup: Int
        var results: [Result] = []
    }

    func run() throws {
        var report = Report(machine: .current(), command: CommandLine.arguments.dropFirst().joined(separator: " "),
                            date: ISO8601DateFormatter().string(from: Date()), blas: BLASStartup.summary, steps: steps, warmup: warmup)
        print("pfn-train bench train: \(report.machine.cpuModel), \(report.machine.logicalCPUs) logical CPUs, load \(report.machine.loadAverage)")
        print(report.blas)
        print("train options: \(trainOptions.isEmpty ? "(defaults)" : trainOptions.joined(separator: " ")); median and IQR of \(steps) steps after \(warmup) warm-up")
        for v in variants.values {
            let r = try timeVariant(v)
            report.results.append(r)
            print(String(format: "%@%@ FF %d, %d item(s)/SCM, N %d-%d, %d thr, %@: step %.1f ms (IQR %.1f), waited for data %.1f ms; per step CPU: producer %.1f ms (%.0f%% of a core), compute %.1f ms; run-queue wait: producer %.1f ms, compute %.1f ms",
                         r.variant, r.pairContext ? " +pair context," : ",", r.feedForward ?? 0, r.itemsPerSCM ?? 1, r.nodesMin, r.nodesMax, r.threads, r.precision,
                         r.step.medianMs, r.step.iqrMs, r.dataWait.medianMs, r.producerCPUMs, 100 * r.producerShare,
                         r.computeCPUMs, r.producerQueueMs, r.computeQueueMs))
            if let line = r.calibration { print("  \(line)") }
            fflush(stdout)
        }
        if let json { try writeBenchReport(report, to: json) }
    }

    func timeVariant(_ v: Variant) throws -> Result {
        let command = try TrainCommand.parse(["--model", v.rawValue, "--steps", "\(warmup + steps)"] + trainOptions)
        Threads.setCount(command.threads)
        var config = try command.runConfig()
        let (precision, calibration) = try PrecisionCalibration.resolve(command.optimisation.precision ?? .auto, config)
        config.train.precision = precision
        usePrecision(precision)
        defer { MatmulPrecision.set(.float32) }
        let stream = try BatchStream(config: config.prior, seed: config.train.seed, batchSize: config.train.batch,
                                     mode: config.train.stream, context: config.model.pairContext,
                                     pairStatistics: config.model.pairFeatures >= 2)
        let data = PrefetchingStream.training(stream, model: config.model, producerNice: producerNice)
        let state = TrainingState(config: config)
        var wall: [Double] = [], wait: [Double] = []
        var before = ThreadTimes()
        for i in 0..<(warmup + steps) {
            if i == warmup { before = .now(producerName: PrefetchingStream.threadName) }
            let t0 = monotonicNanoseconds()
            let (batch, input) = data.nextTraining(model: config.model)
            let t1 = monotonicNanoseconds()
            _ = try trainStep(state, batch, input: input)
            let t2 = monotonicNanoseconds()
            if i >= warmup {
                wall.append(Double(t2 - t0) / 1e6)
                wait.append(Double(t1 - t0) / 1e6)
            }
        }
        let cpu = ThreadTimes.now(producerName: PrefetchingStream.threadName) - before
        let k = Double(steps), total = wall.reduce(0, +)
        return Result(variant: v.rawValue, pairContext: config.model.pairContext, nodesMin: config.prior.nodesMin,
                      nodesMax: config.prior.nodesMax, threads: command.threads, batch: config.train.batch,
                      precision: MatmulPrecision.effective.rawValue, calibration: calibration,
                      feedForward: config.model.feedForward, itemsPerSCM: config.prior.itemsPerSCM ?? 1,
                      step: .init(wall, wall), dataWait: .init(wait, wait),
                      producerCPUMs: cpu.producerRun / k, producerQueueMs: cpu.producerQueue / k,
                      computeCPUMs: cpu.computeRun / k, computeQueueMs: cpu.computeQueue / k,
                      producerShare: total > 0 ? cpu.producerRun / total : 0)
    }
}
}
