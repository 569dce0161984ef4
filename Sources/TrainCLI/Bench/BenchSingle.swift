import Evaluation
import Foundation
import Models
import NN
import SCMGen
import Training

/// One benchmark configuration, run inside the child process (`pfn-train bench --single`):
/// pre-generates batches of exactly N nodes from the mixed stream, then times
/// `trainStep` (forward, loss with its B matrix exponentials, backward, AdamW) cycling
/// through them, then `ModelPredictor.predict` (evaluation mode, no graph), then reads the
/// process's peak RSS. Data generation is outside the timings (see the stream throughput).
struct BenchSingle {
    let command: Bench.Step

    func run() throws -> BenchReport.Result {
        let c = command
        let (v, n, t) = (c.variantList[0], c.nodeList[0], c.threadList[0])
        Threads.setCount(t)
        var prior = PriorConfig()
        (prior.nodesMin, prior.nodesMax) = (n, n)
        applyItemsPerSCM(c.itemsPerScm, to: &prior)
        var train = TrainConfig()
        (train.batch, train.seed, train.steps) = (c.batch, c.seed, c.warmup + c.steps)
        var config = RunConfig(model: c.modelConfig(v, nodes: n), train: train, prior: prior)
        let (precision, calibration) = try PrecisionCalibration.resolve(c.precision, config)
        config.train.precision = precision
        usePrecision(precision)
        var stream = try BatchStream(config: prior, seed: c.seed, batchSize: c.batch, mode: .mixed, context: c.pairContext,
                                     pairStatistics: c.pairFeatures >= 2)
        let data = (0..<c.batches).map { _ in stream.next() }
        let trainer = TrainingState(config: config)
        var i = 0
        let (stepWall, stepCPU) = try timeRepetitions(count: c.steps, warmup: c.warmup) {
            _ = try trainStep(trainer, data[i % data.count])
            i += 1
        }
        let predictor = ModelPredictor(trainer.model)
        i = 0
        let (evalWall, evalCPU) = try timeRepetitions(count: c.steps, warmup: c.warmup) {
            _ = try predictor.predict(data[i % data.count])
            i += 1
        }
        let model = trainer.config.model
        let gflop = ModelFlops.trainingStep(model, batch: c.batch, nodes: n) / 1e9
        let trainTiming = BenchReport.Timing(stepWall, stepCPU)
        return BenchReport.Result(
            variant: v.rawValue, nodes: n, threads: t, batch: c.batch, itemsPerSCM: prior.itemsPerSCM ?? 1,
            precision: MatmulPrecision.effective.rawValue,
            calibration: calibration,
            params: trainer.model.namedParameters().reduce(0) { $0 + $1.1.count },
            train: trainTiming, eval: BenchReport.Timing(evalWall, evalCPU), peakRSSMB: peakRSSMegabytes(),
            gflop: gflop, evalGflop: ModelFlops.forward(model, batch: c.batch, nodes: n) / 1e9,
            expmGflop: ModelFlops.matrixExponentials(batch: c.batch, nodes: n) / 1e9,
            gflops: gflop / (trainTiming.medianMs / 1e3), sgemmFraction: 0)
    }
}

/// Everything `pfn-train bench` measured, as written by `--json`.
struct BenchReport: Codable {
    struct Timing: Codable {
        var medianMs: Double, iqrMs: Double, cpuMedianMs: Double
        var samplesMs: [Double]

        init(_ wall: [Double], _ cpu: [Double]) {
            medianMs = median(wall)
            iqrMs = quantile(wall, 0.75) - quantile(wall, 0.25)
            cpuMedianMs = median(cpu)
            samplesMs = wall
        }
    }

    struct Result: Codable {
        var variant: String, nodes: Int, threads: Int, batch: Int
        /// Items per SCM of the stream the batches came from (nil in reports before the field).
        var itemsPerSCM: Int?
        /// Matrix-product precision the step ran in (`MatmulPrecision.effective`: fp32 or bf16).
        var precision: String
        /// With `--precision auto`: the calibration's line (both candidates' times).
        var calibration: String?
        var params: Int
        var train: Timing, eval: Timing
        /// Peak RSS of the child process that ran this configuration (model, optimizer,
        /// graph, the pre-generated batches, and the runtime).
        var peakRSSMB: Double
        /// Training-step FLOPs (`ModelFlops.trainingStep`), eval-forward FLOPs, and the loss's
        /// Double matrix exponentials (not in `gflop`).
        var gflop: Double, evalGflop: Double, expmGflop: Double
        /// Achieved training GFLOP/s and its fraction of the same run's sgemm rate (MFU).
        var gflops: Double, sgemmFraction: Double
    }

    struct Gemm: Codable { var threads: Int, size: Int, gflops: Double }
    struct Stream: Codable { var mode: String, nodes: Int, itemsPerSecond: Double }

    var machine: MachineInfo
    var command: String
    var date: String
    var batch: Int, steps: Int, warmup: Int
    var sgemm: [Gemm] = []
    var data: [Stream] = []
    var results: [Result] = []
}
