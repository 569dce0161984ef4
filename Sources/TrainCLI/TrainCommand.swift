import ArgumentParser
import Distributed
import Foundation
import Models
import NN
import SCMGen
import Training

/// `pfn-train [train] --model X --steps N`: trains one variant on the SCM stream, writing
/// `<log-dir>/<run>.json` and `<checkpoint-dir>/<run>/step-<k>.h5` + `final.h5`.
/// Options (over `--config FILE`) → `RunConfig` → `Training.train` → what it reports, printed.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model variant on the SCM prior (the default command).",
        discussion: """
        Variants (the seed notebook's five models):
        \(Variant.allCases.map { "  \($0.rawValue)  \($0.summary)" }.joined(separator: "\n"))

        --config FILE replays a run: a training log (logs/<run>.json) or a JSON config, with flags \
        given on the command line overriding it.

        --steps is the total: --resume continues from the checkpoint's step up to it (default: \
        the run's own total), with the checkpoint's config (model, prior, loss) and its output \
        settings (--log-every, --checkpoint-every, --eval-every, --eval-suite) unless given \
        again; flags that contradict the config are refused. --resume takes a checkpoint, a run's \
        folder or 'latest'.

        Ctrl-C (SIGINT), SIGTERM and SIGHUP save a checkpoint and the log, print the command \
        that resumes the run, then exit with status 128 + the signal (130, 143, 129). File \
        formats (checkpoints, logs): docs/file-formats.md.
        """)

    @OptionGroup(title: "Most used") var main: MainOptions
    @Option(help: "Threads for the matrix products (default: this machine's cores, at most \(threadCap)).", transform: threadCount)
    var threads = machineThreads
    @Option(help: "JSON config to start from: a training log or a config object (a subset is fine); flags override it.",
            completion: .file(extensions: ["json"]))
    var config: String?
    @Option(help: "Under mpirun: seconds a rank waits for the others in one collective before it aborts the run (0 = no limit).")
    var collectiveTimeout = 600.0
    @OptionGroup(title: "Optimisation") var optimisation: TrainOptions
    @OptionGroup(title: "Model") var modelOptions: ModelOptions
    @OptionGroup(title: "Loss") var lossOptions: LossOptions
    @OptionGroup(title: "Prior (the SCM distribution)") var prior: PriorOptions
    @OptionGroup(title: "Output") var output: OutputOptions

    var model: Variant? { main.model }
    var steps: Int? { main.steps }

    func validate() throws {
        try main.validate()
        if threads < 1 { throw ValidationError("--threads is \(threads); it must be at least 1") }
        if config != nil && output.resume != nil {
            throw ValidationError("--resume continues with the checkpoint's own config; drop --config")
        }
        try optimisation.validate()
        try output.validate()
        if output.resume == nil { try refuseOptionsThatDoNotApply(to: try runConfig()) }
    }

    /// The defaults of a fresh run of `variant`.
    static func defaults(_ variant: Variant) -> RunConfig {
        var model = ModelConfig(variant: variant)
        model.pairContext = true
        model.pairFeatures = PairFeatures.latest
        model.plugInDelta = true
        model.deltaCorrectionBound = 1
        model.feedForward = defaultFeedForward
        var prior = PriorConfig()
        prior.contextRowsMax = 100
        prior.itemsPerSCM = defaultItemsPerSCM
        var train = TrainConfig()
        train.precision = .bfloat16  // --precision auto (the default) replaces it in freshRunConfig()
        return RunConfig(model: model, loss: .standard, train: train, prior: prior)
    }

    /// Feed-forward width of new runs with the pair context: 4 × d_model, as most transformers
    /// (the notebook's 2048 is PyTorch's default for d_model 512).
    static let defaultFeedForward = 512
    /// Items of a mixed-stream batch that share one SCM and its context in new runs: the data
    /// producer summarises a quarter as many contexts. With the 512-wide feed-forward the main
    /// job's step is 1.46× faster, 0.9 n20 SHD behind at 3000 steps and ahead at equal time
    /// (README, "Held-out quality").
    static let defaultItemsPerSCM = 4

    /// The run's config (a fresh run): the CLI's defaults, then `--config`, then the options given.
    func runConfig() throws -> RunConfig {
        var c = Self.defaults(model ?? .C)
        var maxNodesFromFile = false
        if let config {
            c = try ConfigFile.load(config, over: c)
            if let m = model { c.model.variant = m }
            maxNodesFromFile = c.model.maxNodes != Self.defaults(c.model.variant).model.maxNodes
        }
        try prior.apply(to: &c.prior)
        modelOptions.apply(to: &c.prior)
        optimisation.apply(to: &c.prior)
        if !maxNodesFromFile { c.model.maxNodes = max(50, c.prior.nodesMax) }
        try modelOptions.apply(to: &c.model)
        if config == nil && modelOptions.pairContext == false {
            // --no-pair-context: the notebook's models and stream (unless asked otherwise).
            if modelOptions.feedForward == nil { c.model.feedForward = ModelConfig(variant: c.model.variant).feedForward }
            if optimisation.itemsPerScm == nil { c.prior.itemsPerSCM = nil }
        }
        if c.prior.nodesMax > c.model.maxNodes {
            throw ValidationError("--nodes-max \(c.prior.nodesMax) exceeds --max-nodes \(c.model.maxNodes); raise --max-nodes")
        }
        lossOptions.apply(to: &c.loss)
        try apply(to: &c.train)
        // The sequential stream draws a batch from one SCM anyway: no grouping to record.
        if c.train.stream != .mixed && optimisation.itemsPerScm == nil { c.prior.itemsPerSCM = nil }
        return c
    }

    /// A new run's config with `--precision auto` resolved: both precisions timed on the
    /// model's training step at the run's thread count, the faster stored, one line printed.
    func freshRunConfig() throws -> RunConfig {
        var config = try runConfig()
        // A --config file's precision stands unless --precision is given.
        if optimisation.precision == .auto || (optimisation.precision == nil && self.config == nil) {
            let (choice, summary) = try PrecisionCalibration.run(config)
            config.train.precision = choice
            config.train.precisionCalibration = summary
            print(summary)
        }
        return config
    }

    /// A fresh run's config, rank 0's on every rank of a data-parallel run (its `--precision
    /// auto` calibration is timed, so each rank's own would differ).
    func sharedRunConfig(_ comm: Communicator) throws -> RunConfig {
        guard comm.size > 1 else { return try freshRunConfig() }
        let bytes: [UInt8] = try comm.agreeing { comm.isRoot ? Array(try JSONEncoder().encode(try freshRunConfig())) : [] }
        return try JSONDecoder().decode(RunConfig.self, from: Data(try comm.broadcast(bytes: bytes)))
    }

    /// `--steps` and the optimisation and Gumbel-temperature options that were given.
    func apply(to train: inout TrainConfig) throws {
        main.apply(to: &train)
        optimisation.apply(to: &train)
        try modelOptions.apply(to: &train)
    }

    func run() throws {
        Threads.setCount(threads)
        // One process alone, or one rank of `mpirun -np K` (docs/distributed.md).
        let timeout = collectiveTimeout > 0 ? CollectiveTimeout(seconds: collectiveTimeout, now: monotonicSeconds) : nil
        let comm = try worldCommunicator(environment: ProcessInfo.processInfo.environment, timeout: timeout)
        try runAsRank(of: comm) { try runTraining(on: comm) }
    }

    func runTraining(on comm: Communicator) throws {
        var out = output.config
        let fresh = output.resume == nil ? try sharedRunConfig(comm) : nil
        let run: TrainingRun = try comm.agreeing {
            if let argument = output.resume {
                let path = try ResumeTarget.checkpoint(argument, checkpointDir: output.checkpointDir ?? "checkpoints", runName: output.runName)
                // Without --checkpoint-dir a resumed run continues beside its checkpoint.
                if output.checkpointDir == nil {
                    let runs = ((path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
                    out.checkpointDir = runs.isEmpty ? "." : runs
                }
                let point = try ResumePoint(path)
                try checkResume(point)
                keepStoredOutput(ResumeTarget.storedOutput(path), in: &out)
                out.provenance = provenanceJSON(threads: threads, precision: point.config.train.precision, output: out)
                if comm.isRoot { noteWorldSizeChange(point, comm); print("resuming \(path) at step \(point.step)") }
                return try TrainingRun.resuming(point, steps: steps ?? point.config.train.steps, output: out, communicator: comm)
            }
            out.provenance = provenanceJSON(threads: threads, precision: fresh!.train.precision, output: out)
            return try TrainingRun.fresh(fresh!, output: out, communicator: comm)
        }
        usePrecision(run.config.train.precision)  // a resumed run keeps its checkpoint's

        let progress = Progress(total: run.config.train.steps, evalSuite: out.evalSuite)
        let clock = ContinuousClock(), start = clock.now
        let hooks = TrainingHooks(events: progress.handle, shouldStop: StopSignals.install(),
                                  seconds: { seconds(clock.now - start) })
        let outcome: TrainingOutcome
        do { outcome = try train(run, hooks: hooks) } catch let error where error is NonFiniteLossError || error is NonFiniteStateError {
            progress.finish()
            guard comm.isRoot else { throw ExitCode.failure }  // every rank stopped; rank 0 says why
            throw CLIError(divergenceMessage(error, run))
        }
        progress.finish()
        switch outcome {
        case let .finished(checkpoint, log):
            if comm.isRoot { print("done: \(checkpoint), \(log)") }
        case let .interrupted(step, checkpoint, log):
            if comm.isRoot {
                print("\(StopSignals.name) at step \(step): saved \(checkpoint) and \(log)")
                print("resume with: pfn-train --resume \(shellQuoted(checkpoint))" + resumeFlags(out))
            }
            throw ExitCode(StopSignals.exitStatus)
        }
    }

    /// Output options the resumed run must be told again (the log folder is not recorded with
    /// the checkpoint; the total steps and the other output settings are).
    func resumeFlags(_ out: OutputConfig) -> String {
        var flags = ""
        if out.logDir != OutputConfig().logDir { flags += " --log-dir \(shellQuoted(out.logDir))" }
        return flags
    }

    /// A resumed run keeps the output settings it recorded unless they are given again.
    func keepStoredOutput(_ stored: [String: Any], in out: inout OutputConfig) {
        func int(_ key: String) -> Int? { (stored[key] as? NSNumber)?.intValue }
        if output.logEvery == nil, let v = int("log_every"), v >= 1 { out.logEvery = v }
        if output.checkpointEvery == nil, let v = int("checkpoint_every"), v >= 0 { out.checkpointEvery = v }
        if output.evalEvery == nil, let v = int("eval_every"), v >= 0 { out.evalEvery = v }
        if output.evalSuite == nil, let v = stored["eval_suite"] as? String { out.evalSuite = v }
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
        for (flag, given) in [("--dag-layers", modelOptions.dagLayers != nil), ("--[no-]structural-bias", modelOptions.structuralBias != nil)]
        where given && config.model.variant != .D {
            throw CLIError("\(flag) shapes model D's two stages; model \(config.model.variant.rawValue) has none, so drop it")
        }
        if optimisation.pairLRScale != nil && !config.model.pairContext {
            throw CLIError("--pair-lr-scale applies only to models with the pair context; drop it or --no-pair-context")
        }
        // Both shape the pair context alone: without it they would be silently ignored.
        for (flag, given) in [("--pair-features", modelOptions.pairFeatures != nil), ("--context-rows", modelOptions.contextRows != nil),
                              ("--context-rows-max", modelOptions.contextRowsMax != nil)]
        where given && !config.model.pairContext {
            throw CLIError(modelOptions.pairContext == false
                ? "\(flag) sets up the pair context, but --no-pair-context turns it off; drop one of the two"
                : "\(flag) sets up the pair context, but this run's config has none; drop \(flag) (or add --pair-context to a fresh run)")
        }
        if optimisation.itemsPerScm != nil && config.train.stream != .mixed {
            throw CLIError("--items-per-scm groups the items of the mixed stream; the sequential stream already draws every item of a batch from one SCM, so drop it")
        }
        if let flag = modelOptions.contextRows != nil ? "--context-rows" : modelOptions.contextRowsMax != nil ? "--context-rows-max" : nil,
           !(config.model.pairContext && config.train.stream == .mixed) {
            throw CLIError("\(flag) applies only to the pair context on the mixed stream (the sequential stream takes the context from each dataset's own regimes); drop it")
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
