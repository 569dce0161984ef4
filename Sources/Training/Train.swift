import Distributed
import Evaluation
import Foundation
import Models
import NN
import Randomness
import SCMGen

// One training run, read top to bottom as nanoGPT's train.py: the state a run carries, one
// step (forward → loss → backward → clip → lr → AdamW), then the loop (batch → step → log →
// checkpoint → held-out eval, until `steps`; then final.h5). The run's files are
// `<log-dir>/<run>.json` and `<checkpoint-dir>/<run>/step-<k>.h5`, `final.h5` (Run.swift).

/// What a run carries from step to step: the model, AdamW, and the
/// dropout/Gumbel generator. The data stream is the loop's. In a data-parallel run every
/// rank holds one, identical but for the generator (each rank's own noise stream).
public final class TrainingState {
    public let config: RunConfig
    public let model: CausalModel
    public let optimizer: AdamW
    let ctx: ForwardContext
    public internal(set) var completedSteps = 0
    /// The ranks this state trains with (`SingleProcess`: gradients are not reduced).
    public let communicator: Communicator
    private(set) lazy var reduction = GradientReduction(optimizer.parameters.map(\.1), communicator: communicator)

    /// A fresh run: the model initialised from `config.train.seed`.
    public init(config: RunConfig, communicator: Communicator = SingleProcess()) {
        self.config = config
        self.communicator = communicator
        model = makeModel(config.model, seed: config.train.seed)
        optimizer = AdamW(model.namedParameters(), learningRate: config.train.lr, weightDecay: Double(config.train.weightDecay))
        optimizer.learningRateScales = optimizer.parameters.map { $0.0.hasPrefix("pair_context.") ? config.train.pairLRScale : 1 }
        let stream = RandomStream.dropout(rank: communicator.rank)
        ctx = ForwardContext(training: true, rng: Xoshiro256(seed: config.train.seed, stream: stream))
    }
}

/// The values of one training step, for the log.
public struct StepResult {
    public let step: Int
    public let loss: Float
    public let terms: LossTerms
    public let logits: [Float]        // [B, N, N]
    public let learningRate: Float
    public let tau: Float
    public let acyclicityWeight: Float
    public let gradNorm: Float
}

/// A loss that is NaN or infinite: training stops before the update, naming the term.
public struct NonFiniteLossError: Error, CustomStringConvertible {
    public let step: Int
    public let terms: [(String, Float)]
    public var description: String {
        let bad = terms.filter { !$0.1.isFinite }.map { "\($0.0) = \($0.1)" }.joined(separator: ", ")
        return "non-finite loss at step \(step): \(bad.isEmpty ? "total" : bad)"
    }
}

/// One optimisation step on `batch`. Throws before updating if the loss is not finite.
/// In a data-parallel run `batch` is this rank's slice of the global batch: the loss is
/// weighted by the slice's share, the loss values and gradients are summed over the ranks
/// (so every rank sees the global batch's), and every rank takes the same update.
public func trainStep(_ s: TrainingState, _ batch: TrainingBatch, input: ModelInput? = nil) throws -> StepResult {
    let step = s.completedSteps + 1
    let (config, ctx) = (s.config, s.ctx)
    ctx.training = true
    ctx.gumbelTemperature = config.train.tau(atStep: step)
    let hWeight = config.loss.acyclicityWeight(atStep: step)
    let (lossConfig, sliceHWeight) = shareWeighted(config.loss, acyclicityWeight: hWeight, batch)

    let out = s.model(input ?? ModelInput(batch, config: config.model), ctx)
    let (loss, terms) = try globalLoss(causalLoss(out, batch, config: lossConfig, acyclicityWeight: sliceHWeight), batch,
                                       s.communicator)
    guard loss.isFinite else {
        throw NonFiniteLossError(step: step, terms: [("delta huber", terms.deltaHuber), ("dag bce", terms.dagBCE),
                                                     ("acyclicity", terms.acyclicity), ("sparsity", terms.sparsity)])
    }
    s.optimizer.zeroGrad()
    terms.total.backward()
    if s.communicator.size > 1 { try s.reduction.reduce(s.optimizer.parameters.map(\.1)) }
    let norm = config.train.gradClip > 0 ? clipGradNorm(s.optimizer.parameters.map(\.1), maxNorm: config.train.gradClip) : 0
    s.optimizer.learningRate = config.train.learningRate(atStep: step)
    s.optimizer.update()
    terms.total.releaseGraph()
    s.completedSteps = step
    return StepResult(step: step, loss: loss, terms: terms, logits: out.logits.scalars, learningRate: s.optimizer.learningRate,
                      tau: ctx.gumbelTemperature, acyclicityWeight: hWeight, gradNorm: norm)
}

