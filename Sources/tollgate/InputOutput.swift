import Foundation

/// Writes whole lines to standard error, unbuffered.
/// Opens `path` for writing, truncating it, creating it when missing. Unlike
/// `FileManager.createFile`, which writes a new file and renames it over the old one, this writes
/// in place: `--out /dev/null` (or a named pipe) stays what it is, even as root.
func openForWriting(_ path: String) -> FileHandle? {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return nil }
    return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
}

enum StandardError {
    static func write(_ line: String) {
        var text = line
        if !text.hasSuffix("\n") { text += "\n" }
        try? FileHandle.standardError.write(contentsOf: Data(text.utf8))
    }
}

/// Buffers standard output and writes it in large blocks: one `write` per line would dominate the
/// time of validating a big JSON-lines file.
final class StandardOutput {
    private var buffer: [UInt8] = []
    private let flushThreshold = 64 * 1024

    init() {
        buffer.reserveCapacity(flushThreshold + 1024)
    }

    /// Appends `line` and a newline.
    func writeLine(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= flushThreshold { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        // A closed pipe ends the process with SIGPIPE, as for any Unix filter.
        try? FileHandle.standardOutput.write(contentsOf: Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

/// Why an input file could not be read, in the operating system's words ("No such file or directory").
struct InputError: Error {
    var reason: String
}

/// Reading documents, schemas and JSON-lines files from paths or standard input (`-`).
enum InputFiles {
    /// The path that means standard input.
    static let standardInputPath = "-"

    /// How results name an input: the path as typed, or `<stdin>`.
    static func displayName(_ path: String) -> String {
        path == standardInputPath ? "<stdin>" : path
    }

    /// The bytes of a whole document, or `nil` with the size when it is larger than `limit` (a file
    /// that large is not read at all; standard input is read only up to the limit).
    static func read(_ path: String, limit: Int) throws(InputError) -> (data: Data?, size: Int?) {
        if path == standardInputPath {
            return try readStream(FileHandle.standardInput, limit: limit)
        }
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw InputError(reason: describe(error))
        }
        let type = attributes[.type] as? FileAttributeType
        if type == .typeDirectory {
            throw InputError(reason: "Is a directory")
        }
        if type == .typeRegular, let size = (attributes[.size] as? NSNumber)?.intValue {
            if size > limit { return (nil, size) }
            do {
                return (try Data(contentsOf: URL(fileURLWithPath: path)), size)
            } catch {
                throw InputError(reason: describe(error))
            }
        }
        // A FIFO or device (e.g. a shell's process substitution): its size is not known in advance.
        return try readStream(try open(path), limit: limit)
    }

    /// Opens `path` for reading (`-` is standard input).
    static func open(_ path: String) throws(InputError) -> FileHandle {
        if path == standardInputPath { return FileHandle.standardInput }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw InputError(reason: "Is a directory")
        }
        do {
            return try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        } catch {
            throw InputError(reason: describe(error))
        }
    }

    /// Reads up to `count` bytes; an empty result means end of file.
    static func readChunk(_ handle: FileHandle, count: Int) throws(InputError) -> Data {
        do {
            return try handle.read(upToCount: count) ?? Data()
        } catch {
            throw InputError(reason: describe(error))
        }
    }

    private static func readStream(_ handle: FileHandle, limit: Int) throws(InputError) -> (data: Data?, size: Int?) {
        var data = Data()
        while true {
            let chunk = try readChunk(handle, count: 1 << 20)
            if chunk.isEmpty { return (data, data.count) }
            data.append(chunk)
            if data.count > limit { return (nil, nil) }
        }
    }

    /// The operating system's description of a Foundation file error ("No such file or directory")
    /// rather than Foundation's generic "The operation could not be completed".
    static func describe(_ error: any Error) -> String {
        if let code = posixCode(error) {
            return String(cString: strerror(code))
        }
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? any Error, let code = posixCode(underlying) {
            return String(cString: strerror(code))
        }
        return nsError.localizedDescription
    }

    /// The `errno` value of a POSIX error, whether it arrives as `POSIXError` or as a bridged `NSError`.
    private static func posixCode(_ error: any Error) -> Int32? {
        if let posix = error as? POSIXError { return posix.code.rawValue }
        let nsError = error as NSError
        return nsError.domain == NSPOSIXErrorDomain ? Int32(nsError.code) : nil
    }
}
