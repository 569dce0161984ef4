import AtomicFile
import CHDF5
import Foundation
import HDF5Kit
import XCTest

/// Faults during writes (a full disk, a file-size limit, temporary files left by killed
/// writers) and exact integer reads: every one is a clean error that names the file and the
/// reason, and keeps what was already written.
final class WriteFaultTests: XCTestCase {
    private func tempFolder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("h5kit-faults-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.path
    }

    /// A file of about `megabytes` MB of float32 noise-free values.
    private func writeBig(_ path: String, megabytes: Int, marker: Int32) throws {
        try H5File.writeAtomically(path) { file in
            let root = try file.root
            try root.setAttribute("marker", marker)
            try root.write("x", [Float](repeating: 1.5, count: megabytes * 262_144), shape: [megabytes * 262_144])
        }
    }

    private func leftovers(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".tmp-") }
    }

    /// RLIMIT_FSIZE in this process, with SIGXFSZ ignored so write(2) returns EFBIG instead of
    /// killing the process: the same failure path as a full disk.
    func testFileSizeLimitDuringWriteIsACleanErrorThatKeepsTheEarlierFile() throws {
        let folder = try tempFolder(), path = folder + "/ck.h5"
        try writeBig(path, megabytes: 0, marker: 1)
        var old = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)
        let oldHandler = signal(SIGXFSZ, SIG_IGN)
        var limit = old
        limit.rlim_cur = 256 * 1024
        guard setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit) == 0 else {
            throw XCTSkip("cannot set RLIMIT_FSIZE here: \(String(cString: strerror(errno)))")
        }
        defer {
            setrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)
            signal(SIGXFSZ, oldHandler)
        }
        XCTAssertThrowsError(try writeBig(path, megabytes: 2, marker: 2)) { error in
            let e = error as? AtomicFileError
            XCTAssertEqual(e?.code, EFBIG, "\(error)")
            XCTAssertTrue("\(error)".contains(path), "names the file: \(error)")
            XCTAssertFalse("\(error)".contains("\n"), "one line: \(error)")
        }
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)
        XCTAssertEqual(try H5File.open(path).root.attribute("marker", as: Int32.self), 1, "the earlier file is intact")
        XCTAssertEqual(try leftovers(folder), [], "the temporary file is removed")
    }

    /// A real full disk: a 200 KiB tmpfs (needs root to mount; skipped otherwise).
    func testFullDiskDuringWriteIsACleanErrorMentioningNoSpace() throws {
        let folder = try tempFolder(), mountPoint = folder + "/full"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard geteuid() == 0, run("/bin/mount", ["-t", "tmpfs", "-o", "size=200k", "tmpfs", mountPoint]) == 0 else {
            throw XCTSkip("cannot mount a small tmpfs here (needs root); the RLIMIT_FSIZE test covers the same path")
        }
        defer { _ = run("/bin/umount", [mountPoint]) }
        let path = mountPoint + "/ck.h5"
        try writeBig(path, megabytes: 0, marker: 1)
        XCTAssertThrowsError(try writeBig(path, megabytes: 1, marker: 2)) { error in
            XCTAssertEqual((error as? AtomicFileError)?.code, ENOSPC, "\(error)")
            XCTAssertTrue("\(error)".contains("No space left on device"), "\(error)")
        }
        XCTAssertEqual(try H5File.open(path).root.attribute("marker", as: Int32.self), 1)
        XCTAssertEqual(try leftovers(mountPoint), [])
    }

    func testAtomicWriteRemovesTemporaryFilesOfDeadWritersOnly() throws {
        let folder = try tempFolder()
        let dead = deadPID(), alive = getppid()
        for name in [".a.h5.tmp-\(dead)", ".b.json.tmp-\(alive)", "c.h5.tmp-\(dead)", ".d.h5.tmp-x\(dead)"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: folder + "/" + name, contents: Data([1, 2, 3])))
        }
        try writeBig(folder + "/a.h5", megabytes: 0, marker: 1)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        XCTAssertEqual(names, [".b.json.tmp-\(alive)", ".d.h5.tmp-x\(dead)", "a.h5", "c.h5.tmp-\(dead)"],
                       "only the dead writer's .NAME.tmp-PID is removed")
    }

    func testIntegerReadsRefuseValuesThatDoNotFit() throws {
        let path = try tempFolder() + "/ints.h5"
        try H5File.writeAtomically(path) { file in
            let root = try file.root
            try root.write("wide", [Int64(3), Int64(1) << 32 + 1], shape: [2])
            try root.write("negative", [Int32(0), -1], shape: [2])
            try root.write("floats", [Float(1)], shape: [1])
            try root.setAttribute("fraction", 1.7)
            try root.setAttribute("whole", 2.0)
            try root.setAttribute("int", Int64(7))
        }
        let root = try H5File.open(path).root
        XCTAssertThrowsError(try root.readIntegers("wide", as: Int32.self)) { XCTAssertTrue("\($0)".contains("4294967297"), "\($0)") }
        XCTAssertEqual(try root.readIntegers("wide", as: Int64.self).data, [3, 4_294_967_297])
        XCTAssertThrowsError(try root.readIntegers("negative", as: UInt8.self)) { XCTAssertTrue("\($0)".contains("-1"), "\($0)") }
        XCTAssertThrowsError(try root.readIntegers("floats", as: Int32.self)) { XCTAssertTrue("\($0)".contains("float32"), "\($0)") }
        XCTAssertThrowsError(try root.integerAttribute("fraction", as: Int64.self)) { XCTAssertTrue("\($0)".contains("1.7"), "\($0)") }
        XCTAssertEqual(try root.integerAttribute("whole", as: Int64.self), 2)
        XCTAssertEqual(try root.integerAttribute("int", as: Int32.self), 7)
        XCTAssertNil(try root.integerAttribute("absent", as: Int64.self))
    }

    private func run(_ tool: String, _ args: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// The PID of a process that has exited (and been reaped).
    private func deadPID() -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try? p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }
}

/// A damaged header can claim a dimension of 2^45 (one flipped bit): reading it is an error
/// naming the dataset, not an allocation failure that aborts the process.
final class DamagedShapeTests: XCTestCase {
    func testDatasetClaimingMoreValuesThanMemoryIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("h5kit-shape-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("huge.h5").path
        // Declared with the C API: HDF5 allocates contiguous storage only when data is written.
        let fileID = H5Fcreate(path, pfn_H5F_ACC_TRUNC(), pfn_H5P_DEFAULT(), pfn_H5P_DEFAULT())
        XCTAssertGreaterThanOrEqual(fileID, 0)
        var dims: [hsize_t] = [1 << 45]
        let space = H5Screate_simple(1, &dims, nil)
        let dset = H5Dcreate2(fileID, "huge", pfn_H5T_IEEE_F32LE(), space, pfn_H5P_DEFAULT(), pfn_H5P_DEFAULT(), pfn_H5P_DEFAULT())
        H5Dclose(dset)
        H5Sclose(space)
        H5Fclose(fileID)
        let root = try H5File.open(path).root
        guard root.contains("huge") else { throw XCTSkip("this HDF5 build refuses to declare a 2^45-element dataset") }
        XCTAssertEqual(try root.shape(of: "huge"), [1 << 45])
        XCTAssertThrowsError(try root.read("huge", as: Float.self)) { error in
            XCTAssertTrue("\(error)".contains("'/huge'") && "\(error)".contains("memory"), "\(error)")
        }
    }
}
