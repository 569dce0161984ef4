import Foundation
import HDF5Kit
import TestSupport
import XCTest

final class H5RoundTripTests: XCTestCase {
    func testDatasetsAndAttributesRoundTrip() throws {
        let path = temporaryPath("roundtrip.h5", folder: "h5kit")
        try H5File.writeAtomically(path) { file in
            let root = try file.root
            try root.setAttribute("format", "pfn-test")
            try root.setAttribute("format_version", Int32(1))
            try root.setAttribute("names", ["a", "bé", ""])
            let g = try root.createGroup("datasets/000001")
            try g.write("x", [Float](stride(from: 0, to: 6, by: 1)), shape: [2, 3])
            try g.write("i", [Int32(-1), 7], shape: [2])
            try g.write("u", [UInt8(1)], shape: [1, 1])
            try g.write("s", [Int64(42)], shape: [])
            try g.setAttribute("counterfactual", UInt8(1))
        }
        let root = try H5File.open(path).root
        XCTAssertEqual(try root.stringAttribute("format"), "pfn-test")
        XCTAssertEqual(try root.attribute("format_version", as: Int64.self), 1)
        XCTAssertEqual(try root.stringsAttribute("names"), ["a", "bé", ""])
        XCTAssertNil(try root.stringAttribute("absent"))
        XCTAssertEqual(try root.childNames(), ["datasets"])
        XCTAssertTrue(root.isGroup("datasets"))
        let g = try root.openGroup("datasets/000001")
        XCTAssertEqual(try g.childNames(), ["i", "s", "u", "x"])
        let x = try g.read("x", as: Float.self)
        XCTAssertEqual(x.shape, [2, 3])
        XCTAssertEqual(x.data, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try g.read("x", as: Double.self).data[5], 5)  // converted on read
        XCTAssertEqual(try g.read("i", as: Int32.self).data, [-1, 7])
        XCTAssertEqual(try g.storedClass(of: "u"), .integer(bytes: 1, signed: false))
        XCTAssertEqual(try g.shape(of: "s"), [])
        XCTAssertEqual(try g.attribute("counterfactual", as: Int32.self), 1)
    }

    func testErrorsNameTheFileAndObject() throws {
        let path = temporaryPath("errors.h5", folder: "h5kit")
        try H5File.writeAtomically(path) { file in _ = try file.root.createGroup("g") }
        let root = try H5File.open(path).root
        XCTAssertThrowsError(try root.read("g/missing", as: Float.self)) { error in
            XCTAssertTrue("\(error)".contains("/g/missing"), "\(error)")
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
        XCTAssertThrowsError(try H5File.open(temporaryPath("nope.h5", folder: "h5kit")))
        let notH5 = temporaryPath("text.h5", folder: "h5kit")
        try "hello".write(toFile: notH5, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try H5File.open(notH5)) { error in
            XCTAssertTrue("\(error)".contains("not an HDF5 file"))
        }
    }

    func testFailedAtomicWriteKeepsTheOldFile() throws {
        let path = temporaryPath("atomic.h5", folder: "h5kit")
        try H5File.writeAtomically(path) { file in try file.root.setAttribute("v", Int32(1)) }
        struct Boom: Error {}
        XCTAssertThrowsError(try H5File.writeAtomically(path) { file in
            try file.root.setAttribute("v", Int32(2))
            throw Boom()
        })
        XCTAssertEqual(try H5File.open(path).root.attribute("v", as: Int32.self), 1)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
            .filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }
}
