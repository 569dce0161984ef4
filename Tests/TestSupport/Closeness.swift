import XCTest

/// max |a − b| / (max |b| + tiny): a relative error on the scale of the reference.
public func relativeError(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "sizes \(a.count) vs \(b.count)")
    var num = 0.0, den = 1e-30
    for i in a.indices { num = max(num, abs(Double(a[i]) - b[i])); den = max(den, abs(b[i])) }
    return num / den
}

/// Asserts max |got − want| ≤ max(rtol · max |want|, atol) over the entries where `keep` is
/// nonzero (all when nil). The scale is the whole tensor's, not each entry's: a reference
/// computed in float64 and ours in float32 differ by rounding on the tensor's scale, so small
/// entries get no tighter bound than large ones. `atol` only matters for a reference that is
/// (nearly) all zero. A nil `got` (no gradient) fails.
public func assertClose(_ got: [Float]?, _ want: [Double], rtol: Double, atol: Double = 0, keep: [Float]? = nil,
                        _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    guard let got else { return XCTFail("\(what): no values (no gradient?)", file: file, line: line) }
    guard got.count == want.count else {
        return XCTFail("\(what): \(got.count) values vs \(want.count) in the reference", file: file, line: line)
    }
    var err = 0.0, scale = 0.0
    for i in want.indices where keep.map({ $0[i] != 0 }) ?? true {
        err = max(err, abs(Double(got[i]) - want[i]))
        scale = max(scale, abs(want[i]))
    }
    XCTAssertLessThanOrEqual(err, max(rtol * scale, atol), "\(what): max |Δ| \(err) vs scale \(scale)", file: file, line: line)
}

public func assertClose(_ got: [Float]?, _ want: [Float], rtol: Double, atol: Double = 0, keep: [Float]? = nil,
                        _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    assertClose(got, want.map(Double.init), rtol: rtol, atol: atol, keep: keep, what, file: file, line: line)
}
