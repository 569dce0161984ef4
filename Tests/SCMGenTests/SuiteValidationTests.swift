import Foundation
import HDF5Kit
@testable import SCMGen
import XCTest

/// Suite data checked at the boundary (issue 13, D1, D20, D21): non-finite or absurd values,
/// datasets without interventional rows, an empty `/datasets` group and integers that do not
/// fit their type are refused with one line naming the file, the dataset and the problem.
final class SuiteValidationTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("suite-validation-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        folder = dir.path
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    }

    private func suite() throws -> [SCMDataset] {
        var c = PriorConfig()
        (c.nodesMin, c.nodesMax, c.observationalSamples, c.samplesPerRegime) = (5, 5, 12, 4)
        return try SuiteSampler.sample(config: c, count: 3, seed: 1)
    }

    /// A valid suite with `change` applied to dataset 000001 (through HDF5Kit, as h5py would).
    private func suiteFile(_ name: String, _ change: (H5Group) throws -> Void) throws -> String {
        let path = folder + "/" + name
        try SCMSuiteFile.write(try suite(), to: path)
        let file = try H5File.open(path, writable: true)
        try change(try file.root.openGroup("datasets/000001"))
        try file.close()
        return path
    }

    private func assertRefused(_ path: String, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SCMSuiteFile.read(path), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertFalse(text.contains("\n"), "one line: \(text)", file: file, line: line)
            XCTAssertTrue(text.contains(path), "names the file: \(text)", file: file, line: line)
            for f in fragments { XCTAssertTrue(text.contains(f), "mentions \(f): \(text)", file: file, line: line) }
        }
    }

    private func setValue(_ g: H5Group, _ child: String, index: Int, _ value: Float) throws {
        var (data, shape) = try g.read(child, as: Float.self)
        data[index] = value
        try g.write(child, data, shape: shape)
    }

    func testNonFiniteObservationalValuesAreRefused() throws {
        for (tag, x) in [("NaN", Float.nan), ("inf", .infinity), ("-inf", -.infinity)] {
            let path = try suiteFile("obs-\(tag).h5") { try setValue($0, "observational", index: 3 * 5 + 2, x) }
            assertRefused(path, ["/datasets/000001/observational", tag, "[3, 2]"])
        }
    }

    func testAbsurdlyLargeValuesAreRefused() throws {
        let path = try suiteFile("huge.h5") { try setValue($0, "observational", index: 0, 3e38) }
        assertRefused(path, ["/datasets/000001/observational", "3e+38"])
        let ok = try suiteFile("large-ok.h5") { try setValue($0, "observational", index: 0, 1e12) }
        XCTAssertNoThrow(try SCMSuiteFile.read(ok), "large but plausible values are data")
    }

    func testNonFiniteInterventionalValuesAreRefused() throws {
        let path = try suiteFile("int-nan.h5") { try setValue($0, "interventional", index: 1, .nan) }
        assertRefused(path, ["/datasets/000001/interventional", "NaN"])
        let inf = try suiteFile("int-inf.h5") { try setValue($0, "interventional", index: 1, -.infinity) }
        assertRefused(inf, ["/datasets/000001/interventional", "-inf"])
    }

    func testRegimeValuesMayBeUnknownButNotInfinite() throws {
        let nan = try suiteFile("rv-nan.h5") { try setValue($0, "regime_values", index: 0, .nan) }
        XCTAssertNoThrow(try SCMSuiteFile.read(nan), "NaN regime value = unknown (file-formats §1)")
        let inf = try suiteFile("rv-inf.h5") { try setValue($0, "regime_values", index: 0, .infinity) }
        assertRefused(inf, ["/datasets/000001/regime_values", "inf"])
    }

    func testDatasetWithoutInterventionalRowsIsRefused() throws {
        for keepRegimes in [true, false] {
            let path = try suiteFile("no-rows-\(keepRegimes).h5") { g in
                try g.write("interventional", [Float](), shape: [0, 5])
                try g.write("regime", [Int32](), shape: [0])
                try g.write("query_index", [Int32](), shape: [0])
                if !keepRegimes {
                    try g.write("regime_targets", [Int32](), shape: [0])
                    try g.write("regime_values", [Float](), shape: [0])
                }
            }
            assertRefused(path, ["/datasets/000001/interventional", "no rows"])
        }
    }

    func testEmptyDatasetsGroupIsRefused() throws {
        let path = folder + "/empty.h5"
        try H5File.writeAtomically(path) { file in
            let root = try file.root
            try root.setAttribute("format", SCMSuiteFile.format)
            try root.setAttribute("format_version", SCMSuiteFile.formatVersion)
            _ = try root.createGroup("datasets")
        }
        assertRefused(path, ["'/datasets' is empty"])
    }

    func testIntegersThatDoNotFitTheirTypeAreRefusedNotWrapped() throws {
        let wide = try suiteFile("regime-wide.h5") { g in
            var r = try g.read("regime", as: Int64.self).data
            r[3] = Int64(1) << 32 + 1
            try g.write("regime", r, shape: [r.count])
        }
        assertRefused(wide, ["/datasets/000001/regime", "4294967297"])
        let negative = try suiteFile("adjacency-negative.h5") { g in
            var a = try g.read("adjacency", as: Int32.self).data
            a[1] = -1
            try g.write("adjacency", a, shape: [5, 5])
        }
        assertRefused(negative, ["/datasets/000001/adjacency", "-1"])
    }

    func testFractionalFormatVersionIsRefused() throws {
        let path = try suiteFile("version.h5") { _ in }
        let file = try H5File.open(path, writable: true)
        try file.root.setAttribute("format_version", 1.7)
        try file.close()
        assertRefused(path, ["format_version", "1.7"])
    }

    func testValidateIsUsableOnDataFromAnySource() throws {
        var d = try suite()[0]
        XCTAssertNoThrow(try d.validate())
        d.interventional[0] = .nan
        XCTAssertThrowsError(try d.validate()) { error in
            XCTAssertEqual((error as? SCMDatasetProblem)?.field, "interventional")
        }
        d = try suite()[0]
        d.queryIndex[0] = Int32(d.observationalCount)
        XCTAssertThrowsError(try d.validate()) { XCTAssertEqual(($0 as? SCMDatasetProblem)?.field, "query_index") }
    }
}
