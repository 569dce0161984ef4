import ArgumentParser
import Foundation
import Models
import NN
import SCMGen
import Training

/// `pfn-train [train] --model X --steps N`: trains one variant on the SCM stream, writing
/// `<log-dir>/<run>.json` and `<checkpoint-dir>/<run>/step-<k>.h5` + `final.h5`.
/// Options → `RunConfig` → `Training.train` → what it reports, printed.
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

    @Option(help: "Model variant (default C).")
    var model: Variant?
    @Option(help: "Total training steps.")
    var steps = 3000
    @Option(help: "Threads for the matrix products.")
    var threads = 2
    @OptionGroup(title: "Optimisation") var optimisation: TrainOptions
    @OptionGroup(title: "Model") var modelOptions: ModelOptions
    @OptionGroup(title: "Loss") var lossOptions: LossOptions
    @OptionGroup(title: "Prior (the SCM distribution)") var prior: PriorOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    func validate() throws {
        if steps <= 0 { throw ValidationError("--steps is \(steps); it must be at least 1") }
        if threads < 1 { throw ValidationError("--threads is \(threads); it must be at least 1") }
        try optimisation.validate()
        try output.validate()
        if output.resume == nil { try refuseOptionsThatDoNotApply(to: try runConfig()) }
    }

    /// The run's config from the options (a fresh run): the CLI's defaults, then the options given.
    func runConfig() throws -> RunConfig {
        var prior = try self.prior.config()
        modelOptions.apply(to: &prior)
        var model = ModelConfig(variant: self.model ?? .C)
        model.maxNodes = max(50, prior.nodesMax)
        model.pairContext = true
        model.pairFeatures = PairFeatures.latest
        try modelOptions.apply(to: &model)
        if prior.nodesMax > model.maxNodes {
            throw ValidationError("--nodes-max \(prior.nodesMax) exceeds --max-nodes \(model.maxNodes); raise --max-nodes")
        }
        var loss = LossConfig()
        lossOptions.apply(to: &loss)
        var train = TrainConfig()
        train.precision = .bfloat16  // new runs; configs without the field trained in fp32
        try apply(to: &train)
        return RunConfig(model: model, loss: loss, train: train, prior: prior)
    }

    /// `--steps` and the optimisation and Gumbel-temperature options that were given.
    func apply(to train: inout TrainConfig) throws {
        train.steps = steps
        optimisation.apply(to: &train)
        try modelOptions.apply(to: &train)
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

    /// A resumed run keeps its checkpoint's config: options that contradict it are refused,
    /// options that restate it are accepted.
    func checkResume(_ point: ResumePoint) throws {
        if let m = model, m.rawValue != point.model {
            throw CLIError("--model \(m.rawValue) does not match the checkpoint's model \(point.model); drop --model or pick another checkpoint")
        }
        try refuseOptionsThatDoNotApply(to: point.config)
        let conflicts = try resumeConflicts(self, checkpoint: point.config)
        if !conflicts.isEmpty {
            throw CLIError("a resumed run keeps its checkpoint's config, but the flags ask for \(conflicts.joined(separator: ", ")); drop them (only --steps and output options may change)")
        }
    }

    /// Options that would do nothing in the run `config` describes.
    func refuseOptionsThatDoNotApply(to config: RunConfig) throws {
        if optimisation.warmup != nil && config.train.schedule != .cosine {
            throw CLIError("--warmup applies only to --schedule cosine (the constant schedule has no warm-up); add --schedule cosine or drop --warmup")
        }
        if let flag = modelOptions.tauGiven, config.model.variant != .C {
            throw CLIError("\(flag) sets the Gumbel temperature of model C; model \(config.model.variant.rawValue) has none, so drop it")
        }
        if optimisation.pairLRScale != nil && !config.model.pairContext {
            throw CLIError("--pair-lr-scale applies only to models with the pair context; drop it or --no-pair-context")
        }
        if modelOptions.contextRows != nil && !(config.model.pairContext && config.train.stream == .mixed) {
            throw CLIError("--context-rows applies only to the pair context on the mixed stream (the sequential stream takes the context from each dataset's own regimes); drop it")
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
