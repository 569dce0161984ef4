import Foundation

/// A file that could not be written: the message names the path and the system's reason.
public struct AtomicFileError: Error, CustomStringConvertible, Equatable {
    public let description: String
    /// The errno of the failing call (ENOSPC for a full disk, EFBIG over a file-size limit),
    /// 0 when the failure was not a system call's.
    public let code: Int32
    public init(_ description: String, code: Int32 = 0) {
        self.description = description
        self.code = code
    }
}

/// The one way pfn-train replaces a file (checkpoints, suites, predictions, logs, JSON, CSV,
/// SVG): the contents go to a temporary sibling `.NAME.tmp-PID`, which is fsync'd and renamed
/// over `NAME`, and then the folder is fsync'd so the rename survives a power loss. A crash,
/// an error or a full disk leaves any earlier file whole and a reader (a plot of a running
/// log) never sees half a file; on an error the temporary file is removed, and temporary files
/// that killed writers left in the folder are removed by the next write there.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { fd, tmp in
            try bytes.withUnsafeBytes { buf in
                var done = 0
                while done < buf.count {
                    let n = Foundation.write(fd, buf.baseAddress! + done, buf.count - done)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw failure("cannot write '\(path)'", hint: "the previous file, if any, is unchanged") }
                    done += n
                }
            }
        }
    }

    public static func write(_ data: Data, to path: String) throws { try write([UInt8](data), to: path) }

    public static func write(_ text: String, to path: String) throws { try write(Array(text.utf8), to: path) }

    /// `body` writes the open temporary file `fd` (at `temporaryPath`); it is then fsync'd,
    /// closed and renamed over `path`. If anything throws, the temporary file is removed.
    static func write(to path: String, _ body: (_ fd: Int32, _ temporaryPath: String) throws -> Void) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        removeStaleTemporaries(in: folder)
        let tmp = temporaryPath(for: path)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let code = errno
            let hint = code == ENOENT ? "does the folder '\(folder)' exist?" : "is the folder '\(folder)' writable?"
            throw AtomicFileError("cannot write '\(path)': \(String(cString: strerror(code))); \(hint)", code: code)
        }
        var isOpen = true
        do {
            try body(fd, tmp)
            guard fsync(fd) == 0 else { throw failure("cannot write '\(path)' (fsync)", hint: "the previous file, if any, is unchanged") }
            isOpen = false
            guard Foundation.close(fd) == 0 else { throw failure("cannot write '\(path)' (close)", hint: "the previous file, if any, is unchanged") }
            guard rename(tmp, path) == 0 else {
                throw failure("cannot replace '\(path)'", hint: "the previous file, if any, is unchanged")
            }
        } catch {
            if isOpen { Foundation.close(fd) }
            unlink(tmp)
            if let e = error as? AtomicFileError { throw e }
            throw AtomicFileError("cannot write '\(path)': \(error)")
        }
        syncFolder(folder)
    }

    /// `.NAME.tmp-PID` beside `path`.
    public static func temporaryPath(for path: String, pid: Int32 = getpid()) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(pid)").path
    }

    /// Removes the `.NAME.tmp-PID` files in `folder` whose process no longer exists (left by
    /// a kill -9 or a power loss during a write); returns their names. A PID only means
    /// something on this machine and in this PID namespace: a folder shared with writers on
    /// other hosts or containers must not be written by two of them at once anyway (a run
    /// folder is claimed exclusively).
    @discardableResult
    public static func removeStaleTemporaries(in folder: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder) else { return [] }
        var removed: [String] = []
        for name in names {
            guard let pid = writerPID(ofTemporary: name), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                let full = URL(fileURLWithPath: folder).appendingPathComponent(name).path
                if unlink(full) == 0 { removed.append(name) }
            }
        }
        return removed.sorted()
    }

    /// The PID in a name of the form `.NAME.tmp-PID`, or nil.
    static func writerPID(ofTemporary name: String) -> pid_t? {
        guard name.hasPrefix("."), let r = name.range(of: ".tmp-", options: .backwards),
              r.lowerBound > name.index(after: name.startIndex) else { return nil }
        let digits = name[r.upperBound...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              let pid = pid_t(digits), pid > 0 else { return nil }
        return pid
    }

    private static func syncFolder(_ folder: String) {
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)  // some file systems refuse fsync on folders; the rename is done anyway
        Foundation.close(fd)
    }

    private static func failure(_ what: String, hint: String) -> AtomicFileError {
        let code = errno
        return AtomicFileError("\(what): \(String(cString: strerror(code))) (errno \(code)); \(hint)", code: code)
    }
}
