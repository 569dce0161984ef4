import Randomness
import XCTest

final class Xoshiro256Tests: XCTestCase {
    func testSameSeedSameSequenceAndStreamsDiffer() {
        var a = Xoshiro256(seed: 7), b = Xoshiro256(seed: 7), c = Xoshiro256(seed: 7, stream: 1)
        let sa = (0..<8).map { _ in a.next() }
        XCTAssertEqual(sa, (0..<8).map { _ in b.next() })
        XCTAssertNotEqual(sa, (0..<8).map { _ in c.next() })
    }

    func testSavedStateContinuesExactly() {
        var a = Xoshiro256(seed: 3)
        for _ in 0..<5 { _ = a.next() }
        var resumed = Xoshiro256(state: a.state)
        XCTAssertEqual((0..<5).map { _ in a.next() }, (0..<5).map { _ in resumed.next() })
    }

    func testGaussianMomentsWithinFiveStandardErrors() {
        var g = Xoshiro256(seed: 11)
        let n = 200_000
        var buf = [Float](repeating: 0, count: n)
        buf.withUnsafeMutableBufferPointer { g.fillGaussian($0, std: 2) }
        let mean = buf.reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = buf.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n - 1)
        XCTAssertEqual(mean, 0, accuracy: 5 * 2 / Double(n).squareRoot())
        // sd of the sample variance of a normal is σ²·sqrt(2/(n−1)).
        XCTAssertEqual(variance, 4, accuracy: 5 * 4 * (2.0 / Double(n - 1)).squareRoot())
    }

    func testUniformIntCoversRangeEvenly() {
        var g = Xoshiro256(seed: 5)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<100_000 { counts[g.nextInt(10)] += 1 }
        // Binomial(1e5, 0.1): sd ≈ 95; allow 5 sd.
        for c in counts { XCTAssertEqual(Double(c), 10_000, accuracy: 475) }
    }
}
