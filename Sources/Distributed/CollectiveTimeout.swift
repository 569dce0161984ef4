/// A limit on how long one collective may wait for the other ranks. Open MPI 4.1 has none
/// of its own (only `mpirun --timeout`, for the whole job), and a rank that is alive but
/// never joins (stuck, or gone down another code path) would otherwise hang the rest for
/// ever. With a timeout the collectives are issued nonblocking and polled until `seconds`
/// pass, then throw. The clock is passed in: library code reads none (the executable gives
/// a monotonic one).
public struct CollectiveTimeout: Sendable {
    public let seconds: Double
    /// Seconds on a monotonic clock.
    public let now: @Sendable () -> Double

    public init(seconds: Double, now: @escaping @Sendable () -> Double) {
        self.seconds = seconds
        self.now = now
    }
}
