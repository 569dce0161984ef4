import Foundation
import XCTest

/// The conventions of every subcommand's `--help` (issue 14 §6), read from the binary's own
/// description of its arguments (`--experimental-dump-help`: each option's help text and the
/// default ArgumentParser prints after it as "(default: …)"):
/// each default printed once, every option's default stated, one name per option everywhere,
/// and the most-used training options first.
final class HelpConventionsTests: XCTestCase {
    struct Argument {
        let command: String, name: String, kind: String, abstract: String
        let printedDefault: String?, required: Bool
    }

    /// Every argument of every subcommand (hidden ones too), with the command's path.
    func arguments() throws -> [Argument] {
        let r = try PFNTrainProcess(self).runOK(["--experimental-dump-help"])
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        var out: [Argument] = []
        func walk(_ command: [String: Any], _ path: String) {
            for a in command["arguments"] as? [[String: Any]] ?? [] {
                let names = (a["names"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                out.append(Argument(command: path, name: names.first ?? "<positional>", kind: a["kind"] as? String ?? "",
                                    abstract: a["abstract"] as? String ?? "", printedDefault: a["defaultValue"] as? String,
                                    required: !(a["isOptional"] as? Bool ?? true)))
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                walk(sub, path + " " + (sub["commandName"] as? String ?? "?"))
            }
        }
        walk(try XCTUnwrap(root["command"] as? [String: Any]), "pfn-train")
        return out
    }

    /// How often a help text states a default: "(default 32)", "(default: …)", "; default 500",
    /// ", default …", "… the default" or "… default)". Not "default" as a value's name.
    static func defaultStatements(_ help: String) -> Int {
        let pattern = try! NSRegularExpression(pattern: #"\(default\b|[;,] default\b|\bthe default\b|\bdefault\)"#, options: [.caseInsensitive])
        return pattern.numberOfMatches(in: help, range: NSRange(help.startIndex..., in: help))
    }

    func testTheDefaultStatementPatternFindsEveryFormUsed() {
        XCTAssertEqual(Self.defaultStatements("Items per batch (default 32)."), 1)
        XCTAssertEqual(Self.defaultStatements("Log every K steps (and at step 1; default 100)."), 1)
        XCTAssertEqual(Self.defaultStatements("every K steps (0 = never, the default)."), 1)
        XCTAssertEqual(Self.defaultStatements("mixed (many SCMs per batch; default) or sequential"), 1)
        XCTAssertEqual(Self.defaultStatements("Loss preset: default (acyclicity …) or notebook"), 0)
        XCTAssertEqual(Self.defaultStatements("Batch size (default 32). (default: 32)"), 2)
    }

    /// Options whose absence means "none" or "not done" (an output not written, an input not
    /// read, a bound taken from other options): they have no default to state. "command --name".
    static let noDefault: Set<String> = {
        var s: Set<String> = ["pfn-train train --config", "pfn-train train --resume",   // start from / continue nothing
                              "pfn-train sample --suite", "pfn-train sample --csv-dir", "pfn-train sample --csv", "pfn-train plot --title",
                              "pfn-train import --graph", "pfn-train bench step --json", "pfn-train bench train --json"]
        // The prior: unset, the other prior options decide (--nodes-min/--nodes-max, --edge-prob, --intervention-values).
        for c in ["train", "sample", "bench stream", "bench-data"] {
            for o in ["nodes", "expected-parents", "intervention-range"] { s.insert("pfn-train \(c) --\(o)") }
        }
        // eval and predict: one input of several, outputs written only when asked for.
        for c in ["eval", "predict"] {
            for o in ["data", "suite", "graph", "json", "out", "csv", "csv-dir"] { s.insert("pfn-train \(c) --\(o)") }
        }
        return s
    }()

    func testNoDefaultIsPrintedTwiceAndEveryOptionsDefaultIsStatedOnce() throws {
        let options = try arguments().filter { $0.kind == "option" && !$0.required && $0.name != "help" }
        XCTAssertGreaterThan(options.count, 100)
        for o in options {
            let stated = Self.defaultStatements(o.abstract)
            if let printed = o.printedDefault {
                XCTAssertEqual(stated, 0, "\(o.command) --\(o.name): ArgumentParser prints (default: \(printed)) and the help says it again: \(o.abstract)")
            } else if !Self.noDefault.contains("\(o.command) --\(o.name)") {
                XCTAssertEqual(stated, 1, "\(o.command) --\(o.name) must state its default once: \(o.abstract)")
            }
        }
    }

    /// One name per option: where an alias exists, every subcommand's option has the canonical name first.
    func testTheSameOptionHasTheSameNameInEverySubcommand() throws {
        let canonical = ["batch-size": "batch", "width": "d-model", "ff": "feed-forward", "series": "panels"]
        let names = Set(try arguments().map(\.name))
        for (alias, name) in canonical { XCTAssertFalse(names.contains(alias), "--\(alias) is the primary name somewhere; use --\(name)") }
        let r = try PFNTrainProcess(self).runOK(["bench", "stack", "--help"])
        XCTAssertTrue(r.stdout.contains("--d-model, --width"), r.stdout)
    }

    /// `train --help` begins with --model, --steps, --batch, --lr and --seed.
    func testTheMostUsedTrainingOptionsComeFirst() throws {
        let help = try PFNTrainProcess(self).runOK(["train", "--help"]).stdout
        let afterUsage = try XCTUnwrap(help.range(of: "USAGE:")).upperBound
        let firstOptions = help[afterUsage...].split(separator: "\n").filter { $0.hasPrefix("  --") }.prefix(5)
            .map { String($0.dropFirst(2).prefix { $0 != " " }) }
        XCTAssertEqual(firstOptions, ["--model", "--steps", "--batch", "--lr", "--seed"], help)
    }

    /// The bash completion (README) completes variant letters, suite names and checkpoint paths.
    func testShellCompletionOffersVariantsSuitesAndCheckpoints() throws {
        let script = try PFNTrainProcess(self).runOK(["--generate-completion-script", "bash"]).stdout
        /// The completion line after `'--option')`, in the function named by `marker` (else the first: train's).
        func completion(_ option: String, after marker: String = "") -> String {
            let start = marker.isEmpty ? script.startIndex : (script.range(of: marker)?.upperBound ?? script.endIndex)
            guard let r = script.range(of: "'\(option)')\n", range: start..<script.endIndex) else { return "" }
            return String(script[r.upperBound...].prefix { $0 != "\n" })
        }
        XCTAssertTrue(completion("--model").contains("'A'$'\\n''B'"), completion("--model"))
        for (option, marker) in [("--eval-suite", ""), ("--suite", "_pfn-train_eval()"), ("--suite", "_pfn-train_sample()")] {
            XCTAssertTrue(completion(option, after: marker).contains("n10"), "\(marker) \(option): \(completion(option, after: marker))")
        }
        for (option, marker) in [("--resume", ""), ("--checkpoint", "_pfn-train_eval()"), ("--checkpoint", "_pfn-train_predict()")] {
            XCTAssertTrue(completion(option, after: marker).contains("*.@(h5)"), "\(marker) \(option): \(completion(option, after: marker))")
        }
    }
}
