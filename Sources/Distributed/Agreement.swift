/// Decisions every rank must take together. A rank that throws on its own (a file it cannot
/// write, a checkpoint it cannot read) while the others go on to the next collective would
/// leave them waiting there; so local work that can fail runs inside `agreeing`, whose one
/// small allreduce tells every rank whether any failed, and all ranks then throw together.

/// Other ranks failed inside `agreeing` (their own error was raised, and printed, there).
public struct PeerFailure: Error, CustomStringConvertible {
    /// The ranks whose work failed, ascending.
    public let ranks: [Int]
    public var description: String {
        let list = ranks.map(String.init).joined(separator: ", ")
        return "rank\(ranks.count == 1 ? "" : "s") \(list) of this run failed (\(ranks.count == 1 ? "its" : "their") message is printed above); every rank stopped"
    }
}

extension Communicator {
    /// Runs `body` on this rank, then agrees with the others on whether every rank's body
    /// succeeded: this rank's error is rethrown, and a rank whose body succeeded while another
    /// failed throws `PeerFailure`. One allreduce of `size` floats (none for one process).
    public func agreeing<T>(_ body: () throws -> T) throws -> T {
        guard size > 1 else { return try body() }
        var result: Result<T, Error>
        do { result = .success(try body()) } catch { result = .failure(error) }
        var failed = [Float](repeating: 0, count: size)  // [K] 1 at the ranks that failed
        if case .failure = result { failed[rank] = 1 }
        try allreduceSum(&failed)
        switch result {
        case .failure(let error): throw error
        case .success(let value):
            let ranks = failed.indices.filter { failed[$0] != 0 }
            if !ranks.isEmpty { throw PeerFailure(ranks: ranks) }
            return value
        }
    }

    /// True on every rank when `local` is true on any (a stop request: Ctrl-C reaches the
    /// ranks at different moments, and they must stop after the same step).
    public func any(_ local: Bool) throws -> Bool {
        guard size > 1 else { return local }
        var flag: [Float] = [local ? 1 : 0]
        try allreduceSum(&flag)
        return flag[0] != 0
    }
}
