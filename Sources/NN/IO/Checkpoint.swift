import Foundation
import HDF5Kit

/// A named float32 array (a parameter or optimizer moment as stored in a file).
public struct NamedArray: Equatable {
    public var shape: [Int]
    public var values: [Float]
    public init(shape: [Int], values: [Float]) { self.shape = shape; self.values = values }
}

extension NamedArray {
    /// "NaN at [i, j]" for the first non-finite value, or nil when all are finite.
    static func firstNonFinite(_ values: [Float], shape: [Int]) -> String? {
        guard let i = firstNonFiniteIndex(values) else { return nil }
        var rest = i, index: [Int] = []
        for d in shape.reversed() { index.append(d > 0 ? rest % d : 0); rest /= max(d, 1) }
        let x = values[i]
        return "\(x.isNaN ? "NaN" : x > 0 ? "inf" : "-inf") at \(Array(index.reversed()))"
    }
}

/// The index of the first NaN or ±Inf, or nil (a fast pass first: most arrays are clean).
func firstNonFiniteIndex(_ values: UnsafeBufferPointer<Float>) -> Int? {
    var bad = false
    for x in values where !x.isFinite { bad = true; break }
    return bad ? values.firstIndex { !$0.isFinite } : nil
}

func firstNonFiniteIndex(_ values: [Float]) -> Int? {
    values.withUnsafeBufferPointer { firstNonFiniteIndex($0) }
}

public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A training checkpoint in the layout of file-formats.md §3. Generic: it holds named
/// tensors and metadata; the caller decides the model letter and the config JSON.
///   root attrs: format = "pfn-checkpoint", format_version = 1, model, config (JSON), step
///   /params/<state_dict key>            float32, PyTorch shape
///   /optim (attr step)/exp_avg/<key>, /optim/exp_avg_sq/<key>   AdamW moments
///   /rng/<name>                         int64[4]: xoshiro256 state words (bit patterns)
/// A weights-only export (WeightsOnlyCheckpoint.swift) has the same root attributes and
/// /params (float32 or bfloat16) plus `contents = "weights-only"`, and no /optim or /rng.
public struct Checkpoint {
    public static let format = "pfn-checkpoint"
    public static let formatVersion: Int64 = 1

    public var model: String
    public var config: String?
    public var step: Int64
    public var params: [String: NamedArray]
    public var optimizerStep: Int64?
    public var expAvg: [String: NamedArray]
    public var expAvgSq: [String: NamedArray]
    public var rng: [String: [UInt64]]
    /// True for a `pfn-train export --weights-only` file (root attribute `contents`).
    public var weightsOnly = false
    /// The export's provenance JSON (root attribute `export`), nil for a training checkpoint.
    public var export: String?

    public init(model: String, config: String? = nil, step: Int64 = 0, parameters: [(String, Tensor)],
                optimizer: AdamW? = nil, rng: [String: [UInt64]] = [:]) {
        self.model = model
        self.config = config
        self.step = step
        params = Dictionary(uniqueKeysWithValues: parameters.map { ($0.0, NamedArray(shape: $0.1.shape, values: $0.1.scalars)) })
        optimizerStep = optimizer.map { Int64($0.step) }
        expAvg = [:]
        expAvgSq = [:]
        if let optimizer {
            for (i, (key, p)) in optimizer.parameters.enumerated() {
                expAvg[key] = NamedArray(shape: p.shape, values: Array(UnsafeBufferPointer(start: optimizer.expAvg[i].pointer, count: p.count)))
                expAvgSq[key] = NamedArray(shape: p.shape, values: Array(UnsafeBufferPointer(start: optimizer.expAvgSq[i].pointer, count: p.count)))
            }
        }
        self.rng = rng
    }

    /// Writes the file atomically (temporary file beside `path`, then rename).
    public func write(to path: String) throws {
        try H5File.writeAtomically(path) { file in try write(into: file.root) }
    }

    /// Writes the layout above into `root` (a caller adding its own entries writes them after).
    public func write(into root: H5Group) throws {
        try root.setAttribute("format", Checkpoint.format)
        try root.setAttribute("format_version", Checkpoint.formatVersion)
        try root.setAttribute("model", model)
        if let config { try root.setAttribute("config", config) }
        try root.setAttribute("step", step)
        let pg = try root.createGroup("params")
        for key in params.keys.sorted() { try pg.write(key, params[key]!.values, shape: params[key]!.shape) }
        if let optimizerStep {
            let og = try root.createGroup("optim")
            try og.setAttribute("step", optimizerStep)
            let m = try og.createGroup("exp_avg"), v = try og.createGroup("exp_avg_sq")
            for key in expAvg.keys.sorted() { try m.write(key, expAvg[key]!.values, shape: expAvg[key]!.shape) }
            for key in expAvgSq.keys.sorted() { try v.write(key, expAvgSq[key]!.values, shape: expAvgSq[key]!.shape) }
        }
        if !rng.isEmpty {
            let rg = try root.createGroup("rng")
            for name in rng.keys.sorted() {
                try rg.write(name, rng[name]!.map { Int64(bitPattern: $0) }, shape: [rng[name]!.count])
            }
        }
    }

