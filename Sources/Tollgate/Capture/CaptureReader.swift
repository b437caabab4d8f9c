import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams the messages of a capture file: kcat `-J` lines and Tollgate capture lines, told apart
/// line by line. A regular file is mapped into memory and read in place, as it was when it was
/// opened; other input (a pipe, standard input) is read in chunks. Either way a capture of any size
/// takes little memory of the process's own.
///
/// ```swift
/// let reader = try CaptureReader(path: "capture.jsonl")
/// for result in reader {
///     switch result {
///     case .success(let captured): print(captured.line, captured.message.origin)
///     case .failure(let error): print(error)   // "capture.jsonl:7: column 1: expected '{' ..."
///     }
/// }
/// ```
///
/// A line that cannot be read is reported with its file and line number and reading goes on with
/// the next line; blank lines are skipped. Only a failure to read the file itself ends the stream.
/// Not thread-safe: one reader per task.
public final class CaptureReader: Sequence, IteratorProtocol {
    public typealias Element = Result<CapturedMessage, TollgateError>

    /// The file name used in messages and in ``CapturedMessage/file``.
    public let path: String
    /// Lines longer than this many bytes are reported as errors and skipped, never held in memory.
    public let maxLineBytes: Int

    private let handle: FileHandle?
    private let chunkSize: Int
    /// The whole file, when it is mapped; then `buffer` stays empty.
    private let mapped: MappedCapture?
    private var buffer: [UInt8] = []
    private var start = 0             // the first byte not yet handed out
    private var scanned = 0           // bytes after `start` known to hold no newline
    private var atEnd = false
    private var skipped: Int?         // bytes so far of an over-long line being skipped
    private var lineNumber = 0
    private var failed = false
    /// `buffer` is shared with a line batch, so the next read starts a new one.
    private var handedOut = false
    /// The mapped file's pages before this offset have been given back.
    private var released = 0

    /// Bytes of a mapped file given back at a time, by ``releaseMappedPages(keeping:)``.
    static let releaseBytes = 8 << 20

    /// Bytes of the file handed out as lines so far (newlines included), for progress reports.
    public private(set) var bytesRead = 0

    /// Opens the capture file at `path`.
    ///
    /// A regular file is mapped into memory (unless `mapFile` is false): no copy of it is made, and
    /// lines appended after it was opened are not read. As with any mapped file, another process
    /// truncating it during the replay ends this one (SIGBUS); replay a copy of a file that is still
    /// being written, or pass it on standard input.
    ///
    /// - Parameters:
    ///   - maxLineBytes: default 64 MiB, room for a 10 MiB payload even when every byte is escaped.
    ///   - chunkSize: bytes read at a time when the file is not mapped. Default: 1 MiB.
    ///   - mapFile: map a regular file rather than read it in chunks. Default: true.
    /// - Throws: `TollgateError` with code `.unreadable` when the file cannot be opened.
    public init(path: String, maxLineBytes: Int = 64 << 20, chunkSize: Int = 1 << 20, mapFile: Bool = true) throws(TollgateError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let handle = FileHandle(forReadingAtPath: path)
        else {
            throw TollgateError(.unreadable, "cannot open the capture file (it does not exist, is a directory or is not readable)",
                                file: path)
        }
        self.path = path
        self.handle = handle
        self.maxLineBytes = Swift.max(1, maxLineBytes)
        self.chunkSize = Swift.max(1, chunkSize)
        mapped = mapFile ? MappedCapture(descriptor: handle.fileDescriptor) : nil
        if mapped != nil { atEnd = true }
    }

    /// Reads from an open handle, e.g. standard input; `name` stands for the file in messages.
    public init(handle: FileHandle, name: String, maxLineBytes: Int = 64 << 20, chunkSize: Int = 1 << 20) {
        path = name
        self.handle = handle
        mapped = nil
        self.maxLineBytes = Swift.max(1, maxLineBytes)
        self.chunkSize = Swift.max(1, chunkSize)
    }

    /// Reads capture lines held in memory; `name` stands for the file in messages.
    public init(bytes: [UInt8], name: String, maxLineBytes: Int = 64 << 20) {
        path = name
        handle = nil
        mapped = nil
        buffer = bytes
        atEnd = true
        self.maxLineBytes = Swift.max(1, maxLineBytes)
        chunkSize = 1
    }

    /// The next message, `nil` at the end of the file.
    ///
    /// - Throws: `TollgateError` with code `.invalidCapture`, naming the file and line, for a line that
    ///   is neither format (the next call goes on after it), or `.unreadable` when reading fails (the
    ///   stream ends).
    public func nextMessage() throws(TollgateError) -> CapturedMessage? {
        releaseMappedPages(keeping: 1 << 20)
        while let line = try nextLine() {
            if isBlank(line) { continue }
            return try withBytes { CaptureReader.decode($0, line, file: path, line: lineNumber) }.get()
        }
        return nil
    }

