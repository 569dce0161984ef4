import AtomicFile
import Distributed
import Evaluation
import Foundation
import Models
import NN
import SCMGen

/// A run ready for `train`: its config, its folder and log, the restored or fresh state, and
/// the data stream positioned where the state left it.
public struct TrainingRun {
    public let config: RunConfig
    public let name: String
    /// `<checkpoint-dir>/<name>`: step-<k>.h5 and final.h5.
    public let folder: String
    let configJSON: String
    let output: OutputConfig
    let state: TrainingState
    let stream: PrefetchingStream
    let log: TrainingLogWriter
    /// The held-out suite of `output.evalSuite`, when `output.evalEvery` > 0.
    let evalSuite: [SCMDataset]?
    /// Seconds spent by earlier segments of a resumed run (the log's last `elapsed`).
    let elapsedBefore: Double
    /// The stream's state before this segment's first batch (so a checkpoint taken before any
    /// step still resumes exactly).
    let initialStreamState: StreamState

    /// A new run: checks everything, then claims its name (an exclusive create of its
    /// folder) and builds the model from the config's seed. With several ranks
    /// (`communicator`), only rank 0 names the run and touches files; every rank draws its
    /// slice of each global batch. No collective is called here, so a rank's failure can be
    /// agreed on by the caller (`Communicator.agreeing`).
    public static func fresh(_ config: RunConfig, output: OutputConfig,
                             communicator: Communicator = SingleProcess()) throws -> TrainingRun {
        var config = config
        if config.train.schedule == .cosine && config.train.scheduleSteps == nil { config.train.scheduleSteps = config.train.steps }
        if let problem = config.validationError() { throw TrainingError(problem) }
        let root = communicator.isRoot
        if root { try RunFolder.check(output) }
        let suite = root ? try heldOutSuite(output, model: config.model) : nil
        let json = try encodeConfig(config, provenance: output.provenance)
        let stream = try BatchStream(config: config.prior, seed: config.train.seed, batchSize: config.train.batch,
                                     mode: config.train.stream, context: config.model.pairContext,
                                     pairStatistics: config.model.pairFeatures >= 2)
        let slices = try stream.partitioned(for: communicator)  // refuses --batch < K before any folder exists
        let (name, folder) = root
            ? try RunFolder.claim(output, base: output.runName ?? config.model.variant.rawValue, suffixed: output.runName == nil)
            : ("rank-\(communicator.rank)", "")
        return TrainingRun(config: config, name: name, folder: folder, configJSON: json, output: output,
                           state: TrainingState(config: config, communicator: communicator),
                           stream: .training(slices, model: config.model),
                           log: TrainingLogWriter(path: "\(output.logDir)/\(name).json", configJSON: json),
                           evalSuite: suite, elapsedBefore: 0, initialStreamState: stream.state)
    }

    /// Continues the run of `point` up to `steps` in total, in `<checkpoint-dir>/<run>/` (the
    /// CLI's default checkpoint-dir is the checkpoint's own run folder's parent), with the
    /// run's log kept up to the checkpoint's step. A checkpoint that is not its run's latest
    /// starts a new branch, `<run>-from-<step>`, so the later checkpoints and log rows stay.
    /// Every rank reads the checkpoint (a shared filesystem on a cluster); rank 0 alone reads
    /// and rewrites the log. Another number of ranks than the checkpoint's is allowed
    /// (`ResumePoint.worldSize`).
    public static func resuming(_ point: ResumePoint, steps: Int, output: OutputConfig,
                                communicator: Communicator = SingleProcess()) throws -> TrainingRun {
        guard steps > point.step else {
            throw TrainingError("the checkpoint is at step \(point.step); --steps \(steps) is the total, so pass a larger value")
        }
        var config = point.config
        if config.train.schedule == .cosine {
            // The decay keeps the run's first total, so every step's lr is the original run's.
            let total = config.train.scheduleSteps ?? config.train.steps
            guard steps <= total else {
                let fix = point.step < total ? "pass --steps \(total) or less, or start" : "it cannot be extended; start"
                throw TrainingError("the run's cosine schedule decays to lr 0 at step \(total), so steps past it would not train; \(fix) a new run with --schedule cosine --steps \(steps)")
            }
            config.train.scheduleSteps = total
        }
        config.train.steps = steps
        try RunFolder.check(output)
        let later = RunFolder.laterCheckpoints(than: point)
        if let asked = output.runName, asked != point.runName, later.isEmpty {
            throw TrainingError("--run-name \(asked) differs from the resumed run '\(point.runName)' (the checkpoint's folder); a resumed run keeps its name, so drop --run-name")
        }
        let root = communicator.isRoot
        let suite = root ? try heldOutSuite(output, model: config.model) : nil
        let state = TrainingState(config: config, communicator: communicator)
        try RunCheckpoint.restore(state, from: point.checkpoint)
        let stream = try BatchStream(config: config.prior, seed: config.train.seed, batchSize: config.train.batch,
                                     mode: config.train.stream, context: config.model.pairContext,
                                     pairStatistics: config.model.pairFeatures >= 2, state: point.stream)
        let json = try encodeConfig(config, provenance: output.provenance)
        guard root else {
            return TrainingRun(config: config, name: point.runName, folder: point.runFolder, configJSON: json, output: output,
                               state: state, stream: .training(try stream.partitioned(for: communicator), model: config.model),
                               log: TrainingLogWriter(path: "", configJSON: json), evalSuite: nil, elapsedBefore: 0,
                               initialStreamState: point.stream)
        }
        let oldLog = "\(output.logDir)/\(point.runName).json"
        var log: TrainingLogWriter
        do { log = try TrainingLogWriter.resuming(path: oldLog, configJSON: json, upTo: point.step) } catch {
            throw TrainingError("the run's log '\(oldLog)' cannot be read (\(describe(error))); move it away to resume with a new log, or pass the --log-dir that holds the run's log")
        }

        // Everything is checked: only now is a folder claimed or a file touched.
        let name: String, folder: String
        if !later.isEmpty {
            let base = output.runName ?? "\(point.runName)-from-\(point.step)"
            (name, folder) = try RunFolder.claim(output, base: base, suffixed: output.runName == nil)
            // The branch's log starts as the run's, up to the checkpoint's step.
            let branchLog = "\(output.logDir)/\(name).json"
            if let data = FileManager.default.contents(atPath: oldLog) { try AtomicFile.write(data, to: branchLog) }
            log = try TrainingLogWriter.resuming(path: branchLog, configJSON: json, upTo: point.step)
            try log.write()
        } else if RunFolder.same("\(output.checkpointDir)/\(point.runName)", point.runFolder) {
            (name, folder) = (point.runName, point.runFolder)
            try RunFolder.checkWritable(folder, option: "--checkpoint-dir")
            try FileManager.default.createDirectory(atPath: output.logDir, withIntermediateDirectories: true)
        } else {
            (name, folder) = try RunFolder.claim(output, base: point.runName, suffixed: false, logMayExist: true)
        }
        AtomicFile.removeStaleTemporaries(in: folder)
        let elapsed = log.series["elapsed"]?.last(where: { $0.isFinite }) ?? 0
        return TrainingRun(config: config, name: name, folder: folder, configJSON: json, output: output,
                           state: state, stream: .training(try stream.partitioned(for: communicator), model: config.model), log: log,
                           evalSuite: suite, elapsedBefore: elapsed, initialStreamState: point.stream)
    }

