import Foundation
import NN
import Training

/// A user-facing error: printed as one line, exit code 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// A diverged run's one line: what went wrong and which checkpoint, if any, is the last good
/// one (every checkpoint written is finite; one of non-finite state is never written).
func divergenceMessage(_ error: Error, _ run: TrainingRun) -> String {
    let what = error is NonFiniteLossError ? "\(error); stopped without updating" : "\(error); stopped without saving it"
    let kept = run.latestCheckpoint.map { "the last good checkpoint is \($0)" }
        ?? "no checkpoint was written before it (\(run.folder)/ is empty)"
    return "\(what); \(kept) (try a lower --lr or --grad-clip 1)"
}

/// Refuses an output path that names one of the command's inputs (a predictions file written
/// over its checkpoint or suite would destroy it). Paths are compared as files: the same
/// inode, so `./c.h5`, `c.h5` and a link to it are one.
func refuseOutputOverInput(_ output: String, option: String, inputs: [(path: String, option: String)]) throws {
    var out = stat()
    guard stat(output, &out) == 0 else { return }   // a new file cannot be an input
    for input in inputs {
        var st = stat()
        if stat(input.path, &st) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino {
            throw CLIError("\(option) \(output) is the \(input.option) file; write the output to another path")
        }
    }
}
