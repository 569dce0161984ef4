import ArgumentParser
import Foundation
import Models
import NN

/// `pfn-train export --weights-only CKPT --out FILE`: the model alone (parameters, config,
/// provenance) for sharing and shipping; eval, predict and python/pfn_torch.py read it as
/// they read the full checkpoint, `--resume` refuses it (docs/file-formats.md §3.1).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a checkpoint's model alone (parameters + config, no optimizer or stream state) to a smaller file.",
        discussion: """
        The file has the checkpoint layout (docs/file-formats.md §3.1): the parameters under the \
        same PyTorch state_dict keys, the run config, the source's step and an `export` provenance \
        record; no optimizer moments, generators or data-stream state, so eval, predict and \
        python/pfn_torch.py read it but --resume refuses it. --dtype fp32 keeps every parameter \
        bit for bit (the same predictions as the checkpoint); bf16 stores them as bfloat16, half \
        the size (an HDF5 16-bit float type that readers widen to float32 exactly), but edge \
        probabilities move (up to 0.02 measured on a default-size model C). \
        --delta-correction-bound C sets the bound of the delta head's correction in the exported \
        config, for a model trained before the bound existed (`train --delta-correction-bound`); \
        within the prior such heads correct by at most ~0.2 std, so their predictions there barely \
        move, while data far from the prior cannot pull a delta more than C std from the plug-in.
        """)

    enum DType: String, ExpressibleByArgument, CaseIterable {
        case fp32, bf16
        var stored: ParameterDType { self == .fp32 ? .float32 : .bfloat16 }
    }

    @Option(name: .customLong("weights-only"), help: "The checkpoint to export (a training checkpoint, a weights-only file or a PyTorch export).",
            completion: .file(extensions: ["h5"]))
    var source: String
    @Option(help: "Output file (HDF5); an existing file is replaced atomically.", completion: .file(extensions: ["h5"]))
    var out: String
    @Option(help: "Parameter storage: fp32 (exact) or bf16 (half the size).")
    var dtype = DType.fp32
    @Option(help: "Set the bound of the delta correction in the exported config (std units; models with the plug-in delta only; default: the source's own, none for models trained before the bound).")
    var deltaCorrectionBound: Float?

    func validate() throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isFolder), isFolder.boolValue {
            throw ValidationError("--out \(out) is a folder; name the file to write, e.g. \((out as NSString).appendingPathComponent("model.h5"))")
        }
        try refuseOutputOverInput(out, option: "--out", inputs: [(source, "--weights-only")])
        if let c = deltaCorrectionBound, !(c.isFinite && c > 0) {
            throw ValidationError("--delta-correction-bound is \(c); it must be a finite positive number")
        }
    }

    func run() throws {
        // Loading builds the model strictly, so only a file eval and predict accept is exported.
        let (_, config, checkpoint) = try loaded()
        var export = checkpoint
        if ModelLoading.storedModelConfig(checkpoint.config) == nil {
            // A PyTorch export's sizes were read from its shapes: store them, so the file says
            // what it is to every reader (python/pfn_torch.py reads the config's model entry).
            export.config = String(decoding: try JSONEncoder().encode(["model": config]), as: UTF8.self)
        }
        if let c = deltaCorrectionBound {
            guard config.plugInDelta else {
                throw CLIError("--delta-correction-bound: \(source) has no plug-in delta (its head is the whole delta, not a correction); drop the option")
            }
            export.config = try configWithBound(export.config ?? "{}", c)
        }
        try export.writeWeightsOnly(to: out, dtype: dtype.stored, provenance: provenance(checkpoint))
        let size = { (path: String) in ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.doubleValue ?? 0 }
        print(String(format: "wrote %@ (model %@, step %lld, %@ parameters): %.2f MB (the source: %.2f MB)",
                     out, checkpoint.model, checkpoint.step, dtype.rawValue, size(out) / 1e6, size(source) / 1e6))
    }

    /// The stored config JSON with `model.deltaCorrectionBound` set; every other field as stored.
    func configWithBound(_ json: String, _ c: Float) throws -> String {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any],
              var model = object["model"] as? [String: Any] else {
            throw CLIError("--delta-correction-bound: \(source) has no model config to set it in")
        }
        model["deltaCorrectionBound"] = Double(c)
        object["model"] = model
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    func loaded() throws -> (model: CausalModel, config: ModelConfig, checkpoint: Checkpoint) {
        do { return try ModelLoading.load(source) } catch {
            throw CLIError("--weights-only \(source): \(error)")
        }
    }

    /// Where the file came from: the source checkpoint and its step, this build, the command.
    /// The run's own provenance (how it was trained) stays in `config`.
    func provenance(_ checkpoint: Checkpoint) throws -> String {
        var object: [String: Any] = [
            "source": source, "source_step": checkpoint.step, "source_weights_only": checkpoint.weightsOnly,
            "param_dtype": dtype.stored.rawValue,
            "version": pfnTrainVersion, "commit": BuildStamp.commit,
            "command_line": CommandLine.arguments.map(shellQuoted).joined(separator: " "),
        ]
        if let earlier = checkpoint.export { object["source_export"] = earlier }
        if let c = deltaCorrectionBound { object["delta_correction_bound"] = Double(c) }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }
}
