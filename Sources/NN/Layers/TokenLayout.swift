/// How an encoder layer's tokens are laid out, chosen once by `TransformerEncoder` and passed
/// down to the attention, the only op that needs the padded [B, N] grid.
public enum TokenLayout: Sendable {
    /// x [B, N, D]: every slot of the batch, padded ones included.
    case padded
    /// x [M, D]: only the M real tokens, rows `rows` of a padded [batch · nodes, D] batch.
    /// Every per-token op (projections, layer norms, feed-forward, ~90% of the FLOPs) then
    /// skips the padding; attention scatters back to the grid and gathers its output.
    case packed(rows: [Int], batch: Int, nodes: Int)
}