/// Trains `run` up to its config's `steps`, reporting through `hooks`. Returns when the run is
/// done or `hooks.shouldStop()` asked it to stop (after saving step-<k>.h5 and the log);
/// throws `NonFiniteLossError` (after writing the log; the last checkpoint is kept).
/// Data-parallel: every rank calls this in lockstep; rank 0 alone writes files, evaluates and
/// reports events; a stop request on any rank stops all after the same step; a rank's
/// failure to write throws on every rank (`PeerFailure` on the others).
public func train(_ run: TrainingRun, hooks: TrainingHooks = TrainingHooks()) throws -> TrainingOutcome {
    let (config, state, output) = (run.config, run.state, run.output)
    let comm = state.communicator
    /// Work only rank 0 does (files, evaluation), its success agreed by all.
    func onRoot(_ body: () throws -> Void) throws { try comm.agreeing { if comm.isRoot { try body() } } }
    func event(_ e: TrainingEvent) { if comm.isRoot { hooks.events(e) } }
    var log = run.log
    // The run's arithmetic, process-wide while it runs (NN's matrix products read it).
    let precisionBefore = MatmulPrecision.current
    MatmulPrecision.set(config.train.precision)
    defer { MatmulPrecision.set(precisionBefore) }
    let total = config.train.steps
    let evalSuite = run.evalSuite
    let start = hooks.seconds()
    var lastState: StreamState? = run.initialStreamState
    func save(_ file: String) throws {
        let generators = try comm.allgather(state.ctx.rng.state)
        try onRoot {
            try RunCheckpoint.write(state, stream: lastState, configJSON: run.configJSON, to: "\(run.folder)/\(file)",
                                    generators: generators)
        }
    }
    if comm.size > 1 { try agreeOnStart(run, lastState) }
    event(.started(RunInfo(name: run.name, config: config, parameterCount: state.model.parameterCount,
                                  firstStep: state.completedSteps + 1, logPath: log.path, folder: run.folder)))

    while state.completedSteps < total {
        if try comm.any(hooks.shouldStop()) {
            let file = "step-\(state.completedSteps).h5"
            try save(file)
            try onRoot { try log.write() }
            return .interrupted(step: state.completedSteps, checkpoint: "\(run.folder)/\(file)", log: log.path)
        }
        let (batch, input) = run.stream.nextTraining(model: config.model)
        let result: StepResult
        do { result = try trainStep(state, batch, input: input) } catch let error as NonFiniteLossError {
            try onRoot { try log.write() }
            throw error
        }
        lastState = batch.streamState
        let step = result.step
        let segment = hooks.seconds() - start   // seconds of this segment of the run

        if step == 1 || step % output.logEvery == 0 || step == total {
            let shd = try globalSHD(BatchSHD(logits: result.logits, batch: batch), batch, comm)
            log.append(logRow(result, shd, config: config, elapsed: run.elapsedBefore + segment))
            try onRoot { try log.write() }
            event(.logged(LoggedStep(step: step, loss: result.loss, deltaMSE: result.terms.deltaMSE, shd: shd.notebook,
                                     acyclicity: result.terms.acyclicity, elapsed: segment)))
        }
        if output.checkpointEvery > 0 && step % output.checkpointEvery == 0 && step != total {
            try save("step-\(step).h5")
        }
        if output.evalEvery > 0, step % output.evalEvery == 0 || step == total {
            // Rank 0 evaluates (the others hold no suite and wait in the agreement). In fp32,
            // as `pfn-train eval`, so the logged eval_* equal an eval of this step's checkpoint.
            try onRoot {
                guard let suite = evalSuite else { return }
                MatmulPrecision.set(.float32)
                defer { MatmulPrecision.set(config.train.precision) }
                var options = EvaluatorOptions()
                options.contextRowsPerRegime = ModelLoading.trainingContextRows(
                    model: config.model, prior: config.prior, stream: config.train.stream)
                let evaluator = Evaluator(options: options)
                let report = evaluator.report(try evaluator.evaluate(ModelPredictor(state.model), on: suite),
                                              suite: output.evalSuite, step: step)
                let series = report.logSeries()
                log.append([("eval_step", Double(step))] + series.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
                try log.write()
                hooks.events(.evaluated(step: step, series: series))
            }
        }
        event(.stepped(step: step, loss: result.loss, elapsed: segment))
    }
    try save("final.h5")
    try onRoot { try log.write() }
    return .finished(checkpoint: "\(run.folder)/final.h5", log: log.path)
}

/// One log row: the notebook's keys plus the other loss terms and bookkeeping.
func logRow(_ r: StepResult, _ shd: BatchSHD, config: RunConfig, elapsed: Double) -> [(String, Double)] {
    var values: [(String, Double)] = [
        ("step", Double(r.step)), ("loss", Double(r.loss)), ("delta_mse", Double(r.terms.deltaMSE)),
        ("dag_bce", Double(r.terms.dagBCE)), ("shd", shd.notebook), ("acyclicity", Double(r.terms.acyclicity)),
        ("shd_standard", shd.standard), ("delta_huber", Double(r.terms.deltaHuber)),
        ("l1", Double(r.terms.sparsity)), ("acyclicity_weight", Double(r.acyclicityWeight)),
        ("lr", Double(r.learningRate)), ("elapsed", elapsed),
    ]
    if config.model.variant == .C { values.append(("tau", Double(r.tau))) }
    if config.train.gradClip > 0 { values.append(("grad_norm", Double(r.gradNorm))) }
    return values
}

/// A built-in suite by name, or a suite file.
func loadSuite(_ nameOrPath: String) throws -> [SCMDataset] {
    if FileManager.default.fileExists(atPath: nameOrPath) { return try SCMSuiteFile.read(nameOrPath) }
    return try BuiltinSuites.datasets(nameOrPath)
}
