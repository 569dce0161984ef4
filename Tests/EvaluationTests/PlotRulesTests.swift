import XCTest
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Evaluation

/// The figure's rules (issue 14 §4) and no trap on extreme values (defect D16).
final class PlotRulesTests: XCTestCase {
    /// A log of `count` training points (noisy shd) and held-out evaluations every 4 steps.
    func log(_ name: String, count: Int = 40, path: String? = nil, extra: [String: [Double]] = [:]) -> TrainingLog {
        var series: [String: [Double]] = ["step": (0..<count).map { Double($0 * 10) }]
        for key in ["loss", "delta_mse", "dag_bce", "acyclicity"] { series[key] = (0..<count).map { (i: Int) -> Double in 1 + 1 / Double(i + 1) } }
        series["shd"] = (0..<count).map { (i: Int) -> Double in
            let wiggle: Double = i % 2 == 0 ? 3 : -3
            return 10 + wiggle - Double(i) / 10
        }
        let evals = stride(from: 0, to: count, by: 4).map { Double($0 * 10) }
        series["eval_step"] = evals
        let f1: [Double] = [0.1, 0.3, 0.2, 0.25]
        series["eval_f1"] = evals.indices.map { (i: Int) -> Double in f1[i % 4] }
        series["eval_shd"] = evals.indices.map { (i: Int) -> Double in 20 - Double(i) }
        for (k, v) in extra { series[k] = v }
        return TrainingLog(name: name, series: series, path: path)
    }

    func root(_ svg: String) throws -> XMLElement { try XMLDocument(data: Data(svg.utf8)).rootElement()! }
    func elements(_ node: XMLElement) -> [XMLElement] {
        (node.children ?? []).compactMap { $0 as? XMLElement }.flatMap { [$0] + elements($0) }
    }
    func attribute(_ e: XMLElement, _ name: String) -> String? {
        e.attributes?.first { $0.localName == name || $0.name == name }?.stringValue
    }
    func panel(_ svg: String, _ series: String) throws -> XMLElement {
        try XCTUnwrap(elements(root(svg)).first { attribute($0, "class") == "panel" && attribute($0, "data-series") == series })
    }
    func paths(_ panel: XMLElement, _ cls: String) -> [String] {
        elements(panel).filter { $0.localName == "path" && attribute($0, "class") == cls }.compactMap { attribute($0, "d") }
    }

    func testSmoothingTouchesOnlyTrainingSeriesAndKeepsTheRawCurveFaint() throws {
        let runs = [log("A")]
        let plain = try ComparisonPlot.svg(logs: runs, options: PlotOptions(series: ["shd", "eval_f1"]))
        let smooth = try ComparisonPlot.svg(logs: runs, options: PlotOptions(series: ["shd", "eval_f1"], smoothing: 5))
        // Held-out: drawn exactly as logged, no faint copy.
        XCTAssertEqual(paths(try panel(smooth, "eval_f1"), "run"), paths(try panel(plain, "eval_f1"), "run"))
        XCTAssertEqual(paths(try panel(smooth, "eval_f1"), "raw"), [])
        // Training: the smoothed curve differs, and the raw curve behind it is the unsmoothed one.
        XCTAssertNotEqual(paths(try panel(smooth, "shd"), "run"), paths(try panel(plain, "shd"), "run"))
        let faint = try XCTUnwrap(elements(try panel(smooth, "shd")).first { attribute($0, "class") == "raw" })
        XCTAssertEqual(attribute(faint, "stroke-opacity"), "0.25")
        XCTAssertEqual(paths(try panel(plain, "shd"), "raw"), [])
    }

    /// `--x minutes`: held-out points land at the wall time of their step, interpolated between
    /// logged steps; steps past the logged range are dropped rather than extrapolated.
    func testHeldOutPointsAgainstWallTimeAreInterpolatedFromElapsed() throws {
        let l = TrainingLog(name: "r", series: ["step": [1, 100, 200], "elapsed": [6, 60, 180],
                                                "loss": [3, 2, 1], "delta_mse": [1, 1, 1], "dag_bce": [1, 1, 1],
                                                "shd": [1, 1, 1], "acyclicity": [0, 0, 0],
                                                "eval_step": [100, 150, 250], "eval_shd": [9, 8, 7]])
        let p = try XCTUnwrap(l.pointsAgainstMinutes("eval_shd"))
        XCTAssertEqual(p.x, [1, 2], "step 100 at 60 s, step 150 halfway between 60 s and 180 s; 250 is past the log")
        XCTAssertEqual(p.y, [9, 8])
        XCTAssertEqual(l.pointsAgainstMinutes("loss")?.x, [0.1, 1, 3])
        let svg = try ComparisonPlot.svg(logs: [l], options: PlotOptions(series: ["eval_shd"], xAxis: .minutes))
        XCTAssertTrue(svg.contains("Wall time (min) (held-out evaluations)"))
    }

