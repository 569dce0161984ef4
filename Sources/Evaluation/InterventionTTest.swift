// The intervention t-test heuristic (issue 11): a hand-written rule that reads a dataset's
// observational rows and regimes — exactly what a model sees — and that a model has to beat.
import Foundation
import SCMGen

/// For each intervened node t (its regimes pooled), Welch's t-test of every other node j's
/// interventional mean against its observational mean; p < α/(N−1) marks j as a descendant
/// (t ⇒ j). When t and u mark each other, the direction with the smaller p stays (equal p:
/// the variance sort's direction). t → j is predicted unless another intervened u has t ⇒ u
/// and u ⇒ j (transitive reduction through intervened nodes).
///
/// Edge scores, for AUROC/AUPRC, rank pairs in four bands: predicted edges > descendants the
/// reduction removed > pairs whose source was never intervened > the rest (source intervened,
/// no mark kept). Within a band pairs rank by −log p, and ties — and the whole unintervened
/// band, which has no test — by the variance sort: std of j minus std of i in the
/// observational rows (in the default prior variance grows along the causal order).
/// The ranks map to probabilities, predicted edges above ½ and every other pair at or below.
public struct InterventionTTest: Sendable {
    public enum Band: Int, Comparable, Sendable {
        case rest = 0, unintervenedSource = 1, reducedDescendant = 2, edge = 3
        public static func < (a: Band, b: Band) -> Bool { a.rawValue < b.rawValue }
    }

    public let nodeCount: Int
    /// The per-test threshold α/(N−1) (Bonferroni over the N−1 other nodes).
    public let threshold: Double
    public var intervened: [Bool]      // [N] some regime targets the node
    /// log p of "t shifts j" at [t, j] for intervened t; 0 (p = 1) elsewhere.
    public var logP: [Double]          // [N, N]
    public var descendant: [Bool]      // [N, N] marks t ⇒ j after resolving mutual marks
    public var edge: [Bool]            // [N, N] predicted edges after the reduction
    public var band: [Band]            // [N, N] diagonal: .rest
    /// Variance sort: observational std of j minus std of i at [i, j].
    public var stdDifference: [Double] // [N, N]
    /// Edge probabilities from the band ranking: > ½ exactly on `edge`.
    public var probabilities: [Float]  // [N, N]

    public init(_ d: SCMDataset, alpha: Double = 0.01) {
        let n = d.nodeCount
        nodeCount = n
        threshold = alpha / Double(max(n - 1, 1))
        let allObs = Array(0..<d.observationalCount)
        let observed = (0..<n).map { SampleMoments(d.observational, nodes: n, column: $0, rows: allObs) }
        stdDifference = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                let s = observed[j].variance.squareRoot() - observed[i].variance.squareRoot()
                stdDifference[i * n + j] = s.isFinite ? s : 0
            }
        }

        var rowsOf = [[Int]](repeating: [], count: n)   // interventional rows of each target
        for (r, k) in d.regime.enumerated() { rowsOf[Int(d.regimeTargets[Int(k)])].append(r) }
        intervened = rowsOf.map { !$0.isEmpty }
        logP = [Double](repeating: 0, count: n * n)
        var marked = [Bool](repeating: false, count: n * n)
        for t in 0..<n where intervened[t] {
            for j in 0..<n where j != t {
                let shifted = SampleMoments(d.interventional, nodes: n, column: j, rows: rowsOf[t])
                let lp = WelchTest(shifted, observed[j]).logP
                logP[t * n + j] = lp
                marked[t * n + j] = lp < log(threshold)
            }
        }

        var descendant = marked
        for t in 0..<n {
            for u in (t + 1)..<n where marked[t * n + u] && marked[u * n + t] {
                let (tu, ut) = (logP[t * n + u], logP[u * n + t])
                let keepTU = tu != ut ? tu < ut : stdDifference[t * n + u] >= 0
                if keepTU { descendant[u * n + t] = false } else { descendant[t * n + u] = false }
            }
        }

        var edge = descendant
        for t in 0..<n {
            for j in 0..<n where descendant[t * n + j] {
                if (0..<n).contains(where: { u in u != t && u != j && descendant[t * n + u] && descendant[u * n + j] }) {
                    edge[t * n + j] = false
                }
            }
        }

        var band = [Band](repeating: .rest, count: n * n)
        for i in 0..<n {
            for j in 0..<n where j != i {
                let k = i * n + j
                band[k] = edge[k] ? .edge : descendant[k] ? .reducedDescendant : intervened[i] ? .rest : .unintervenedSource
            }
        }
        (self.descendant, self.edge, self.band) = (descendant, edge, band)
        probabilities = InterventionTTest.rankProbabilities(band: band, logP: logP, stdDifference: stdDifference, nodeCount: n)
    }

    /// Sorts the off-diagonal pairs by (band, −log p, std difference) and spreads the distinct
    /// keys evenly: the edge band over (½, 1], everything else over [0, ½). Equal keys share a
    /// probability, so ties stay ties for the ranking metrics.
    static func rankProbabilities(band: [Band], logP: [Double], stdDifference: [Double], nodeCount n: Int) -> [Float] {
        struct Key: Equatable { var band: Band; var evidence: Double; var spread: Double }
        func key(_ k: Int) -> Key { Key(band: band[k], evidence: -logP[k], spread: stdDifference[k]) }
        func less(_ a: Key, _ b: Key) -> Bool {
            (a.band, a.evidence, a.spread) < (b.band, b.evidence, b.spread)
        }
        let pairs = (0..<(n * n)).filter { $0 / n != $0 % n }.sorted { less(key($0), key($1)) }
        var groups: [[Int]] = []
        for k in pairs {
            if let last = groups.last?.first, key(last) == key(k) { groups[groups.count - 1].append(k) } else { groups.append([k]) }
        }
        let edgeGroups = groups.filter { band[$0[0]] == .edge }.count
        let otherGroups = groups.count - edgeGroups
        var out = [Float](repeating: 0, count: n * n)   // [N, N]
        for (g, members) in groups.enumerated() {
            let p = g < otherGroups ? 0.5 * Double(g) / Double(otherGroups)
                                    : 0.5 + 0.5 * Double(g - otherGroups + 1) / Double(edgeGroups)
            for k in members { out[k] = Float(p) }
        }
        return out
    }
}
