import Foundation
import NN
import Training

/// The release this source tree is. Bump with every change of the file formats or the options.
let pfnTrainVersion = "0.2.0"

/// The git commit the binary was built from. `scripts/setup.sh` writes the git-ignored
/// `BuildStamp+Commit.swift` beside this file, declaring `BuildStamp.commit` on the type
/// itself, which shadows this default; a build without it (plain `swift build`) says "unknown".
protocol BuildStampDefaults {}
extension BuildStampDefaults {
    static var commit: String { "unknown" }
}
struct BuildStamp: BuildStampDefaults {
    /// `pfn-train 0.2.0 (commit 1a2b3c4)`.
    static var versionLine: String { "pfn-train \(pfnTrainVersion) (commit \(commit))" }
}

/// What a run records about how and where it ran (the log's and checkpoints' `provenance`):
/// the version, the command line, the start time, the CPU, threads and the precision the
/// matrix products actually used (bf16, or fp32 where the CPU has no AVX-512 BF16).
func provenanceJSON(threads: Int, precision: MatmulPrecision, output: OutputConfig) -> String {
    var settings: [String: Any] = ["log_every": output.logEvery, "checkpoint_every": output.checkpointEvery, "eval_every": output.evalEvery]
    if output.evalEvery > 0 { settings["eval_suite"] = output.evalSuite }
    let object: [String: Any] = [
        "output": settings,
        "version": pfnTrainVersion, "commit": BuildStamp.commit,
        "command_line": CommandLine.arguments.map(shellQuoted).joined(separator: " "),
        "started": ISO8601DateFormatter().string(from: Date()),
        "cpu_model": MachineInfo.current().cpuModel, "threads": threads,
        "precision_used": (precision == .bfloat16 && MatmulPrecision.bfloat16Supported) ? "bf16" : "fp32",
    ]
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}

/// An argument as a shell reads it back (so a logged command line can be pasted).
func shellQuoted(_ s: String) -> String {
    let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_./=,:+@%"))
    if !s.isEmpty && s.unicodeScalars.allSatisfy(safe.contains) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// The machine's cores, capped: more threads than this gain little on these matrix sizes.
let threadCap = 8
let machineThreads = max(1, min(ProcessInfo.processInfo.activeProcessorCount, threadCap))
