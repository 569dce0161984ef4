import ArgumentParser
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
    @Option(help: "Log every K steps (and at step 1).")
    var logEvery = 100
    @Option(help: "Checkpoint every K steps (0 = only the final one).")
    var checkpointEvery = 500
    @Option(help: "Evaluate on a held-out suite every K steps (0 = never).")
    var evalEvery = 0
    @Option(help: "With --eval-every: built-in suite (n10, n20, n50, …) or suite file (default n20).")
    var evalSuite: String?
    @Option(help: "Resume from this checkpoint (written by pfn-train) up to --steps.")
    var resume: String?

    /// What the training library needs of these options.
    var config: OutputConfig {
        var c = OutputConfig()
        // A resumed run continues beside its checkpoint unless told otherwise.
        let resumedRuns = resume.map { path -> String in
            let parent = ((path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
            return parent.isEmpty ? "." : parent
        }
        (c.runName, c.checkpointDir, c.logDir) = (runName, checkpointDir ?? resumedRuns ?? "checkpoints", logDir)
        (c.logEvery, c.checkpointEvery, c.evalEvery) = (logEvery, checkpointEvery, evalEvery)
        if let s = evalSuite { c.evalSuite = s }
        return c
    }

    func validate() throws {
        if logEvery < 1 { throw ValidationError("--log-every is \(logEvery); it must be at least 1") }
        if checkpointEvery < 0 { throw ValidationError("--checkpoint-every must be 0 (off) or positive") }
        if evalEvery < 0 { throw ValidationError("--eval-every must be 0 (off) or positive") }
        if evalSuite != nil && evalEvery == 0 {
            throw ValidationError("--eval-suite applies only with --eval-every K (held-out evaluation every K steps); add --eval-every or drop --eval-suite")
        }
        if let name = runName, let problem = RunName.problem(name) { throw ValidationError(problem) }
        if let r = resume, !FileManager.default.fileExists(atPath: r) {
            throw ValidationError("--resume: no such checkpoint '\(r)'")
        }
    }
}
