import ArgumentParser
import Foundation
import NN

/// Puts OpenBLAS on the kernels this CPU deserves before any product runs. OpenBLAS chooses
/// its core when the library loads, before `main`, and only `OPENBLAS_CORETYPE` in the
/// environment at that moment changes the choice: when the core it loaded is a fallback
/// (`BLASCore.isFallback`, e.g. Prescott on an AVX-512 Xeon), pfn-train re-executes itself
/// once with `OPENBLAS_CORETYPE` set. A user's own `OPENBLAS_CORETYPE` is always respected,
/// and since the re-executed process has it set, it can never re-execute again.
enum BLASStartup {
    /// Set in the re-executed process to the core OpenBLAS had chosen by itself.
    static let detectedVariable = "PFN_TRAIN_OPENBLAS_DETECTED"

    static func useFastKernels() {
        #if os(Linux)
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, let core = BLASCore.replacement else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(detectedVariable, BLASCore.inUse, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when exec failed: carry on with the slow kernels, and say so.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(detectedVariable)
        FileHandle.standardError.write(Data("note: OpenBLAS runs its \(BLASCore.inUse) kernels on this CPU and re-executing with OPENBLAS_CORETYPE=\(core) failed (errno \(errno)); fp32 products are slower. Set OPENBLAS_CORETYPE=\(core) yourself to fix it.\n".utf8))
        #endif
    }

    /// One line for logs and benchmarks: the core in use and how it was chosen.
    static var summary: String {
        let env = ProcessInfo.processInfo.environment
        let core = BLASCore.inUse, level = ["no AVX2", "AVX2", "AVX-512"][min(BLASCore.simdLevel, 2)]
        var how: String
        if let detected = env[detectedVariable] {
            how = "OPENBLAS_CORETYPE set by pfn-train; OpenBLAS had detected \(detected)"
        } else if let user = env["OPENBLAS_CORETYPE"] {
            how = "OPENBLAS_CORETYPE=\(user) set by the user"
        } else {
            how = "detected by OpenBLAS"
        }
        if BLASCore.isFallback(core, simdLevel: BLASCore.simdLevel) { how += "; a fallback on this CPU" }
        return "OpenBLAS core: \(core) (\(how)); CPU: \(level)"
    }
}

/// `pfn-train blas-core` (hidden): prints `BLASStartup.summary`, so a test can check which
/// kernels the real executable runs.
struct BLASCoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas-core", abstract: "Print the OpenBLAS core in use and the CPU's SIMD level.",
        shouldDisplay: false)

    func run() { print(BLASStartup.summary) }
}