    func testLabelsNameTheRunsAndMustMatchTheLogs() throws {
        let svg = try ComparisonPlot.svg(logs: [log("A"), log("B")], options: PlotOptions(labels: ["baseline", "pair context"]))
        XCTAssertTrue(svg.contains(">pair context</text>"))
        XCTAssertEqual(Set(elements(try panel(svg, "shd")).compactMap { attribute($0, "data-run") }), ["baseline", "pair context"])
        XCTAssertThrowsError(try ComparisonPlot.svg(logs: [log("A"), log("B")], options: PlotOptions(labels: ["one"]))) {
            XCTAssertTrue("\($0)".contains("1 labels for 2 logs"), "\($0)")
        }
    }

    func testTwoRunsWithTheSameFileNameAreToldApartByFolder() throws {
        let names = try ComparisonPlot.legendNames([log("C", path: "/w/old/logs/C.json"), log("C", path: "/w/new/logs/C.json"),
                                                    log("A", path: "/w/new/logs/A.json")], labels: nil)
        XCTAssertEqual(names, ["old/logs/C", "new/logs/C", "A"])
        XCTAssertEqual(try ComparisonPlot.legendNames([log("C"), log("C")], labels: nil), ["C", "C (2)"])
    }

    func testALoneLegendEntryNeverWrapsAndManyEntriesDo() {
        let (_, one) = ComparisonPlot.legend([String(repeating: "x", count: 120)], width: 400, top: 0)
        XCTAssertEqual(one, 32)
        let (_, many) = ComparisonPlot.legend((0..<8).map { "run-number-\($0)" }, width: 400, top: 0)
        XCTAssertGreaterThan(many, 32)
    }

    func testTheTwoSHDsHaveDistinctTitlesAndAxesAreNamedInWords() throws {
        let svg = try ComparisonPlot.svg(logs: [log("A")], options: PlotOptions(series: ["shd", "eval_shd"]))
        XCTAssertTrue(svg.contains("Training-batch SHD (notebook&apos;s count") || svg.contains("Training-batch SHD (notebook's count"))
        XCTAssertTrue(svg.contains("Held-out SHD (standard"))
        XCTAssertTrue(svg.contains(">SHD (standard)</text>"))
        XCTAssertFalse(svg.contains(">eval_shd</text>"))
    }

    func testMarkersOnlyOnSeriesWithFewPoints() throws {
        let svg = try ComparisonPlot.svg(logs: [log("A", count: 80)], options: PlotOptions(series: ["shd", "eval_shd"]))
        let marks = { (p: XMLElement) in self.elements(p).filter { self.attribute($0, "class") == "marker" }.count }
        XCTAssertEqual(marks(try panel(svg, "eval_shd")), 20)
        XCTAssertEqual(marks(try panel(svg, "shd")), 0)
    }

    func testLogScaleOnlyWhereItHelpsWithTicksCoveringTheData() throws {
        let a = log("A", extra: ["acyclicity": (0..<40).map { pow(10, -Double($0) / 10) }])
        let svg = try ComparisonPlot.svg(logs: [a], options: PlotOptions(series: ["acyclicity", "eval_f1"], logScale: true))
        XCTAssertEqual(attribute(try panel(svg, "acyclicity"), "data-scale"), "log")
        XCTAssertNil(attribute(try panel(svg, "eval_f1"), "data-scale"))     // 0.1–0.3: log does not help
        for (lo, hi) in [(3.0, 40.0), (0.02, 0.9), (1e-6, 1e3), (7.0, 9.0)] {
            let s = PlotScale(covering: [lo, hi], pixelLo: 0, pixelHi: 100, log: true)
            let t = s.ticks()
            XCTAssertGreaterThanOrEqual(t.count, 2, "\(lo)…\(hi): \(t)")
            let slack = hi / lo > 1e3 ? 10.0 : 2.5   // decade ticks on a wide range, 1-2-5 ticks on a narrow one
            XCTAssertLessThanOrEqual(t.first!, lo * slack, "\(lo)…\(hi): \(t)")
            XCTAssertGreaterThanOrEqual(t.last!, hi / slack, "\(lo)…\(hi): \(t)")
        }
    }

