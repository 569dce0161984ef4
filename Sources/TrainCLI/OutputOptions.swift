import ArgumentParser
import Evaluation
import Foundation
import Training

/// Where the run writes, how often, and what it resumes from.
struct OutputOptions: ParsableArguments {
    @Option(help: "Run name (default: the model letter, suffixed -2, -3, … if taken).")
    var runName: String?
    @Option(help: "Folder of checkpoints (one sub-folder per run; default checkpoints, or with --resume the resumed run's).")
    var checkpointDir: String?
    @Option(help: "Folder of JSON training logs.")
    var logDir = "logs"
    // Optional so that a resumed run keeps its own settings unless they are given again.
    @Option(help: "Log every K steps (and at step 1; default 100).")
    var logEvery: Int?
    @Option(help: "Checkpoint every K steps (0 = only the final one; default 500).")
    var checkpointEvery: Int?
    @Option(help: "Evaluate on a held-out suite every K steps (0 = never, the default).")
    var evalEvery: Int?
    @Option(help: "With --eval-every: built-in suite (n10, n20, n50, …) or suite file (default n20).",
            completion: .list(BuiltinSuites.names))
    var evalSuite: String?
    @Option(help: "Resume from this checkpoint, a run's folder (its newest checkpoint) or 'latest' (the newest run in --checkpoint-dir, or --run-name's), up to --steps.",
            completion: .file(extensions: ["h5"]))
    var resume: String?

    /// What the training library needs of these options.
    var config: OutputConfig {
        var c = OutputConfig()
        // With --resume and no --checkpoint-dir, TrainCommand continues beside the checkpoint.
        (c.runName, c.checkpointDir, c.logDir) = (runName, checkpointDir ?? "checkpoints", logDir)
        (c.logEvery, c.checkpointEvery, c.evalEvery) = (logEvery ?? c.logEvery, checkpointEvery ?? c.checkpointEvery, evalEvery ?? c.evalEvery)
        if let s = evalSuite { c.evalSuite = s }
        return c
    }

    func validate() throws {
        if let v = logEvery, v < 1 { throw ValidationError("--log-every is \(v); it must be at least 1") }
        if let v = checkpointEvery, v < 0 { throw ValidationError("--checkpoint-every must be 0 (off) or positive") }
        if let v = evalEvery, v < 0 { throw ValidationError("--eval-every must be 0 (off) or positive") }
        if evalSuite != nil && (evalEvery ?? 0) == 0 && resume == nil {
            throw ValidationError("--eval-suite applies only with --eval-every K (held-out evaluation every K steps); add --eval-every or drop --eval-suite")
        }
        if let name = runName, let problem = RunName.problem(name) { throw ValidationError(problem) }
        if let r = resume, r != "latest", !FileManager.default.fileExists(atPath: r) {
            throw ValidationError("--resume: no such checkpoint '\(r)'")
        }
    }
}
