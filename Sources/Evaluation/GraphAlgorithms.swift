// Small graph helpers on dense row-major adjacency matrices (A[i*n + j] != 0 iff i → j).

/// Whether the directed graph has a cycle (Kahn's algorithm: a graph is acyclic iff repeatedly
/// removing nodes with no incoming edges removes them all). Self-loops count as cycles here;
/// callers that ignore the diagonal clear it first.
public func containsCycle(_ edges: [Bool], nodeCount n: Int) -> Bool {
    precondition(edges.count == n * n, "edges must be [N, N]")
    var inDegree = [Int](repeating: 0, count: n)
    for i in 0..<n { for j in 0..<n where edges[i * n + j] { inDegree[j] += 1 } }
    var ready = (0..<n).filter { inDegree[$0] == 0 }
    var removed = 0
    while let i = ready.popLast() {
        removed += 1
        for j in 0..<n where edges[i * n + j] {
            inDegree[j] -= 1
            if inDegree[j] == 0 { ready.append(j) }
        }
    }
    return removed < n
}

/// Descendants of every node: result[i*n + j] is true iff there is a directed path of length ≥ 1
/// from i to j (so i is not its own descendant in a DAG). Breadth-first search from each node.
public func descendantMatrix(_ adjacency: [UInt8], nodeCount n: Int) -> [Bool] {
    precondition(adjacency.count == n * n, "adjacency must be [N, N]")
    var reach = [Bool](repeating: false, count: n * n)   // [N, N]
    for source in 0..<n {
        var frontier = [source]
        while let i = frontier.popLast() {
            for j in 0..<n where adjacency[i * n + j] != 0 && !reach[source * n + j] {
                reach[source * n + j] = true
                frontier.append(j)
            }
        }
    }
    return reach
}

/// The thresholded graph made a DAG greedily: the off-diagonal edges with p > threshold, added
/// in order of decreasing probability (ties by index), each skipped when the graph already has a
/// path from its child to its parent. A thresholded graph without a cycle comes back unchanged.
public func greedyAcyclicEdges(_ probabilities: [Float], nodeCount n: Int, threshold: Float) -> [Bool] {
    precondition(probabilities.count == n * n, "probabilities must be [N, N]")
    let candidates = (0..<(n * n)).filter { $0 / n != $0 % n && probabilities[$0] > threshold }
        .sorted { (probabilities[$0], -$0) > (probabilities[$1], -$1) }
    var edges = [Bool](repeating: false, count: n * n)  // [N, N]
    func reaches(_ from: Int, _ to: Int) -> Bool {
        var seen = [Bool](repeating: false, count: n), stack = [from]
        seen[from] = true
        while let i = stack.popLast() {
            if i == to { return true }
            for j in 0..<n where edges[i * n + j] && !seen[j] {
                seen[j] = true
                stack.append(j)
            }
        }
        return false
    }
    for e in candidates where !reaches(e % n, e / n) { edges[e] = true }
    return edges
}
