import Distributed
import Evaluation
import Models
import NN
import SCMGen

// What a step does across the ranks of a data-parallel run (docs/distributed.md): each rank
// weights its loss terms by its share of the global batch's normalisers, so the sum over
// ranks of the losses and of the gradients is the whole batch's; the loss values are summed
// before backward (so every rank agrees on finiteness), the gradients after it.

/// The loss weights of a rank's slice: each term's weight times the slice's fraction of that
/// term's global denominator (items, real nodes, real pairs). A whole batch keeps `config`.
func shareWeighted(_ config: LossConfig, acyclicityWeight: Float, _ batch: TrainingBatch) -> (LossConfig, Float) {
    guard batch.share != nil else { return (config, acyclicityWeight) }
    let f = batch.lossFractions
    var c = config
    c.deltaWeight = Float(Double(config.deltaWeight) * f.nodes)
    c.dagWeight = Float(Double(config.dagWeight) * f.pairs)
    c.sparsityWeight = Float(Double(config.sparsityWeight) * f.pairs)
    return (c, Float(Double(acyclicityWeight) * f.items))
}

/// The global batch's loss: every rank's weighted total and its terms, each term scaled to
/// its part of the global mean, summed over ranks (one allreduce of six floats).
func globalLoss(_ terms: LossTerms, _ batch: TrainingBatch, _ communicator: Communicator) throws -> (Float, LossTerms) {
    let loss = terms.total.item
    guard communicator.size > 1 else { return (loss, terms) }
    let f = batch.lossFractions
    let (items, nodes, pairs) = (Float(f.items), Float(f.nodes), Float(f.pairs))
    var v = [loss, terms.deltaHuber * nodes, terms.deltaMSE * nodes, terms.dagBCE * pairs,
             terms.acyclicity * items, terms.sparsity * pairs]
    try communicator.allreduceSum(&v)
    return (v[0], LossTerms(total: terms.total, deltaHuber: v[1], deltaMSE: v[2], dagBCE: v[3], acyclicity: v[4], sparsity: v[5]))
}

/// The global batch's mean SHDs from each rank's slice: the per-item SHDs are integers, so
/// their sums are exact in Float and the mean equals the single-process one.
func globalSHD(_ local: BatchSHD, _ batch: TrainingBatch, _ communicator: Communicator) throws -> BatchSHD {
    guard communicator.size > 1, let share = batch.share else { return local }
    let b = Double(batch.batchSize)
    var sums = [Float((local.notebook * b).rounded()), Float((local.standard * b).rounded())]
    try communicator.allreduceSum(&sums)
    var global = local
    global.notebook = Double(sums[0]) / Double(share.globalBatchSize)
    global.standard = Double(sums[1]) / Double(share.globalBatchSize)
    return global
}

/// Sums every parameter's gradient over the ranks in one allreduce of a flat buffer: the
/// gradients, then one presence flag per parameter. A parameter without a gradient on a rank
/// (unused by its slice) counts as zero there; one without a gradient on every rank stays
/// without, as in a single process (AdamW then leaves it untouched).
final class GradientReduction {
    let communicator: Communicator
    private var buffer: [Float]   // [Σ parameter sizes + parameter count]
    private let offsets: [Int]    // parameter → first index in `buffer`

    init(_ parameters: [Tensor], communicator: Communicator) {
        self.communicator = communicator
        var offsets: [Int] = [], total = 0
        for p in parameters { offsets.append(total); total += p.count }
        self.offsets = offsets
        buffer = [Float](repeating: 0, count: total + parameters.count)
    }

    func reduce(_ parameters: [Tensor]) throws {
        precondition(parameters.count == offsets.count, "GradientReduction: parameter list changed")
        let flags = buffer.count - parameters.count
        buffer.withUnsafeMutableBufferPointer { buf in
            for (i, p) in parameters.enumerated() {
                let dst = buf.baseAddress! + offsets[i]
                if let g = p.gradStorage { dst.update(from: g.pointer, count: p.count); buf[flags + i] = 1 } else {
                    dst.update(repeating: 0, count: p.count)
                    buf[flags + i] = 0
                }
            }
        }
        try communicator.allreduceSum(&buffer)
        buffer.withUnsafeBufferPointer { buf in
            for (i, p) in parameters.enumerated() where buf[flags + i] != 0 {
                p.grad.update(from: buf.baseAddress! + offsets[i], count: p.count)
            }
        }
    }
}

/// Throws unless every rank starts from the same config, step, data position and parameters
/// (a rank started with other arguments or another checkpoint would otherwise train a
/// different model in lockstep, silently).
func agreeOnStart(_ run: TrainingRun, _ stream: StreamState?) throws {
    let comm = run.state.communicator
    // The config without its provenance (start time and CPU may differ between ranks).
    let bytes = Array(try TrainingRun.encodeConfig(run.config).utf8)
    let configWords = stride(from: 0, to: bytes.count, by: 8).map { start in
        bytes[start..<min(start + 8, bytes.count)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
    try comm.checkAgreement([UInt64(bytes.count)] + configWords, "the run's config")
    let position = stream.map { $0.rng + [UInt64($0.cursor), UInt64($0.batches)] } ?? []
    try comm.checkAgreement([UInt64(run.state.completedSteps)] + position, "the start step and the data stream's position")
    try comm.checkAgreement([parameterDigest(run.state)], "the model's parameters")
}

/// FNV-1a over the parameters' and moments' bit patterns: equal states, equal digests.
func parameterDigest(_ state: TrainingState) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    func mix(_ p: UnsafePointer<Float>, _ n: Int) {
        for i in 0..<n { h = (h ^ UInt64(p[i].bitPattern)) &* 0x0000_0100_0000_01B3 }
    }
    for (i, (_, p)) in state.optimizer.parameters.enumerated() {
        mix(p.data, p.count)
        mix(state.optimizer.expAvg[i].pointer, p.count)
        mix(state.optimizer.expAvgSq[i].pointer, p.count)
    }
    return h
}
