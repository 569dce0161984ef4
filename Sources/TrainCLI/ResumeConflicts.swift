import Models
import SCMGen
import Training

/// The options of a resumed command line that contradict the checkpoint's config.
///
/// A resumed run keeps the checkpoint's config (only `--steps` and the output options may
/// change). Every option that may be given on resume is optional, so "given" is exact: the
/// options given are applied on top of the checkpoint's config, and each field that then
/// differs is a conflict, named by the option that sets it. An option that restates the
/// checkpoint's value is no conflict.
func resumeConflicts(_ command: TrainCommand, checkpoint stored: RunConfig) throws -> [String] {
    var asked = stored
    try command.prior.apply(to: &asked.prior)
    command.modelOptions.apply(to: &asked.prior)
    try command.modelOptions.apply(to: &asked.model)
    command.lossOptions.apply(to: &asked.loss)
    try command.apply(to: &asked.train)
    asked.train.steps = stored.train.steps
    guard asked != stored else { return [] }
    let named = ResumableField.all.compactMap { $0.conflict(asked, stored) }
    return named.isEmpty ? ["settings that differ from the checkpoint's"] : named
}

/// A config field, the option that sets it and how its value reads.
struct ResumableField {
    let option: String
    let value: (RunConfig) -> String

    init<T: Equatable>(_ option: String, _ path: KeyPath<RunConfig, T>) {
        self.option = option
        value = { Self.describe($0[keyPath: path]) }
    }

    /// As the option is written: `5,8,10` for a list, `none` for an unset optional.
    static func describe(_ x: Any) -> String {
        if let f = x as? EdgeFunction { return f.name }
        if let list = x as? [Any] { return list.map(describe).joined(separator: ",") }
        let mirror = Mirror(reflecting: x)
        if mirror.displayStyle == .optional { return mirror.children.first.map { describe($0.value) } ?? "none" }
        return String(describing: x)
    }

    func conflict(_ asked: RunConfig, _ stored: RunConfig) -> String? {
        let (a, s) = (value(asked), value(stored))
        return a == s ? nil : "\(option) \(a) (the checkpoint has \(s))"
    }

    static let all: [ResumableField] = [
        .init("--batch", \.train.batch), .init("--lr", \.train.lr), .init("--pair-lr-scale", \.train.pairLRScale),
        .init("--schedule", \.train.schedule.rawValue), .init("--warmup", \.train.warmupSteps),
        .init("--weight-decay", \.train.weightDecay), .init("--grad-clip", \.train.gradClip), .init("--seed", \.train.seed),
        .init("--stream", \.train.stream.rawValue), .init("--precision", \.train.precision.rawValue),
        .init("--tau-start", \.train.tauStart), .init("--tau-end", \.train.tauEnd), .init("--tau-anneal", \.train.tauAnnealSteps),
        .init("--d-model", \.model.dModel), .init("--heads", \.model.heads), .init("--layers", \.model.layers), .init("--dag-layers", \.model.dagLayers), .init("--structural-bias", \.model.structuralBias),
        .init("--feed-forward", \.model.feedForward), .init("--max-nodes", \.model.maxNodes), .init("--dropout", \.model.dropout),
        .init("--no-node-embedding", \.model.nodeEmbedding), .init("--std-floor", \.model.stdFloor),
        .init("--feature-clip", \.model.featureClip), .init("--raw-delta", \.model.standardizedDelta),
        .init("--pair-context", \.model.pairContext), .init("--pair-features", \.model.pairFeatures),
        .init("--plug-in-delta", \.model.plugInDelta), .init("--delta-correction-bound", \.model.deltaCorrectionBound),
        .init("--loss", \.loss.acyclicity.rawValue), .init("--delta-weight", \.loss.deltaWeight), .init("--dag-weight", \.loss.dagWeight),
        .init("--acyclicity-weight", \.loss.acyclicityWeight), .init("--sparsity-weight", \.loss.sparsityWeight),
        .init("--acyclicity-warmup", \.loss.acyclicityWarmup), .init("--delta-huber-std", \.loss.deltaHuberStd),
        .init("--nodes-min", \.prior.nodesMin), .init("--nodes-max", \.prior.nodesMax), .init("--edge-prob", \.prior.edgeProb),
        .init("--expected-parents", \.prior.expectedParents), .init("--noise-scale", \.prior.noiseScale),
        .init("--intervention-fraction", \.prior.interventionFraction),
        .init("--intervention-values", \.prior.interventionValues), .init("--intervention-range", \.prior.interventionRange),
        .init("--observational-samples", \.prior.observationalSamples), .init("--samples-per-regime", \.prior.samplesPerRegime),
        .init("--context-rows", \.prior.contextRowsPerRegime),
        .init("--context-rows-max", \.prior.contextRowsMax), .init("--items-per-scm", \.prior.itemsPerSCM), .init("--edge-functions", \.prior.edgeFunctions),
        .init("--delta-mode", \.prior.deltaMode.rawValue),
    ]
}