    /// The message on one capture line: `bytes[range]`, line `line` of `file`.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, file: String, line: Int) -> Result<CapturedMessage, TollgateError> {
        decode(bytes, range, file: file, line: line, checkingPayload: CaptureRecord.PayloadCheck<Void>?.none).map { $0.message! }
    }

    /// ``decode(_:_:file:line:)``, offering the payload to `check` before it is unescaped (see
    /// ``CaptureRecord/decode(_:checkingPayload:kcatLayout:)``).
    static func decode<Outcome>(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, file: String, line: Int,
                                checkingPayload check: CaptureRecord.PayloadCheck<Outcome>?)
        -> Result<(message: CapturedMessage?, outcome: Outcome?), TollgateError>
    {
        var parser = CaptureLineParser(bytes: bytes, range: range)
        do {
            let (message, format, outcome) = try CaptureRecord.decode(&parser, checkingPayload: check)
            return .success((message.map { CapturedMessage(message: $0, file: file, line: line, format: format) }, outcome))
        } catch {
            let column = error.column.map { "column \($0): " } ?? ""
            return .failure(TollgateError(.invalidCapture,
                                          "\(column)\(error.message) (a capture file holds one JSON object per line, as `kcat -C -J` or `tollgate capture` writes them)",
                                          file: file, line: line))
        }
    }

    /// Capture lines read but not decoded yet, so that decoding can run on other threads.
    struct LineBatch: Sendable {
        enum Entry: Sendable {
            /// A line's range in the batch's bytes, and its 1-based number.
            case line(Range<Int>, number: Int)
            /// A line that could not be read (too long), or a failure to read the file.
            case failure(TollgateError)
        }

        /// The bytes the lines are in: the mapped file, or a buffer the reader no longer changes.
        enum Bytes: Sendable {
            case buffer([UInt8])
            case mapped(MappedCapture)
        }

        var file: String
        var bytes = Bytes.buffer([])
        var entries: [Entry] = []

        /// Runs `body` on the bytes the entries' ranges point into.
        func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
            switch bytes {
            case .buffer(let buffer): return try buffer.withUnsafeBufferPointer(body)
            case .mapped(let file): return try body(file.bytes)
            }
        }
    }

    /// The next lines: up to `maxLines` of them or a little over `maxBytes` bytes, blank lines
    /// skipped; empty at the end of the file. The batch shares the reader's buffer rather than
    /// copying the lines out: it reads more only while the batch holds no line yet (reading moves the
    /// buffer), and the next read starts a fresh buffer with the unread rest.
    func nextLines(maxLines: Int, maxBytes: Int) -> LineBatch {
        var batch = LineBatch(file: path)
        batch.entries.reserveCapacity(Swift.min(maxLines, 1024))
        var lineBytes = 0
        var hasLines = false
        while batch.entries.count < maxLines && lineBytes < maxBytes {
            if hasLines && !hasLineWithoutReading() { break }
            do {
                guard let line = try nextLine() else { break }
                if isBlank(line) { continue }
                batch.entries.append(.line(line, number: lineNumber))
                lineBytes += line.count
                hasLines = true
            } catch {
                batch.entries.append(.failure(error))
            }
        }
        if hasLines {
            if let mapped {
                batch.bytes = .mapped(mapped)
            } else {
                batch.bytes = .buffer(buffer)
                handedOut = true
            }
        }
        return batch
    }

    /// Gives back the mapped file's pages more than `keeping` bytes behind the next line to be
    /// handed out, `releaseBytes` at a time: their lines have been decoded by whoever took them, as
    /// long as no more than `keeping` bytes of lines are out and undecoded. (The kernel maps pages
    /// around each page read, so pages just behind the reading are not given back: they would be
    /// mapped again at once.) A page needed after all is read again from the file.
    func releaseMappedPages(keeping: Int) {
        guard let mapped else { return }
        let upTo = start - keeping
        guard upTo - released >= Self.releaseBytes else { return }
        mapped.release(released..<upTo)
        released = upTo
    }

    /// Whether ``nextLine()`` can answer from the buffer, without reading.
    private func hasLineWithoutReading() -> Bool {
        failed || atEnd || firstNewline(from: start + scanned) != nil
    }

    /// `Sequence` access: each line's message or error, in order.
    public func next() -> Result<CapturedMessage, TollgateError>? {
        do {
            guard let message = try nextMessage() else { return nil }
            return .success(message)
        } catch {
            return .failure(error)
        }
    }

    /// The byte range (in the mapped file or `buffer`) of the next line, without its newline,
    /// counting lines as it goes.
    private func nextLine() throws(TollgateError) -> Range<Int>? {
        while true {
            if failed { return nil }
            if let newline = firstNewline(from: start + scanned) {
                let line = start..<newline
                start = newline + 1
                scanned = 0
                return try hand(line)
            }
            let count = byteCount
            scanned = count - start
            if atEnd {
                guard start < count || skipped != nil else { return nil }
                let line = start..<count
                start = count
                scanned = 0
                return try hand(line)
            }
            if scanned > maxLineBytes {
                // Too long to keep: forget it, and skip up to its end.
                skipped = (skipped ?? 0) + scanned
                buffer.removeAll(keepingCapacity: true)
                start = 0
                scanned = 0
            }
            try fill()
        }
    }

    private func hand(_ line: Range<Int>) throws(TollgateError) -> Range<Int> {
        lineNumber += 1
        bytesRead += line.count + 1 + (skipped ?? 0)
        let length = (skipped ?? 0) + line.count
        if skipped != nil || length > maxLineBytes {
            skipped = nil
            throw TollgateError(.invalidCapture,
                                "the line is \(length) bytes long, more than the \(maxLineBytes) allowed; it was skipped (raise maxLineBytes to read it)",
                                file: path, line: lineNumber)
        }
        return line
    }

    /// Bytes available: the mapped file's, or the buffer's.
    private var byteCount: Int { mapped?.bytes.count ?? buffer.count }

    /// Runs `body` on the mapped file or the buffer.
    private func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let mapped { return try body(mapped.bytes) }
        return try buffer.withUnsafeBufferPointer(body)
    }

    /// Appends up to one chunk of the file to `buffer`, reading straight into its spare room (no
    /// intermediate `Data`), so a steady stream reuses one allocation.
    private func fill() throws(TollgateError) {
        guard let handle else { atEnd = true; return }
        if handedOut {
            // Keep the batches' bytes as they are: the unread rest moves to a buffer of its own.
            var fresh: [UInt8] = []
            fresh.reserveCapacity(buffer.count - start + chunkSize)
            fresh.append(contentsOf: buffer[start...])
            buffer = fresh
            start = 0
            handedOut = false
        } else if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunkSize))
        var got = 0
        var failure: Int32 = 0
        buffer.withUnsafeMutableBytes { raw in
            while true {
                let n = read(handle.fileDescriptor, raw.baseAddress! + old, chunkSize)
                if n >= 0 {
                    got = n
                    return
                }
                if errno != EINTR {
                    failure = errno
                    return
                }
            }
        }
        buffer.removeLast(chunkSize - got)
        if failure != 0 {
            failed = true
            throw TollgateError(.unreadable, "cannot read the capture file after line \(lineNumber): \(String(cString: strerror(failure)))",
                                file: path)
        }
        if got == 0 { atEnd = true }
    }

    private func firstNewline(from index: Int) -> Int? {
        guard index < byteCount else { return nil }
        return withBytes { raw -> Int? in
            let from = raw.baseAddress! + index
            guard let found = memchr(from, Int32(UInt8(ascii: "\n")), raw.count - index) else { return nil }
            return index + UnsafeRawPointer(from).distance(to: UnsafeRawPointer(found))
        }
    }

    /// Bytes the reader holds: its memory stays near one chunk plus the longest line.
    var bufferCapacity: Int { buffer.capacity }

    private func isBlank(_ line: Range<Int>) -> Bool {
        withBytes { bytes in
            bytes[line].allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
        }
    }
}

