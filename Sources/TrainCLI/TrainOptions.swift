import ArgumentParser
import Foundation
import Models
import NN
import SCMGen
import Training

/// Model shape options. Unset options keep the notebook's sizes; --max-nodes defaults to the
/// prior's largest graph (at least 50, the notebook's `num_nodes`).
struct ModelOptions: ParsableArguments {
    @Option(help: "Model width d_model (default 128).")
    var dModel: Int?
    @Option(help: "Attention heads (default 4).")
    var heads: Int?
    @Option(help: "Transformer layers (D: stage-2 layers; default 4).")
    var layers: Int?
    @Option(help: "Feed-forward width (default 2048).")
    var feedForward: Int?
    @Option(help: "Largest graph the model takes (node-embedding rows; default max(50, --nodes-max)).")
    var maxNodes: Int?
    @Option(help: "Dropout in training (default 0.1).")
    var dropout: Float?
    @Flag(help: "Drop the learned node-index embedding (permutation-equivariant model).")
    var noNodeEmbedding = false
    @Option(help: "Feature guard: floor of the std that ratio features divide by (default 0.01; 0 = the notebook's).")
    var stdFloor: Float?
    @Option(help: "Feature guard: clip of the ratio features (default 100; 0 = no clip, the notebook's).")
    var featureClip: Float?
    @Flag(help: "Delta heads in raw units, as the notebook (default: in units of each node's std).")
    var rawDelta = false
    @Flag(inversion: .prefixedNo,
          help: "Pair context (default on): features of all the dataset's regimes and the observational correlations for every pair of nodes bias attention and add to the edge logits. Not in the notebook; it adds pair_context.* parameters, so --no-pair-context gives the notebook's models.")
    var pairContext = true
    @Option(help: "C: Gumbel temperature at the start (default 1).")
    var tauStart: Float?
    @Option(help: "C: Gumbel temperature at the end of annealing (default = --tau-start).")
    var tauEnd: Float?
    @Option(help: "C: steps over which the temperature anneals geometrically.")
    var tauAnneal: Int?

    func config(_ variant: Variant, prior: PriorConfig) throws -> ModelConfig {
        var c = ModelConfig(variant: variant)
        if let v = dModel { c.dModel = v }
        if let v = heads { c.heads = v }
        if let v = layers { c.layers = v }
        if let v = feedForward { c.feedForward = v }
        c.maxNodes = maxNodes ?? max(50, prior.nodesMax)
        if let v = dropout { c.dropout = v }
        if noNodeEmbedding { c.nodeEmbedding = false }
        if let v = stdFloor { c.stdFloor = v }
        if let v = featureClip { c.featureClip = v }
        if rawDelta { c.standardizedDelta = false }
        c.pairContext = pairContext
        if !(c.stdFloor >= 0) || !(c.featureClip >= 0) {
            throw ValidationError("--std-floor and --feature-clip must be ≥ 0 (0 turns each off)")
        }
        if let problem = c.validationError() { throw ValidationError(problem) }
        if prior.nodesMax > c.maxNodes {
            throw ValidationError("--nodes-max \(prior.nodesMax) exceeds --max-nodes \(c.maxNodes); raise --max-nodes")
        }
        return c
    }

    func apply(to train: inout TrainConfig) throws {
        if let v = tauStart { train.tauStart = v; train.tauEnd = v }
        if let v = tauEnd { train.tauEnd = v }
        if let v = tauAnneal { train.tauAnnealSteps = v }
        if !(train.tauStart > 0 && train.tauEnd > 0) { throw ValidationError("Gumbel temperatures must be positive") }
    }

    /// Flags given on the command line (they must agree with a resumed checkpoint).
    var given: [String] {
        [dModel.map { _ in "--d-model" }, heads.map { _ in "--heads" }, layers.map { _ in "--layers" },
         feedForward.map { _ in "--feed-forward" }, maxNodes.map { _ in "--max-nodes" }].compactMap { $0 }
    }
}

/// Loss options: the notebook's weights; `--loss seed` is its exact loss.
struct LossOptions: ParsableArguments {
    @Option(help: "Loss preset: default (acyclicity without the diagonal, divided by N, warmed up) or seed (the notebook's exact loss).")
    var loss = "default"
    @Option(help: "Weight of Huber(delta) (default 10).")
    var deltaWeight: Float?
    @Option(help: "Weight of BCE(adjacency) (default 1).")
    var dagWeight: Float?
    @Option(help: "Weight of the NOTEARS acyclicity term (default 0.1).")
    var acyclicityWeight: Float?
    @Option(help: "Weight of the L1 sparsity term (default 0.01).")
    var sparsityWeight: Float?
    @Option(help: "Steps over which the acyclicity weight ramps up from 0 (default 1000; seed: 0).")
    var acyclicityWarmup: Int?

    func config() throws -> LossConfig {
        var c: LossConfig
        switch loss {
        case "default": c = LossConfig()
        case "seed": c = .seed
        default: throw ValidationError("--loss is '\(loss)'; use default or seed")
        }
        if let v = deltaWeight { c.deltaWeight = v }
        if let v = dagWeight { c.dagWeight = v }
        if let v = acyclicityWeight { c.acyclicityWeight = v }
        if let v = sparsityWeight { c.sparsityWeight = v }
        if let v = acyclicityWarmup { c.acyclicityWarmup = v }
        return c
    }
}

/// Where the run writes, how often, and what it resumes from.
struct OutputOptions: ParsableArguments {
    @Option(help: "Run name (default: the model letter, suffixed -2, -3, … if taken).")
    var runName: String?
    @Option(help: "Folder of checkpoints (one sub-folder per run).")
    var checkpointDir = "checkpoints"
    @Option(help: "Folder of JSON training logs.")
    var logDir = "logs"
    @Option(help: "Log every K steps (and at step 1).")
    var logEvery = 100
    @Option(help: "Checkpoint every K steps (0 = only the final one).")
    var checkpointEvery = 500
    @Option(help: "Evaluate on a held-out suite every K steps (0 = never).")
    var evalEvery = 0
    @Option(help: "Built-in suite (n10, n20, n50, …) or suite file for --eval-every.")
    var evalSuite = "n20"
    @Option(help: "Resume from this checkpoint (written by pfn-train) up to --steps.")
    var resume: String?

    /// What the training library needs of these options.
    var config: OutputConfig {
        var c = OutputConfig()
        (c.runName, c.checkpointDir, c.logDir) = (runName, checkpointDir, logDir)
        (c.logEvery, c.checkpointEvery, c.evalEvery, c.evalSuite) = (logEvery, checkpointEvery, evalEvery, evalSuite)
        return c
    }

    func validate() throws {
        if logEvery < 1 { throw ValidationError("--log-every is \(logEvery); it must be at least 1") }
        if checkpointEvery < 0 { throw ValidationError("--checkpoint-every must be 0 (off) or positive") }
        if evalEvery < 0 { throw ValidationError("--eval-every must be 0 (off) or positive") }
        if let r = resume, !FileManager.default.fileExists(atPath: r) {
            throw ValidationError("--resume: no such checkpoint '\(r)'")
        }
    }
}
