import Foundation
import Testing
import TollgateSchema
@testable import Tollgate

@Suite("Capture files: Tollgate's capture format")
struct CaptureWriterTests {
    static func text(_ message: Message) -> String {
        String(decoding: CaptureWriter.line(for: message), as: UTF8.self)
    }

    static func readBack(_ bytes: [UInt8]) throws -> [CapturedMessage] {
        try CaptureReader(bytes: bytes, name: "capture.jsonl").map { try $0.get() }
    }

    @Test("valid UTF-8 keys and values are JSON strings")
    func utf8Line() throws {
        let message = Message(key: Array("o-1".utf8), value: Array("{\"id\":1,\"note\":\"café\\n\"}\n\u{1}".utf8),
                              headers: [MessageHeader(name: "k1", string: "v1"), MessageHeader(name: "n", value: nil)],
                              origin: .kafka(topic: "orders", partition: 0, offset: 12, group: nil), timestamp: 1_700_000_000_000)
        #expect(Self.text(message) == #"""
            {"topic":"orders","partition":0,"offset":12,"ts":1700000000000,"headers":["k1","v1","n",null],"key":"o-1","payload":"{\"id\":1,\"note\":\"café\\n\"}\n\u0001"}

            """#)
        let read = try #require(try Self.readBack(CaptureWriter.line(for: message)).first)
        #expect(read.message == message)
        #expect(read.format == .tollgate)
    }

    @Test("keys, values and header values that are not UTF-8 are base64")
    func binaryLine() throws {
        let message = Message(key: [0xFF], value: [0xC3, 0x28, 0x00],
                              headers: [MessageHeader(name: "bin", value: [0xFE, 0x01])],
                              origin: .kafka(topic: "t", partition: 1, offset: 2, group: "g"))
        #expect(Self.text(message) == #"""
            {"topic":"t","partition":1,"offset":2,"group":"g","headers":["bin",{"b64":"/gE="}],"key_b64":"/w==","payload_b64":"wygA"}

            """#)
        #expect(try Self.readBack(CaptureWriter.line(for: message)).first?.message == message)
    }

    @Test("RabbitMQ and coordinate-less messages round-trip too")
    func otherOrigins() throws {
        let rabbit = Message(value: Array("x".utf8), origin: .rabbitMQ(exchange: "ex", routingKey: "a.b", queue: "q", deliveryTag: UInt64.max))
        #expect(Self.text(rabbit) == #"""
            {"exchange":"ex","routing_key":"a.b","queue":"q","delivery_tag":18446744073709551615,"key":null,"payload":"x"}

            """#)
        let bare = Message(value: [])
        #expect(Self.text(bare) == "{\"key\":null,\"payload\":\"\"}\n")
        #expect(try Self.readBack(CaptureWriter.line(for: rabbit) + CaptureWriter.line(for: bare)).map(\.message) == [rabbit, bare])
    }

    @Test("a RabbitMQ record missing a field is an error")
    func rabbitIncomplete() {
        let line = Array(#"{"exchange":"ex","queue":"q","delivery_tag":1,"payload":"x"}"#.utf8)
        let results = Array(CaptureReader(bytes: line, name: "r.jsonl"))
        guard case .failure(let error) = results.first else { Issue.record("accepted"); return }
        #expect(error.message.contains(#""routing_key" is missing"#))
    }

    @Test("writer lines are strict UTF-8 JSON, and read back byte for byte, for random bytes")
    func randomRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        func bytes(_ maxCount: Int, utf8: Bool) -> [UInt8] {
            if utf8 {
                let scalars = ["a", "\"", "\\", "\n", "\u{0}", "\u{1F}", "\u{7F}", "é", "€", "😀", "/", "\u{2028}"]
                return Array((0..<Int.random(in: 0...maxCount, using: &generator)).map { _ in scalars.randomElement(using: &generator)! }
                    .joined().utf8)
            }
            return (0..<Int.random(in: 0...maxCount, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        var messages: [Message] = []
        var file: [UInt8] = []
        for index in 0..<400 {
            let headers = (0..<Int.random(in: 0...3, using: &generator)).map { n in
                MessageHeader(name: "h\(n)", value: Bool.random(using: &generator) ? nil : bytes(20, utf8: Bool.random(using: &generator)))
            }
            let message = Message(
                key: Bool.random(using: &generator) ? nil : bytes(16, utf8: Bool.random(using: &generator)),
                value: bytes(500, utf8: index % 2 == 0),
                headers: headers,
                origin: .kafka(topic: "topic-\(index % 4)", partition: Int32(index % 4), offset: Int64(index), group: nil),
                timestamp: Bool.random(using: &generator) ? nil : Int64.random(in: 0...Int64.max, using: &generator))
            let line = CaptureWriter.line(for: message)
            #expect(line.last == 0x0A && !line.dropLast().contains(0x0A), "one line per message")
            let json = try JSONValue(parsing: line.dropLast())   // strict parser: valid UTF-8 JSON
            #expect(json["topic"]?.stringValue == "topic-\(index % 4)")
            messages.append(message)
            CaptureWriter.appendLine(for: message, to: &file)
        }
        let dir = try TemporaryDirectory()
        let path = dir.file("random.jsonl")
        try Data(file).write(to: URL(fileURLWithPath: path))
        let read = try CaptureReader(path: path, chunkSize: 4096).map { try $0.get() }
        #expect(read.count == messages.count)
        for (captured, message) in zip(read, messages) {
            #expect(captured.message == message, "line \(captured.line)")
            #expect(captured.file == path)
        }
    }

    @Test("base64 matches RFC 4648's test vectors and refuses what no encoder writes")
    func base64() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
                       ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(Array(encoded.utf8)) == Array(plain.utf8))
        }
        #expect(Base64.decode(Array("Zm8".utf8)) == Array("fo".utf8), "padding may be left out")
        for bad in ["Z", "Zm9v!", "Zg=", "Zh==", "Zm9=v", "====", "Zm9vY"] {
            #expect(Base64.decode(Array(bad.utf8)) == nil, "\(bad)")
        }
        var generator = SystemRandomNumberGenerator()
        for count in 0..<100 {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(Base64.decode(Array(Base64.encode(bytes).utf8)) == bytes)
        }
    }
}
