import SCMGen

/// The node-as-token input of `CausalDistributionEncoder` (notebook §3): six numbers per node,
/// [base mean, base std, (int mean − base mean)/base std, int std/base std,
///  (query − base mean)/base std, intervention mask], stds being PyTorch's unbiased std + 1e-6.
///
/// The features are functions of the data only, so they are computed here, outside the tape;
/// the learnable part of the encoder (`feature_proj`, `pos_emb`) is in `NodeEncoder`.
/// Beyond the seed: the three ratio features divide by max(base std, stdFloor) and are clipped
/// to ±featureClip (0 = no clip), because a column stuck at the ±20 clip has std ≈ 0 and the seed's ratios
/// then reach ~1e5. Padded nodes get all-zero features.
public enum NodeFeatures {
    public static let count = 6

    /// [B, N, 6] for `batch` (N = batch.maxNodes).
    public static func make(_ batch: TrainingBatch, stdFloor: Float, featureClip: Float) -> [Float] {
        let b = batch.batchSize, n = batch.maxNodes
        var out = [Float](repeating: 0, count: b * n * count)  // [B, N, 6]
        for i in 0..<(b * n) where batch.nodeMask[i] != 0 {
            let bMean = batch.baseMean[i], bStd = batch.baseStd[i] + 1e-6
            let iMean = batch.intMean[i], iStd = batch.intStd[i] + 1e-6
            let denom = max(bStd, stdFloor)
            func ratio(_ x: Float) -> Float {
                featureClip > 0 ? min(max(x / denom, -featureClip), featureClip) : x / denom
            }
            out[i * count + 0] = bMean
            out[i * count + 1] = bStd
            out[i * count + 2] = ratio(iMean - bMean)
            out[i * count + 3] = ratio(iStd)
            out[i * count + 4] = ratio(batch.query[i] - bMean)
            out[i * count + 5] = batch.interventionMask[i]
        }
        return out
    }
}
