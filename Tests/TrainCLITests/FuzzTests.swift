import Foundation
import HDF5Kit
import XCTest

/// Issue 13's fuzz test: seeded random mutations of a valid suite and of a valid checkpoint
/// (bit flips, truncations, changed values, dtypes, shapes, attributes and removed parts) go
/// through `eval`, `predict` and `--resume`. Every run must end with exit 0 or with one error
/// line and a non-zero exit: never a signal, a crash report, or NaN probabilities written.
///
/// `PFN_FUZZ_CASES` sets the number of cases per file kind (default 160); `PFN_FUZZ_SEED`
/// the first seed; a failure names its seed, and `PFN_FUZZ_SEED=<seed> PFN_FUZZ_CASES=1`
/// replays it (`PFN_FUZZ_KEEP=<folder>` keeps the mutated files).
final class FuzzTests: XCTestCase {
    struct Case {
        let seed: UInt64
        let mutation: String
        let command: [String]
        let result: PFNTrainProcess.Result
    }


    func cases() -> Int { Int(ProcessInfo.processInfo.environment["PFN_FUZZ_CASES"] ?? "") ?? 160 }
    func firstSeed() -> UInt64 { UInt64(ProcessInfo.processInfo.environment["PFN_FUZZ_SEED"] ?? "") ?? 1 }

    func testMutatedSuitesAndCheckpointsNeverCrash() throws {
        let p = try PFNTrainProcess.withCheckpointAndSuite(self)
        let checkpoint = PFNTrainProcess.trainedCheckpoint
        var failures: [String] = []
        var outcomes = (ok: 0, refused: 0)
        let keep = ProcessInfo.processInfo.environment["PFN_FUZZ_KEEP"]
        for k in 0..<cases() {
            let seed = firstSeed() + UInt64(k)
            for kind in ["suite", "checkpoint"] {
                var rng = FuzzRNG(seed: seed ^ (kind == "suite" ? 0 : 0x5EED))
                let folder = "fuzz-\(kind)-\(seed)"
                try FileManager.default.createDirectory(atPath: p.path(folder), withIntermediateDirectories: true)
                let name = "\(folder)/m.h5"
                try FileManager.default.copyItem(atPath: p.path(kind == "suite" ? "suite.h5" : checkpoint), toPath: p.path(name))
                let mutation = try kind == "suite" ? mutateSuite(p.path(name), &rng) : mutateCheckpoint(p.path(name), &rng)
                let command: [String]
                switch (kind, rng.int(kind == "suite" ? 2 : 3)) {
                case ("suite", 0): command = ["eval", "--checkpoint", checkpoint, "--data", name, "--threads", "1"]
                case ("suite", _): command = ["predict", "--checkpoint", checkpoint, "--data", name, "--out", "\(folder)/pred.h5", "--threads", "1"]
                case (_, 0): command = ["eval", "--checkpoint", name, "--data", "suite.h5", "--threads", "1"]
                case (_, 1): command = ["predict", "--checkpoint", name, "--data", "suite.h5", "--out", "\(folder)/pred.h5", "--threads", "1"]
                default: command = ["--resume", name, "--steps", "4", "--log-dir", "\(folder)/logs", "--threads", "1"]
                }
                let r = try p.runReportingSignals(command, timeout: 120)
                let c = Case(seed: seed, mutation: "\(kind): \(mutation)", command: command, result: r)
                if let problem = check(c, in: p, folder: folder) {
                    failures.append(problem)
                    if let keep {
                        try? FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
                        try? FileManager.default.copyItem(atPath: p.path(name), toPath: keep + "/\(kind)-\(seed).h5")
                    }
                } else if r.status == 0 { outcomes.ok += 1 } else { outcomes.refused += 1 }
                try? FileManager.default.removeItem(atPath: p.path(folder))
            }
        }
        print("fuzz: \(2 * cases()) runs, \(outcomes.ok) exit 0, \(outcomes.refused) refused cleanly, \(failures.count) failures")
        XCTAssertEqual(failures, [], "\(failures.count) fuzz failures:\n" + failures.joined(separator: "\n"))
    }

    /// nil when the run ended well; otherwise the failure, with how to replay it.
    func check(_ c: Case, in p: PFNTrainProcess, folder: String) -> String? {
        let r = c.result
        let head = "seed \(c.seed) [\(c.mutation)] pfn-train \(c.command.joined(separator: " "))"
        let firstLines = r.stderr.split(separator: "\n").prefix(3).joined(separator: " | ")
        if r.status == -1 { return "\(head): hung (killed after 120 s)" }
        if r.status >= 128 { return "\(head): killed by signal \(r.status - 128): \(firstLines)" }
        for crash in ["Program crashed", "Fatal error", "Backtrace"] where r.stderr.contains(crash) {
            return "\(head): crash report: \(firstLines)"
        }
        if r.status != 0 {
            return r.errorLines.count == 1 ? nil : "\(head): exit \(r.status) with \(r.errorLines.count) error lines: \(firstLines)"
        }
        if c.command[0] == "predict", let file = try? H5File.open(p.path("\(folder)/pred.h5")),
           let names = try? file.root.openGroup("datasets").childNames() {
            for name in names {
                let probs = (try? file.root.openGroup("datasets/\(name)").read("edge_probability", as: Float.self).data) ?? []
                if probs.contains(where: { !$0.isFinite }) { return "\(head): exit 0 but dataset \(name) has non-finite edge_probability" }
            }
        }
        return nil
    }

