import Foundation

/// A failed file write, naming the file and the system's reason (errno).
public struct FileWriteError: Error, CustomStringConvertible, Equatable {
    public let message: String
    /// The errno of the failing call (ENOSPC for a full disk, EFBIG over a file-size limit).
    public let code: Int32
    public init(_ message: String, code: Int32) { self.message = message; self.code = code }
    public var description: String { message }
}

/// Durable atomic file replacement: the bytes go to `.NAME.tmp-PID` beside the destination,
/// are fsync'd, and the temporary file is renamed over `NAME` (then the folder is fsync'd so
/// the rename survives a power loss). On any failure the temporary file is removed and the
/// destination keeps its earlier content.
public enum AtomicFileWriter {
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        removeStaleTemporaries(in: folder)
        let tmp = temporaryPath(for: path)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw failure("cannot create '\(tmp)'", hint: "is the folder writable?")
        }
        var isOpen = true
        do {
            try bytes.withUnsafeBytes { buf in
                var done = 0
                while done < buf.count {
                    let n = Foundation.write(fd, buf.baseAddress! + done, buf.count - done)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw failure("cannot write '\(path)'", hint: "the previous file, if any, is unchanged") }
                    done += n
                }
            }
            guard fsync(fd) == 0 else { throw failure("cannot write '\(path)' (fsync)", hint: "the previous file, if any, is unchanged") }
            isOpen = false
            guard Foundation.close(fd) == 0 else { throw failure("cannot write '\(path)' (close)", hint: "the previous file, if any, is unchanged") }
        } catch {
            if isOpen { Foundation.close(fd) }
            unlink(tmp)
            throw error
        }
        guard rename(tmp, path) == 0 else {
            let e = failure("cannot rename '\(tmp)' to '\(path)'", hint: "the previous file, if any, is unchanged")
            unlink(tmp)
            throw e
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
    /// other hosts or containers must not be written by two of them at once anyway (the
    /// run folder is claimed exclusively).
    @discardableResult
    public static func removeStaleTemporaries(in folder: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
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

    private static func failure(_ what: String, hint: String) -> FileWriteError {
        let code = errno
        return FileWriteError("\(what): \(String(cString: strerror(code))) (errno \(code)); \(hint)", code: code)
    }
}
