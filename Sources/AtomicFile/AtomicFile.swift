import Foundation

/// A file that could not be written; the message names the path and the cause.
public struct AtomicFileError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Replaces a file in one step: the contents go to a temporary sibling (`.<name>.tmp-<pid>`),
/// which is then renamed over `path`. A crash or an error leaves any earlier file whole, and
/// a reader (a plot of a running log) never sees half a file.
public enum AtomicFile {
    /// `body` writes the temporary file at the path it is given; it is renamed over `path`
    /// if `body` returns, and removed if it throws.
    public static func write(to path: String, _ body: (_ temporaryPath: String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())").path
        do {
            try body(tmp)
            guard rename(tmp, path) == 0 else {
                throw AtomicFileError("cannot write '\(path)': \(String(cString: strerror(errno)))")
            }
        } catch let error as AtomicFileError {
            unlink(tmp)
            throw error
        } catch {
            unlink(tmp)
            throw AtomicFileError("cannot write '\(path)': \(error.localizedDescription) (is the folder writable?)")
        }
    }

    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { tmp in try data.write(to: URL(fileURLWithPath: tmp)) }
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }
}
