import ArgumentParser
import Models

/// Loss options: the notebook's weights; `--loss notebook` is its exact loss.
struct LossOptions: ParsableArguments {
    @Option(help: "Loss preset: default (the default: acyclicity without the diagonal, divided by N, warmed up; the delta Huber in std units) or notebook (the seed notebook's exact loss; `seed` is an alias).")
    var loss: LossPreset?
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
    @Option(help: "Huber threshold of the delta term in units of each node's observational std (default 3: the term's minimiser is the regime's mean, as the delta MSE wants); 0 = the notebook's Huber at 1 in data units, whose minimiser is the median (+15% delta MSE).")
    var deltaHuberStd: Float?

    func validate() throws {
        for (option, v) in [("--delta-weight", deltaWeight), ("--dag-weight", dagWeight),
                            ("--acyclicity-weight", acyclicityWeight), ("--sparsity-weight", sparsityWeight)] {
            if let v, !(v.isFinite && v >= 0) {
                throw ValidationError("\(option) is \(v); it must be a finite number ≥ 0 (a negative weight would maximise its term)")
            }
        }
        if let v = deltaHuberStd, !(v.isFinite && v >= 0) { throw ValidationError("--delta-huber-std is \(v); it must be a finite number ≥ 0 (0 = the notebook's data-unit Huber)") }
        if let w = acyclicityWarmup, w < 0 { throw ValidationError("--acyclicity-warmup is \(w); it must be 0 or positive") }
    }

    /// Sets the options that were given; `--loss` first, so the weights refine the preset.
    func apply(to c: inout LossConfig) {
        if let preset = loss { c = preset.config }
        if let v = deltaWeight { c.deltaWeight = v }
        if let v = dagWeight { c.dagWeight = v }
        if let v = acyclicityWeight { c.acyclicityWeight = v }
        if let v = sparsityWeight { c.sparsityWeight = v }
        if let v = acyclicityWarmup { c.acyclicityWarmup = v }
        if let v = deltaHuberStd { c.deltaHuberStd = v == 0 ? nil : v }
    }
}
