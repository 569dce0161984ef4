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

/// Issue 13, D15: a saved state from a file is restored without trapping.
final class Xoshiro256StateTests: XCTestCase {
    func testAllZeroOrWrongSizedSavedStateThrowsInsteadOfTrapping() {
        XCTAssertThrowsError(try Xoshiro256(validating: [0, 0, 0, 0])) { XCTAssertTrue("\($0)".contains("all zero"), "\($0)") }
        XCTAssertThrowsError(try Xoshiro256(validating: [1, 2, 3])) { XCTAssertTrue("\($0)".contains("3 words"), "\($0)") }
        var g = Xoshiro256(seed: 5)
        _ = g.next()
        XCTAssertEqual(try Xoshiro256(validating: g.state), g)
    }

    func testDecodingAnAllZeroStateThrows() throws {
        let good = try JSONEncoder().encode(Xoshiro256(seed: 3))
        XCTAssertEqual(try JSONDecoder().decode(Xoshiro256.self, from: good), Xoshiro256(seed: 3))
        let zero = Data(#"{"s0":0,"s1":0,"s2":0,"s3":0}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(Xoshiro256.self, from: zero))
    }
}
