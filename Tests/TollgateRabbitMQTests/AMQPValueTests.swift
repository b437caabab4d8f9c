import Foundation
import Testing
import Tollgate
@testable import TollgateRabbitMQ

@Suite("AMQP field tables and URLs")
struct AMQPValueTests {
    static let everyType: AMQPTable = [
        "bool": .boolean(true), "i8": .int8(-8), "u8": .uint8(200), "i16": .int16(-16_000), "u16": .uint16(60_000),
        "i32": .int32(-2_000_000_000), "u32": .uint32(4_000_000_000), "i64": .int64(-9_000_000_000_000), "u64": .uint64(18_000_000_000_000_000_000),
        "f32": .float(1.5), "f64": .double(-2.25), "decimal": .decimal(scale: 2, value: 12345), "string": .string("héllo"),
        "bytes": .bytes([0, 255, 1]), "timestamp": .timestamp(1_700_000_000), "void": .void,
        "array": .array([.int32(1), .string("two"), .array([.boolean(false)])]),
        "table": .table(["nested": .table(["deep": .int64(7)])]),
    ]

    @Test("every value type survives the wire encoding both ways")
    func roundTrip() throws {
        let encoded = AMQPTableCodec.encode(Self.everyType)
        #expect(try AMQPTableCodec.decode(encoded) == Self.everyType)
    }

    @Test("every value type survives a round trip through the broker")
    func throughBroker() throws {
        let names = RabbitMQTestSupport.Names("types")
        try RabbitMQTestSupport.declare(names)
        defer { RabbitMQTestSupport.delete(names) }
        var input = RabbitMQTestSupport.input(0)
        input.properties.headers = Self.everyType
        try RabbitMQTestSupport.publish([input], to: names.input)
        let read = try RabbitMQTestSupport.drain(names.input, count: 1)
        try #require(read.count == 1)
        // RabbitMQ stores some types in its own: compare what it gives back with the text forms.
        let back = read[0].properties.headers
        for entry in Self.everyType.entries {
            #expect(back[entry.name]?.headerBytes == entry.value.headerBytes, "\(entry.name): \(String(describing: back[entry.name]))")
        }
    }

    @Test("header text forms: strings and bytes as they are, numbers in decimal, tables and arrays as JSON, void as no value")
    func textForms() {
        let headers = Dictionary(uniqueKeysWithValues: Self.everyType.messageHeaders.map { ($0.name, $0.value.map { String(decoding: $0, as: UTF8.self) }) })
        #expect(headers["bool"] == "true")
        #expect(headers["i32"] == "-2000000000")
        #expect(headers["u64"] == "18000000000000000000")
        #expect(headers["decimal"] == "123.45")
        #expect(headers["string"] == "héllo")
        #expect(headers["timestamp"] == "1700000000")
        #expect(headers["array"] == #"[1,"two",[false]]"#)
        #expect(headers["table"] == #"{"nested":{"deep":7}}"#)
        #expect(headers["void"] == .some(nil))
        #expect(AMQPValue.decimal(scale: 3, value: 5).headerBytes == Array("0.005".utf8))
    }

    @Test("updating headers keeps the AMQP type of every header whose text is unchanged")
    func updatedKeepsTypes() {
        var headers = Self.everyType.messageHeaders
        headers.removeAll { $0.name == "string" }
        headers.append(MessageHeader(name: "tollgate.reason", string: "schema-violation"))
        headers[headers.firstIndex { $0.name == "i32" }!] = MessageHeader(name: "i32", string: "changed")
        let table = Self.everyType.updated(to: headers)
        #expect(table["u64"] == .uint64(18_000_000_000_000_000_000))
        #expect(table["table"] == Self.everyType["table"])
        #expect(table["i32"] == .string("changed"))
        #expect(table["string"] == nil)
        #expect(table["tollgate.reason"] == .string("schema-violation"))
    }

    @Test("URLs: defaults, vhost decoding, TLS port, and credentials never printed")
    func urls() throws {
        let plain = try RabbitMQURL(parsing: "amqp://localhost")
        #expect(plain.host == "localhost" && plain.port == 5672 && plain.vhost == "/" && plain.user == "guest" && !plain.tls)
        let full = try RabbitMQURL(parsing: "amqps://svc%40corp:s3cr%2Ft@mq.example.com/prod%2fone")
        #expect(full.tls && full.port == 5671 && full.user == "svc@corp" && full.password == "s3cr/t" && full.vhost == "prod/one")
        #expect(!full.description.contains("s3cr") && full.description.contains("***"))
        #expect(try RabbitMQURL(parsing: "amqp://u:p@[::1]:5673/%2f").port == 5673)
        #expect(throws: RabbitMQError.self) { try RabbitMQURL(parsing: "http://localhost") }
        #expect(throws: RabbitMQError.self) { try RabbitMQURL(parsing: "amqp://h:notaport/") }
        #expect(RabbitMQURL.redact("amqp://user:hunter2@host/") == "amqp://user:***@host/")
    }

    @Test("a wrong password is an authentication error that names the user, not the password")
    func wrongPassword() throws {
        var url = RabbitMQTestSupport.url
        url.password = "definitely-wrong"
        do {
            _ = try AMQPConnection(url: url, name: "tollgate test")
            Issue.record("connected with a wrong password")
        } catch {
            #expect(error.kind == .authentication, "\(error)")
            #expect(!error.description.contains("definitely-wrong"))
        }
    }
}
