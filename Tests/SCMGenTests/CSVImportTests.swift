import Foundation
@testable import SCMGen
import XCTest

/// A user's own data in (docs/file-formats.md §5): both CSV layouts, the edge list, and every
/// refusal as one line naming file, row, column and fix.
final class CSVImportTests: XCTestCase {
    private func tempDir(_ name: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("csv-import-\(getpid())-\(name)-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    private func table(_ text: String) throws -> SCMDataset { try CSVImport.readTable(text: text, file: "t.csv") }

    private func assertRefused(_ text: String, saying parts: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try table(text), file: file, line: line) { error in
            let message = "\(error)"
            XCTAssertFalse(message.contains("\n"), "one line: \(message)", file: file, line: line)
            for part in parts { XCTAssertTrue(message.contains(part), "'\(part)' missing from: \(message)", file: file, line: line) }
        }
    }

    private func smallConfig() -> PriorConfig {
        var c = PriorConfig()
        (c.nodesMin, c.nodesMax, c.observationalSamples, c.samplesPerRegime) = (4, 7, 15, 6)
        return c
    }

    // MARK: layout (a), the folder `sample --csv-dir` writes

    func testSampledDatasetRoundTripsThroughTheCSVFolder() throws {
        for (i, d) in try SuiteSampler.sample(config: smallConfig(), count: 3, seed: 7).enumerated() {
            let dir = try tempDir("rt\(i)")
            try CSVExport.writeFolder(d, to: dir)
            var back = try CSVImport.read(dir)
            XCTAssertEqual(back.nodeNames, (0..<d.nodeCount).map { "X\($0)" })
            back.nodeNames = nil
            back.counterfactual = d.counterfactual   // not in the CSV layout
            XCTAssertEqual(back, d)                  // floats bit for bit: shortest round-trip text
        }
    }

    func testWhatSampleCSVWritesImportsAsTheSuiteDataset() throws {
        guard let binary = Self.binary() else {
            throw XCTSkip("pfn-train is not built beside the tests; build with --build-tests to run this check")
        }
        let dir = try tempDir("cli")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["sample", "--count", "2", "--out", "\(dir)/s.h5", "--csv-dir", "\(dir)/csv", "--csv-index", "1"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let suite = try SCMSuiteFile.read("\(dir)/s.h5")
        var back = try CSVImport.read("\(dir)/csv")
        back.nodeNames = suite[1].nodeNames
        back.counterfactual = suite[1].counterfactual
        XCTAssertEqual(back, suite[1])
    }

    /// The pfn-train binary beside the test bundle, if built.
    static func binary() -> URL? {
        let bundle = Bundle(for: CSVImportTests.self).bundleURL
        for folder in [bundle.deletingLastPathComponent(), bundle] {
            let url = folder.appendingPathComponent("pfn-train")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    func testFolderWithoutInterventionalFileIsObservationalOnly() throws {
        let dir = try tempDir("obs")
        try "a,b\n1,2\n3,4\n".write(toFile: "\(dir)/observational.csv", atomically: true, encoding: .utf8)
        let d = try CSVImport.read(dir)
        XCTAssertEqual(d.observational, [1, 2, 3, 4])
        XCTAssertEqual(d.regimeCount, 0)
        XCTAssertEqual(d.interventionalCount, 0)
    }

    func testFolderRefusesAMismatchedHeaderAnInconsistentRegimeAndABadQueryRow() throws {
        let dir = try tempDir("bad")
        try "a,b\n1,2\n3,4\n".write(toFile: "\(dir)/observational.csv", atomically: true, encoding: .utf8)
        let cases: [(String, [String])] = [
            ("regime,target,value,query_index,b,a\n0,0,5,0,1,1\n", ["interventional.csv: row 1", "expected 'regime,target,value,query_index,a,b'"]),
            ("regime,target,value,query_index,a,b\n0,0,5,0,1,1\n0,1,5,1,1,1\n", ["row 3, column 'regime'", "one regime has one target and one value"]),
            ("regime,target,value,query_index,a,b\n0,0,5,2,1,1\n", ["row 2, column 'query_index'", "0..<2"]),
            ("regime,target,value,query_index,a,b\nx,0,5,0,1,1\n", ["row 2, column 'regime'", "not a regime number"]),
        ]
        for (text, parts) in cases {
            try text.write(toFile: "\(dir)/interventional.csv", atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try CSVImport.read(dir)) { error in
                for part in parts { XCTAssertTrue("\(error)".contains(part), "'\(part)' missing from: \(error)") }
            }
        }
    }

    // MARK: layout (b), one table with a target column

    func testTableKeepsNodeNamesAndFormsRegimesByTargetAndValue() throws {
        let d = try table("""
        x,y,z,target,value
        1,2,3,,
        4,5,6,,
        5,1,1,x,5
        5,2,2,x,5
        8,3,3,0,8
        1,0,2,y,0
        """)
        XCTAssertEqual(d.nodeNames, ["x", "y", "z"])
        XCTAssertEqual(d.observational, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(d.interventional, [5, 1, 1, 5, 2, 2, 8, 3, 3, 1, 0, 2])
        XCTAssertEqual(d.regime, [0, 0, 1, 2])
        XCTAssertEqual(d.regimeTargets, [0, 0, 1])
        XCTAssertEqual(d.regimeValues, [5, 8, 0])
        XCTAssertEqual(d.queryIndex, [0, 1, 0, 1])   // r mod S_obs, as in a suite without query_index
        XCTAssertNil(d.adjacency)
    }

    func testWithoutValueColumnTheTargetsOwnCellIsTheValue() throws {
        let d = try table("target,a,b\n,0,1\n,1,0\nb,3,7\nb,4,7\nb,2,9\n")
        XCTAssertEqual(d.regimeTargets, [1, 1])
        XCTAssertEqual(d.regimeValues, [7, 9])
        XCTAssertEqual(d.regime, [0, 0, 1])
    }

    func testEmptyValueCellMeansUnknownValueOneRegimePerTarget() throws {
        let d = try table("a,b,target,value\n0,1,,\n1,2,,\n3,4,a,\n5,6,a,\n")
        XCTAssertEqual(d.regimeCount, 1)
        XCTAssertTrue(d.regimeValues[0].isNaN)
    }

    func testANodeNamedLikeAnIndexIsFoundByNameFirst() throws {
        let d = try table("1,0,target\n0,0,\n5,0,0\n")
        XCTAssertEqual(d.regimeTargets, [1])   // the column named "0" is node 1
    }

    func testObservationalOnlyTableImportsWithNoRegimes() throws {
        let d = try table("a,b,target\n1,2,\n3,4,\n")
        XCTAssertEqual(d.observationalCount, 2)
        XCTAssertEqual(d.regimeCount, 0)
    }

    func testQuotedNodeNamesAndCRLFLineEndingsAndMissingFinalNewline() throws {
        let d = try table("\"gene, A\",b,target\r\n1,2,\r\n3,4,\"gene, A\"")
        XCTAssertEqual(d.nodeNames, ["gene, A", "b"])
        XCTAssertEqual(d.regimeTargets, [0])
    }

    func testTableRefusesBadCellsWithFileRowColumnAndFix() {
        assertRefused("a,b,target\n1,2,\n1,x,\n", saying: ["t.csv: row 3, column 'b'", "'x' is not a number"])
        assertRefused("a,b,target\n1,2,\n1,,\n", saying: ["row 3, column 'b'", "empty cell", "drop or impute"])
        assertRefused("a,b,target\n1,NaN,\n", saying: ["row 2, column 'b'", "not finite"])
        assertRefused("a,b,target\n1,2,\n-inf,2,a\n", saying: ["row 3, column 'a'", "not finite"])
        assertRefused("a,b,target\n1,2,\n1e39,2,a\n", saying: ["row 3, column 'a'", "Float32's range"])
        assertRefused("a,b,target,value\n1,2,,\n1,2,a,inf\n", saying: ["row 3, column 'value'", "not finite"])
    }

    func testTableRefusesUnknownAndMultipleTargets() {
        assertRefused("a,b,target\n1,2,\n1,2,c\n", saying: ["row 3, column 'target'", "unknown node 'c'", "a, b"])
        assertRefused("a,b,target\n1,2,\n1,2,2\n", saying: ["row 3, column 'target'", "index 2 is out of range", "0..<2"])
        assertRefused("a,b,target\n1,2,\n1,2,a;b\n", saying: ["row 3, column 'target'", "several intervened nodes are not supported"])
        assertRefused("a,b,target\n1,2,\n1,2,\"a,b\"\n", saying: ["several intervened nodes"])
    }

    func testTableRefusesBadShapes() {
        assertRefused("", saying: ["t.csv: the file is empty"])
        assertRefused("a,b,target\n", saying: ["no data rows"])
        assertRefused("a,b\n1,2\n", saying: ["row 1: no 'target' column"])
        assertRefused("target\n\n", saying: ["no node columns"])
        assertRefused("a,b,target\n1,2,\n1,2\n", saying: ["row 3 has 2 cells but the header has 3"])
        assertRefused("a,b,target\n1,2,,4\n", saying: ["row 2 has 4 cells"])
        assertRefused("a,a,target\n1,2,\n", saying: ["column 'a' appears twice"])
        assertRefused("a,b,target\n1,2,a\n", saying: ["no observational rows"])
    }

    func testBlankLinesAreSkippedAndRowNumbersStayTheFilesLineNumbers() {
        assertRefused("a,b,target\n\n1,2,\n\n1,oops,\n", saying: ["row 5, column 'b'"])
    }

    // MARK: edge list

    func testEdgeListByNameOrIndexGivesTheAdjacency() throws {
        let a = try EdgeListCSV.read(text: "source,target\nx,y\n0,2\ny,z\n", file: "g.csv", nodeNames: ["x", "y", "z"])
        XCTAssertEqual(a, [0, 1, 1,
                           0, 0, 1,
                           0, 0, 0])
    }

    func testEdgeListRefusesSelfLoopsUnknownNodesAndOtherHeaders() {
        let names = ["x", "y"]
        let cases: [(String, String)] = [
            ("source,target\nx,x\n", "g.csv: row 2, column 'target': a self-loop"),
            ("source,target\nx,w\n", "row 2, column 'target': unknown node 'w'"),
            ("from,to\nx,y\n", "expected 'source,target'"),
            ("source,target\nx\n", "row 2 has 1 cells"),
        ]
        for (text, part) in cases {
            XCTAssertThrowsError(try EdgeListCSV.read(text: text, file: "g.csv", nodeNames: names)) { error in
                XCTAssertTrue("\(error)".contains(part), "'\(part)' missing from: \(error)")
            }
        }
    }

    // MARK: --standardize

    func testStandardizingRemovesTheUsersUnits() throws {
        let d = try SuiteSampler.sample(config: smallConfig(), count: 1, seed: 3)[0]
        var scaled = d
        scaled.observational = d.observational.map { $0 * 100 + 500 }
        scaled.interventional = d.interventional.map { $0 * 100 + 500 }
        scaled.regimeValues = d.regimeValues.map { $0 * 100 + 500 }
        let a = Standardization(fitting: d).apply(to: d), b = Standardization(fitting: scaled).apply(to: scaled)
        for (x, y) in zip(a.observational + a.interventional + a.regimeValues, b.observational + b.interventional + b.regimeValues) {
            XCTAssertEqual(x, y, accuracy: 1e-3 * max(1, abs(x)))
        }
        // Standardized observational columns have mean 0 and std 1.
        let n = a.nodeCount, s = a.observationalCount
        for j in 0..<n {
            let col = (0..<s).map { Double(a.observational[$0 * n + j]) }
            let m = col.reduce(0, +) / Double(s)
            XCTAssertEqual(m, 0, accuracy: 1e-5)
            XCTAssertEqual((col.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(s)).squareRoot(), 1, accuracy: 1e-4)
        }
    }

    func testDeltasMapBackByTheStdOnlyAndConstantNodesAreOnlyCentred() throws {
        let d = try table("a,b,target\n1,7,\n3,7,\n5,7,\n9,7,a\n")
        let z = Standardization(fitting: d)
        XCTAssertEqual(z.mean, [3, 7])
        XCTAssertEqual(z.std[0], (8.0 / 3.0).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(z.std[1], 1)                     // constant column: no division by 0
        XCTAssertEqual(z.apply(to: d).observational[1], 0)
        let user = z.deltasToUserUnits([2, 2], nodeCount: 2)
        XCTAssertEqual(user[0], 2 * z.std[0], accuracy: 1e-6)
        XCTAssertEqual(user[1], 2)
        XCTAssertEqual(z.value(z.apply(to: d).interventional[0], node: 0), 9, accuracy: 1e-5)
    }
}
