import Foundation
import Randomness

/// Held-out evaluation suites, on their own random stream
/// (`Xoshiro256(seed:, stream: RandomStream.evaluationSuite)`), so they never share
/// draws with a training stream of the same seed.
public enum SuiteSampler {
    /// `count` datasets, each from a fresh SCM with N uniform in [nodesMin, nodesMax] and
    /// the seed's full pipeline (`SCMDataset.sample`).
    public static func sample(config: PriorConfig, count: Int, seed: UInt64) throws -> [SCMDataset] {
        try config.validate()
        guard count >= 1 else { throw PriorConfigError(message: "dataset count is \(count); it must be at least 1") }
        var rng = Xoshiro256(seed: seed, stream: RandomStream.evaluationSuite)
        return (0..<count).map { _ in
            let n = config.nodesMin + rng.nextInt(config.nodesMax - config.nodesMin + 1)
            return SCMDataset.sample(nodeCount: n, config: config, rng: &rng)
        }
    }

    /// The `generator_config` root attribute: the prior, the seed and the count, as JSON
    /// with sorted keys (so equal inputs give equal bytes).
    public static func generatorConfigJSON(config: PriorConfig, count: Int, seed: UInt64) throws -> String {
        struct Description: Encodable {
            let prior: PriorConfig, seed: UInt64, count: Int, randomStream: UInt64, generator: String
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let d = Description(prior: config, seed: seed, count: count, randomStream: RandomStream.evaluationSuite,
                            generator: "pfn-train SCMGen (seed notebook SCMGenerator semantics)")
        return String(decoding: try enc.encode(d), as: UTF8.self)
    }
}

extension EdgeFunction {
    /// Command-line / display name: linear, negative-linear, sin, cos, tanh, log, exp, sqrt,
    /// quadratic, cubic.
    public var name: String {
        switch self {
        case .linear: return "linear"
        case .negativeLinear: return "negative-linear"
        case .sin: return "sin"
        case .cos: return "cos"
        case .tanh: return "tanh"
        case .log: return "log"
        case .exp: return "exp"
        case .sqrt: return "sqrt"
        case .quadratic: return "quadratic"
        case .cubic: return "cubic"
        }
    }

    public init?(name: String) {
        guard let f = EdgeFunction.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = f
    }
}
