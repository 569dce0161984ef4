import ArgumentParser
import NN

/// `pfn-train bench [step|stack|stream]`: how fast training, the NN library and the data
/// streams run on this machine. `bench` alone is `bench step`.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark training steps of the five models (step; train: end to end with the data stream), the NN encoder stack (stack) or the data streams (stream).",
        subcommands: [Step.self, Train.self, Stack.self, Stream.self],
        defaultSubcommand: Step.self)
}

/// The options `bench step` and `bench stack` share.
struct BenchOptions: ParsableArguments {
    @Option(help: "Comma-separated thread counts (default 1,2: a scaling comparison; train's own default is this machine's cores).", transform: CommaList.parse)
    var threads = CommaList([1, 2])
    @Option(help: "Timed repetitions per configuration.")
    var steps = 10
    @Option(help: "Untimed repetitions first.")
    var warmup = 3
    @Option(help: "Batch size B.")
    var batch = 32
    @Option(help: "Matrix products: auto (as train: the faster on the model's products, timed at start-up), fp32 or bf16 (bfloat16 operands, float32 sums; needs AVX-512 BF16).")
    var precision = PrecisionChoice.auto
    @Option(help: "Size of the square sgemm that measures the ceiling.")
    var gemmSize = 2048

    func validate() throws {
        guard !threads.values.isEmpty, threads.values.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("--threads needs positive integers, e.g. 1,2")
        }
        guard steps >= 1, warmup >= 0, batch >= 1, gemmSize >= 1 else {
            throw ValidationError("--steps, --batch and --gemm-size must be positive; --warmup at least 0")
        }
    }
}

/// A bench subcommand with the shared options, read as its own properties.
protocol BenchCommand: ParsableCommand {
    var options: BenchOptions { get }
}

extension BenchCommand {
    var threadList: [Int] { options.threads.values }
    var steps: Int { options.steps }
    var warmup: Int { options.warmup }
    var batch: Int { options.batch }
    var gemmSize: Int { options.gemmSize }
    var precision: PrecisionChoice { options.precision }
}

/// `pfn-train bench-nn`, as before `bench stack` existed (hidden; scripts and notes use it).
struct BenchNNAlias: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-nn", abstract: "The same as `bench stack`.", shouldDisplay: false)
    @OptionGroup var command: Bench.Stack
    func run() throws { try command.run() }
}

/// `pfn-train bench-data`, as before `bench stream` existed (hidden).
struct BenchDataAlias: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-data", abstract: "The same as `bench stream`.", shouldDisplay: false)
    @OptionGroup var command: Bench.Stream
    func run() throws { try command.run() }
}
