import AtomicFile
import CHDF5
import Foundation

/// An HDF5 failure, with the file and object it concerns.
public struct H5Error: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An open HDF5 file. Closed when released (or by `close()`).
///
/// HDF5's C library is not thread-safe in the Debian serial build: use one file per thread
/// and never share handles across threads.
public final class H5File {
    public let path: String
    private var id: hid_t

    private init(path: String, id: hid_t) {
        self.path = path
        self.id = id
    }

    /// The root group `/`. Groups keep their file open, so `H5File.open(p).root` is safe.
    public var root: H5Group {
        get throws {
            let gid = try checked(id >= 0 ? H5Gopen2(id, "/", pfn_H5P_DEFAULT()) : -1,
                                  "cannot open the root group of \(path) (file closed?)")
            return H5Group(owner: self, file: path, id: gid, name: "/")
        }
    }

    /// Creates (or truncates) a file.
    public static func create(_ path: String) throws -> H5File {
        pfn_H5_silence_errors()
        let id = H5Fcreate(path, pfn_H5F_ACC_TRUNC(), pfn_H5P_DEFAULT(), pfn_H5P_DEFAULT())
        guard id >= 0 else { throw H5Error("cannot create HDF5 file '\(path)' (is the folder writable?)") }
        return H5File(path: path, id: id)
    }

    /// Opens an existing file, read-only unless `writable`.
    public static func open(_ path: String, writable: Bool = false) throws -> H5File {
        pfn_H5_silence_errors()
        guard FileManager.default.fileExists(atPath: path) else {
            throw H5Error("no such file: '\(path)'")
        }
        guard H5Fis_hdf5(path) > 0 else { throw H5Error("'\(path)' is not an HDF5 file") }
        let flags = writable ? pfn_H5F_ACC_RDWR() : pfn_H5F_ACC_RDONLY()
        let id = H5Fopen(path, flags, pfn_H5P_DEFAULT())
        guard id >= 0 else {
            throw H5Error("cannot open HDF5 file '\(path)' (damaged or truncated, or open for writing in another program)")
        }
        return H5File(path: path, id: id)
    }

    /// Writes a file atomically and durably: `body` fills an in-memory HDF5 file, whose bytes
    /// go to a temporary file beside `path` that is fsync'd and renamed over `path`. A crash,
    /// a throw or a full disk leaves any earlier `path` untouched and no temporary file.
    ///
    /// HDF5 never writes to disk itself here: when libhdf5's own writes fail (a full disk),
    /// its close paths can crash the process, so the only disk I/O is ours, with errno.
    public static func writeAtomically(_ path: String, _ body: (H5File) throws -> Void) throws {
        let image: [UInt8]
        do {
            let file = try createInMemory(path)
            try body(file)
            image = try file.image()
            try file.close()
        }
        try AtomicFile.write(image, to: path)
    }

    /// A file that lives in memory only (HDF5's core driver without backing store); `path` is
    /// the name its errors use.
    static func createInMemory(_ path: String) throws -> H5File {
        pfn_H5_silence_errors()
        let fapl = H5Pcreate(pfn_H5P_FILE_ACCESS())
        defer { H5Pclose(fapl) }
        try checkedStatus(H5Pset_fapl_core(fapl, 1 << 20, false), "cannot set up an in-memory HDF5 file for '\(path)'")
        let id = H5Fcreate(path, pfn_H5F_ACC_TRUNC(), pfn_H5P_DEFAULT(), fapl)
        guard id >= 0 else { throw H5Error("cannot create an in-memory HDF5 file for '\(path)'") }
        return H5File(path: path, id: id)
    }

    /// The bytes of the whole file as it would be on disk (after a flush).
    func image() throws -> [UInt8] {
        try checkedStatus(H5Fflush(id, H5F_SCOPE_GLOBAL), "cannot flush HDF5 file '\(path)'")
        let size = H5Fget_file_image(id, nil, 0)
        guard size > 0 else { throw H5Error("cannot get the image of HDF5 file '\(path)'") }
        var bytes = [UInt8](repeating: 0, count: size)
        let got = bytes.withUnsafeMutableBytes { H5Fget_file_image(id, $0.baseAddress, size) }
        guard got == size else { throw H5Error("cannot get the image of HDF5 file '\(path)'") }
        return bytes
    }

    /// Flushes everything to disk and closes the file (HDF5 keeps it open underneath until
    /// groups still held are released).
    public func close() throws {
        guard id >= 0 else { return }
        let flushed = H5Fflush(id, H5F_SCOPE_GLOBAL)
        let status = min(flushed, H5Fclose(id))
        id = -1
        if status < 0 { throw H5Error("cannot close HDF5 file '\(path)'") }
    }

    deinit { try? close() }
}

@discardableResult
func checked(_ id: hid_t, _ message: @autoclosure () -> String) throws -> hid_t {
    if id < 0 { throw H5Error(message()) }
    return id
}

func checkedStatus(_ status: herr_t, _ message: @autoclosure () -> String) throws {
    if status < 0 { throw H5Error(message()) }
}
