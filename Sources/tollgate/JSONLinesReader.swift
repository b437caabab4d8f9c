import Foundation

/// Streams a JSON-lines file: reads it in large chunks and hands out each non-blank line as a view into
/// the chunk, without copying it into a `String` or even into its own array (only a line that spans
/// two chunks is assembled in a small carry-over buffer).
///
/// Memory stays bounded by the chunk size plus `maxLineBytes`: the rest of a longer line is skipped
/// and only counted.
struct JSONLinesReader {
    /// One line of the file.
    enum Line {
        /// The line's bytes (without the newline), valid only during the callback.
        case bytes(UnsafeRawBufferPointer)
        /// A line longer than `maxLineBytes`, with its full length in bytes; it was not kept.
        case tooLong(Int)
    }

    var chunkSize = 1 << 20
    /// Lines longer than this are reported as ``Line/tooLong(_:)``.
    var maxLineBytes: Int

    /// Calls `body` with the 1-based number and the content of every line that is not blank (only
    /// spaces, tabs and carriage returns), in order. `afterChunk` runs after each chunk, e.g. to flush
    /// output while a long stream is still arriving.
    func forEachLine(of handle: FileHandle, afterChunk: () -> Void = {}, _ body: (Int, Line) -> Void) throws(InputError) {
        var carry: [UInt8] = []   // the start of a line that continues in the next chunk
        var skipped: Int?         // bytes so far of a line that exceeded the limit and is being skipped
        var lineNumber = 1

        func emit(_ bytes: UnsafeRawBufferPointer) {
            if !JSONLinesReader.isBlank(bytes) { body(lineNumber, .bytes(bytes)) }
            lineNumber += 1
        }

        while true {
            let chunk = try InputFiles.readChunk(handle, count: chunkSize)
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                var start = 0
                while start < raw.count {
                    let newline = JSONLinesReader.firstNewline(in: raw, from: start)
                    let end = newline ?? raw.count
                    if let length = skipped {
                        let total = length + (end - start)
                        if newline != nil {
                            body(lineNumber, .tooLong(total))
                            lineNumber += 1
                            skipped = nil
                        } else {
                            skipped = total
                        }
                    } else if newline != nil {
                        if carry.isEmpty {
                            emit(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                        } else {
                            carry.append(contentsOf: raw[start..<end])
                            carry.withUnsafeBytes { emit($0) }
                            carry.removeAll(keepingCapacity: true)
                        }
                    } else {
                        carry.append(contentsOf: raw[start..<end])
                        if carry.count > maxLineBytes {
                            skipped = carry.count
                            carry = []
                        }
                    }
                    start = end + 1
                }
            }
            afterChunk()
        }
        if let length = skipped {
            body(lineNumber, .tooLong(length))
        } else if !carry.isEmpty {
            carry.withUnsafeBytes { emit($0) }
        }
    }

    private static func firstNewline(in raw: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = raw.baseAddress, start < raw.count else { return nil }
        guard let found = memchr(base + start, Int32(UInt8(ascii: "\n")), raw.count - start) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    private static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
    }
}
