import HDF5Kit

/// How a weights-only file stores its parameters.
public enum ParameterDType: String, CaseIterable, Sendable {
    /// IEEE float32: the parameters bit for bit, predictions identical to the source's.
    case float32
    /// bfloat16 (the top 16 bits of float32, rounded to nearest even): half the size; 8
    /// mantissa bits, so each parameter moves by at most 2^-9 of its magnitude.
    case bfloat16
}

extension Checkpoint {
    /// Root attribute `contents` of a weights-only file.
    public static let weightsOnlyContents = "weights-only"

    /// Writes this checkpoint's parameters, model letter, config and step as a weights-only
    /// file (docs/file-formats.md §3.1), atomically: the root attributes of §3 plus
    /// `contents = "weights-only"`, `param_dtype` ("float32" or "bfloat16") and `export`
    /// (`provenance`, a JSON object), and /params alone — no /optim, /rng or /stream, so the
    /// file can be read for inference but not resumed. Throws, writing nothing, if a
    /// parameter is not finite or (bfloat16) lies beyond bfloat16's range.
    public func writeWeightsOnly(to path: String, dtype: ParameterDType, provenance: String) throws {
        var packed: [String: [UInt16]] = [:]
        for key in params.keys.sorted() {
            let p = params[key]!
            if let problem = NamedArray.firstNonFinite(p.values, shape: p.shape) {
                throw CheckpointError("parameter \(key) has \(problem); a diverged model cannot be exported (use an earlier checkpoint)")
            }
            guard dtype == .bfloat16 else { continue }
            let bits = p.values.map(bfloat16Bits)
            if let i = bits.firstIndex(where: { $0 & 0x7F80 == 0x7F80 }) {
                throw CheckpointError("parameter \(key) holds \(p.values[i]), beyond bfloat16's range (±3.4e38); export with --dtype fp32")
            }
            packed[key] = bits
        }
        try H5File.writeAtomically(path) { file in
            let root = try file.root
            try root.setAttribute("format", Checkpoint.format)
            try root.setAttribute("format_version", Checkpoint.formatVersion)
            try root.setAttribute("model", model)
            if let config { try root.setAttribute("config", config) }
            try root.setAttribute("step", step)
            try root.setAttribute("contents", Checkpoint.weightsOnlyContents)
            try root.setAttribute("param_dtype", dtype.rawValue)
            try root.setAttribute("export", provenance)
            let g = try root.createGroup("params")
            for key in params.keys.sorted() {
                if let bits = packed[key] {
                    try g.writeBFloat16(key, bits: bits, shape: params[key]!.shape)
                } else {
                    try g.write(key, params[key]!.values, shape: params[key]!.shape)
                }
            }
        }
    }
}

/// The bfloat16 nearest to `x` (ties to even), as its bit pattern: the upper half of the
/// float32 after rounding the lower half away. NaN is not expected (callers check finiteness).
public func bfloat16Bits(_ x: Float) -> UInt16 {
    let b = x.bitPattern
    return UInt16(truncatingIfNeeded: (b &+ 0x7FFF &+ ((b >> 16) & 1)) >> 16)
}

/// The float32 value of a bfloat16 bit pattern (exact).
public func bfloat16Value(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}
