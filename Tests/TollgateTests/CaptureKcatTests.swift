import Foundation
import Testing
import TollgateSchema
@testable import Tollgate

/// Builds capture lines the way kcat 1.7 does (`fmt_msg_output_json`, yajl's generator with default
/// options): `\r \n \\ \" \f \b \t` escaped, other bytes below 0x20 as `\u00XX` with upper-case hex,
/// every other byte, valid UTF-8 or not, copied as it is.
enum KcatLine {
    static func string(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in bytes {
            switch byte {
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x5C: out += Array(#"\\"#.utf8)
            case 0x22: out += Array(#"\""#.utf8)
            case 0x0C: out += Array(#"\f"#.utf8)
            case 0x08: out += Array(#"\b"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789ABCDEF".utf8)
                out += Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    static func line(topic: String = "orders", partition: Int32 = 0, offset: Int64, ts: Int64? = 1_700_000_000_000,
                     headers: [(String, [UInt8]?)]? = nil, key: [UInt8]?, payload: [UInt8]?) -> [UInt8]
    {
        var out = Array(#"{"topic":"#.utf8) + string(Array(topic.utf8))
        out += Array(",\"partition\":\(partition),\"offset\":\(offset)".utf8)
        if let ts { out += Array(",\"tstype\":\"create\",\"ts\":\(ts)".utf8) }
        out += Array(",\"broker\":1".utf8)
        if let headers {
            out += Array(",\"headers\":[".utf8)
            for (index, (name, value)) in headers.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out += string(Array(name.utf8)) + [UInt8(ascii: ",")] + (value.map(string) ?? Array("null".utf8))
            }
            out.append(UInt8(ascii: "]"))
        }
        out += Array(",\"key\":".utf8) + (key.map(string) ?? Array("null".utf8))
        out += Array(",\"payload\":".utf8) + (payload.map(string) ?? Array("null".utf8))
        out += Array("}\n".utf8)
        return out
    }
}

@Suite("Capture files: kcat -J lines")
struct CaptureKcatTests {
    /// Decodes `line` with a payload check, by kcat's layout or the general way: the message, the
    /// format and the outcome, or the error, as text to compare.
    static func decodeWithCheck(_ line: [UInt8], need: CaptureRecord.MessageNeed, kcatLayout: Bool) -> String {
        let acceptAll = try! JSONSchema(.bool(true))
        let workspace = JSONParseWorkspace()
        let check = CaptureRecord.PayloadCheck<String>(
            check: { topic, headers, literal in
                // The outcome names everything the check was given.
                let names = headers.all.map { "\($0.name)=\($0.value.map { String(decoding: $0, as: UTF8.self) } ?? "null")" }
                return acceptAll.check(stringLiteralContent: literal, workspace: workspace).map {
                    ("\(topic) \(names) \(headers.contains("trace-id")) \($0.end)", $0.end)
                }
            },
            needs: { _ in need })
        return line.withUnsafeBufferPointer { bytes in
            var parser = CaptureLineParser(bytes: bytes, range: 0..<bytes.count)
            do {
                let (message, format, outcome) = try CaptureRecord.decode(&parser, checkingPayload: check, kcatLayout: kcatLayout)
                return "\(String(describing: message)) \(format) \(outcome ?? "-")"
            } catch {
                return "error \(error)"
            }
        }
    }

    @Test("lines in kcat's own layout decode as the general reader decodes them, however much of the message is built")
    func kcatLayoutMatchesGeneral() throws {
        var lines: [[UInt8]] = [
            KcatLine.line(offset: 1, headers: [("trace-id", Array("abc".utf8)), ("n", nil)], key: Array("k".utf8), payload: Array(#"{"id":"a"}"#.utf8)),
            KcatLine.line(offset: 2, key: nil, payload: Array(#"[1, 2.5, "x"]"#.utf8)),
            KcatLine.line(partition: -1, offset: -5, ts: -1, headers: [], key: Array("k\"q".utf8), payload: Array("{}".utf8)),
            KcatLine.line(offset: 3, headers: [("tr\"ace", Array("v".utf8))], key: [], payload: Array(#"{"a":"x\"y"}"#.utf8)),
            KcatLine.line(offset: 4, key: Array("k".utf8), payload: nil),
            KcatLine.line(offset: 5, ts: nil, key: Array("k".utf8), payload: Array("1".utf8)),
            KcatLine.line(offset: 6, key: Array("k".utf8), payload: [0, 0, 0, 0, 1] + Array("{}".utf8)),
            KcatLine.line(offset: 7, key: Array("k".utf8), payload: Array("not json".utf8)),
        ]
        lines.append(Array(#"{"topic":"orders","partition":2147483648,"offset":1,"tstype":"create","ts":1,"broker":1,"key":null,"payload":"{}"}"#.utf8))
        lines.append(Array(#"{"topic":"orders","partition":0,"offset":1,"tstype":"create","ts":1,"broker":1,"key":null,"payload":"{}","x":1}"#.utf8))
        lines.append(Array(#"{"topic":"orders","partition":0,"offset":1,"tstype":"create","ts":1,"broker":1,"key":null,"payload":"{}"}  "#.utf8))
        lines.append(Array(#"{"topic":"orders","partition":0,"offset":1,"tstype":"create","ts":1,"broker":1,"key":null,"payload":"{}"} x"#.utf8))
        lines.append(Array(#"{"topic":"orders", "partition":0,"offset":1,"tstype":"create","ts":1,"broker":1,"key":null,"payload":"{}"}"#.utf8))
        lines.append(Array(#"{"topic":"orders","partition":0,"offset":1.5,"tstype":"create","ts":1,"broker":1,"key":null,"payload":"{}"}"#.utf8))
        lines.append(Array(#"{"topic":"orders","partition":0,"offset":1,"tstype":"create","ts":1,"broker":1,"headers":{"a":"b"},"key":null,"payload":"{}"}"#.utf8))
        lines.append(Array(#"{"topic":"ord\u0065rs","partition":0,"offset":1,"tstype":"create","ts":1,"broker":1,"key":null,"payload":"{}"}"#.utf8))
        // The sample capture, made with kcat against a mock cluster, and damaged copies of its lines.
        let sample = try #require(FileManager.default.contents(atPath: ReplayTests.sampleCapture))
        let sampleLines = [UInt8](sample).split(separator: UInt8(ascii: "\n")).map { Array($0) }
        #expect(sampleLines.count >= 10)
        lines += sampleLines
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[],:"\ 0-9anu"#.utf8)
        for _ in 0..<3000 {
            var line = sampleLines.randomElement(using: &generator)!
            let at = Int.random(in: 0..<line.count, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: line[at] = alphabet.randomElement(using: &generator)!
            case 1: line.insert(alphabet.randomElement(using: &generator)!, at: at)
            default: line.remove(at: at)
            }
            lines.append(line)
        }
        var viaLayout = 0
        for line in lines {
            for need in [CaptureRecord.MessageNeed.nothing, .coordinates, .everything] {
                let general = Self.decodeWithCheck(line, need: need, kcatLayout: false)
                let layout = Self.decodeWithCheck(line, need: need, kcatLayout: true)
                #expect(layout == general, "\(String(decoding: line, as: UTF8.self))")
                if need == .nothing && general.hasPrefix("nil") { viaLayout += 1 }
            }
        }
        #expect(viaLayout > 100)
        // The sample's lines, as kcat wrote them, are read by the layout.
        let check = CaptureRecord.PayloadCheck<Int>(check: { _, _, literal in
            (try? JSONSchema(.bool(true)))?.check(stringLiteralContent: literal, workspace: JSONParseWorkspace()).map { ($0.end, $0.end) }
        }, needs: { _ in .everything })
        for line in sampleLines {
            let read = line.withUnsafeBufferPointer { bytes in
                CaptureRecord.decodeKcatLayout(CaptureLineParser(bytes: bytes, range: 0..<bytes.count), check)
            }
            guard case .decoded = read else {
                // Only a payload that is not JSON, or holds escapes of its own, goes the general way.
                guard case .payloadDeclined = read else { Issue.record("not kcat's layout: \(String(decoding: line, as: UTF8.self))"); continue }
                continue
            }
            viaLayout += 1
        }
        #expect(viaLayout > 100 + sampleLines.count / 2)
    }

    static func readAll(_ bytes: [UInt8], name: String = "capture.jsonl") -> [Result<CapturedMessage, TollgateError>] {
        Array(CaptureReader(bytes: bytes, name: name))
    }

    static func messages(_ bytes: [UInt8]) throws -> [CapturedMessage] {
        try readAll(bytes).map { try $0.get() }
    }

    /// Made with real kcat 1.7.1 (librdkafka 2.0.2) against librdkafka's mock cluster: one kcat held
    /// the mock cluster (`-X test.mock.num.brokers=1`), others produced files as single messages
    /// (`-P -t capture [-k KEY] [-H name=value] FILE`, a NULL payload with `-Z -K :`) and consumed with
    /// `kcat -C -t capture -J -o beginning -e`. Base64 because the lines hold raw non-UTF-8 bytes.
    static let realCapture = """
        eyJ0b3BpYyI6ImNhcHR1cmUiLCJwYXJ0aXRpb24iOjAsIm9mZnNldCI6MCwidHN0eXBlIjoiY3JlYXRlIiwidHMiOjE3OTU2ODQy\
        NDM2OTMsImJyb2tlciI6MSwia2V5IjpudWxsLCJwYXlsb2FkIjoiYSJ9CnsidG9waWMiOiJjYXB0dXJlIiwicGFydGl0aW9uIjox\
        LCJvZmZzZXQiOjAsInRzdHlwZSI6ImNyZWF0ZSIsInRzIjoxNzk1Njg0MjQxNjM5LCJicm9rZXIiOjEsImhlYWRlcnMiOlsibnVs\
        bGhkciIsbnVsbCwiZW1wdHloZHIiLCIiXSwia2V5IjpudWxsLCJwYXlsb2FkIjoiYmluXHUwMDAwXHUwMDAxXHUwMDFGf4D//lwi\
        XFxcblxyXHRcYlxmL2VuZCJ9CnsidG9waWMiOiJjYXB0dXJlIiwicGFydGl0aW9uIjoxLCJvZmZzZXQiOjEsInRzdHlwZSI6ImNy\
        ZWF0ZSIsInRzIjoxNzk1Njg0MjQxNjUxLCJicm9rZXIiOjEsImtleSI6Imv/eSIsInBheWxvYWQiOiJ7XCJuYW1lXCI6XCJjYWbD\
        qSDigqwg8J+YgFwifSJ9CnsidG9waWMiOiJjYXB0dXJlIiwicGFydGl0aW9uIjoxLCJvZmZzZXQiOjIsInRzdHlwZSI6ImNyZWF0\
        ZSIsInRzIjoxNzk1Njg0MjQxNjUxLCJicm9rZXIiOjEsImtleSI6Imv/eSIsInBheWxvYWQiOiLDKKCh4iih8JAovCJ9CnsidG9w\
        aWMiOiJjYXB0dXJlIiwicGFydGl0aW9uIjoyLCJvZmZzZXQiOjAsInRzdHlwZSI6ImNyZWF0ZSIsInRzIjoxNzk1Njg0MjQxNjI4\
        LCJicm9rZXIiOjEsImhlYWRlcnMiOlsiaDEiLCJ2MSIsInRyYWNlIiwiYWJjIl0sImtleSI6ImtleS0xIiwicGF5bG9hZCI6Intc\
        ImlkXCI6MSxcIm5vdGVcIjpcInBsYWluIGFzY2lpXCJ9In0KeyJ0b3BpYyI6ImNhcHR1cmUiLCJwYXJ0aXRpb24iOjIsIm9mZnNl\
        dCI6MSwidHN0eXBlIjoiY3JlYXRlIiwidHMiOjE3OTU2ODQyNDE2MjgsImJyb2tlciI6MSwiaGVhZGVycyI6WyJoMSIsInYxIiwi\
        dHJhY2UiLCJhYmMiXSwia2V5Ijoia2V5LTEiLCJwYXlsb2FkIjoie1wicVwiOlwic2F5IFxcXCJoaVxcXCJcIixcInBhdGhcIjpc\
        IkM6XFxcXGRpclxcXFx4XCJ9In0KeyJ0b3BpYyI6ImNhcHR1cmUiLCJwYXJ0aXRpb24iOjMsIm9mZnNldCI6MCwidHN0eXBlIjoi\
        Y3JlYXRlIiwidHMiOjE3OTU2ODQyNDk0MjEsImJyb2tlciI6MSwiaGVhZGVycyI6WyJiaW4iLCL//lx1MDAwMSIsInEiLCJzYXkg\
        XCJ4XCJcXHkiXSwia2V5IjpudWxsLCJwYXlsb2FkIjoie1wib2tcIjp0cnVlfSJ9CnsidG9waWMiOiJjYXB0dXJlIiwicGFydGl0\
        aW9uIjowLCJvZmZzZXQiOjEsInRzdHlwZSI6ImNyZWF0ZSIsInRzIjoxNzk1Njg0MjQ2NTI4LCJicm9rZXIiOjEsImhlYWRlcnMi\
        OlsieCIsIjEiXSwia2V5IjoidG9tYiIsInBheWxvYWQiOm51bGx9CnsidG9waWMiOiJjYXB0dXJlIiwicGFydGl0aW9uIjoxLCJv\
        ZmZzZXQiOjMsInRzdHlwZSI6ImNyZWF0ZSIsInRzIjoxNzk1Njg0MjQzNjkzLCJicm9rZXIiOjEsImtleSI6bnVsbCwicGF5bG9h\
        ZCI6ImIifQo=
        """

    @Test("a real kcat capture with binary payloads, keys and headers reads back the bytes produced")
    func realKcat() throws {
        let file = try #require(Base64.decode(Array(Self.realCapture.utf8)))
        #expect(String(validating: file, as: UTF8.self) == nil, "the capture really holds invalid UTF-8")
        let read = try Self.messages(file)
        func kafka(_ partition: Int32, _ offset: Int64) -> MessageOrigin {
            .kafka(topic: "capture", partition: partition, offset: offset, group: nil)
        }
        let h = { (name: String, value: String) in MessageHeader(name: name, string: value) }
        let expected: [Message] = [
            Message(value: Array("a".utf8), origin: kafka(0, 0), timestamp: 1_795_684_243_693),
            Message(value: Array("bin".utf8) + [0x00, 0x01, 0x1F, 0x7F, 0x80, 0xFF, 0xFE, 0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x08, 0x0C]
                + Array("/end".utf8),
                    headers: [MessageHeader(name: "nullhdr", value: nil), h("emptyhdr", "")],
                    origin: kafka(1, 0), timestamp: 1_795_684_241_639),
            Message(key: [0x6B, 0xFF, 0x79], value: Array(#"{"name":"café € 😀"}"#.utf8), origin: kafka(1, 1),
                    timestamp: 1_795_684_241_651),
            Message(key: [0x6B, 0xFF, 0x79], value: [0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1, 0xF0, 0x90, 0x28, 0xBC],
                    origin: kafka(1, 2), timestamp: 1_795_684_241_651),
            Message(key: Array("key-1".utf8), value: Array(#"{"id":1,"note":"plain ascii"}"#.utf8),
                    headers: [h("h1", "v1"), h("trace", "abc")], origin: kafka(2, 0), timestamp: 1_795_684_241_628),
            Message(key: Array("key-1".utf8), value: Array(#"{"q":"say \"hi\"","path":"C:\\dir\\x"}"#.utf8),
                    headers: [h("h1", "v1"), h("trace", "abc")], origin: kafka(2, 1), timestamp: 1_795_684_241_628),
            Message(value: Array(#"{"ok":true}"#.utf8),
                    headers: [MessageHeader(name: "bin", value: [0xFF, 0xFE, 0x01]), h("q", #"say "x"\y"#)],
                    origin: kafka(3, 0), timestamp: 1_795_684_249_421),
            Message(key: Array("tomb".utf8), value: [], headers: [h("x", "1")], origin: kafka(0, 1), timestamp: 1_795_684_246_528),
            Message(value: Array("b".utf8), origin: kafka(1, 3), timestamp: 1_795_684_243_693),
        ]
        #expect(read.count == expected.count)
        for (index, (captured, message)) in zip(read, expected).enumerated() {
            #expect(captured.message == message, "line \(index + 1)")
            #expect(captured.line == index + 1)
            #expect(captured.file == "capture.jsonl")
            #expect(captured.format == .kcat)
        }
    }

    @Test("every byte value survives kcat's escaping")
    func everyByte() throws {
        let payload = (0...255).map { UInt8($0) }
        let key = payload.reversed().map { $0 }
        let line = KcatLine.line(offset: 1, headers: [("all", payload)], key: key, payload: payload)
        let message = try #require(try Self.messages(line).first).message
        #expect(message.value == payload)
        #expect(message.key == key)
        #expect(message.headers == [MessageHeader(name: "all", value: payload)])
    }

    @Test("random binary payloads, one per line, as kcat writes them")
    func randomBinary() throws {
        var generator = SystemRandomNumberGenerator()
        var file: [UInt8] = []
        var payloads: [[UInt8]] = []
        for offset in 0..<500 {
            let payload = (0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            payloads.append(payload)
            file += KcatLine.line(partition: Int32(offset % 3), offset: Int64(offset), key: payload.isEmpty ? nil : Array(payload.prefix(8)),
                                  payload: payload)
        }
        let read = try Self.messages(file)
        #expect(read.map(\.message.value) == payloads)
        #expect(read.map(\.line) == Array(1...500))
    }

    @Test("escaped quotes and backslashes, \\/ and \\u escapes of any case, surrogate pairs")
    func escapes() throws {
        let line = Array(#"{"topic":"t","partition":0,"offset":0,"broker":1,"key":"a\"b\\c\/d","payload":"\u00e9\u00E9 \ud83d\ude00 \u20AC \u001f"}"#.utf8)
        let message = try #require(try Self.messages(line).first).message
        #expect(message.key == Array(#"a"b\c/d"#.utf8))
        #expect(message.value == Array("éé 😀 € \u{1F}".utf8))
    }

    @Test("escapes at every offset within an 8-byte word and near the end of the line")
    func escapesAtEveryOffset() throws {
        for length in 0...20 {
            for position in 0...length {
                for (escape, decoded) in [(#"\""#, #"""#), (#"\\"#, #"\"#), (#"\u00e9"#, "é")] {
                    let text = String(repeating: "a", count: position) + escape + String(repeating: "b", count: length - position)
                    let expected = String(repeating: "a", count: position) + decoded + String(repeating: "b", count: length - position)
                    // Payload last (the string ends near the line's end) and first (a long rest follows).
                    let last = Array(#"{"topic":"t","partition":0,"offset":0,"payload":"\#(text)"}"#.utf8)
                    let first = Array(#"{"payload":"\#(text)","topic":"t","partition":0,"offset":0,"broker":1,"key":null}"#.utf8)
                    for line in [last, first] {
                        let message = try #require(try Self.messages(line).first, "\(text)").message
                        #expect(message.value == Array(expected.utf8), "\(String(decoding: line, as: UTF8.self))")
                    }
                }
            }
        }
        // A string cut off right after a backslash, or before its closing quote, at any length.
        for length in 0...17 {
            let open = String(repeating: "x", count: length)
            for ending in [#"\"#, ""] {
                let line = Array(#"{"topic":"t","partition":0,"offset":0,"payload":"\#(open)\#(ending)"#.utf8)
                guard case .failure(let error)? = Self.readAll(line).first else {
                    Issue.record("accepted an unclosed string: \(String(decoding: line, as: UTF8.self))")
                    continue
                }
                #expect(error.message.contains("the string that starts here is not closed"), "\(error)")
            }
        }
    }

    @Test("long strings dense in escaped quotes, other escapes and the closing quote at every offset of a 64-byte block")
    func denseEscapedQuotes() throws {
        // JSON payloads: kcat escapes their quotes every few bytes, which the decoder takes 64 bytes
        // at a time; any other escape, or a backslash ending a block, sends it the slow way.
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = Array(#"abcdefgh0123456789:,{}[]-_ "#.utf8) + [0x22, 0x22, 0x22, 0x5C, 0x0A, 0x01, 0xC3, 0xA9, 0xFF]
        var payloads: [[UInt8]] = []
        for length in 0...200 {
            // Quotes only, then the same with one other escape at every offset.
            let quoted = (0..<length).map { $0 % 5 == 2 ? UInt8(0x22) : UInt8(ascii: "a") + UInt8($0 % 26) }
            payloads.append(quoted)
            if length % 7 == 0 {
                for position in 0..<length { payloads.append(quoted[..<position] + [0x5C] + quoted[position...]) }
            }
        }
        for _ in 0..<2000 {
            let dense = Int.random(in: 0...1, using: &generator) == 0
            payloads.append((0..<Int.random(in: 0...400, using: &generator)).map { _ in
                dense ? (Int.random(in: 0..<6, using: &generator) == 0 ? 0x22 : UInt8(ascii: "x")) : alphabet.randomElement(using: &generator)!
            })
        }
        var file: [UInt8] = []
        for (offset, payload) in payloads.enumerated() {
            // The payload first as well as last: a long rest of the line follows it.
            if offset % 2 == 0 {
                file += KcatLine.line(offset: Int64(offset), key: nil, payload: payload)
            } else {
                file += Array(#"{"payload":"#.utf8) + KcatLine.string(payload) + Array(",\"topic\":\"t\",\"partition\":0,\"offset\":\(offset),\"key\":\"k\\\"\\\"\",\"broker\":1}\n".utf8)
            }
        }
        let read = try Self.messages(file)
        #expect(read.count == payloads.count)
        for (message, payload) in zip(read, payloads) where message.message.value != payload {
            Issue.record("line \(message.line): read \(message.message.value.count) bytes, wrote \(payload.count): \(String(decoding: payload, as: UTF8.self))")
            break
        }
        #expect(read.filter { $0.line % 2 == 0 }.allSatisfy { $0.message.key == Array(#"k"""#.utf8) })
    }

    @Test("raw control bytes inside strings, as other writers leave them, are taken as they are")
    func rawControlBytes() throws {
        var line = Array(#"{"topic":"t","partition":0,"offset":0,"broker":1,"key":null,"payload":"a"#.utf8)
        line += [0x00, 0x01, 0x09, 0x0D, 0x7F, 0x80]
        line += Array(#"b"}"#.utf8)
        let message = try #require(try Self.messages(line).first).message
        #expect(message.value == Array("a".utf8) + [0x00, 0x01, 0x09, 0x0D, 0x7F, 0x80] + Array("b".utf8))
    }

    @Test("null key, null payload, null header values, no headers field, no timestamp")
    func nulls() throws {
        let line = KcatLine.line(partition: 2, offset: 5, ts: nil, headers: [("a", nil), ("b", []), ("a", [0x31])], key: nil,
                                 payload: nil)
        let message = try #require(try Self.messages(line).first).message
        #expect(message.key == nil)
        #expect(message.value == [])
        #expect(message.timestamp == nil)
        #expect(message.headers == [MessageHeader(name: "a", value: nil), MessageHeader(name: "b", value: []),
                                    MessageHeader(name: "a", value: [0x31])])
        #expect(message.origin == .kafka(topic: "orders", partition: 2, offset: 5, group: nil))
        let bare = KcatLine.line(offset: 0, key: Array("k".utf8), payload: Array("v".utf8))
        #expect(try Self.messages(bare).first?.message.headers == [])
    }

    @Test("headers as an object of name to values are read too")
    func headerMap() throws {
        let line = Array(#"{"topic":"t","partition":0,"offset":0,"broker":1,"headers":{"a":["1","2"],"b":[null]},"key":null,"payload":"x"}"#.utf8)
        let message = try #require(try Self.messages(line).first).message
        #expect(message.headers == [MessageHeader(name: "a", string: "1"), MessageHeader(name: "a", string: "2"),
                                    MessageHeader(name: "b", value: nil)])
    }

    @Test("a payload kcat wrote as verbatim JSON (-s value=avro) is read as that JSON text")
    func verbatimPayload() throws {
        let line = Array(#"{"topic":"t","partition":0,"offset":0,"broker":1,"key":null,"payload":{"id": 1, "tags": ["a"]},"value_schema_id":7}"#.utf8)
        let message = try #require(try Self.messages(line).first).message
        #expect(message.value == Array(#"{"id": 1, "tags": ["a"]}"#.utf8))
        #expect(try JSONValue(parsing: message.value) == ["id": 1, "tags": ["a"]])
    }

    @Test("every member name a record may have is recognised, and names that only resemble one are skipped")
    func memberNames() {
        for name in CaptureLineParser.Name.allCases {
            #expect(Array(name.text.utf8).withUnsafeBufferPointer { CaptureLineParser.Name.matching($0) } == name, "\(name.text)")
            // Loaded a word at a time, from a line that goes on after the name.
            let line = Array(name.text.utf8) + Array(#"":"x","payload_b64":"","delivery_tag":1}"#.utf8)
            #expect(line.withUnsafeBufferPointer { CaptureLineParser.Name.matching(UnsafeBufferPointer(rebasing: $0[..<name.text.utf8.count]), readableBytes: $0.count) } == name)
        }
        for other in ["to", "topi", "topicx", "payload_b6", "payload_b644", "delivery_taga", "routing_ke", "ts\u{0}"] {
            let line = Array(other.utf8) + Array(#"":"payload_b64","delivery_tag":1}"#.utf8)
            #expect(line.withUnsafeBufferPointer { CaptureLineParser.Name.matching(UnsafeBufferPointer(rebasing: $0[..<other.utf8.count]), readableBytes: $0.count) } == nil, "\(other)")
        }
        for other in ["", "t", "Topic", "topics", "tstype", "payloads", "payload_b6", "keys", "key_b65", "brokers", "queue_", "delivery_ta",
                      "delivery_tags", "ts\u{0}", "\u{0}ts", "key\u{0}\u{0}\u{0}\u{0}", "topic\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}"] {
            #expect(Array(other.utf8).withUnsafeBufferPointer { CaptureLineParser.Name.matching($0) } == nil, "\(other)")
        }
    }

    @Test("offsets, partitions and timestamps at the edges of their ranges")
    func numberRanges() throws {
        let line = KcatLine.line(partition: Int32.max, offset: Int64.min, ts: Int64.max, key: nil, payload: [])
        let message = try #require(try Self.messages(line).first).message
        #expect(message.origin == .kafka(topic: "orders", partition: Int32.max, offset: Int64.min, group: nil))
        #expect(message.timestamp == Int64.max)
    }

    struct BadLine: Sendable, CustomTestStringConvertible {
        let text: String
        let message: String
        var testDescription: String { text }
    }

    @Test("a line that is neither format is reported with its file, line and column, and reading goes on", arguments: [
        BadLine(text: "hello", message: "column 1: expected '{' to start a JSON object"),
        BadLine(text: "[1,2]", message: "column 1: expected '{'"),
        BadLine(text: #"{"a":1}"#, message: #"no "payload" or "payload_b64" field"#),
        BadLine(text: #"{"topic":"t","partition":0,"offset":0,"payload":"x"#, message: "column 49: the string that starts here is not closed"),
        BadLine(text: #"{"topic":"t","partition":0,"offset":0,"payload":"x"} trailing"#, message: "column 54: unexpected text after the JSON object"),
        BadLine(text: #"{"topic":"t","partition":0,"payload":"x"}"#, message: #""topic" is present but "offset" is missing"#),
        BadLine(text: #"{"topic":"t","partition":"0","offset":0,"payload":"x"}"#, message: #""partition" must be an integer, not a string"#),
        BadLine(text: #"{"topic":"t","partition":4294967296,"offset":0,"payload":"x"}"#, message: #""partition" is out of range for Int32"#),
        BadLine(text: #"{"topic":"t","partition":0,"offset":0.5,"payload":"x"}"#, message: #""offset" must be an integer, not a number"#),
        BadLine(text: #"{"topic":"t","partition":0,"offset":0,"headers":["a"],"payload":"x"}"#, message: "odd number (1)"),
        BadLine(text: #"{"topic":"t","partition":0,"offset":0,"headers":[1,"v"],"payload":"x"}"#, message: "header name 1 in \"headers\" must be a string"),
        BadLine(text: #"{"topic":"t","partition":0,"offset":0,"payload":"\x"}"#, message: #"column 50: unknown escape '\x'"#),
        BadLine(text: #"{"topic":"t","partition":0,"offset":0,"payload":"\u12"}"#, message: "needs four hex digits"),
        BadLine(text: #"{"topic":"t","partition":0,"offset":0,"payload":"\ud800"}"#, message: "not followed by a low one"),
        BadLine(text: #"{"topic":"t","partition":0,"offset":0,"payload":"x","payload_b64":"eA=="}"#, message: "both \"payload\" and \"payload_b64\""),
        BadLine(text: #"{"topic":"t","partition":0,"offset":0,"payload" "x"}"#, message: "expected ':' after the member name \"payload\""),
        BadLine(text: #"{"a":"# + String(repeating: "[", count: 100) + "1", message: "column 70: nested more than 64 levels deep"),
    ])
    func malformed(bad: BadLine) throws {
        let good = KcatLine.line(offset: 1, key: nil, payload: Array("ok".utf8))
        let file = good + Array("\n  \t\r\n".utf8) + Array(bad.text.utf8) + [0x0A] + good
        let results = Self.readAll(file, name: "traffic.jsonl")
        #expect(results.count == 3)
        #expect((try? results[0].get())?.line == 1)
        guard case .failure(let error) = results[1] else {
            Issue.record("line 4 was accepted: \(bad.text)")
            return
        }
        #expect(error.code == .invalidCapture)
        #expect(error.file == "traffic.jsonl")
        #expect(error.line == 4, "blank lines count")
        #expect(error.description.hasPrefix("traffic.jsonl:4: "))
        #expect(error.message.contains(bad.message), "\(error.message)")
        #expect(error.message.contains("kcat -C -J"), "says what a capture line should be")
        #expect((try? results[2].get())?.line == 5)
    }
}
