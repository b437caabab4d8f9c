import Foundation
import Testing
@testable import Tollgate

@Suite("Capture files: streaming reader")
struct CaptureReaderTests {
    /// The resident bytes of this process's mappings of `path` (the `Rss` of their entries in
    /// /proc/self/smaps), nil when it has none.
    static func residentBytes(ofMapping path: String) -> Int? {
        // Read to the end: /proc files say they are empty.
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/smaps"), let data = try? handle.readToEnd() else { return nil }
        var inMapping = false
        var total: Int?
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            if let first = line.first, first.isHexDigit, line.contains("-"), !line.hasSuffix(" kB") {
                inMapping = line.hasSuffix(path)
            } else if inMapping, line.hasPrefix("Rss:") {
                let kib = Int(line.dropFirst(4).dropLast(3).trimmingCharacters(in: .whitespaces)) ?? 0
                total = (total ?? 0) + kib * 1024
            }
        }
        return total
    }

    static func write(_ bytes: [UInt8], to name: String, in dir: TemporaryDirectory) throws -> String {
        let path = dir.file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("a large file is streamed in chunks, with memory near one chunk")
    func largeFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("large.jsonl")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let payload = Array(#"{"orderId":"ORD-2026-000101","lines":[{"sku":"KBD-10042","quantity":1}],"total":8900}"#.utf8)
        let count = 200_000
        var batch: [UInt8] = []
        for index in 0..<count {
            let message = Message(key: Array("k\(index)".utf8), value: index % 1000 == 999 ? [0xFF, 0x00] : payload,
                                  origin: .kafka(topic: "orders", partition: Int32(index % 8), offset: Int64(index / 8), group: nil),
                                  timestamp: 1_700_000_000_000 + Int64(index))
            // Mix the two formats, as a concatenation of captures would.
            if index % 2 == 0 {
                CaptureWriter.appendLine(for: message, to: &batch)
            } else {
                batch += KcatLine.line(topic: "orders", partition: Int32(index % 8), offset: Int64(index / 8),
                                       ts: 1_700_000_000_000 + Int64(index), key: message.key, payload: message.value)
            }
            if batch.count > 1 << 20 {
                try handle.write(contentsOf: batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: batch)
        try handle.close()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(size > 20_000_000)

        let chunk = 256 << 10
        let reader = try CaptureReader(path: path, chunkSize: chunk, mapFile: false)
        var read = 0
        var kcat = 0
        var largestBuffer = 0
        while let captured = try reader.nextMessage() {
            read += 1
            if captured.format == .kcat { kcat += 1 }
            if read % 1000 == 0 {
                #expect(captured.message.value == [0xFF, 0x00], "line \(captured.line)")
                #expect(captured.line == read)
            }
            largestBuffer = max(largestBuffer, reader.bufferCapacity)
        }
        #expect(read == count)
        #expect(kcat == count / 2)
        #expect(largestBuffer < 4 * chunk, "held \(largestBuffer) bytes of a \(size)-byte file")
        // Mapped, the file is read in place: no buffer at all, and the pages read are given back
        // as it goes, so the mapping's resident share stays near CaptureReader.releaseBytes.
        let limit = CaptureReader.releaseBytes + (3 << 20)
        do {
            let mapped = try CaptureReader(path: path)
            var mappedCount = 0
            var resident = 0
            while try mapped.nextMessage() != nil {
                mappedCount += 1
                if mappedCount % 20_000 == 0 { resident = max(resident, Self.residentBytes(ofMapping: path) ?? 0) }
            }
            #expect(mappedCount == count)
            #expect(mapped.bufferCapacity == 0)
            #expect(resident > 0 && resident < limit, "\(resident) bytes of a \(size)-byte file resident")
        }
        #expect(Self.residentBytes(ofMapping: path) == nil, "unmapped with its reader")

        // Line batches, as replay takes them: pages behind the lines out are given back.
        let batched = try CaptureReader(path: path)
        var batchedCount = 0
        var resident = 0
        while true {
            let batch = batched.nextLines(maxLines: 256, maxBytes: 64 << 10)
            batched.releaseMappedPages(keeping: 1 << 20)
            if batch.entries.isEmpty { break }
            for case .line(let range, let number) in batch.entries {
                _ = try batch.withBytes { CaptureReader.decode($0, range, file: path, line: number) }.get()
                batchedCount += 1
                if batchedCount % 20_000 == 0 { resident = max(resident, Self.residentBytes(ofMapping: path) ?? 0) }
            }
        }
        #expect(batchedCount == count)
        #expect(resident > 0 && resident < limit, "\(resident) bytes of a \(size)-byte file resident")
        #expect(size > 2 * limit, "the file is large enough for the limit to mean something")
    }

    @Test("lines split across chunk boundaries read the same as from memory")
    func tinyChunks() throws {
        var file: [UInt8] = []
        for offset in 0..<50 {
            file += KcatLine.line(offset: Int64(offset), headers: [("h", [UInt8(offset)])], key: nil,
                                  payload: (0..<offset * 3).map { UInt8($0 & 0xFF) })
        }
        file += Array("\r\n\n{\"payload\":\"last line without a newline\"}".utf8)
        let dir = try TemporaryDirectory()
        let path = try Self.write(file, to: "chunks.jsonl", in: dir)
        let fromMemory = try CaptureReader(bytes: file, name: path).map { try $0.get() }
        for chunkSize in [1, 2, 3, 7, 64, 1000] {
            let streamed = try CaptureReader(path: path, chunkSize: chunkSize, mapFile: false).map { try $0.get() }
            #expect(streamed == fromMemory, "chunk size \(chunkSize)")
        }
        #expect(try CaptureReader(path: path).map { try $0.get() } == fromMemory, "mapped")
        #expect(fromMemory.count == 51)
        #expect(fromMemory.last?.line == 53)
        #expect(fromMemory.last?.message.value == Array("last line without a newline".utf8))
    }

    @Test("CRLF line endings are accepted")
    func crlf() throws {
        let file = Array("{\"topic\":\"t\",\"partition\":0,\"offset\":0,\"payload\":\"a\"}\r\n{\"topic\":\"t\",\"partition\":0,\"offset\":1,\"payload\":\"b\"}\r\n".utf8)
        let read = try CaptureReader(bytes: file, name: "crlf.jsonl").map { try $0.get().message.value }
        #expect(read == [Array("a".utf8), Array("b".utf8)])
    }

    @Test("a line longer than the limit is reported and skipped without being held, and reading goes on")
    func overlongLine() throws {
        let good = KcatLine.line(offset: 0, key: nil, payload: Array("ok".utf8))
        let long = KcatLine.line(offset: 1, key: nil, payload: [UInt8](repeating: 0x61, count: 100_000))
        let dir = try TemporaryDirectory()
        for (name, tail) in [("middle", good), ("end", [UInt8]())] {
          for mapFile in [false, true] {
            let path = try Self.write(good + long + tail, to: "\(name).jsonl", in: dir)
            let reader = try CaptureReader(path: path, maxLineBytes: 10_000, chunkSize: 4096, mapFile: mapFile)
            let results = Array(reader)
            #expect(results.count == (tail.isEmpty ? 2 : 3))
            #expect((try? results[0].get())?.line == 1)
            guard case .failure(let error) = results[1] else { Issue.record("the long line was read"); continue }
            #expect(error.code == .invalidCapture)
            #expect(error.line == 2)
            #expect(error.message.contains("is \(long.count - 1) bytes long, more than the 10000 allowed"), "\(error.message)")
            if !tail.isEmpty { #expect((try? results[2].get())?.line == 3) }
            #expect(reader.bufferCapacity < 40_000)
          }
        }
    }

    @Test("a file that cannot be opened is an unreadable error naming it")
    func unreadable() throws {
        let dir = try TemporaryDirectory()
        for path in [dir.file("missing.jsonl"), dir.path] {
            do {
                _ = try CaptureReader(path: path)
                Issue.record("opened \(path)")
            } catch {
                #expect(error.code == .unreadable)
                #expect(error.file == path)
            }
        }
    }

    @Test("line batches share the reader's buffer and stay intact while the reader reads on")
    func batchesOutliveReads() throws {
        var file: [UInt8] = []
        for offset in 0..<300 {
            file += KcatLine.line(offset: Int64(offset), headers: [("h", [UInt8(offset & 0xFF)])], key: Array("k\(offset)".utf8),
                                  payload: (0..<(offset % 97) * 5).map { UInt8(($0 * 7 + offset) & 0xFF) })
            if offset % 50 == 0 { file += Array("\n \n".utf8) }
        }
        file += Array("{\"payload\":\"last line without a newline\"}".utf8)
        let dir = try TemporaryDirectory()
        let path = try Self.write(file, to: "batches.jsonl", in: dir)
        let expected = try CaptureReader(bytes: file, name: path).map { try $0.get() }
        for chunkSize in [1, 5, 64, 1000, 1 << 20, 0] {
            for maxLines in [1, 7, 256] {
                // Chunk size 0 here: the mapped file.
                let reader = chunkSize == 0 ? try CaptureReader(path: path) : try CaptureReader(path: path, chunkSize: chunkSize, mapFile: false)
                // Every batch is taken before any is decoded, so later reads must not move earlier bytes.
                var batches: [CaptureReader.LineBatch] = []
                while true {
                    let batch = reader.nextLines(maxLines: maxLines, maxBytes: 2000)
                    if batch.entries.isEmpty { break }
                    #expect(batch.entries.count <= maxLines)
                    batches.append(batch)
                }
                var decoded: [CapturedMessage] = []
                for batch in batches {
                    for case .line(let range, let number) in batch.entries {
                        decoded.append(try batch.withBytes { CaptureReader.decode($0, range, file: path, line: number) }.get())
                    }
                }
                #expect(decoded == expected, "chunk size \(chunkSize), \(maxLines) lines per batch")
            }
        }
        #expect(expected.count == 301)
    }

    @Test("a named pipe (as from a shell's process substitution) is read in chunks, not mapped")
    func namedPipe() throws {
        var file: [UInt8] = []
        for offset in 0..<2000 { file += KcatLine.line(offset: Int64(offset), key: nil, payload: Array("{\"n\":\(offset)}".utf8)) }
        let dir = try TemporaryDirectory()
        let fifo = dir.file("capture.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let bytes = file
        let writer = Thread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data(bytes))
                try? handle.close()
            }
        }
        writer.start()
        let read = try CaptureReader(path: fifo, chunkSize: 4096).map { try $0.get() }
        #expect(read.count == 2000)
        #expect(read.last?.message.value == Array("{\"n\":1999}".utf8))
        #expect(read == (try CaptureReader(bytes: file, name: fifo).map { try $0.get() }))
    }

    @Test("an empty file and a file of blank lines hold no messages")
    func empty() throws {
        #expect(Array(CaptureReader(bytes: [], name: "e")).isEmpty)
        #expect(Array(CaptureReader(bytes: Array("\n \n\t\r\n".utf8), name: "e")).isEmpty)
    }
}
