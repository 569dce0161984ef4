import ArgumentParser
import Foundation
import Models
import NN

/// `--precision`: a fixed precision, or `auto` (the default of new runs), which times both on
/// the model's own products at start-up and keeps the faster (`MatmulCalibration`). Which wins
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

    /// Times fp32 against bf16 on `model`'s products (3 passes each after a warm-up; a few
    /// hundred ms for the default model). When no product is large enough for the bf16
    /// kernel, both would run the same fp32 code: fp32, untimed.
    static func run(_ model: ModelConfig, batch: Int) -> (choice: MatmulPrecision, summary: String) {
        let shapes = shapes(model, batch: batch)
        guard shapes.contains(where: { $0.m * $0.n * $0.k >= MatmulPrecision.bfloat16MinimumMultiplyAdds }) else {
            return (.float32, "precision auto: fp32 (no product of this model is large enough for the bf16 kernel)")
        }
        let calibration = MatmulCalibration(shapes: shapes, passes: 3, nanoseconds: monotonicNanoseconds)
        return (calibration.choice, calibration.summary)
    }

    /// `choice` as given, or calibrated on `model` when `auto` (with the summary line).
    static func resolve(_ choice: PrecisionChoice, _ model: ModelConfig, batch: Int) -> (choice: MatmulPrecision, summary: String?) {
        if let p = choice.fixed { return (p, nil) }
        let (p, summary) = run(model, batch: batch)
        return (p, summary)
    }
}

/// Nanoseconds of a monotonic clock (the clock `MatmulCalibration` is given).
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
