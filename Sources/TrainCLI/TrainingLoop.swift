import ArgumentParser
import Evaluation
import Foundation
import Models
import NN
import SCMGen

/// Set by the SIGINT handler; the loop checks it between steps.
nonisolated(unsafe) var interruptRequested: sig_atomic_t = 0

/// One training run, top to bottom: data → step → log → checkpoint → (held-out eval), until
/// `steps`; then `final.h5`. The run's files: `<log-dir>/<run>.json` and
/// `<checkpoint-dir>/<run>/step-<k>.h5`, `final.h5`.
struct TrainingLoop {
    let config: RunConfig
    let configJSON: String
    let runName: String
    let runDir: String
    let output: OutputOptions
    let trainer: Trainer
    let stream: PrefetchingStream
    var log: TrainingLogWriter
    /// Wall seconds spent by earlier segments of a resumed run.
    let elapsedBefore: Double
    /// The stream's state before the first batch of this segment (a checkpoint taken before
    /// any step still resumes exactly).
    let initialState: StreamState
    var evalSuite: [SCMDataset]?

    // MARK: Set-up

    static func fresh(config: RunConfig, output: OutputOptions) throws -> TrainingLoop {
        let name = try runName(output, variant: config.model.variant)
        let runDir = try prepareFolders(output, run: name)
        let json = try encodeConfig(config)
        let stream = try BatchStream(config: config.prior, seed: config.train.seed, batchSize: config.train.batch,
                                     mode: config.train.stream, context: config.model.pairContext)
        return TrainingLoop(config: config, configJSON: json, runName: name, runDir: runDir, output: output,
                            trainer: Trainer(config: config), stream: PrefetchingStream(stream),
                            log: TrainingLogWriter(path: "\(output.logDir)/\(name).json", configJSON: json),
                            elapsedBefore: 0, initialState: stream.state)
    }

