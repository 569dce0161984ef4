import SCMGen
import TestSupport
import XCTest

/// data/sachs (reference/make_sachs.py): the real interventional dataset the README reports
/// the default model on reads as documented — 11 proteins, 1,755 observational rows, 7 regimes
/// with unknown values on their conventional targets, the 18-edge consensus graph.
final class SachsDataTests: XCTestCase {
    func testTheCommittedSachsDataReadsAsDocumented() throws {
        let dir = repositoryRoot.appendingPathComponent("data/sachs").path
        let d = try CSVImport.readFolder(dir)
        let names = try XCTUnwrap(d.nodeNames)
        XCTAssertEqual(names, ["praf", "pmek", "plcg", "PIP2", "PIP3", "p44/42", "pakts473", "PKA", "PKC", "P38", "pjnk"])
        XCTAssertEqual(d.observationalCount, 1755)
        XCTAssertEqual(d.interventionalCount, 5711)
        XCTAssertEqual(d.regimeTargets.map { names[Int($0)] }, ["pakts473", "PKC", "PIP2", "pmek", "PIP3", "PKC", "PKA"])
        XCTAssertTrue(d.regimeValues.allSatisfy(\.isNaN), "reagents act on activity: no value is known")
        let graph = try EdgeListCSV.read(dir + "/graph.csv", nodeNames: names)
        XCTAssertEqual(graph.reduce(0) { $0 + Int($1) }, 18)
        XCTAssertEqual(graph[names.firstIndex(of: "praf")! * 11 + names.firstIndex(of: "pmek")!], 1, "Raf → Mek")
    }
}