    /// The held-out suite, loaded before anything is written, so a suite that does not exist
    /// or does not fit the model refuses the run instead of failing at the first evaluation.
    static func heldOutSuite(_ output: OutputConfig, model: ModelConfig) throws -> [SCMDataset]? {
        guard output.evalEvery > 0 else { return nil }
        let suite = try loadSuite(output.evalSuite)
        if let n = suite.map(\.nodeCount).max(), n > model.maxNodes {
            throw TrainingError("--eval-suite \(output.evalSuite) has graphs of \(n) nodes but the model takes at most \(model.maxNodes); choose a suite with smaller graphs or raise --max-nodes")
        }
        return suite
    }

    static func encodeConfig(_ config: RunConfig, provenance: String? = nil) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(config), as: UTF8.self)
        guard let provenance else { return json }
        return "{\"provenance\":" + provenance + "," + json.dropFirst()
    }
}

/// A checkpoint to resume from, read once: the caller checks its config against what it was
/// asked for, then passes it to `TrainingRun.resuming`.
public struct ResumePoint {
    public let path: String
    public let config: RunConfig
    /// Completed steps.
    public let step: Int
    /// The run's name: the name of the checkpoint's folder.
    public let runName: String
    public let runFolder: String
    /// The number of ranks of the run that wrote it (1 before data parallelism).
    public let worldSize: Int
    let checkpoint: Checkpoint
    let stream: StreamState

    public init(_ path: String) throws {
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.read(path) } catch {
            throw TrainingError("--resume \(path): \(error)")
        }
        guard !checkpoint.weightsOnly else {
            throw TrainingError("\(path) is a weights-only export: it has no optimizer or data-stream state, so it cannot be resumed (resume from the run's own checkpoint; eval and predict can use this file)")
        }
        guard let json = checkpoint.config, let config = try? JSONDecoder().decode(RunConfig.self, from: Data(json.utf8)) else {
            throw TrainingError("\(path) has no pfn-train run config; it cannot be resumed (eval and predict can still use it)")
        }
        // The same validation a fresh run's options get: a crafted config never reaches a layer.
        if let problem = config.validationError() {
            throw TrainingError("\(path): its run config cannot be resumed: \(problem)")
        }
        guard let optimizerStep = checkpoint.optimizerStep else {
            throw TrainingError("\(path) has no optimizer state (/optim); it cannot be resumed (eval and predict can still use it)")
        }
        guard (0...(1 << 40)).contains(checkpoint.step), (0...(1 << 40)).contains(optimizerStep) else {
            throw TrainingError("\(path): step \(checkpoint.step), optimizer step \(optimizerStep); the file is damaged and cannot be resumed")
        }
        let stream: StreamState?
        do { stream = try RunCheckpoint.streamState(path, checkpoint: checkpoint, mode: config.train.stream) } catch {
            throw TrainingError("--resume \(path): \(error)")
        }
        guard let stream else {
            throw TrainingError("\(path) has no data-stream state; it cannot be resumed exactly")
        }
        self.path = path
        self.config = config
        worldSize = try RunCheckpoint.worldSize(path)
        self.checkpoint = checkpoint
        self.stream = stream
        step = Int(checkpoint.step)
        runFolder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        runName = URL(fileURLWithPath: runFolder).lastPathComponent
    }

    /// The model letter stored in the checkpoint.
    public var model: String { checkpoint.model }
}

/// An error's message without Foundation's "Error Domain=…" wrapping.
func describe(_ error: Error) -> String {
    guard type(of: error) is NSError.Type || error is CocoaError else { return "\(error)" }
    let ns = error as NSError
    return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
}

extension BatchStream {
    /// This rank's stream: the whole stream alone, else the rank's slice of every batch.
    func partitioned(for communicator: Communicator) throws -> BatchStream {
        communicator.size > 1 ? try partitioned(rank: communicator.rank, of: communicator.size) : self
    }
}