    /// Continues the run of checkpoint `path` (its folder names the run) up to `--steps`.
    static func resuming(_ path: String, command: TrainCommand) throws -> TrainingLoop {
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint.read(path) } catch {
            throw CLIError("--resume \(path): \(error)")
        }
        guard let json = checkpoint.config, var config = try? JSONDecoder().decode(RunConfig.self, from: Data(json.utf8)) else {
            throw CLIError("\(path) has no pfn-train run config; it cannot be resumed (eval and predict can still use it)")
        }
        if let m = command.model, m.uppercased() != checkpoint.model {
            throw CLIError("--model \(m) does not match the checkpoint's model \(checkpoint.model); drop --model or pick another checkpoint")
        }
        if let flag = command.modelOptions.given.first {
            throw CLIError("\(flag) cannot change when resuming (the checkpoint fixes the model's shape); drop it")
        }
        let conflicts = try resumeConflicts(command, checkpoint: config)
        if !conflicts.isEmpty {
            throw CLIError("a resumed run keeps its checkpoint's config, but the flags ask for \(conflicts.joined(separator: ", ")); drop them (only --steps and output options may change)")
        }
        guard command.steps > checkpoint.step else {
            throw CLIError("the checkpoint is at step \(checkpoint.step); --steps \(command.steps) is the total, so pass a larger value")
        }
        config.train.steps = command.steps
        let trainer = try Trainer(config: config, resumingFrom: checkpoint)
        guard let state = StreamState(checkpoint: checkpoint, mode: config.train.stream) else {
            throw CLIError("\(path) has no data-stream state; it cannot be resumed exactly")
        }
        let stream = try BatchStream(config: config.prior, seed: config.train.seed, batchSize: config.train.batch,
                                     mode: config.train.stream, context: config.model.pairContext, state: state)
        let runDir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let name = URL(fileURLWithPath: runDir).lastPathComponent
        if let asked = command.output.runName, asked != name {
            throw CLIError("--run-name \(asked) differs from the resumed run '\(name)' (the checkpoint's folder); a resumed run keeps its name, so drop --run-name")
        }
        if let problem = folderProblem(command.output.logDir) {
            throw CLIError("--log-dir '\(command.output.logDir)' cannot be used: \(problem); choose another --log-dir")
        }
        try FileManager.default.createDirectory(atPath: command.output.logDir, withIntermediateDirectories: true)
        let newJSON = try encodeConfig(config)
        let log = try TrainingLogWriter.resuming(path: "\(command.output.logDir)/\(name).json", configJSON: newJSON,
                                                 upTo: Int(checkpoint.step))
        let elapsed = log.series["elapsed"]?.last(where: { $0.isFinite }) ?? 0
        return TrainingLoop(config: config, configJSON: newJSON, runName: name, runDir: runDir, output: command.output,
                            trainer: trainer, stream: PrefetchingStream(stream), log: log, elapsedBefore: elapsed,
                            initialState: state)
    }

    /// The model letter by default, suffixed -2, -3, … so an earlier run is never overwritten.
    static func runName(_ output: OutputOptions, variant: Variant) throws -> String {
        func taken(_ n: String) -> Bool {
            FileManager.default.fileExists(atPath: "\(output.logDir)/\(n).json")
                || FileManager.default.fileExists(atPath: "\(output.checkpointDir)/\(n)")
        }
        if let name = output.runName {
            if taken(name) {
                throw CLIError("run '\(name)' exists (\(output.logDir)/\(name).json or \(output.checkpointDir)/\(name)/); pick another --run-name or continue it with --resume \(output.checkpointDir)/\(name)/final.h5")
            }
            return name
        }
        var name = variant.rawValue, k = 2
        while taken(name) { name = "\(variant.rawValue)-\(k)"; k += 1 }
        return name
    }

    /// Creates the log folder and the run's checkpoint folder, after checking both can be
    /// created, so a refused run leaves no empty folder behind.
    static func prepareFolders(_ output: OutputOptions, run: String) throws -> String {
        let runDir = "\(output.checkpointDir)/\(run)"
        let dirs = [(output.logDir, "--log-dir"), (runDir, "--checkpoint-dir")]
        for (dir, option) in dirs {
            if let problem = folderProblem(dir) {
                throw CLIError("\(option) '\(dir)' cannot be used: \(problem); choose another \(option)")
            }
        }
        for (dir, option) in dirs {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                throw CLIError("\(option): cannot create folder '\(dir)' (\(error.localizedDescription)); choose another \(option)")
            }
        }
        return runDir
    }

    /// Why `dir` cannot be (created and) written, judged from its nearest existing ancestor.
    static func folderProblem(_ dir: String) -> String? {
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

    static func encodeConfig(_ config: RunConfig) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(config), as: UTF8.self)
    }

    // MARK: The loop

    mutating func run() throws {
        signal(SIGINT) { _ in interruptRequested = 1 }
        let total = config.train.steps
        if output.evalEvery > 0 { evalSuite = try loadSuite(output.evalSuite) }
        let progress = Progress(total: total, startStep: trainer.step)
        let clock = ContinuousClock(), start = clock.now
        var lastState: StreamState? = initialState
        print("run \(runName): model \(config.model.variant.rawValue), \(trainer.model.parameterCount) parameters, steps \(trainer.step + 1)…\(total), log \(log.path), checkpoints \(runDir)/")

        while trainer.step < total {
            if interruptRequested != 0 {
                try save("step-\(trainer.step).h5", state: lastState)
                try log.write()
                progress.finish()
                print("interrupted at step \(trainer.step): saved \(runDir)/step-\(trainer.step).h5 and \(log.path)")
                throw ExitCode(130)
            }
            let batch = stream.next()
            let result: StepResult
            do { result = try trainer.step(batch) } catch let error as NonFiniteLossError {
                try log.write()
                progress.finish()
                throw CLIError("\(error); stopped without updating. The last good checkpoint is kept in \(runDir)/ (try a lower --lr or --grad-clip 1)")
            }
            lastState = batch.streamState
            let step = result.step
            let elapsed = elapsedBefore + seconds(clock.now - start)

            if step == 1 || step % output.logEvery == 0 || step == total {
                log.append(row(result, batch, elapsed: elapsed))
                try log.write()
                progress.logLine(step: step, loss: result.loss, shd: log.series["shd"]!.last!, elapsed: elapsed - elapsedBefore)
            }
            if output.checkpointEvery > 0 && step % output.checkpointEvery == 0 && step != total {
                try save("step-\(step).h5", state: lastState)
            }
            if output.evalEvery > 0 && (step % output.evalEvery == 0 || step == total) {
                try evaluate(step: step)
            }
            progress.update(step: step, loss: result.loss, elapsed: elapsed - elapsedBefore)
        }
        try save("final.h5", state: lastState)
        try log.write()
        progress.finish()
        print("done: \(runDir)/final.h5, \(log.path)")
    }

    /// One log row: the notebook's keys plus the other loss terms and bookkeeping.
    func row(_ r: StepResult, _ batch: TrainingBatch, elapsed: Double) -> [(String, Double)] {
        let shd = BatchSHD(logits: r.logits, batch: batch)
        var values: [(String, Double)] = [
            ("step", Double(r.step)), ("loss", Double(r.loss)), ("delta_mse", Double(r.terms.deltaMSE)),
            ("dag_bce", Double(r.terms.dagBCE)), ("shd", shd.notebook), ("acyclicity", Double(r.terms.acyclicity)),
            ("shd_standard", shd.standard), ("delta_huber", Double(r.terms.deltaHuber)),
            ("l1", Double(r.terms.sparsity)), ("acyclicity_weight", Double(r.acyclicityWeight)),
            ("lr", Double(r.learningRate)), ("elapsed", elapsed),
        ]
        if config.model.variant == .C { values.append(("tau", Double(r.tau))) }
        if config.train.gradClip > 0 { values.append(("grad_norm", Double(r.gradNorm))) }
        return values
    }

    func save(_ file: String, state: StreamState?) throws {
        try trainer.checkpoint(configJSON: configJSON, streamState: state).write(to: "\(runDir)/\(file)")
    }

    mutating func evaluate(step: Int) throws {
        guard let suite = evalSuite else { return }
        let evaluator = Evaluator()
        let report = evaluator.report(try evaluator.evaluate(ModelPredictor(trainer.model), on: suite),
                                      suite: output.evalSuite, step: step)
        var values: [(String, Double)] = [("eval_step", Double(step))]
        values += report.logSeries().sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        log.append(values)
        try log.write()
    }
}

