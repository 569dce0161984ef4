import ArgumentParser
import Foundation
import Models
import NN
import SCMGen
import Training

/// `pfn-train [train] --model X --steps N`: trains one variant on the SCM stream, writing
/// `<log-dir>/<run>.json` and `<checkpoint-dir>/<run>/step-<k>.h5` + `final.h5`.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model variant on the SCM prior (the default command).",
        discussion: """
        Variants (the seed notebook's five models):
        \(Variant.allCases.map { "  \($0.rawValue)  \($0.summary)" }.joined(separator: "\n"))

        --steps is the total: --resume PATH continues from the checkpoint's step up to it, \
        with the checkpoint's config (model, prior, loss); flags that contradict it are refused.

        Ctrl-C saves a checkpoint and the log, then exits with status 130.
        """)

    @Option(help: "Model variant: A, B, C, D or E (default C).")
    var model: String?
    @Option(help: "Total training steps.")
    var steps = 3000
    @Option(help: "Items per batch.")
    var batch = 32
    @Option(help: "AdamW learning rate.")
    var lr: Float = 1e-4
    @Option(help: "With --pair-context: multiplier of --lr for the pair-context parameters (default 10).")
    var pairLRScale: Float = 10
    @Option(help: "Learning-rate schedule: constant or cosine (with --warmup steps).")
    var schedule = "constant"
    @Option(help: "Warm-up steps of the cosine schedule.")
    var warmup = 0
    @Option(help: "AdamW weight decay (decoupled).")
    var weightDecay: Float = 0.01
    @Option(help: "Clip the global gradient norm to this value (0 = off, as the notebook).")
    var gradClip: Float = 0
    @Option(help: "Random seed (initialisation, dropout, Gumbel noise and the data stream).")
    var seed: UInt64 = 0
    @Option(help: "Threads for the matrix products.")
    var threads = 2
    @Option(help: "Data stream: mixed (many SCMs per batch) or sequential (the seed's order).")
    var stream = "mixed"
    @Option(help: "Large matrix products: bf16 (default; bfloat16 operands, float32 sums, on CPUs with AVX-512 BF16, else fp32) or fp32.")
    var precision = "bf16"

    @OptionGroup(title: "Model") var modelOptions: ModelOptions
    @OptionGroup(title: "Loss") var lossOptions: LossOptions
    @OptionGroup(title: "Prior (the SCM distribution)") var prior: PriorOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func validate() throws {
        if steps <= 0 { throw ValidationError("--steps is \(steps); it must be at least 1") }
        if batch <= 0 { throw ValidationError("--batch is \(batch); it must be at least 1") }
        if !(lr > 0) { throw ValidationError("--lr is \(lr); it must be positive") }
        if !(pairLRScale > 0) { throw ValidationError("--pair-lr-scale is \(pairLRScale); it must be positive") }
        if threads < 1 { throw ValidationError("--threads is \(threads); it must be at least 1") }
        if let m = model, Variant(rawValue: m.uppercased()) == nil {
            throw ValidationError("unknown model '\(m)'; choose one of A, B, C, D, E")
        }
        if StreamMode(rawValue: stream) == nil { throw ValidationError("--stream is '\(stream)'; use mixed or sequential") }
        if MatmulPrecision(rawValue: precision) == nil {
            throw ValidationError("--precision is '\(precision)'; use fp32 or bf16")
        }
        if LRSchedule(rawValue: schedule) == nil { throw ValidationError("--schedule is '\(schedule)'; use constant or cosine") }
        _ = try prior.config()
        try output.validate()
    }

    /// The run's config from the flags (a fresh run).
    func runConfig() throws -> RunConfig {
        let variant = Variant(rawValue: (model ?? "C").uppercased())!
        var train = TrainConfig()
        train.steps = steps
        train.batch = batch
        train.lr = lr
        train.pairLRScale = pairLRScale
        train.schedule = LRSchedule(rawValue: schedule)!
        train.warmupSteps = warmup
        train.weightDecay = weightDecay
        train.gradClip = gradClip
        train.seed = seed
        train.stream = StreamMode(rawValue: stream)!
        train.precision = MatmulPrecision(rawValue: precision)!
        try modelOptions.apply(to: &train)
        let priorConfig = try prior.config()
        let modelConfig = try modelOptions.config(variant, prior: priorConfig)
        return RunConfig(model: modelConfig, loss: try lossOptions.config(), train: train, prior: priorConfig)
    }

    func run() throws {
        Threads.setCount(threads)
        let run: TrainingRun
        if let path = output.resume {
            let point = try ResumePoint(path)
            try checkResume(point)
            run = try TrainingRun.resuming(point, steps: steps, output: output.config)
        } else {
            run = try TrainingRun.fresh(try runConfig(), output: output.config)
        }
        usePrecision(run.config.train.precision)  // a resumed run keeps its checkpoint's

        let progress = Progress(total: run.config.train.steps)
        let clock = ContinuousClock(), start = clock.now
        let hooks = TrainingHooks(events: progress.handle, shouldStop: StopSignals.install(),
                                  seconds: { seconds(clock.now - start) })
        let outcome: TrainingOutcome
        do { outcome = try train(run, hooks: hooks) } catch let error as NonFiniteLossError {
            progress.finish()
            throw CLIError("\(error); stopped without updating. The last good checkpoint is kept in \(run.folder)/ (try a lower --lr or --grad-clip 1)")
        }
        progress.finish()
        switch outcome {
        case let .finished(checkpoint, log):
            print("done: \(checkpoint), \(log)")
        case let .interrupted(step, checkpoint, log):
            print("interrupted at step \(step): saved \(checkpoint) and \(log)")
            throw ExitCode(130)
        }
    }

    /// A resumed run keeps its checkpoint's config: flags that contradict it are refused.
    func checkResume(_ point: ResumePoint) throws {
        if let m = model, m.uppercased() != point.model {
            throw CLIError("--model \(m) does not match the checkpoint's model \(point.model); drop --model or pick another checkpoint")
        }
        if let flag = modelOptions.given.first {
            throw CLIError("\(flag) cannot change when resuming (the checkpoint fixes the model's shape); drop it")
        }
        let conflicts = try resumeConflicts(self, checkpoint: point.config)
        if !conflicts.isEmpty {
            throw CLIError("a resumed run keeps its checkpoint's config, but the flags ask for \(conflicts.joined(separator: ", ")); drop them (only --steps and output options may change)")
        }
    }
}

/// Sets NN's matrix-product precision, saying so when bf16 falls back to fp32 on this CPU.
func usePrecision(_ p: MatmulPrecision) {
    MatmulPrecision.set(p)
    if p == .bfloat16 && !MatmulPrecision.bfloat16Supported {
        FileHandle.standardError.write(Data("note: this CPU has no AVX-512 BF16; bf16 products run in fp32\n".utf8))
    }
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
