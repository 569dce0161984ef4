import HDF5Kit
import Models
import NN
import Randomness
import SCMGen

/// The one place that maps a run's state to and from a `Checkpoint` file (file-formats.md §3):
///   /params, /optim        the model's parameters and AdamW's moments (NN's `Checkpoint`)
///   /rng/dropout           the dropout/Gumbel generator (of rank 0 in a data-parallel run;
///   /rng/dropout_rank<r>   rank r ≥ 1's)
///   world_size             root attribute, int64: the run's number of ranks (1 alone)
///   /stream                the data stream's `StreamState`: dataset `rng` int64[4] and the
///                          attributes `mode`, `cursor`, `batches`
/// Checkpoints written before `/stream` existed kept the stream as `/rng/stream` plus
/// `/rng/stream_position` = [cursor, batches]; they still load and resume exactly.
enum RunCheckpoint {
    /// Writes everything needed to continue exactly, atomically. A state that is not finite
    /// (an update overflowed: Adam's `exp_avg_sq` at a huge lr) is never saved, so every
    /// checkpoint on disk is a good one to resume from. `generators` are the ranks'
    /// dropout/Gumbel generator states in rank order (nil: this process's alone).
    static func write(_ state: TrainingState, stream: StreamState?, configJSON: String, to path: String,
                      generators: [[UInt64]]? = nil) throws {
        try state.optimizer.checkFinite()
        let generators = generators ?? [state.ctx.rng.state]
        var rng = ["dropout": generators[0]]
        for r in generators.indices.dropFirst() { rng["dropout_rank\(r)"] = generators[r] }
        let checkpoint = Checkpoint(model: state.config.model.variant.rawValue, config: configJSON,
                                    step: Int64(state.completedSteps), parameters: state.model.namedParameters(),
                                    optimizer: state.optimizer, rng: rng)
        try H5File.writeAtomically(path) { file in
            let root = try file.root
            try checkpoint.write(into: root)
            try root.setAttribute("world_size", Int64(generators.count))
            if let stream {
                let g = try root.createGroup("stream")
                try g.write("rng", stream.rng.map { Int64(bitPattern: $0) }, shape: [stream.rng.count])
                try g.setAttribute("mode", stream.mode.rawValue)
                try g.setAttribute("cursor", Int64(stream.cursor))
                try g.setAttribute("batches", Int64(stream.batches))
            }
        }
    }

    /// The data stream's state saved with the checkpoint at `path`, or nil if it has none.
    /// `mode` is the run's stream mode (the old layout did not store it).
    static func streamState(_ path: String, checkpoint: Checkpoint, mode: StreamMode) throws -> StreamState? {
        let root = try H5File.open(path).root
        if root.isGroup("stream") {
            let g = try root.openGroup("stream")
            guard let stored = try g.stringAttribute("mode"), let m = StreamMode(rawValue: stored),
                  let cursor = try g.attribute("cursor", as: Int64.self),
                  let batches = try g.attribute("batches", as: Int64.self) else {
                throw CheckpointError("\(path): /stream lacks its mode, cursor or batches attribute")
            }
            let rng = try g.read("rng", as: Int64.self).data.map { UInt64(bitPattern: $0) }
            guard cursor >= 0, batches >= 0 else {
                throw CheckpointError("\(path): /stream has cursor \(cursor) and batches \(batches); both must be ≥ 0 (the file is damaged)")
            }
            return StreamState(mode: m, rng: rng, cursor: Int(cursor), batches: Int(batches))
        }
        guard let rng = checkpoint.rng["stream"], let pos = checkpoint.rng["stream_position"], pos.count == 2 else { return nil }
        // Stored as int64 words read back bit for bit: a negative word is a huge UInt64.
        guard let cursor = Int(exactly: pos[0]), let batches = Int(exactly: pos[1]) else {
            throw CheckpointError("\(path): /rng/stream_position is \(pos.map { Int64(bitPattern: $0) }); both words must be ≥ 0 (the file is damaged)")
        }
        return StreamState(mode: mode, rng: rng, cursor: cursor, batches: batches)
    }

    /// The number of ranks of the run that wrote the checkpoint at `path` (1 for checkpoints
    /// from before data parallelism, which did not record it).
    static func worldSize(_ path: String) throws -> Int {
        Int(try H5File.open(path).root.attribute("world_size", as: Int64.self) ?? 1)
    }

    /// Restores parameters, optimizer moments, the dropout generator and the step into a
    /// freshly built `state` of the same variant and shapes (strict: every mismatch is named).
    /// Rank r ≥ 1 restores `/rng/dropout_rank<r>`; a rank the writing run did not have keeps
    /// the fresh generator of its own stream.
    static func restore(_ state: TrainingState, from checkpoint: Checkpoint) throws {
        let variant = state.config.model.variant.rawValue
        guard checkpoint.model == variant else {
            throw CheckpointError("the checkpoint's model attribute is '\(checkpoint.model)' but its config describes model \(variant); the file is damaged and cannot be resumed")
        }
        try checkpoint.loadParameters(into: state.model.namedParameters())
        try checkpoint.loadOptimizer(into: state.optimizer)
        guard let dropout = checkpoint.rng["dropout"] else {
            throw CheckpointError("the checkpoint has no /rng/dropout state; it cannot be resumed exactly")
        }
        // A rank without its own saved generator (the run had fewer ranks) keeps the fresh one.
        let rank = state.communicator.rank
        let saved = rank == 0 ? dropout : checkpoint.rng["dropout_rank\(rank)"]
        if let saved {
            let name = rank == 0 ? "dropout" : "dropout_rank\(rank)"
            do { state.ctx.rng = try Xoshiro256(validating: saved) } catch {
                throw CheckpointError("the checkpoint's /rng/\(name) state \(error); the file is damaged and cannot be resumed")
            }
        }
        if let what = state.optimizer.firstNonFinite() {
            throw CheckpointError("the checkpoint's \(what) is not finite; it cannot be resumed (resume from an earlier checkpoint)")
        }
        state.completedSteps = Int(checkpoint.step)
    }
}