func loadSuite(_ nameOrPath: String) throws -> [SCMDataset] {
    if FileManager.default.fileExists(atPath: nameOrPath) { return try SCMSuiteFile.read(nameOrPath) }
    return try BuiltinSuites.datasets(nameOrPath)
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// The notebook's `compute_shd` (logits > 0 vs the truth, differing entries, mean over items)
/// and the standard SHD (a reversed edge counts once), on each item's real nodes.
struct BatchSHD {
    var notebook = 0.0, standard = 0.0

    init(logits: [Float], batch: TrainingBatch) {
        let n = batch.maxNodes
        for b in 0..<batch.batchSize {
            let m = batch.nodeCounts[b]
            var probs = [Float](repeating: 0, count: m * m), truth = [UInt8](repeating: 0, count: m * m)
            for i in 0..<m {
                for j in 0..<m {
                    let k = (b * n + i) * n + j
                    probs[i * m + j] = logits[k] > 0 ? 1 : 0
                    truth[i * m + j] = batch.adjacency[k] != 0 ? 1 : 0
                }
            }
            let g = GraphMetrics(probabilities: probs, adjacency: truth, nodeCount: m)
            notebook += Double(g.notebookSHD)
            standard += Double(g.shd)
        }
        notebook /= Double(max(batch.batchSize, 1))
        standard /= Double(max(batch.batchSize, 1))
    }
}
