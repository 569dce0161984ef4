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

    /// A new run: names it, creates its folders and builds the model from the config's seed.
    /// With several ranks (`communicator`), only rank 0 names the run and touches files; every
    /// rank draws its slice of each global batch. No collective is called here, so a rank's
    /// failure can be agreed on by the caller (`Communicator.agreeing`).
    public static func fresh(_ config: RunConfig, output: OutputConfig,
                             communicator: Communicator = SingleProcess()) throws -> TrainingRun {
        let root = communicator.isRoot
        let suite = root ? try heldOutSuite(output, model: config.model) : nil
        let stream = try BatchStream(config: config.prior, seed: config.train.seed, batchSize: config.train.batch,
                                     mode: config.train.stream, context: config.model.pairContext)
        let slices = try stream.partitioned(for: communicator)  // refuses --batch < K before any folder exists
        let name = root ? try RunFolder.name(output, variant: config.model.variant) : "rank-\(communicator.rank)"
        let folder = root ? try RunFolder.create(output, run: name) : ""
        let json = try encodeConfig(config, provenance: output.provenance)
        return TrainingRun(config: config, name: name, folder: folder, configJSON: json, output: output,
                           state: TrainingState(config: config, communicator: communicator),
                           stream: PrefetchingStream(slices),
                           log: TrainingLogWriter(path: "\(output.logDir)/\(name).json", configJSON: json),
                           evalSuite: suite, elapsedBefore: 0, initialStreamState: stream.state)
    }

    /// Continues the run of `point` (its folder names the run) up to `steps` in total; the
    /// log keeps its rows up to the checkpoint's step. Every rank reads the checkpoint (a
    /// shared filesystem on a cluster); rank 0 alone reads and rewrites the log. Another
    /// number of ranks than the checkpoint's is allowed (`ResumePoint.worldSize`).
    public static func resuming(_ point: ResumePoint, steps: Int, output: OutputConfig,
                                communicator: Communicator = SingleProcess()) throws -> TrainingRun {
        guard steps > point.step else {
            throw TrainingError("the checkpoint is at step \(point.step); --steps \(steps) is the total, so pass a larger value")
        }
        if let asked = output.runName, asked != point.runName {
            throw TrainingError("--run-name \(asked) differs from the resumed run '\(point.runName)' (the checkpoint's folder); a resumed run keeps its name, so drop --run-name")
        }
        var config = point.config
        config.train.steps = steps
        let root = communicator.isRoot
        let suite = root ? try heldOutSuite(output, model: config.model) : nil
        let state = TrainingState(config: config, communicator: communicator)
        try RunCheckpoint.restore(state, from: point.checkpoint)
        let stream = try BatchStream(config: config.prior, seed: config.train.seed, batchSize: config.train.batch,
                                     mode: config.train.stream, context: config.model.pairContext, state: point.stream)
        let json = try encodeConfig(config, provenance: output.provenance)
        guard root else {
            return TrainingRun(config: config, name: point.runName, folder: point.runFolder, configJSON: json, output: output,
                               state: state, stream: PrefetchingStream(try stream.partitioned(for: communicator)),
                               log: TrainingLogWriter(path: "", configJSON: json), evalSuite: nil, elapsedBefore: 0,
                               initialStreamState: point.stream)
        }
        if let problem = RunFolder.problem(output.logDir) {
            throw TrainingError("--log-dir '\(output.logDir)' cannot be used: \(problem); choose another --log-dir")
        }
        try FileManager.default.createDirectory(atPath: output.logDir, withIntermediateDirectories: true)
        let log = try TrainingLogWriter.resuming(path: "\(output.logDir)/\(point.runName).json", configJSON: json, upTo: point.step)
        let elapsed = log.series["elapsed"]?.last(where: { $0.isFinite }) ?? 0
        return TrainingRun(config: config, name: point.runName, folder: point.runFolder, configJSON: json, output: output,
                           state: state, stream: PrefetchingStream(try stream.partitioned(for: communicator)), log: log,
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
        guard let json = checkpoint.config, let config = try? JSONDecoder().decode(RunConfig.self, from: Data(json.utf8)) else {
            throw TrainingError("\(path) has no pfn-train run config; it cannot be resumed (eval and predict can still use it)")
        }
        guard let stream = try RunCheckpoint.streamState(path, checkpoint: checkpoint, mode: config.train.stream) else {
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

/// Naming a run and creating its folders, refusing before anything is written.
enum RunFolder {
    /// The model letter by default, suffixed -2, -3, … so an earlier run is never overwritten.
    static func name(_ output: OutputConfig, variant: Variant) throws -> String {
        func taken(_ n: String) -> Bool {
            FileManager.default.fileExists(atPath: "\(output.logDir)/\(n).json")
                || FileManager.default.fileExists(atPath: "\(output.checkpointDir)/\(n)")
        }
        if let name = output.runName {
            if taken(name) {
                throw TrainingError("run '\(name)' exists (\(output.logDir)/\(name).json or \(output.checkpointDir)/\(name)/); pick another --run-name or continue it with --resume \(output.checkpointDir)/\(name)/final.h5")
            }
            return name
        }
        var name = variant.rawValue, k = 2
        while taken(name) { name = "\(variant.rawValue)-\(k)"; k += 1 }
        return name
    }

    /// Creates the log folder and the run's checkpoint folder, after checking both can be
    /// created, so a refused run leaves no empty folder behind.
    static func create(_ output: OutputConfig, run: String) throws -> String {
        let folder = "\(output.checkpointDir)/\(run)"
        let dirs = [(output.logDir, "--log-dir"), (folder, "--checkpoint-dir")]
        for (dir, option) in dirs {
            if let problem = problem(dir) {
                throw TrainingError("\(option) '\(dir)' cannot be used: \(problem); choose another \(option)")
            }
        }
        for (dir, option) in dirs {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw TrainingError("\(option): cannot create folder '\(dir)' (\(error.localizedDescription)); choose another \(option)")
            }
        }
        return folder
    }

    /// Why `dir` cannot be (created and) written, judged from its nearest existing ancestor.
    static func problem(_ dir: String) -> String? {
        var path = URL(fileURLWithPath: dir).standardizedFileURL
        while true {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path.path, isDirectory: &isDir) {
                if !isDir.boolValue { return "'\(path.path)' is a file, not a folder" }
                return FileManager.default.isWritableFile(atPath: path.path) ? nil : "folder '\(path.path)' is not writable"
            }
            let parent = path.deletingLastPathComponent()
            if parent.path == path.path { return nil }
            path = parent
        }
    }
}

extension BatchStream {
    /// This rank's stream: the whole stream alone, else the rank's slice of every batch.
    func partitioned(for communicator: Communicator) throws -> BatchStream {
        communicator.size > 1 ? try partitioned(rank: communicator.rank, of: communicator.size) : self
    }
}
