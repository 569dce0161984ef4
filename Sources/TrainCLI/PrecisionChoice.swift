import ArgumentParser
import Foundation
import Models
import NN
import Randomness
import SCMGen
import Training

/// `--precision`: a fixed precision, or `auto` (the default of new runs), which times both on
/// the model's own training step at start-up and keeps the faster (`MatmulCalibration`). Which wins
/// depends on the CPU: bf16 on AMD Zen 4, fp32 (OpenBLAS SkylakeX) on an Intel Xeon with
/// AVX-512 BF16. The config stores the concrete choice, so a resumed run keeps it.
enum PrecisionChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, fp32, bf16

    /// The fixed precision, nil for `auto`.
    var fixed: MatmulPrecision? { MatmulPrecision(rawValue: rawValue) }
}

/// The calibration of `--precision auto` for one model, at the current thread count.
enum PrecisionCalibration {
    /// The large products of a training step of `model` at `batch` items of `maxNodes` nodes
    /// (one encoder layer's four linears, each forward and both backward products; the pair
    /// context's P×P linears over the B·N·N pairs). Attention per head stays below the bf16
    /// threshold and is left out.
    static func shapes(_ model: ModelConfig, batch: Int) -> [GemmShape] {
        let rows = batch * model.maxNodes, d = model.dModel
        var shapes = GemmShape.linear(rows: rows, in: d, out: 3 * d) + GemmShape.linear(rows: rows, in: d, out: d)
            + GemmShape.linear(rows: rows, in: d, out: model.feedForward) + GemmShape.linear(rows: rows, in: model.feedForward, out: d)
        if model.pairContext {
            shapes += GemmShape.linear(rows: rows * model.maxNodes, in: model.pairHidden, out: model.pairHidden)
        }
        return shapes
    }

    /// Times fp32 against bf16 on whole training steps of the run's model — forward, loss,
    /// backward on one batch of its own stream (4 passes each after a warm-up: about 10 steps,
    /// a few seconds for the default model; with 2, a burst of load during the passes once
    /// picked bf16 for model A at N = 20: 99 ms per step where fp32 takes 40–60). Timing the
    /// products alone mispredicted: it chose bf16 for A and E without the pair context on an
    /// Intel Xeon, where their steps are 7–17% faster in fp32 (`bench train`). When no product
    /// is large enough for the bf16 kernel, both would run the same fp32 code: fp32, untimed.
    static func run(_ config: RunConfig) throws -> (choice: MatmulPrecision, summary: String) {
        guard shapes(config.model, batch: config.train.batch).contains(where: {
            $0.m * $0.n * $0.k >= MatmulPrecision.bfloat16MinimumMultiplyAdds
        }) else {
            return (.float32, "precision auto: fp32 (no product of this model is large enough for the bf16 kernel)")
        }
        let model = makeModel(config.model, seed: config.train.seed)
        var stream = try BatchStream(config: config.prior, seed: config.train.seed, batchSize: config.train.batch,
                                     mode: config.train.stream, context: config.model.pairContext,
                                     pairStatistics: config.model.pairFeatures >= 2)
        let batch = stream.next()
        let input = ModelInput(batch, config: config.model)
        let ctx = ForwardContext(training: true, rng: Xoshiro256(seed: config.train.seed, stream: RandomStream.dropout(rank: 0)))
        let calibration = MatmulCalibration(passes: 4, nanoseconds: monotonicNanoseconds, unit: "training step") {
            let terms = causalLoss(model(input, ctx), batch, config: config.loss,
                                   acyclicityWeight: config.loss.acyclicityWeight(atStep: 1))
            terms.total.backward()
            terms.total.releaseGraph()
        }
        return (calibration.choice, calibration.summary)
    }

    /// `choice` as given, or calibrated on `config`'s training step when `auto` (with the summary line).
    static func resolve(_ choice: PrecisionChoice, _ config: RunConfig) throws -> (choice: MatmulPrecision, summary: String?) {
        if let p = choice.fixed { return (p, nil) }
        let (p, summary) = try run(config)
        return (p, summary)
    }
}

/// Nanoseconds of a monotonic clock (the clock `MatmulCalibration` is given).
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
