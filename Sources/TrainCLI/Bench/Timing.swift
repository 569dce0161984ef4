import AtomicFile
import Foundation
import NN
import Randomness
import SCMGen

/// Wall and process-CPU milliseconds of `count` repetitions of `body` after `warmup`
/// untimed ones. CPU time covers all threads: at 1 thread it is a load-robust check on the
/// wall time (other processes inflate wall time but hardly CPU time).
func timeRepetitions(count: Int, warmup: Int, _ body: () throws -> Void) rethrows -> (wall: [Double], cpu: [Double]) {
    for _ in 0..<warmup { try body() }
    var wall: [Double] = [], cpu: [Double] = []
    for _ in 0..<count {
        let t0 = DispatchTime.now().uptimeNanoseconds, c0 = processCPUNanoseconds()
        try body()
        wall.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        cpu.append(Double(processCPUNanoseconds() - c0) / 1e6)
    }
    return (wall, cpu)
}

func processCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// The q-quantile (0...1) with linear interpolation between order statistics (numpy's
/// default, so medians and IQRs compare with reference/torch_bench.py's).
func quantile(_ xs: [Double], _ q: Double) -> Double {
    precondition(!xs.isEmpty, "quantile of no values")
    let s = xs.sorted(), pos = q * Double(s.count - 1)
    let lo = Int(pos.rounded(.down)), hi = min(lo + 1, s.count - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
}

func median(_ xs: [Double]) -> Double { quantile(xs, 0.5) }

/// GFLOP/s of NN's `matmul` on two random s×s matrices at the current `Threads.count`: the
/// ceiling that model FLOPs utilisation is measured against (median of 5 after 1 warm-up).
func sgemmRate(size s: Int) -> Double {
    var rng = Xoshiro256(seed: 1)
    let a = Tensor(shape: [s, s], scalars: (0..<(s * s)).map { _ in rng.nextFloat() })
    let b = Tensor(shape: [s, s], scalars: (0..<(s * s)).map { _ in rng.nextFloat() })
    let ms = median(Tape.withoutRecording { timeRepetitions(count: 5, warmup: 1) { _ = matmul(a, b) } }.wall)
    return 2 * pow(Double(s), 3) / (ms / 1e3) / 1e9
}

/// The machine as the benchmark saw it: CPU model, logical CPUs, load averages.
struct MachineInfo: Codable {
    var cpuModel: String
    var logicalCPUs: Int
    var loadAverage: String

    static func current() -> MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
            .split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown"
        return MachineInfo(cpuModel: model, logicalCPUs: ProcessInfo.processInfo.activeProcessorCount, loadAverage: load)
    }
}

/// Peak resident set size of this process in MB (Linux reports ru_maxrss in KiB).
func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// Batches drawn from `stream` on this thread until `seconds` have passed, and the seconds
/// taken (the loop's own clock, the one `timeRepetitions` uses).
func streamRate(_ stream: inout BatchStream, seconds: Double) -> (batches: Int, seconds: Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    var count = 0, elapsed = 0.0
    while elapsed < seconds {
        _ = stream.next()
        count += 1
        elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    return (count, elapsed)
}

/// Writes a bench report as pretty, key-sorted JSON (`--json PATH`), creating its folder.
func writeBenchReport<R: Encodable>(_ report: R, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try AtomicFile.write(encoder.encode(report), to: path)
    print("wrote \(path)")
}
