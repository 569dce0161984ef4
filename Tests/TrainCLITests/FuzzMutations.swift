import Foundation
import HDF5Kit

/// SplitMix64: the fuzz test's own seeded generator (a failing case is reproduced by its seed).
struct FuzzRNG {
    var x: UInt64
    init(seed: UInt64) { x = seed &* 0x9E37_79B9_7F4A_7C15 ^ 0xD1B5_4A32_D192_ED03 }
    mutating func next() -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
}

/// Random damage to an HDF5 file: raw bit flips and truncations, and structured edits made
/// through HDF5Kit (values, dtypes, shapes, removals, attributes). Each returns a short
/// description of what it did, for the failure report.
enum FuzzMutation {
    static let oddFloats: [Float] = [.nan, .infinity, -.infinity, 3e38, -3e38, 1e16, -0.0, .leastNonzeroMagnitude, 1e30]
    static let oddInts: [Int64] = [-1, 0, 1, 2, 5, 6, 20, 255, 256, 1 << 31 - 1, 1 << 31, 1 << 32 + 1, -(1 << 40), Int64.max]

    /// x as an integer of type T, saturating (never traps: NaN is 0).
    static func whole<T: FixedWidthInteger>(_ x: Double, _: T.Type) -> T {
        x.isFinite ? T(clamping: Int64(max(-9e18, min(9e18, x)))) : 0
    }

    static func bitFlips(_ path: String, _ rng: inout FuzzRNG) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let flips = 1 + rng.int(8)
        var at: [Int] = []
        for _ in 0..<flips {
            let i = rng.int(bytes.count)
            bytes[i] ^= UInt8(1 << rng.int(8))
            at.append(i)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return "bit flips at bytes \(at)"
    }

    static func truncation(_ path: String, _ rng: inout FuzzRNG) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let keep = rng.int(data.count)
        try data.prefix(keep).write(to: URL(fileURLWithPath: path))
        return "truncated to \(keep) of \(data.count) bytes"
    }

    /// Every dataset below `g` (relative paths).
    static func datasets(_ g: H5Group, _ prefix: String = "") throws -> [String] {
        var out: [String] = []
        for name in try g.childNames() {
            if g.isGroup(name) { out += try datasets(try g.openGroup(name), prefix + name + "/") } else { out.append(prefix + name) }
        }
        return out
    }

    static func setValue(_ g: H5Group, _ child: String, _ rng: inout FuzzRNG) throws -> String {
        let (d, s) = try g.read(child, as: Double.self)
        guard !d.isEmpty else { return "no values in \(child)" }
        let i = rng.int(d.count), x = rng.pick(oddFloats)
        switch try g.storedClass(of: child) {
        case .float(bytes: 8): var v = d; v[i] = Double(x); try g.write(child, v, shape: s)
        case .float: var v = d.map { Float($0) }; v[i] = x; try g.write(child, v, shape: s)
        default: var v = d.map { whole($0, Int64.self) }; let y = rng.pick(oddInts); v[i] = y; try g.write(child, v, shape: s); return "\(child)[\(i)] = \(y)"
        }
        return "\(child)[\(i)] = \(x)"
    }

    static func changeType(_ g: H5Group, _ child: String, _ rng: inout FuzzRNG) throws -> String {
        let (d, s) = try g.read(child, as: Double.self)
        let type = rng.pick(["float64", "float32", "int64", "int32", "int8", "uint8"])
        switch type {
        case "float64": try g.write(child, d, shape: s)
        case "float32": try g.write(child, d.map { Float($0) }, shape: s)
        case "int64": try g.write(child, d.map { whole($0, Int64.self) }, shape: s)
        case "int32": try g.write(child, d.map { whole($0, Int32.self) }, shape: s)
        case "int8": try g.write(child, d.map { whole($0, Int8.self) }, shape: s)
        default: try g.write(child, d.map { whole($0, UInt8.self) }, shape: s)
        }
        return "\(child) rewritten as \(type)"
    }

    static func changeShape(_ g: H5Group, _ child: String, _ rng: inout FuzzRNG) throws -> String {
        let (d, s) = try g.read(child, as: Float.self)
        var shape = s
        switch rng.int(6) {
        case 0: shape = []
        case 1: shape = [d.count]
        case 2: shape = s + [1]
        case 3: if !shape.isEmpty { shape[rng.int(shape.count)] += 1 }
        case 4: if !shape.isEmpty { let k = rng.int(shape.count); shape[k] = max(0, shape[k] - 1) }
        default: if !shape.isEmpty { shape[rng.int(shape.count)] = 0 }
        }
        let n = shape.reduce(1, *)
        let values = (0..<n).map { $0 < d.count ? d[$0] : 0 }
        if case .integer = try g.storedClass(of: child) {
            try g.write(child, values.map { whole(Double($0), Int32.self) }, shape: shape)
        } else {
            try g.write(child, values, shape: shape)
        }
        return "\(child) shape \(s) → \(shape)"
    }
}
