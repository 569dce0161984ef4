import Randomness

/// A random DAG with one edge function per edge, as the seed notebook's
/// `SCMGenerator.generate_dag` + `edge_parameters` make it (`seed-notebook-causal-pfn.md`):
/// the node indices are shuffled into a random topological order, and for every pair of
/// positions i < j the edge order[i] → order[j] is added with probability p; each edge then
/// gets a function drawn uniformly (from the enabled subset).
public struct StructuralCausalModel: Sendable {
    public let nodeCount: Int
    /// Node indices in topological order (position → node).
    public let order: [Int]
    /// Per node, its parents in topological order, and the function of each such edge.
    public let parents: [[Int]]
    public let parentFunctions: [[EdgeFunction]]

    /// Per node, its out-edges grouped by function: `propagate` computes each distinct term
    /// f(node) once and adds it to every child with that function. Flat arrays (node c's terms
    /// are termFunctions[termStart[c] ..< termStart[c + 1]], term t's children are
    /// termChildren[childStart[t] ..< childStart[t + 1]]): nested arrays cost a retain and a
    /// release per term visited, 7% of the data stream's time at N = 200.
    let termStart: [Int]          // [N + 1]
    let termFunctions: [EdgeFunction]
    let childStart: [Int]         // [terms + 1]
    let termChildren: [Int]
    let hasParents: [Bool]        // [N]

    /// Node c's terms as (function, children), for tests.
    func childTerms(of c: Int) -> [(function: EdgeFunction, children: [Int])] {
        (termStart[c]..<termStart[c + 1]).map { (termFunctions[$0], Array(termChildren[childStart[$0]..<childStart[$0 + 1]])) }
    }

    public init(nodeCount: Int, order: [Int], parents: [[Int]], parentFunctions: [[EdgeFunction]]) {
        self.nodeCount = nodeCount
        self.order = order
        self.parents = parents
        self.parentFunctions = parentFunctions
        var groups = [[EdgeFunction: [Int]]](repeating: [:], count: nodeCount)
        for c in 0..<nodeCount {
            for (p, f) in zip(parents[c], parentFunctions[c]) { groups[p][f, default: []].append(c) }
        }
        var (termStart, termFunctions, childStart, termChildren) = ([0], [EdgeFunction](), [0], [Int]())
        for g in groups {
            for f in g.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
                termFunctions.append(f)
                termChildren += g[f]!
                childStart.append(termChildren.count)
            }
            termStart.append(termFunctions.count)
        }
        (self.termStart, self.termFunctions, self.childStart, self.termChildren) = (termStart, termFunctions, childStart, termChildren)
        hasParents = parents.map { !$0.isEmpty }
    }

    /// Samples a DAG: shuffle, then one Bernoulli(p) per ordered pair, then one function per
    /// edge (edges visited child by child; the seed draws them in networkx edge order — the
    /// same distribution).
    public static func sample(nodeCount n: Int, edgeProbability p: Double, functions: [EdgeFunction],
                              rng: inout Xoshiro256) -> StructuralCausalModel {
        var order = Array(0..<n)
        // Fisher–Yates, as np.random.shuffle.
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.nextInt(i + 1)) }
        }
        var parents = [[Int]](repeating: [], count: n)
        var fns = [[EdgeFunction]](repeating: [], count: n)
        for j in 0..<n {
            let child = order[j]
            for i in 0..<j where rng.nextDouble() < p { parents[child].append(order[i]) }
        }
        for j in 0..<n {
            let child = order[j]
            fns[child] = parents[child].map { _ in functions[rng.nextInt(functions.count)] }
        }
        return StructuralCausalModel(nodeCount: n, order: order, parents: parents, parentFunctions: fns)
    }

    /// A[i, j] = 1 iff i → j, row-major [N, N].
    public var adjacency: [UInt8] {
        var a = [UInt8](repeating: 0, count: nodeCount * nodeCount)
        for c in 0..<nodeCount { for p in parents[c] { a[p * nodeCount + c] = 1 } }
        return a
    }

    /// 0 = no edge, else the `EdgeFunction` raw value, row-major [N, N].
    public var edgeTypes: [Int8] {
        var a = [Int8](repeating: 0, count: nodeCount * nodeCount)
        for c in 0..<nodeCount {
            for (p, f) in zip(parents[c], parentFunctions[c]) { a[p * nodeCount + c] = Int8(f.rawValue) }
        }
        return a
    }

    /// `ancestor` and every node reachable from it.
    public func descendants(of ancestor: Int) -> Set<Int> {
        var out: Set<Int> = [ancestor]
        for c in order where parents[c].contains(where: out.contains) { out.insert(c) }
        return out
    }

    /// Runs the structural equations (the seed's `generate_data`) on given exogenous noise.
    /// `values` is column-major [N][rows] and holds the noise on entry, the samples on exit:
    /// a root keeps its noise unclipped; a non-root becomes noise + Σ parent terms, clipped
    /// to [-20, 20]; the intervened node (hard do(): incoming edges cut) is set to `value`.
    public func propagate(_ values: UnsafeMutablePointer<Float>, rows: Int,
                          intervention: (node: Int, value: Float)? = nil) {
        // Nodes in topological order push their terms to their children, each distinct term
        // f(node) computed once (at p = 0.3 a node of a 200-node graph has ~30 children and
        // only 10 functions): a child still receives its parents' terms in topological order
        // (`parents` is in that order), so every sum is the one a child-by-child loop makes.
        let term = UnsafeMutablePointer<Float>.allocate(capacity: max(rows, 1))  // [rows] f(node)
        defer { term.deallocate() }
        order.withUnsafeBufferPointer { order in
        termStart.withUnsafeBufferPointer { termStart in
        termFunctions.withUnsafeBufferPointer { functions in
        childStart.withUnsafeBufferPointer { childStart in
        termChildren.withUnsafeBufferPointer { children in
        hasParents.withUnsafeBufferPointer { hasParents in
            for c in order {
                let col = values + c * rows
                if let iv = intervention, iv.node == c {
                    for r in 0..<rows { col[r] = iv.value }  // the parents' terms are discarded
                } else if hasParents[c] {
                    for r in 0..<rows { col[r] = col[r] < -20 ? -20 : col[r] > 20 ? 20 : col[r] }
                }
                for t in termStart[c]..<termStart[c + 1] {
                    let f = functions[t], first = childStart[t], end = childStart[t + 1]
                    if end - first == 1 {
                        f.accumulate(col, into: values + children[first] * rows, count: rows)
                        continue
                    }
                    f.write(col, into: term, count: rows)
                    for i in first..<end { addTerm(term, into: values + children[i] * rows, count: rows) }
                }
            }
        }}}}}}
    }
}
