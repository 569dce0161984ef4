@testable import Distributed
import XCTest

/// A run without mpirun: one rank, every collective the identity, MPI untouched.
final class SingleProcessTests: XCTestCase {
    func testAloneIsDetectedFromTheEnvironment() {
        XCTAssertEqual(Launch(environment: ["PATH": "/usr/bin", "HOME": "/root"]), .alone)
        XCTAssertEqual(Launch(environment: ["OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "1"]), .mpi(size: 4))
        XCTAssertEqual(Launch(environment: ["PMIX_RANK": "0"]), .mpi(size: nil))
        XCTAssertEqual(Launch(environment: ["PMI_RANK": "2", "PMI_SIZE": "3"]), .mpi(size: 3))
    }

    func testWorldCommunicatorAloneIsSingleProcessWithoutInitialisingMPI() throws {
        let comm = try worldCommunicator(environment: [:])
        XCTAssertTrue(comm is SingleProcess)
        XCTAssertEqual(comm.rank, 0)
        XCTAssertEqual(comm.size, 1)
        XCTAssertTrue(comm.isRoot)
        XCTAssertFalse(MPICommunicator.isInitialized)
    }

    func testCollectivesOfOneProcessAreTheIdentity() throws {
        let comm = SingleProcess()
        var values: [Float] = [1.5, -2, .greatestFiniteMagnitude, 0]
        try comm.allreduceSum(&values)
        XCTAssertEqual(values, [1.5, -2, .greatestFiniteMagnitude, 0])
        try comm.allreduceAverage(&values)
        XCTAssertEqual(values, [1.5, -2, .greatestFiniteMagnitude, 0])
        var words: [UInt64] = [3, .max]
        try comm.broadcast(&words)
        XCTAssertEqual(words, [3, .max])
        XCTAssertEqual(try comm.broadcast(bytes: Array("abc".utf8)), Array("abc".utf8))
        try comm.barrier()
        try comm.checkAgreement([1, 2], "anything")
        XCTAssertEqual(try comm.allgather([5, 6]), [[5, 6]])
        let pending = try values.withUnsafeMutableBufferPointer { try comm.startAllreduceSum($0) }
        XCTAssertTrue(try pending.test())
        try pending.wait()
    }

    func testBroadcastFromANonexistentRankIsRefused() {
        var words: [UInt64] = [1]
        XCTAssertThrowsError(try SingleProcess().broadcast(&words, root: 1)) { error in
            XCTAssertTrue("\(error)".contains("root must be 0"), "\(error)")
        }
    }
}
