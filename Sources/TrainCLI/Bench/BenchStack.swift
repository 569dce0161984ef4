import ArgumentParser
import Foundation
import Models
import NN
import Randomness

/// `pfn-train bench stack` (formerly `bench-nn`): times one training step (forward, loss,
/// backward, AdamW) and one evaluation forward of Model A's encoder stack (4 layers, width
/// 128, 4 heads, feed-forward 2048, GELU, dropout 0.1) at batch 32, and a large sgemm in the
/// same run for the ceiling.
extension Bench {
struct Stack: BenchCommand {
    static let configuration = CommandConfiguration(
        commandName: "stack",
        abstract: "Benchmark the NN library on Model A's transformer encoder stack.")

    @Option(help: "Comma-separated node counts N (default 20,50: the ends of train's 20-50 prior).", transform: CommaList.parse) var nodes = CommaList([20, 50])
    @OptionGroup var options: BenchOptions
    @Option(help: "Encoder layers.") var layers = 4
    @Option(name: [.customLong("d-model"), .customLong("width")], help: "Model width D.") var width = 128
    @Option(help: "Attention heads.") var heads = 4
    @Option(name: [.customLong("feed-forward"), .customLong("ff")], help: "Feed-forward width.") var ff = 2048
    @Flag(help: "Also time the feed-forward products (forward and backward shapes) in fp32 and bf16.")
    var products = false

    var nodeList: [Int] { nodes.values }

    func validate() throws {
        guard layers >= 1, width >= 1, heads >= 1, ff >= 1 else { throw ValidationError("sizes must be positive") }
        guard width % heads == 0 else { throw ValidationError("--d-model \(width) must be divisible by --heads \(heads)") }
        guard !nodeList.isEmpty, nodeList.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--nodes needs positive integers, e.g. 20,50") }
    }

    func run() throws {
        print("NN bench: \(layers)-layer encoder, D=\(width), H=\(heads), FF=\(ff), GELU, dropout 0.1, B=\(batch); "
              + "median of \(steps) after \(warmup) warm-up; NN threads (OpenBLAS serial per call); products in \(precision.rawValue)")
        print("(cpu ms: process CPU time of a step, all threads: robust to other load at 1 thread)")
        print(String(format: "%3@ %5@ %10@ %8@ %8@ %9@ %9@ %8@ %9@ %9@", "thr", "N", "GFLOP", "step ms", "cpu ms",
                     "GFLOP/s", "of sgemm", "eval ms", "sgemm", "GFLOP/s"))
        if products { timeProducts() }
        for t in threadList {
            Threads.setCount(t)
            let gemmRate = sgemmRate(size: gemmSize)
            let rows = batch * (nodeList.first ?? 50)
            let shapes = GemmShape.linear(rows: rows, in: width, out: 3 * width) + GemmShape.linear(rows: rows, in: width, out: ff)
                + GemmShape.linear(rows: rows, in: ff, out: width)
            let calibration = precision.fixed == nil ? MatmulCalibration(shapes: shapes, nanoseconds: monotonicNanoseconds) : nil
            if let calibration { print(calibration.summary) }
            usePrecision(precision.fixed ?? calibration!.choice)
            defer { MatmulPrecision.set(.float32) }
            for n in nodeList {
                let (stepMs, cpuMs, evalMs) = timeStack(nodes: n)
                let gflop = stepFlops(nodes: n) / 1e9
                let rate = gflop / (stepMs / 1e3)
                print(String(format: "%3d %5d %10.2f %8.1f %8.1f %9.1f %8.0f%% %8.1f %9@ %9.1f", t, n, gflop, stepMs, cpuMs,
                             rate, 100 * rate / gemmRate, evalMs, "\(gemmSize)³", gemmRate))
            }
        }
    }

    /// A training step of the stack: the forward's products, and twice that in backward.
    func stepFlops(nodes n: Int) -> Double {
        3 * Double(layers) * ModelFlops.encoderLayer(dModel: width, feedForward: ff, batch: batch, nodes: n)
    }

    func timeStack(nodes n: Int) -> (step: Double, cpu: Double, eval: Double) {
        var rng = Xoshiro256(seed: 42)
        let stack = TransformerEncoder(count: layers, dModel: width, heads: heads, dimFeedforward: ff,
                                       activation: .gelu, rng: &rng)
        let params = stack.namedParameters(prefix: "transformer.")
        let opt = AdamW(params, learningRate: 1e-4)
        let x = Tensor(shape: [batch, n, width], scalars: (0..<(batch * n * width)).map { _ in Float(rng.nextGaussian()) })
        let ctx = ForwardContext(training: true, rng: Xoshiro256(seed: 7))
        let (step, cpu) = timeRepetitions(count: steps, warmup: warmup) {
            let y = stack(x, ctx)
            let loss = (y * y).mean()
            opt.zeroGrad()
            loss.backward()
            opt.update()
        }
        let evalCtx = ForwardContext.evaluation()
        let eval = Tape.withoutRecording { timeRepetitions(count: steps, warmup: warmup) { _ = stack(x, evalCtx) }.wall }
        return (median(step), median(cpu), median(eval))
    }
}
}