    func mutateSuite(_ path: String, _ rng: inout FuzzRNG) throws -> String {
        let kind = rng.int(8)
        if kind == 0 { return try FuzzMutation.bitFlips(path, &rng) }
        if kind == 1 { return try FuzzMutation.truncation(path, &rng) }
        let file = try H5File.open(path, writable: true)
        defer { try? file.close() }
        let root = try file.root
        let top = try root.openGroup("datasets")
        let group = rng.pick(try top.childNames())
        let g = try top.openGroup(group)
        let child = rng.pick(try FuzzMutation.datasets(g))
        switch kind {
        case 2, 3: return "\(group)/" + (try FuzzMutation.setValue(g, child, &rng))
        case 4: return "\(group)/" + (try FuzzMutation.changeType(g, child, &rng))
        case 5: return "\(group)/" + (try FuzzMutation.changeShape(g, child, &rng))
        case 6:
            let target = rng.pick(["\(group)/\(child)", "datasets/\(group)", "datasets"])
            root.remove(target)
            return "removed \(target)"
        default:
            switch rng.int(5) {
            case 0: let v = rng.pick([0.0, 2.0, 1.5, -1.0, 1e12]); try root.setAttribute("format_version", v); return "format_version = \(v)"
            case 1: try root.setAttribute("format_version", "1"); return "format_version = \"1\""
            case 2: try root.setAttribute("format", "pfn-checkpoint"); return "format = pfn-checkpoint"
            case 3: let v = rng.pick([2.0, -1.0, 0.5]); try g.setAttribute("counterfactual", v); return "\(group) counterfactual = \(v)"
            default: try g.setAttribute("node_names", ["a"]); return "\(group) node_names = [a]"
            }
        }
    }

    func mutateCheckpoint(_ path: String, _ rng: inout FuzzRNG) throws -> String {
        let kind = rng.int(10)
        if kind == 0 { return try FuzzMutation.bitFlips(path, &rng) }
        if kind == 1 { return try FuzzMutation.truncation(path, &rng) }
        let file = try H5File.open(path, writable: true)
        defer { try? file.close() }
        let root = try file.root
        let all = try FuzzMutation.datasets(root)
        let child = rng.pick(all)
        switch kind {
        case 2, 3: return try FuzzMutation.setValue(root, child, &rng)
        case 4: return try FuzzMutation.changeType(root, child, &rng)
        case 5: return try FuzzMutation.changeShape(root, child, &rng)
        case 6:
            let target = rng.pick([child, "params", "optim", "rng", "rng/dropout", "rng/stream_position"])
            root.remove(target)
            return "removed \(target)"
        case 7:
            return try mutateConfig(root, &rng)
        case 8:
            switch rng.int(4) {
            case 0: let m = rng.pick(["Z", "B", "E", ""]); try root.setAttribute("model", m); return "model = \(m)"
            case 1: let v = rng.pick([2.0, 1.5]); try root.setAttribute("format_version", v); return "format_version = \(v)"
            case 2: let s = rng.pick([-5.0, 1.5, 1e18]); try root.setAttribute("step", s); return "step = \(s)"
            default: let s = rng.pick([Int64(-1), 1 << 40]); try root.openGroup("optim").setAttribute("step", s); return "optim step = \(s)"
            }
        default:
            let (name, words): (String, [Int64]) = rng.pick([("rng/dropout", [0, 0, 0, 0]), ("rng/dropout", [1, 2, 3]),
                                                            ("rng/stream", [0, 0, 0, 0]), ("rng/stream_position", [-1, 0]),
                                                            ("rng/stream_position", [1 << 62, 1]), ("rng/stream_position", [0, -7])])
            try root.write(name, words, shape: [words.count])
            return "\(name) = \(words)"
        }
    }

    /// Changes one number of the run config (or breaks its JSON).
    func mutateConfig(_ root: H5Group, _ rng: inout FuzzRNG) throws -> String {
        guard let json = try root.stringAttribute("config") else { return "no config" }
        if rng.int(5) == 0 {
            let broken = String(json.prefix(rng.int(json.count)))
            try root.setAttribute("config", broken)
            return "config JSON cut to \(broken.count) characters"
        }
        guard var object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return "config not an object" }
        var section = rng.pick(object.keys.sorted())
        guard var inner = object[section] as? [String: Any], !inner.isEmpty else { return "config section \(section) not an object" }
        var key = rng.pick(inner.keys.sorted())
        var value: Any = rng.pick([0, -1, 3, 2.0, 1e9, -1e-3, 1e40, "x", NSNull()] as [Any])
        if rng.int(2) == 0 {  // settings that a fresh run's validation would refuse (issue 13 D15)
            let crafted: [(String, String, Any)] = [("model", "heads", 3), ("model", "dModel", 0), ("model", "feedForward", 0),
                                                    ("model", "dropout", 2.0), ("model", "maxNodes", 1), ("model", "layers", 0),
                                                    ("train", "lr", -1.0), ("train", "steps", -5), ("train", "batch", 0),
                                                    ("prior", "nodesMax", 1000)]
            (section, key, value) = rng.pick(crafted)
            guard let chosen = object[section] as? [String: Any] else { return "config section \(section) missing" }
            inner = chosen
        }
        inner[key] = value
        object[section] = inner
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        try root.setAttribute("config", String(decoding: data, as: UTF8.self))
        return "config \(section).\(key) = \(value)"
    }
}
