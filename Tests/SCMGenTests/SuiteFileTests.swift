import Foundation
import HDF5Kit
@testable import SCMGen
import TestSupport
import XCTest

/// Suites on disk: file-formats.md §1 round trip, determinism, and rejection of bad files.
final class SuiteFileTests: XCTestCase {
    private func smallConfig() -> PriorConfig {
        var c = PriorConfig()
        (c.nodesMin, c.nodesMax, c.observationalSamples, c.samplesPerRegime) = (3, 9, 12, 7)
        return c
    }

    func testSuiteRoundTripsExactly() throws {
        var suite = try SuiteSampler.sample(config: smallConfig(), count: 6, seed: 1)
        suite[2].nodeNames = (0..<suite[2].nodeCount).map { "gene_\($0)" }
        suite[3].counterfactual = true
        let path = temporaryPath("roundtrip.h5", folder: "scmgen")
        try SCMSuiteFile.write(suite, to: path, generatorConfig: "{\"x\":1}")
        let back = try SCMSuiteFile.read(path)
        XCTAssertEqual(back, suite)
        XCTAssertEqual(try SCMSuiteFile.generatorConfig(at: path), "{\"x\":1}")
        let root = try H5File.open(path).root
        XCTAssertEqual(try root.childNames(), ["datasets"])
        XCTAssertEqual(try root.openGroup("datasets").childNames(), ["000000", "000001", "000002", "000003", "000004", "000005"])
        let g = try root.openGroup("datasets/000000")
        XCTAssertEqual(try g.storedClass(of: "observational"), .float(bytes: 4))
        XCTAssertEqual(try g.storedClass(of: "adjacency"), .integer(bytes: 1, signed: false))
        XCTAssertEqual(try g.storedClass(of: "edge_types"), .integer(bytes: 1, signed: true))
        XCTAssertEqual(try g.storedClass(of: "regime"), .integer(bytes: 4, signed: true))
        XCTAssertEqual(try g.shape(of: "interventional"), [suite[0].interventionalCount, suite[0].nodeCount])
    }