    /// Reads a checkpoint; only `format`, `format_version`, `model` and `/params` are required
    /// (a PyTorch export); config, step, optimizer and generators are optional.
    public static func read(_ path: String) throws -> Checkpoint {
        let root = try H5File.open(path).root
        let fmt = try root.stringAttribute("format")
        guard fmt == format else {
            throw CheckpointError("\(path) is not a pfn-train checkpoint (root attribute format is \(fmt.map { "'\($0)'" } ?? "missing"), expected '\(format)')")
        }
        let version: Int64?
        do { version = try root.integerAttribute("format_version", as: Int64.self) } catch {
            throw CheckpointError("\(path): \(error); expected format_version \(formatVersion)")
        }
        guard version == formatVersion else {
            throw CheckpointError("\(path): checkpoint format_version \(version.map(String.init) ?? "missing") is not supported (expected \(formatVersion))")
        }
        guard let model = try root.stringAttribute("model") else {
            throw CheckpointError("\(path): root attribute 'model' (the model variant) is missing")
        }
        guard root.isGroup("params") else { throw CheckpointError("\(path): group /params is missing") }
        let step: Int64
        do { step = try root.integerAttribute("step", as: Int64.self) ?? 0 } catch { throw CheckpointError("\(path): \(error)") }
        guard step >= 0 else { throw CheckpointError("\(path): root attribute 'step' is \(step); a step count cannot be negative") }
        var ckpt = Checkpoint(model: model, config: try root.stringAttribute("config"), step: step, parameters: [])
        ckpt.params = try readArrays(root.openGroup("params"))
        ckpt.weightsOnly = try root.stringAttribute("contents") == weightsOnlyContents
        ckpt.export = try root.stringAttribute("export")
        if root.isGroup("optim") {
            let og = try root.openGroup("optim")
            let optimizerStep: Int64
            do { optimizerStep = try og.integerAttribute("step", as: Int64.self) ?? 0 } catch { throw CheckpointError("\(path): \(error)") }
            guard optimizerStep >= 0 else {
                throw CheckpointError("\(path): attribute 'step' of /optim is \(optimizerStep); a step count cannot be negative")
            }
            ckpt.optimizerStep = optimizerStep
            ckpt.expAvg = og.isGroup("exp_avg") ? try readArrays(og.openGroup("exp_avg")) : [:]
            ckpt.expAvgSq = og.isGroup("exp_avg_sq") ? try readArrays(og.openGroup("exp_avg_sq")) : [:]
        }
        if root.isGroup("rng") {
            let rg = try root.openGroup("rng")
            for name in try rg.childNames() {
                let (words, shape) = try rg.readIntegers(name, as: Int64.self)
                guard shape.count == 1 else {
                    throw CheckpointError("\(path): /rng/\(name) has shape \(shape); expected a 1-dimensional int64 array")
                }
                ckpt.rng[name] = words.map { UInt64(bitPattern: $0) }
            }
        }
        return ckpt
    }

    private static func readArrays(_ g: H5Group) throws -> [String: NamedArray] {
        var out: [String: NamedArray] = [:]
        for key in try g.childNames() {
            // HDF5 converts float32, float64 and bfloat16 exactly to Float; an integer array
            // would be converted by value, silently wrong for bit patterns, so it is refused.
            guard case .float = try g.storedClass(of: key) else {
                throw CheckpointError("\(g.file): parameter \(key) is not stored as floating point (\(try g.storedClass(of: key))); the file is not a pfn-train checkpoint")
            }
            let (data, shape) = try g.read(key, as: Float.self)
            out[key] = NamedArray(shape: shape, values: data)
        }
        return out
    }

    /// Copies the stored parameters into `parameters`, strictly: throws one error naming
    /// every missing, unexpected and mis-shaped key, and changes nothing in that case.
    public func loadParameters(into parameters: [(String, Tensor)]) throws {
        try Checkpoint.strictCopy(params, into: parameters, what: "parameters")
    }

    /// Restores AdamW moments and step count (strict, as `loadParameters`).
    public func loadOptimizer(into optimizer: AdamW) throws {
        guard let optimizerStep else { throw CheckpointError("the checkpoint has no optimizer state (/optim); it can only be used for inference") }
        let ps = optimizer.parameters
        let m = ps.map { Tensor(zeros: $0.1.shape) }, v = ps.map { Tensor(zeros: $0.1.shape) }
        try Checkpoint.strictCopy(expAvg, into: zip(ps, m).map { ($0.0.0, $0.1) }, what: "optimizer exp_avg")
        try Checkpoint.strictCopy(expAvgSq, into: zip(ps, v).map { ($0.0.0, $0.1) }, what: "optimizer exp_avg_sq")
        optimizer.restore(step: Int(optimizerStep), expAvg: m.map(\.scalars), expAvgSq: v.map(\.scalars))
    }

    static func strictCopy(_ stored: [String: NamedArray], into targets: [(String, Tensor)], what: String) throws {
        let expected = Set(targets.map(\.0))
        let missing = targets.map(\.0).filter { stored[$0] == nil }
        let unexpected = stored.keys.filter { !expected.contains($0) }.sorted()
        let misShaped = targets.compactMap { key, t -> String? in
            guard let s = stored[key], s.shape != t.shape else { return nil }
            return "\(key) (file \(s.shape), model \(t.shape))"
        }
        if !missing.isEmpty || !unexpected.isEmpty || !misShaped.isEmpty {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.count): \(missing.joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected \(unexpected.count): \(unexpected.joined(separator: ", "))") }
            if !misShaped.isEmpty { parts.append("mis-shaped \(misShaped.count): \(misShaped.joined(separator: ", "))") }
            throw CheckpointError("checkpoint \(what) do not match the model (check the model variant and its config): "
                                  + parts.joined(separator: "; "))
        }
        for (key, _) in targets {
            if let problem = NamedArray.firstNonFinite(stored[key]!.values, shape: stored[key]!.shape) {
                throw CheckpointError("checkpoint \(what) are not finite: \(key) has \(problem) (the run diverged or the file is damaged; "
                                      + "use an earlier checkpoint)")
            }
        }
        for (key, t) in targets where t.count > 0 {
            stored[key]!.values.withUnsafeBufferPointer { t.data.update(from: $0.baseAddress!, count: t.count) }
        }
    }
}
