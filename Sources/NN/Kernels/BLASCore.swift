import CKernels
import COpenBLAS

/// Which OpenBLAS kernel set ("core") runs the float32 products, and whether it is the one
/// this CPU deserves. OpenBLAS picks its core once, when the library loads, from its own CPU
/// table; a release older than the CPU (Debian's 0.3.21 on Sapphire/Emerald Rapids) falls
/// back to `Prescott`, SSE3 kernels about 5× slower than `SkylakeX` there. Only the
/// environment variable `OPENBLAS_CORETYPE`, read at load time, changes it, so the fix is
/// the executable's (re-executing itself, `BLASStartup` in TrainCLI); this type only tells.
public enum BLASCore {
    /// The core OpenBLAS loaded, e.g. "SkylakeX", "Haswell", "Prescott".
    public static var inUse: String { String(cString: openblas_get_corename()) }

    /// The widest SIMD this CPU and OS run: 2 AVX-512, 1 AVX2 + FMA, 0 neither.
    public static let simdLevel = Int(pfn_simd_level())

    /// The OpenBLAS core to ask for on a CPU of `simdLevel`: SkylakeX for AVX-512, Haswell
    /// for AVX2; nil when OpenBLAS's generic kernels are all the CPU can run anyway.
    public static func preferred(simdLevel: Int) -> String? {
        simdLevel >= 2 ? "SkylakeX" : simdLevel == 1 ? "Haswell" : nil
    }

    /// The SIMD level a core's sgemm kernels use (names as `openblas_get_corename` spells
    /// them, any case): 2 for the AVX-512 cores, 1 for the AVX2 ones, 0 for the rest
    /// (Prescott, Core2, Penryn, Nehalem, Sandybridge's AVX1, Atom, …).
    public static func simdLevel(ofCore core: String) -> Int {
        switch core.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": return 2
        case "haswell", "zen", "excavator", "steamroller": return 1
        default: return 0
        }
    }

    /// Whether `core` is a fallback on a CPU of `simdLevel`: its kernels are narrower than
    /// the CPU runs. (An AMD Zen 4 reported as `Zen` counts as one: OpenBLAS 0.3.22 and
    /// later run SkylakeX's kernels there themselves.)
    public static func isFallback(_ core: String, simdLevel: Int) -> Bool {
        self.simdLevel(ofCore: core) < min(simdLevel, 2)
    }

    /// The core to re-load OpenBLAS with, or nil when the core in use is already right.
    public static var replacement: String? {
        isFallback(inUse, simdLevel: simdLevel) ? preferred(simdLevel: simdLevel) : nil
    }
}
