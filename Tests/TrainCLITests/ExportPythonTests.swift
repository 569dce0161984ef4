import Foundation
import HDF5Kit
import NN
import TestSupport
import XCTest

/// reference/check_checkpoint.py loads a weights-only export of a model with version-2 pair
/// features (proj weight [P, 31]) into the PyTorch reference strictly and reproduces the
/// reference fixture's outputs. Skipped where Python has no torch and h5py.
final class ExportPythonTests: XCTestCase {
    func testReferenceCheckLoadsAWeightsOnlyExportWithVersion2PairFeatures() throws {
        try XCTSkipUnless(runPython(["-c", "import torch, h5py, numpy"]).status == 0,
                          "python3 with torch, h5py and numpy is not installed (pip install torch h5py)")
        let repo = PretrainedModelTests.repo
        let fixture = repo.appendingPathComponent("Tests/ModelsTests/Fixtures/model_A_pair_v2.h5").path
        let params = try H5File.open(fixture).root.openGroup("params")
        let tensors = try params.childNames().map { key -> (String, Tensor) in
            let (data, shape) = try params.read(key, as: Float.self)
            return (key, Tensor(shape: shape, scalars: data))
        }
        XCTAssertEqual(tensors.first { $0.0 == "pair_context.proj.weight" }?.1.shape, [8, 31], "a version-2 fixture")
        let p = try PFNTrainProcess(self)
        try Checkpoint(model: "A", config: "{\"model\": {\"heads\": 2}}", step: 1, parameters: tensors).write(to: p.path("full.h5"))
        try p.runOK(["export", "--weights-only", "full.h5", "--out", "weights.h5"])
        let check = runPython([repo.appendingPathComponent("reference/check_checkpoint.py").path, p.path("weights.h5"), "--fixture", fixture])
        XCTAssertEqual(check.status, 0, check.output)
        XCTAssertTrue(check.output.contains("pair features version 2") && check.output.contains("weights-only"), check.output)
    }
}
