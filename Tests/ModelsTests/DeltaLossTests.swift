import Models
import NN
import SCMGen
import XCTest

/// The delta term's Huber: the notebook's (threshold 1 in data units) is minimised near the
/// median of a regime's values, `LossConfig.deltaHuberStd` (threshold in units of each node's
/// observational std) near their mean — what the delta MSE, and the plug-in, want.
final class DeltaLossTests: XCTestCase {
    /// B one-node items whose true deltas are `deltas`, each node with observational std `std`.
    private func batch(_ deltas: [Float], std: Float) -> TrainingBatch {
        var b = TrainingBatch(batchSize: deltas.count, maxNodes: 1)
        b.delta = deltas
        b.baseStd = [Float](repeating: std, count: deltas.count)
        b.nodeMask = [Float](repeating: 1, count: deltas.count)
        b.nodeCounts = [Int](repeating: 1, count: deltas.count)
        return b
    }

    private func deltaTerm(predicting c: Float, _ b: TrainingBatch, _ config: LossConfig) -> Float {
        let out = ModelOutput(delta: Tensor(shape: [b.batchSize, 1], scalars: [Float](repeating: c, count: b.batchSize)),
                              logits: Tensor(zeros: [b.batchSize, 1, 1]), sampledAdjacency: nil)
        return causalLoss(out, b, config: config, acyclicityWeight: 0).deltaHuber
    }

    func testInStdUnitsTheTermIsTheHuberOfResidualsOverTheNodeStd() {
        var config = LossConfig()
        config.deltaHuberStd = 3
        let b = batch([0, 4, 20], std: 2)
        // residuals/std for prediction 0: 0, 2, 10 → 0, ½·2², 3·(10 − 1.5); mean over 3
        XCTAssertEqual(deltaTerm(predicting: 0, b, config), (0 + 2 + 25.5) / 3, accuracy: 1e-4)
    }

    /// A skewed regime (exponential values, mean 5, median 5·ln 2 ≈ 3.47): the best constant
    /// prediction under each loss, on a grid of 0.05.
    func testTheDataUnitHuberFindsTheMedianAndTheStdUnitHuberTheMean() {
        let values = (0..<2000).map { i in Float(-5 * log(1 - (Double(i) + 0.5) / 2000)) }  // exponential quantiles
        let mean = values.reduce(0, +) / Float(values.count)
        let b = batch(values, std: 5)
        func argmin(_ config: LossConfig) -> Float {
            stride(from: Float(0), through: 10, by: 0.05).min { deltaTerm(predicting: $0, b, config) < deltaTerm(predicting: $1, b, config) }!
        }
        let notebook = argmin(LossConfig())
        XCTAssertEqual(notebook, Float(5 * log(2.0)), accuracy: 0.5, "the notebook's Huber: near the median")
        XCTAssertGreaterThan(mean - notebook, 1, "and far from the mean")
        var std = LossConfig()
        std.deltaHuberStd = 3
        XCTAssertEqual(argmin(std), mean, accuracy: 0.15, "in std units: the mean")
    }
}
