import Foundation
import HDF5Kit
import NN
import XCTest

/// A committed reference fixture (reference/FIXTURES.md): an HDF5 file in a test target's
/// `Fixtures` folder, written by the PyTorch scripts in reference/.
public struct Fixture {
    public let root: H5Group

    /// Opens `Fixtures/<name>.h5` of the test target whose `bundle` is given (`Bundle.module`).
    public static func open(_ name: String, bundle: Bundle) throws -> Fixture {
        let url = try XCTUnwrap(bundle.url(forResource: name, withExtension: "h5", subdirectory: "Fixtures"),
                                "fixture \(name).h5 missing: run python3 reference/make_fixtures.py (reference/FIXTURES.md)")
        return Fixture(root: try H5File.open(url.path).root, path: url.path)
    }

    /// The file's path, for handing the fixture to a Python check.
    public let path: String

    public func array(_ path: String) throws -> (data: [Float], shape: [Int]) { try root.read(path, as: Float.self) }
    public func doubles(_ path: String) throws -> [Double] { try root.read(path, as: Double.self).data }
    public func tensor(_ path: String) throws -> Tensor {
        let (data, shape) = try array(path)
        return Tensor(shape: shape, scalars: data)
    }
}
