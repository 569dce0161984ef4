import Evaluation
import Foundation
import Models
import NN
import SCMGen
import XCTest
@testable import Training

/// A tiny run in a temporary folder, driven in-process: the config `pfn-train` builds from
/// `--model <v> --d-model 16 --heads 2 --layers 1 --feed-forward 32 --max-nodes 8 --nodes 5
/// --batch 4 --observational-samples 20 --samples-per-regime 20 --threads 1` (the CLI tests'
/// tiny arguments), with the CLI's defaults (bf16 products, pair context on).
final class TinyRun {
    let folder: URL
    var config: RunConfig
    var output = OutputConfig()

    init(_ test: XCTestCase, variant: Variant, seed: UInt64, steps: Int) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pfn-training-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        test.addTeardownBlock { [folder] in try? FileManager.default.removeItem(at: folder) }
        var prior = PriorConfig()
        (prior.nodesMin, prior.nodesMax) = (5, 5)
        (prior.observationalSamples, prior.samplesPerRegime) = (20, 20)
        var model = ModelConfig(variant: variant)
        (model.dModel, model.heads, model.layers, model.feedForward, model.maxNodes) = (16, 2, 1, 32, 8)
        model.pairContext = true
        var train = TrainConfig()
        (train.steps, train.batch, train.seed, train.precision) = (steps, 4, seed, .bfloat16)
        config = RunConfig(model: model, train: train, prior: prior)
        output.checkpointDir = folder.appendingPathComponent("checkpoints").path
        output.logDir = folder.appendingPathComponent("logs").path
        output.logEvery = 1
        output.checkpointEvery = 0
        let threadsBefore = Threads.count
        Threads.setCount(1)
        test.addTeardownBlock { Threads.setCount(threadsBefore) }
    }

    var name: String { config.model.variant.rawValue }
    func checkpoint(_ file: String) -> String { "\(output.checkpointDir)/\(name)/\(file)" }
    var logPath: String { "\(output.logDir)/\(name).json" }

    @discardableResult
    func train(hooks: TrainingHooks = TrainingHooks()) throws -> TrainingOutcome {
        try Training.train(TrainingRun.fresh(config, output: output), hooks: hooks)
    }

    @discardableResult
    func resume(_ file: String, steps: Int, hooks: TrainingHooks = TrainingHooks()) throws -> TrainingOutcome {
        try Training.train(TrainingRun.resuming(ResumePoint(checkpoint(file)), steps: steps, output: output), hooks: hooks)
    }

    func log() throws -> TrainingLog { try TrainingLog(contentsOf: URL(fileURLWithPath: logPath)) }
}