/// A capture file mapped read-only into memory, unmapped when the reader and the last line batch
/// that holds it are gone.
///
/// `@unchecked Sendable`: the mapping is read-only and lives as long as this object.
final class MappedCapture: @unchecked Sendable {
    let bytes: UnsafeBufferPointer<UInt8>

    /// Maps the regular file open on `descriptor`; `nil` for anything else (a pipe, a terminal, an
    /// empty file) or when mapping fails, so the caller reads it instead.
    init?(descriptor: Int32) {
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0,
              let address = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE, descriptor, 0), address != MAP_FAILED
        else { return nil }
        _ = madvise(address, Int(info.st_size), MADV_SEQUENTIAL)
        bytes = UnsafeBufferPointer(start: address.assumingMemoryBound(to: UInt8.self), count: Int(info.st_size))
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
    }

    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Gives back the pages that lie wholly inside `range`: otherwise every page read stays in the
    /// process's resident memory to the end, and a replay of a capture of gigabytes looks like a
    /// process of gigabytes. Safe at any time: the mapping is private and never written, so a page
    /// given back that is read again is read again from the file.
    func release(_ range: Range<Int>) {
        let page = Self.pageSize
        let start = (range.lowerBound + page - 1) / page * page
        let end = range.upperBound / page * page
        guard start < end, let base = bytes.baseAddress else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }
}
