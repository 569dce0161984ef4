import ArgumentParser
import AtomicFile
import Foundation
import Models
import NN
import SCMGen

/// `pfn-train bench [step]`: the speed of training and evaluation on this machine, per variant,
/// node count and thread count, with the data streams' throughput, peak memory and model FLOPs
/// utilisation against the sgemm rate measured in the same run. Each (variant, N, threads)
/// runs in a fresh child process of this binary (hidden `--single`), so its peak RSS is its
/// own and no allocator or thread-pool state leaks between configurations.
extension Bench {
struct Step: BenchCommand {
    static let configuration = CommandConfiguration(
        commandName: "step",
        abstract: "Benchmark training steps, evaluation forwards, data streams and memory of the five models.")

    @Option(help: "Comma-separated variants A-E (default A,B,C,D,E: all five, side by side; train's default is C).", transform: CommaList.parse) var variants = CommaList(Variant.allCases)
    @Option(help: "Comma-separated node counts N; every item of a batch has exactly N nodes (default 20,50,100: the ends of train's 20-50 prior and beyond).", transform: CommaList.parse) var nodes = CommaList([20, 50, 100])
    @OptionGroup var options: BenchOptions
    @Option(help: "Seconds per data stream and node count (0 skips the data streams).") var dataSeconds = 1.0
    @Option(help: "Also write all results as JSON to this path.") var json: String?
    @Option(help: "Model width D.") var dModel = 128
    @Option(help: "Attention heads.") var heads = 4
    @Option(help: "Transformer layers.") var layers = 4
    @Option(help: "Feed-forward width.") var feedForward = 2048
    @Option(help: "Distinct pre-generated batches, cycled through the steps.") var batches = 4
    @Option(help: "Seed of the data stream and the models.") var seed: UInt64 = 0
    @Flag(help: "Models with the pair context. Off by default, unlike train: without it they are the notebook's models, which scripts/bench-vs-pytorch.sh times against PyTorch.") var pairContext = false
    @Option(help: "With --pair-context: the pair features it reads, 1 or 2 (as train's --pair-features).") var pairFeatures = PairFeatures.latest
    @Option(help: "Items of a batch drawn from each SCM (train's default is 4, which the pair context then computes once per SCM); 1 = a fresh SCM per item, the notebook's stream.") var itemsPerScm = 1
    @Flag(help: .hidden) var single = false

    var variantList: [Variant] { variants.values }
    var nodeList: [Int] { nodes.values }

    func validate() throws {
        guard !nodeList.isEmpty, nodeList.allSatisfy({ $0 >= 2 }) else {
            throw ValidationError("--nodes needs node counts of at least 2, e.g. 20,50,100")
        }
        guard batches >= 1, dataSeconds >= 0 else {
            throw ValidationError("--batches must be positive; --data-seconds at least 0")
        }
        guard itemsPerScm >= 1 else {
            throw ValidationError("--items-per-scm is \(itemsPerScm); it must be at least 1 (1 = a fresh SCM per item)")
        }
        var m = ModelConfig(variant: .A)
        (m.dModel, m.heads, m.layers, m.feedForward) = (dModel, heads, layers, feedForward)
        m.pairFeatures = pairFeatures
        if let e = m.validationError() { throw ValidationError(e) }
    }

    func modelConfig(_ v: Variant, nodes n: Int) -> ModelConfig {
        var m = ModelConfig(variant: v)
        (m.dModel, m.heads, m.layers, m.feedForward) = (dModel, heads, layers, feedForward)
        m.maxNodes = max(50, n)  // the notebook's 50 embedding rows, more when N needs them
        m.pairContext = pairContext
        m.pairFeatures = pairFeatures
        return m
    }

