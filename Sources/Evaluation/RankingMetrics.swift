// Threshold-free ranking metrics for edge scores: AUROC and AUPRC (average precision).
// Both treat tied scores as one threshold, so the result does not depend on input order.

/// Area under the ROC curve, computed as the Mann–Whitney U statistic with average ranks:
/// AUROC = (sum of positive ranks − P(P+1)/2) / (P·Q), ranks 1-based ascending, tied scores get
/// the mean of their ranks. A tied (positive, negative) pair thus counts ½, which is exactly the
/// trapezoidal area of sklearn's `roc_auc_score`. Returns nil when there are no positives or no
/// negatives (the curve is undefined).
public func areaUnderROC(scores: [Double], labels: [Bool]) -> Double? {
    precondition(scores.count == labels.count, "scores and labels must have the same length")
    let positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
    let negatives = labels.count - positives
    guard positives > 0, negatives > 0 else { return nil }
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var positiveRankSum = 0.0
    var start = 0
    while start < order.count {
        var end = start
        while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
        let averageRank = Double(start + end) / 2 + 1   // ranks start..end (0-based) → 1-based mean
        for k in start...end where labels[order[k]] { positiveRankSum += averageRank }
        start = end + 1
    }
    let p = Double(positives), q = Double(negatives)
    return (positiveRankSum - p * (p + 1) / 2) / (p * q)
}

/// Area under the precision–recall curve as average precision (sklearn's
/// `average_precision_score`): AP = Σ_t (R_t − R_{t−1}) · P_t over the distinct score thresholds
/// t in descending order, where P_t and R_t are precision and recall when predicting positive
/// every item with score ≥ t. Equal scores form one threshold (all enter together), so ties get
/// the group's pooled precision rather than an order-dependent one. No interpolation. Returns
/// nil when there are no positives.
public func averagePrecision(scores: [Double], labels: [Bool]) -> Double? {
    precondition(scores.count == labels.count, "scores and labels must have the same length")
    let positives = labels.reduce(0) { $0 + ($1 ? 1 : 0) }
    guard positives > 0 else { return nil }
    let order = scores.indices.sorted { scores[$0] > scores[$1] }
    var truePositives = 0, predicted = 0
    var previousRecall = 0.0, ap = 0.0
    var start = 0
    while start < order.count {
        var end = start
        while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
        for k in start...end where labels[order[k]] { truePositives += 1 }
        predicted += end - start + 1
        let recall = Double(truePositives) / Double(positives)
        ap += (recall - previousRecall) * Double(truePositives) / Double(predicted)
        previousRecall = recall
        start = end + 1
    }
    return ap
}
