import TestSupport
import XCTest
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Evaluation

final class PlotAndLogTests: XCTestCase {
    /// A notebook-style log with `count` entries; every series a simple function of the index.
    func logJSON(count: Int, extra: String = "") -> Data {
        let steps = (0..<count).map { String($0 * 100) }.joined(separator: ",")
        let values = (0..<count).map { String(Double(count - $0)) }.joined(separator: ",")
        let keys = ["loss", "delta_mse", "dag_bce", "shd", "acyclicity"]
        let body = keys.map { "\"\($0)\": [\(values)]" }.joined(separator: ", ")
        return Data("{\"step\": [\(steps)], \(body), \"config\": {\"model\": \"A\"}\(extra)}".utf8)
    }

    func testReadsPythonNaNAndInfinityAsGaps() throws {
        let text = #"{"step": [1, 2, 3], "loss": [1, NaN, 2], "delta_mse": [Infinity, -Infinity, 1], "#
            + #""dag_bce": [1, 1, 1], "shd": [3, null, 1], "acyclicity": [0, 0, 0], "config": {"note": "NaN stays"}}"#
        let log = try TrainingLog(data: Data(text.utf8), name: "run", path: "run.json")
        XCTAssertTrue(log.series["loss"]![1].isNaN)
        XCTAssertTrue(log.series["delta_mse"]![0].isNaN)
        XCTAssertTrue(log.series["shd"]![1].isNaN)
        XCTAssertEqual(log.config["note"] as? String, "NaN stays")
        XCTAssertEqual(log.final("shd"), 1)
    }

    func testRunStillBeingWrittenIsTruncatedToShortestSeries() throws {
        // shd has one entry fewer than the other series, as if written mid-update.
        var text = String(data: logJSON(count: 5), encoding: .utf8)!
        text = text.replacingOccurrences(of: "\"shd\": [5.0,4.0,3.0,2.0,1.0]", with: "\"shd\": [5.0,4.0,3.0,2.0]")
        let log = try TrainingLog(data: Data(text.utf8), name: "run", path: "run.json")
        XCTAssertEqual(log.series["step"]?.count, 4)
        XCTAssertEqual(log.series["loss"]?.count, 4)
        XCTAssertEqual(log.final("step"), 300)
    }

    func testEvalSeriesPairWithEvalStep() throws {
        let log = try TrainingLog(data: logJSON(count: 6, extra: #", "eval_step": [200, 400], "eval_auroc": [0.6, 0.7, 0.8]"#),
                                  name: "run", path: "run.json")
        XCTAssertEqual(log.points("eval_auroc")?.x, [200, 400])
        XCTAssertEqual(log.points("eval_auroc")?.y, [0.6, 0.7])
        XCTAssertEqual(log.series["step"]?.count, 6)   // the step group is unaffected
    }

    func testRefusesAFileThatIsNotATrainingLog() {
        for bad in [#"{"hello": [1, 2]}"#, "[1, 2, 3]", "not json at all"] {
            XCTAssertThrowsError(try TrainingLog(data: Data(bad.utf8), name: "x", path: "logs/x.json")) { error in
                XCTAssertTrue("\(error)".contains("logs/x.json"), "\(error)")
                XCTAssertTrue("\(error)".contains("not a training log"), "\(error)")
            }
        }
    }

    func testSVGParsesAndHasOnePathPerRunPerPanel() throws {
        let a = try TrainingLog(data: logJSON(count: 8), name: "A & <co>", path: "a")
        let b = try TrainingLog(data: logJSON(count: 1), name: "B", path: "b")      // a single point
        var c = try TrainingLog(data: logJSON(count: 5), name: "C", path: "c")
        c.series["shd"] = [.nan, .infinity, 3, 3, 3]                                 // gaps, constant
        let svg = try ComparisonPlot.svg(logs: [a, b, c], options: PlotOptions(smoothing: 2))
        let root = try XMLDocument(data: Data(svg.utf8)).rootElement()!
        XCTAssertEqual(root.localName, "svg")
        let panels = elements(root).filter { $0.localName == "g" && attribute($0, "class") == "panel" }
        XCTAssertEqual(panels.map { attribute($0, "data-series") }, ["shd", "delta_mse", "loss", "dag_bce", "acyclicity"])
        for panel in panels {
            let paths = elements(panel).filter { $0.localName == "path" && attribute($0, "class") == "run" }
            XCTAssertEqual(paths.map { attribute($0, "data-run") }, ["A & <co>", "B", "C"])
            for p in paths {
                let d = attribute(p, "d") ?? ""
                XCTAssertFalse(d.contains("nan") || d.contains("inf"), d)
                XCTAssertTrue(d.hasPrefix("M"), d)
            }
        }
        XCTAssertTrue(svg.contains("A &amp; &lt;co&gt;"))
    }

    /// All descendant elements, depth first.
    func elements(_ node: XMLElement) -> [XMLElement] {
        (node.children ?? []).compactMap { $0 as? XMLElement }.flatMap { [$0] + elements($0) }
    }

    func attribute(_ e: XMLElement, _ name: String) -> String? {
        e.attributes?.first { $0.localName == name || $0.name == name }?.stringValue
    }

    func testSeriesOptionSelectsPanelsAndRefusesAMissingSeries() throws {
        let a = try TrainingLog(data: logJSON(count: 3), name: "A", path: "a")
        XCTAssertEqual(try ComparisonPlot.panels(for: [a], options: PlotOptions(series: ["loss"])), ["loss"])
        XCTAssertThrowsError(try ComparisonPlot.panels(for: [a], options: PlotOptions(series: ["eval_auroc"]))) {
            XCTAssertTrue("\($0)".contains("eval_auroc"))
        }
    }

    func testLogScaleDropsNonPositiveValues() throws {
        var a = try TrainingLog(data: logJSON(count: 4), name: "A", path: "a")
        a.series["acyclicity"] = [0, 1, 10, 100]
        let svg = try ComparisonPlot.svg(logs: [a], options: PlotOptions(series: ["acyclicity"], logScale: true))
        let d = svg.components(separatedBy: "data-run=\"A\" d=\"")[1].prefix { $0 != "\"" }
        XCTAssertEqual(d.filter { $0 == "M" }.count + d.filter { $0 == "L" }.count, 3)
    }

    func testMovingAverageSkipsGaps() {
        let out = movingAverage([1, 3, .nan, 5, 7], window: 2)
        XCTAssertEqual(out[0], 1); XCTAssertEqual(out[1], 2); XCTAssertTrue(out[2].isNaN)
        XCTAssertEqual(out[3], 4); XCTAssertEqual(out[4], 6)
    }

    func testCompareReportsFinalBestAndThroughput() throws {
        let log = try TrainingLog(data: logJSON(count: 5, extra:
            #", "elapsed": [0, 10, 20, 30, 40], "eval_step": [100, 200, 300], "eval_auroc": [0.6, 0.9, 0.8], "eval_shd": [9, 4, 6]"#),
            name: "A", path: "a")
        let s = RunComparison.summary(of: log)
        XCTAssertEqual(s.steps, 400)
        XCTAssertEqual(s.wallTime, 40)
        XCTAssertEqual(s.stepsPerSecond, 10)
        XCTAssertEqual(s.metrics["auroc"]?.final, 0.8); XCTAssertEqual(s.metrics["auroc"]?.best, 0.9)
        XCTAssertEqual(s.metrics["shd"]?.final, 6); XCTAssertEqual(s.metrics["shd"]?.best, 4)
        let table = RunComparison.markdown([s])
        XCTAssertTrue(table.contains("| A | 400 | 40s | 10.00 |"), table)
    }
}
