import ArgumentParser
import Distributed
import Foundation
import Training

/// Runs one process's part of a command and ends MPI the way the outcome requires: after
/// success or an error every rank agreed on, `finalize` (mpirun then exits with the ranks'
/// status); after a failed or timed-out collective, when the ranks no longer agree on where
/// they are, `abort`, which makes mpirun end every rank instead of leaving them waiting.
/// Rank 0 reports errors; another rank only its own (not one rank 0 also reports).
func runAsRank(of comm: Communicator, _ body: () throws -> Void) throws {
    do {
        try body()
        try comm.finalize()
    } catch let error as CommunicatorError {
        let note = comm.size > 1 ? "; ending every rank (the last complete checkpoint is kept)" : ""
        FileHandle.standardError.write(Data("pfn-train rank \(comm.rank) of \(comm.size): \(error)\(note)\n".utf8))
        comm.abort(code: 1)
    } catch {
        try? comm.finalize()
        guard !comm.isRoot else { throw error }
        if error is ExitCode || error is PeerFailure { throw error is ExitCode ? error : ExitCode.failure }
        FileHandle.standardError.write(Data("pfn-train rank \(comm.rank) of \(comm.size): \(error)\n".utf8))
        throw ExitCode.failure
    }
}

/// Says when a resumed run has another number of ranks than the run that wrote its
/// checkpoint (allowed: docs/distributed.md, "Rank 0 writes; resume across K").
func noteWorldSizeChange(_ point: ResumePoint, _ comm: Communicator) {
    guard point.worldSize != comm.size else { return }
    let (was, now) = (point.worldSize, comm.size)
    FileHandle.standardError.write(Data("""
        note: \(point.path) was written by a run of \(was) process\(was == 1 ? "" : "es") and this run has \(now): the model, \
        AdamW, the schedule and the data stream continue exactly, but the dropout/Gumbel noise of each rank does not, so the \
        result is not bit-identical to a straight run of either size

        """.utf8))
}

/// Seconds on a monotonic clock, for the collective timeout.
@Sendable func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