    func testBaselinesAreReferenceLinesNotPanels() throws {
        let a = log("A", extra: ["eval_baseline_empty_shd": Array(repeating: 25, count: 10)])
        let b = log("B", extra: ["eval_baseline_empty_shd": Array(repeating: 25, count: 10)])
        let svg = try ComparisonPlot.svg(logs: [a, b], options: PlotOptions(series: ["eval_shd"]))
        let lines = elements(try panel(svg, "eval_shd")).filter { attribute($0, "class") == "baseline" }
        XCTAssertEqual(lines.map { attribute($0, "data-baseline") }, ["empty graph"])   // both logs agree: one line
        XCTAssertFalse(try ComparisonPlot.panels(for: [a, b], options: PlotOptions(series: ["all"])).contains { $0.contains("baseline") })
    }

    func testTwoBaselinesAtOneValueDoNotPrintTheirLabelsOverEachOther() throws {
        let a = log("A", extra: ["eval_baseline_empty_auroc": Array(repeating: 0.5, count: 10),
                                 "eval_baseline_random_auroc": Array(repeating: 0.5, count: 10),
                                 "eval_auroc": (0..<10).map { 0.7 + 0.01 * Double($0) }])
        let svg = try ComparisonPlot.svg(logs: [a], options: PlotOptions(series: ["eval_auroc"]))
        let texts = elements(try panel(svg, "eval_auroc")).filter { $0.localName == "text" }
        let places = ["empty graph", "random DAG"].map { label in
            texts.first { $0.stringValue == label }.map { (attribute($0, "x") ?? "", attribute($0, "y") ?? "") }
        }
        let (empty, random) = (try XCTUnwrap(places[0]), try XCTUnwrap(places[1]))
        XCTAssertTrue(empty != random, "both labels at \(empty)")
    }

    func testFigureTitleColumnsAndSize() throws {
        let svg = try ComparisonPlot.svg(logs: [log("A")], options: PlotOptions(columns: 2, size: try PlotSize(parsing: "1000x600"),
                                                                               title: "Pair context at N = 20"))
        let r = try root(svg)
        XCTAssertEqual(attribute(r, "width"), "1000"); XCTAssertEqual(attribute(r, "height"), "600")
        XCTAssertTrue(svg.contains(">Pair context at N = 20</text>"))
        XCTAssertThrowsError(try PlotSize(parsing: "big")) { XCTAssertTrue("\($0)".contains("WIDTHxHEIGHT")) }
        let defaults = try root(ComparisonPlot.svg(logs: [log("A")]))
        XCTAssertLessThanOrEqual(Double(attribute(defaults, "width")!)!, 1280)
        XCTAssertLessThanOrEqual(Double(attribute(defaults, "height")!)!, 720)
    }

    func testExtremeValuesNeitherTrapNorHang() throws {
        for (values, isLog) in [([1e308, -1e308], false), ([1e-320, 1e308], true), ([.greatestFiniteMagnitude], true),
                                ([1e16, 1e16 + 2], false), ([5e-324, 1e-300], true)] {
            let s = PlotScale(covering: values, pixelLo: 0, pixelHi: 100, log: isLog)
            let t = s.ticks()
            XCTAssertFalse(t.isEmpty, "\(values)")
            XCTAssertTrue(t.allSatisfy { s.pixel($0).isFinite }, "\(values): \(t)")
            _ = s.labels(t)
        }
        let wild = log("A", extra: ["shd": (0..<40).map { $0 % 2 == 0 ? 1e308 : -1e308 },
                                    "acyclicity": (0..<40).map { $0 % 2 == 0 ? 1e-310 : 1e308 }])
        for logScale in [false, true] {
            let svg = try ComparisonPlot.svg(logs: [wild], options: PlotOptions(series: ["shd", "acyclicity"], logScale: logScale, smoothing: 3))
            XCTAssertFalse(svg.contains("nan") || svg.contains("inf"))
        }
        let huge = TrainingLog(name: "H", series: ["step": [0, 1e300], "elapsed": [0, 1e300], "loss": [1, 1], "delta_mse": [1, 1],
                                                   "dag_bce": [1, 1], "shd": [1, 1], "acyclicity": [0, 0]])
        let summary = RunComparison.summary(of: huge)
        XCTAssertNil(summary.steps)
        XCTAssertTrue(RunComparison.markdown([summary]).contains("1e+300s"))
    }
}
