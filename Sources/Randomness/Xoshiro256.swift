import Foundation

/// xoshiro256** (Blackman & Vigna): the one random generator of pfn-train. Every random
/// draw (SCM sampling, initialisation, dropout, Gumbel noise) goes through an explicitly
/// seeded instance, and its whole state is four words, so checkpoints can save and restore
/// it and a resumed run continues exactly.
public struct Xoshiro256: RandomNumberGenerator, Codable, Equatable, Sendable {
    // Four scalars, not an array: `next()` is in the hottest sampling loops.
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The whole state, for checkpoints.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// A generator for `seed`; distinct `stream` values give independent sequences (the
    /// training stream, evaluation suites, initialisation and dropout each use their own).
    public init(seed: UInt64, stream: UInt64 = 0) {
        var sm = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        _ = sm.next()
        (s0, s1, s2, s3) = (sm.next(), sm.next(), sm.next(), sm.next())
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// Restores a saved state (four words, not all zero).
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "xoshiro256 state must be 4 words, not all 0")
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    /// Restores a state read from a file or another untrusted source: throws instead of
    /// trapping when it is not four words or is all zero (a state xoshiro256 never reaches,
    /// and from which it would return only zeros).
    public init(validating state: [UInt64]) throws {
        guard state.count == 4 else { throw Xoshiro256StateError("has \(state.count) words; expected 4") }
        guard state.contains(where: { $0 != 0 }) else { throw Xoshiro256StateError("is all zero, which xoshiro256 never reaches") }
        self.init(state: state)
    }

    private enum CodingKeys: String, CodingKey { case s0, s1, s2, s3 }

    /// As the synthesised decoder (same keys), refusing the all-zero state.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let words = [try c.decode(UInt64.self, forKey: .s0), try c.decode(UInt64.self, forKey: .s1),
                     try c.decode(UInt64.self, forKey: .s2), try c.decode(UInt64.self, forKey: .s3)]
        do { try self.init(validating: words) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "xoshiro256 state \(error)"))
        }
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1.0p-24 }

    /// Uniform integer in 0..<n (Lemire's multiply-shift, unbiased).
    @inline(__always)
    public mutating func nextInt(_ n: Int) -> Int {
        precondition(n > 0)
        return Int(truncatingIfNeeded: next(upperBound: UInt64(n)))
    }

    /// One standard normal draw (Box–Muller; the second value of the pair is dropped so the
    /// state stays four words).
    public mutating func nextGaussian() -> Double {
        let u1 = 1.0 - nextDouble()  // (0, 1]: log stays finite
        let u2 = nextDouble()
        return (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
    }

    /// Fills `out` with N(0, std²) draws, using both values of each Box–Muller pair.
    public mutating func fillGaussian(_ out: UnsafeMutableBufferPointer<Float>, std: Float = 1) {
        var i = 0
        let n = out.count
        while i + 1 < n {
            let u1 = 1.0 - nextDouble()
            let u2 = nextDouble()
            let r = (-2.0 * log(u1)).squareRoot()
            let a = 2.0 * Double.pi * u2
            out[i] = Float(r * cos(a)) * std
            out[i + 1] = Float(r * sin(a)) * std
            i += 2
        }
        if i < n { out[i] = Float(nextGaussian()) * std }
    }

    /// A standard Gumbel draw, −log(−log U), as PyTorch's `-empty().exponential_().log()`.
    public mutating func nextGumbel() -> Float { Xoshiro256.gumbel(fromUniform: nextDouble()) }

    /// The Gumbel(0, 1) draw `nextGumbel` makes of the uniform d = `nextDouble()` (callers that
    /// draw many take the uniforms in order and transform them in parallel).
    @inline(__always)
    public static func gumbel(fromUniform d: Double) -> Float {
        let u = 1.0 - d             // (0, 1]
        let e = -log(u)             // Exp(1), > 0 except when u == 1
        return Float(-log(max(e, Double.leastNormalMagnitude)))
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// A saved xoshiro256 state that cannot be restored; the message completes "the state …".
public struct Xoshiro256StateError: Error, CustomStringConvertible, Equatable {
    public let problem: String
    public init(_ problem: String) { self.problem = problem }
    public var description: String { "the xoshiro256 state \(problem)" }
}

/// SplitMix64, used only to expand a seed into a xoshiro state.
public struct SplitMix64 {
    private var x: UInt64
    public init(seed: UInt64) { x = seed }
    public mutating func next() -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