    func run() throws {
        if single {
            let r = try BenchSingle(command: self).run()
            print(String(decoding: try JSONEncoder().encode(r), as: UTF8.self))
            return
        }
        var report = BenchReport(machine: .current(), command: CommandLine.arguments.dropFirst().joined(separator: " "),
                                 date: ISO8601DateFormatter().string(from: Date()), batch: batch, steps: steps, warmup: warmup)
        print("pfn-train bench: \(report.machine.cpuModel), \(report.machine.logicalCPUs) logical CPUs, load \(report.machine.loadAverage)")
        print(BLASStartup.summary)
        print("B=\(batch), D=\(dModel), H=\(heads), L=\(layers), FF=\(feedForward), \(itemsPerScm) item(s) per SCM; median and IQR of \(steps) steps after \(warmup) warm-up; "
              + "one child process per configuration; matrix products in \(precision.rawValue)")
        let bf16 = precision == .bf16
        if bf16 && !MatmulPrecision.bfloat16Supported { print("note: this CPU has no AVX-512 BF16; bf16 products run in fp32") }
        if dataSeconds > 0 { report.data = try measureStreams() }
        let header = [("model", 5), ("N", 4), ("thr", 3), ("params", 10), ("train ms", 9), ("IQR", 6), ("cpu ms", 8),
                      ("eval ms", 8), ("IQR", 6), ("prec", 5), ("GFLOP", 7), ("GFLOP/s", 8), ("MFU", 6), ("RSS MB", 8)]
        print(header.map { String(repeating: " ", count: max(0, $0.1 - $0.0.count)) + $0.0 }.joined(separator: " "))
        for t in threadList {
            Threads.setCount(t)
            let rate = sgemmRate(size: gemmSize)
            report.sgemm.append(.init(threads: t, size: gemmSize, gflops: rate))
            print(String(format: "sgemm %d³ at %d thread(s): %.1f GFLOP/s (the MFU ceiling)", gemmSize, t, rate))
            if bf16 {
                MatmulPrecision.set(.bfloat16)
                print(String(format: "bf16 gemm %d³ at %d thread(s): %.1f GFLOP/s", gemmSize, t, sgemmRate(size: gemmSize)))
                MatmulPrecision.set(.float32)
            }
            for v in variantList {
                for n in nodeList {
                    var r = try runChild(v, nodes: n, threads: t)
                    r.sgemmFraction = r.gflops / rate
                    report.results.append(r)
                    print(String(format: "    %@ %4d %3d %10d %9.1f %6.1f %8.1f %8.1f %6.1f %5@ %7.2f %8.1f %5.0f%% %8.0f",
                                 v.rawValue, n, t, r.params, r.train.medianMs, r.train.iqrMs, r.train.cpuMedianMs,
                                 r.eval.medianMs, r.eval.iqrMs, r.precision, r.gflop, r.gflops, 100 * r.sgemmFraction, r.peakRSSMB))
                    if let line = r.calibration { print("      \(line)") }
                    fflush(stdout)
                }
            }
        }
        if let json { try writeBenchReport(report, to: json) }
    }

    /// Items/s of the mixed and sequential streams at each N, on this thread, no prefetch.
    func measureStreams() throws -> [BenchReport.Stream] {
        var out: [BenchReport.Stream] = []
        for n in nodeList {
            var prior = PriorConfig()
            (prior.nodesMin, prior.nodesMax) = (n, n)
            for mode in [StreamMode.mixed, .sequential] {
                var s = try BatchStream(config: prior, seed: seed, batchSize: batch, mode: mode)
                let (count, elapsed) = streamRate(&s, seconds: dataSeconds)
                let items = Double(count * batch) / elapsed
                out.append(.init(mode: mode.rawValue, nodes: n, itemsPerSecond: items))
                print(String(format: "data %@ stream, N=%d: %.0f items/s (%.2f ms per batch of %d, one core)",
                             mode.rawValue, n, items, 1000 * Double(batch) / items, batch))
            }
        }
        return out
    }

    /// Runs this binary with `--single` for one configuration and decodes its JSON line.
    func runChild(_ v: Variant, nodes n: Int, threads t: Int) throws -> BenchReport.Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        p.arguments = ["bench", "--single", "--variants", v.rawValue, "--nodes", "\(n)", "--threads", "\(t)",
                       "--steps", "\(steps)", "--warmup", "\(warmup)", "--batch", "\(batch)", "--d-model", "\(dModel)",
                       "--heads", "\(heads)", "--layers", "\(layers)", "--feed-forward", "\(feedForward)",
                       "--batches", "\(batches)", "--seed", "\(seed)", "--precision", precision.rawValue, "--items-per-scm", "\(itemsPerScm)"] + (pairContext ? ["--pair-context", "--pair-features", "\(pairFeatures)"] : [])
        let out = Pipe(), err = Pipe()
        (p.standardOutput, p.standardError) = (out, err)
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard p.terminationStatus == 0, let r = try? JSONDecoder().decode(BenchReport.Result.self, from: Data(line.utf8)) else {
            throw ValidationError("benchmark of model \(v.rawValue), N=\(n), \(t) thread(s) failed (status \(p.terminationStatus)): \(errText)")
        }
        return r
    }
}
}