    func testSameSeedSameBytesAndStreamsAreIndependent() throws {
        let c = smallConfig()
        let (a, b) = (temporaryPath("a.h5", folder: "scmgen"), temporaryPath("b.h5", folder: "scmgen"))
        for p in [a, b] {
            try SCMSuiteFile.write(try SuiteSampler.sample(config: c, count: 4, seed: 42), to: p,
                                   generatorConfig: try SuiteSampler.generatorConfigJSON(config: c, count: 4, seed: 42))
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
        XCTAssertNotEqual(try SuiteSampler.sample(config: c, count: 4, seed: 43), try SuiteSampler.sample(config: c, count: 4, seed: 42))
        // The training stream of seed 42 does not replay the suite of seed 42.
        var stream = try BatchStream(config: c, seed: 42, batchSize: 1, mode: .sequential)
        let first = stream.next()
        let suite = try SuiteSampler.sample(config: c, count: 1, seed: 42)[0]
        XCTAssertNotEqual(first.query, Array(suite.observational[Int(suite.queryIndex[0]) * suite.nodeCount..<(Int(suite.queryIndex[0]) + 1) * suite.nodeCount]))
    }

    /// A good file, then one defect at a time; each error names the file, the object and
    /// the problem.
    func testMalformedFilesAreRejectedWithClearErrors() throws {
        let good = try SuiteSampler.sample(config: smallConfig(), count: 1, seed: 3)[0]
        let n = good.nodeCount
        func make(_ name: String, format: String = "pfn-scm-datasets", version: Int64 = 1,
                  _ edit: (H5Group) throws -> Void) throws -> String {
            let path = temporaryPath(name, folder: "scmgen")
            try H5File.writeAtomically(path) { file in
                let root = try file.root
                try root.setAttribute("format", format)
                try root.setAttribute("format_version", version)
                let g = try root.createGroup("datasets/000000")
                try SCMSuiteFile.write(good, into: g)
                try edit(g)
            }
            return path
        }
        let cases: [(String, String, [String], (H5Group) throws -> Void)] = [
            ("fmt.h5", "pfn-checkpoint", ["format", "pfn-checkpoint", "pfn-scm-datasets"], { _ in }),
            ("shape.h5", "", ["/datasets/000000/interventional", "columns"],
             { try $0.write("interventional", [Float](repeating: 0, count: 4 * (n + 1)), shape: [4, n + 1]) }),
            ("type.h5", "", ["/datasets/000000/regime_targets", "integer"],
             { try $0.write("regime_targets", [Float](repeating: 0, count: good.regimeCount), shape: [good.regimeCount]) }),
            ("target.h5", "", ["regime_targets", "node indices", "\(n + 5)"],
             { try $0.write("regime_targets", [Int32](repeating: Int32(n + 5), count: good.regimeCount), shape: [good.regimeCount]) }),
            ("query.h5", "", ["query_index", "observational row"],
             { try $0.write("query_index", [Int32](repeating: 999, count: good.interventionalCount), shape: [good.interventionalCount]) }),
            ("adj.h5", "", ["adjacency", "0 or 1"],
             { try $0.write("adjacency", [UInt8](repeating: 2, count: n * n), shape: [n, n]) }),
            ("edges.h5", "", ["edge_types", "disagrees"],
             { try $0.write("edge_types", [Int8](repeating: 0, count: n * n), shape: [n, n]) }),
            ("names.h5", "", ["node_names", "names for \(n) nodes"], { try $0.setAttribute("node_names", ["a"]) }),
        ]
        for (name, format, needles, edit) in cases {
            let path = try make(name, format: format.isEmpty ? "pfn-scm-datasets" : format, edit)
            XCTAssertThrowsError(try SCMSuiteFile.read(path), name) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(path), "names the file: \(text)")
                for s in needles { XCTAssertTrue(text.contains(s), "\(name): '\(s)' missing from: \(text)") }
            }
        }
        let missing = temporaryPath("missing.h5", folder: "scmgen")
        try H5File.writeAtomically(missing) { file in
            let root = try file.root
            try root.setAttribute("format", "pfn-scm-datasets")
            try root.setAttribute("format_version", Int64(1))
            try root.createGroup("datasets/000000").write("observational", good.observational, shape: [good.observationalCount, n])
        }
        XCTAssertThrowsError(try SCMSuiteFile.read(missing)) {
            XCTAssertTrue("\($0)".contains("'/datasets/000000/interventional' is missing"), "\($0)")
        }
        let newer = try make("newer.h5", version: 2) { _ in }
        XCTAssertThrowsError(try SCMSuiteFile.read(newer)) { XCTAssertTrue("\($0)".contains("format_version is 2")) }
        XCTAssertNoThrow(try SCMSuiteFile.read(try make("fine.h5") { _ in }))
    }

    /// A minimal file as numpy would write it (float64, int64, no query_index, no graph):
    /// numbers are converted, and an absent query_index means r mod S_obs (§1).
    func testMinimalForeignFileReads() throws {
        let path = temporaryPath("foreign.h5", folder: "scmgen")
        try H5File.writeAtomically(path) { file in
            let root = try file.root
            try root.setAttribute("format", "pfn-scm-datasets")
            try root.setAttribute("format_version", Int32(1))
            let g = try root.createGroup("datasets/real")
            try g.write("observational", [Double](repeating: 1.5, count: 4 * 2), shape: [4, 2])
            try g.write("interventional", [Double](repeating: 2, count: 6 * 2), shape: [6, 2])
            try g.write("regime", [Int64](repeating: 0, count: 6), shape: [6])
            try g.write("regime_targets", [Int64(1)], shape: [1])
            try g.write("regime_values", [Double.nan], shape: [1])
        }
        let d = try SCMSuiteFile.read(path)[0]
        XCTAssertEqual(d.nodeCount, 2)
        XCTAssertEqual(d.queryIndex, [0, 1, 2, 3, 0, 1])
        XCTAssertNil(d.adjacency)
        XCTAssertTrue(d.regimeValues[0].isNaN)
        XCTAssertFalse(d.counterfactual)
        XCTAssertEqual(d.delta(row: 5), [0.5, 0.5])
    }
}
