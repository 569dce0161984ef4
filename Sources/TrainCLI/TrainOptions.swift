import ArgumentParser
import Models
import NN
import SCMGen
import Training

/// The options most runs set, first in `train --help`. Unset ones keep the defaults named in
/// their help (a fresh run) or the checkpoint's values (a resumed run).
struct MainOptions: ParsableArguments {
    @Option(help: "Model variant (default C).")
    var model: Variant?
    @Option(help: "Total training steps (default 3000; on --resume, the run's own total).")
    var steps: Int?
    @Option(help: "Items per batch (default 32).")
    var batch: Int?
    @Option(help: "AdamW learning rate (default 0.0001).")
    var lr: Float?
    @Option(help: "Random seed: initialisation, dropout, Gumbel noise and the data stream (default 0).")
    var seed: UInt64?

    func validate() throws {
        if let steps, steps <= 0 { throw ValidationError("--steps is \(steps); it must be at least 1") }
        if let b = batch, b <= 0 { throw ValidationError("--batch is \(b); it must be at least 1") }
        if let v = lr, !(v.isFinite && v > 0) { throw ValidationError("--lr is \(v); it must be a finite positive number") }
    }

    /// `--steps`, `--batch`, `--lr` and `--seed` if given (`--model` picks the defaults they refine).
    func apply(to t: inout TrainConfig) {
        if let v = steps { t.steps = v }
        if let v = batch { t.batch = v }
        if let v = lr { t.lr = v }
        if let v = seed { t.seed = v }
    }
}

/// Optimisation options. Unset ones keep the defaults named in their help (a fresh run) or
/// the checkpoint's values (a resumed run).
struct TrainOptions: ParsableArguments {
    @Option(help: "With the pair context: multiplier of --lr for the pair-context parameters (default 10).")
    var pairLRScale: Float?
    @Option(help: "Learning-rate schedule (default constant; cosine with --warmup steps).")
    var schedule: LRSchedule?
    @Option(help: "With --schedule cosine: warm-up steps (default 0).")
    var warmup: Int?
    @Option(help: "AdamW weight decay, decoupled (default 0.01).")
    var weightDecay: Float?
    @Option(help: "Clip the global gradient norm to this value (default 0 = off, as the notebook).")
    var gradClip: Float?
    @Option(help: "Data stream: mixed (many SCMs per batch; default) or sequential (the seed's order).")
    var stream: StreamMode?
    @Option(help: "Mixed stream: consecutive items of a batch drawn from one SCM, sharing its observational rows and context, each with its own regime (default 4 with the pair context; 1, the notebook's stream, with --no-pair-context: a fresh SCM for every item).")
    var itemsPerScm: Int?
    @Option(help: "Large matrix products: auto (default: times both on the model's products at start-up and keeps the faster), fp32, or bf16 (bfloat16 operands, float32 sums, on CPUs with AVX-512 BF16, else fp32).")
    var precision: PrecisionChoice?

    func validate() throws {
        if let v = pairLRScale, !(v.isFinite && v > 0) { throw ValidationError("--pair-lr-scale is \(v); it must be a finite positive number") }
        for (option, v) in [("--weight-decay", weightDecay), ("--grad-clip", gradClip)] {
            if let v, !(v.isFinite && v >= 0) { throw ValidationError("\(option) is \(v); it must be a finite number ≥ 0 (0 turns it off)") }
        }
        if let w = warmup, w < 0 { throw ValidationError("--warmup is \(w); it must be 0 or positive") }
        if let k = itemsPerScm, k < 1 { throw ValidationError("--items-per-scm is \(k); it must be at least 1") }
    }

    func apply(to prior: inout PriorConfig) {
        applyItemsPerSCM(itemsPerScm, to: &prior)
    }

    func apply(to t: inout TrainConfig) {
        if let v = pairLRScale { t.pairLRScale = v }
        if let v = schedule { t.schedule = v }
        if let v = warmup { t.warmupSteps = v }
        if let v = weightDecay { t.weightDecay = v }
        if let v = gradClip { t.gradClip = v }
        if let v = stream { t.stream = v }
        if let v = precision?.fixed { t.precision = v }
    }
}
