// swift-tools-version:6.0
import PackageDescription

// Hot loops (SIMD kernels, the SCM sampler) are only vectorised for this machine's AVX2/FMA
// when clang's and LLVM's target CPU is set; the package is built where it runs.
let fast: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=native", "-target-cpu", "native"])]

let package = Package(
    name: "pfn-train",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pfn-train", targets: ["TrainCLI"]),
        // Runs the collectives under mpirun and checks them (the MPI tests launch it).
        .executable(name: "mpi-selftest", targets: ["MPISelfTest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", exact: "0.10.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-serial",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        // bf16 GEMM (AVX-512 BF16), C because Swift cannot target VDPBF16PS per function.
        .target(name: "CKernels"),
        // Writing a file through a temporary sibling, fsync and a rename: the one way files are replaced.
        .target(name: "AtomicFile"),
        .target(name: "HDF5Kit", dependencies: ["CHDF5", "AtomicFile"], swiftSettings: fast),
        .target(name: "Randomness", swiftSettings: fast),
        .target(name: "SCMGen", dependencies: ["HDF5Kit", "AtomicFile", "Randomness", .product(name: "SwiftCSV", package: "SwiftCSV")],
                swiftSettings: fast),
        .target(name: "NN", dependencies: ["COpenBLAS", "CKernels", "HDF5Kit", "Randomness"], swiftSettings: fast),
        .target(name: "Models", dependencies: ["NN", "SCMGen", "Randomness"], swiftSettings: fast),
        .target(name: "Evaluation", dependencies: ["Models", "SCMGen", "NN", "AtomicFile"], swiftSettings: fast),
        .target(name: "Training", dependencies: ["Models", "SCMGen", "NN", "Evaluation", "HDF5Kit", "Randomness", "AtomicFile",
                                                "Distributed"],
                swiftSettings: fast),
        .target(name: "Distributed", dependencies: ["CMPI"]),
        .executableTarget(name: "MPISelfTest", dependencies: ["Distributed"]),
        .executableTarget(
            name: "TrainCLI",
            dependencies: [
                "SCMGen", "NN", "Models", "Evaluation", "Training", "HDF5Kit", "Randomness", "AtomicFile", "Distributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: fast),
        // What the test targets share (swift-numerics' _TestSupport): finite-difference checks,
        // assertClose, fixtures, the Python runner, temporary paths.
        .target(name: "TestSupport", dependencies: ["NN", "HDF5Kit", "Randomness"], path: "Tests/TestSupport",
                swiftSettings: fast),
        .testTarget(name: "HDF5KitTests", dependencies: ["HDF5Kit", "AtomicFile", "TestSupport"]),
        .testTarget(name: "RandomnessTests", dependencies: ["Randomness"]),
        .testTarget(name: "SCMGenTests", dependencies: ["SCMGen", "HDF5Kit", "Randomness", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "NNTests", dependencies: ["NN", "HDF5Kit", "Randomness", "TestSupport"],
                    resources: [.copy("Fixtures")], swiftSettings: fast),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "NN", "SCMGen", "HDF5Kit", "TestSupport"],
                    resources: [.copy("Fixtures")],
                    swiftSettings: fast),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Models", "SCMGen", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Models", "NN", "SCMGen", "HDF5Kit", "Evaluation", "TestSupport",
                                                  "Distributed"],
                    swiftSettings: fast),
        .testTarget(name: "TrainCLITests", dependencies: ["TrainCLI", "Training", "Evaluation", "Models", "NN", "SCMGen", "HDF5Kit", "TestSupport",
                                                   .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "MPISelfTest"]),
    ],
    swiftLanguageModes: [.v5]
)
