import Testing
import TollgateSchema
@testable import Tollgate

/// Shared data for the quarantine record tests.
enum QuarantineFixtures {
    /// 2026-11-26T10:15:30.123Z
    static let now: UInt64 = 1_795_688_130_123

    static let kafkaMessage = Message(
        key: Array("order-1".utf8),
        value: Array(#"{"total":-5}"#.utf8),
        headers: [
            MessageHeader(name: "traceparent", string: "00-abc-01"),
            MessageHeader(name: "tollgate-schema", string: "orders/2"),
            MessageHeader(name: "nullable", value: nil),
        ],
        origin: .kafka(topic: "orders", partition: 3, offset: 1_234_567, group: "billing"),
        timestamp: 1_700_000_000_000)

    static let rabbitMessage = Message(
        value: Array("not json".utf8),
        headers: [MessageHeader(name: "x-trace", string: "t-1")],
        origin: .rabbitMQ(exchange: "events", routingKey: "orders.created", queue: "orders-in", deliveryTag: 42))

    static let violation = Verdict(
        outcome: .quarantined(.schemaViolation), schema: "orders/2",
        details: [
            RejectionDetail(instanceLocation: "/total", keywordLocation: "/properties/total/minimum",
                            message: "-5 is less than the minimum of 0"),
            RejectionDetail(instanceLocation: "", keywordLocation: "/required", message: "\"currency\" is a required property"),
        ])

    static func pairs(_ headers: [MessageHeader]) -> [(String, String?)] {
        headers.map { ($0.name, $0.stringValue) }
    }
}

@Suite("Quarantine record")
struct QuarantineRecordTests {
    typealias F = QuarantineFixtures

    @Test("a Kafka message gets every header, in order, after its own")
    func kafkaHeaders() throws {
        let headers = QuarantineRecord.headers(for: F.kafkaMessage, verdict: F.violation, quarantinedAt: F.now)
        let expected: [(String, String?)] = [
            ("traceparent", "00-abc-01"),
            ("tollgate-schema", "orders/2"),
            ("nullable", nil),
            ("tollgate.reason", "schema-violation"),
            ("tollgate.errors", #"[{"instanceLocation":"/total","keywordLocation":"/properties/total/minimum","message":"-5 is less than the minimum of 0"},{"instanceLocation":"","keywordLocation":"/required","message":"\"currency\" is a required property"}]"#),
            ("tollgate.schema", "orders/2"),
            ("tollgate.source.topic", "orders"),
            ("tollgate.source.partition", "3"),
            ("tollgate.source.offset", "1234567"),
            ("tollgate.source.timestamp", "1700000000000"),
            ("tollgate.source.group", "billing"),
            ("tollgate.quarantined-at", "2026-11-26T10:15:30.123Z"),
        ]
        let actual = F.pairs(headers)
        #expect(actual.map(\.0) == expected.map(\.0))
        for (a, e) in zip(actual, expected) {
            #expect(a.1 == e.1, "header \(e.0)")
        }
        #expect(headers[2].value == nil, "a null header value stays null")
        // The errors header is the JSON the table describes.
        let errors = try JSONValue(parsing: try #require(headers.first { $0.name == "tollgate.errors" }?.value))
        #expect(errors.arrayValue?.count == 2)
    }

    @Test("a RabbitMQ message gets the RabbitMQ source headers")
    func rabbitHeaders() {
        let verdict = Verdict(outcome: .quarantined(.malformedJSON),
                              details: [RejectionDetail(instanceLocation: "", keywordLocation: "",
                                                        message: "invalid JSON at line 1, column 2: unexpected 'o'")])
        let headers = QuarantineRecord.headers(for: F.rabbitMessage, verdict: verdict, quarantinedAt: 0)
        let actual = F.pairs(headers)
        let expected: [(String, String?)] = [
            ("x-trace", "t-1"),
            ("tollgate.reason", "malformed-json"),
            ("tollgate.errors", #"[{"instanceLocation":"","keywordLocation":"","message":"invalid JSON at line 1, column 2: unexpected 'o'"}]"#),
            ("tollgate.source.exchange", "events"),
            ("tollgate.source.routing-key", "orders.created"),
            ("tollgate.source.queue", "orders-in"),
            ("tollgate.source.delivery-tag", "42"),
            ("tollgate.quarantined-at", "1970-01-01T00:00:00.000Z"),
        ]
        #expect(actual.map(\.0) == expected.map(\.0))
        for (a, e) in zip(actual, expected) {
            #expect(a.1 == e.1, "header \(e.0)")
        }
    }

    @Test("every reason's header value", arguments: [
        (QuarantineReason.schemaViolation, "schema-violation"), (.malformedJSON, "malformed-json"),
        (.unknownSchema, "unknown-schema"), (.tooLarge, "too-large"), (.tooDeep, "too-deep"),
        (.rule("required-headers"), "rule:required-headers"),
    ])
    func reasons(reason: QuarantineReason, value: String) throws {
        let headers = QuarantineRecord.headers(for: Message(value: []), verdict: Verdict(outcome: .quarantined(reason)),
                                               quarantinedAt: F.now)
        #expect(headers.first { $0.name == "tollgate.reason" }?.stringValue == value)
        #expect(headers.first { $0.name == "tollgate.errors" }?.stringValue == "[]")
        #expect(!headers.contains { $0.name == "tollgate.schema" }, "no schema applied, no tollgate.schema")
        #expect(!headers.contains { $0.name.hasPrefix("tollgate.source.") }, "a message built in code has no coordinates")
        #expect(try #require(DecodedQuarantine(headers: headers)).reason == reason)
    }

    @Test("Kafka timestamp and group are written only when known")
    func optionalKafkaFields() {
        let message = Message(value: [], origin: .kafka(topic: "t", partition: 0, offset: 0, group: nil))
        let headers = QuarantineRecord.headers(for: message, verdict: Verdict(outcome: .quarantined(.tooLarge)), quarantinedAt: 0)
        #expect(headers.map(\.name).filter { $0.hasPrefix("tollgate.source.") }
            == ["tollgate.source.topic", "tollgate.source.partition", "tollgate.source.offset"])
    }

    @Test("quarantining again replaces the record instead of stacking a second one")
    func replaceNotStack() throws {
        let once = QuarantineRecord.headers(for: F.kafkaMessage, verdict: F.violation, quarantinedAt: F.now)
        // Replayed from the quarantine topic, the copy now comes from another topic and fails a rule.
        var replayed = F.kafkaMessage
        replayed.headers = once + [MessageHeader(name: "added-later", string: "x")]
        replayed.origin = .kafka(topic: "orders.quarantine", partition: 0, offset: 7, group: nil)
        replayed.timestamp = nil
        let again = QuarantineRecord.headers(for: replayed, verdict: Verdict(outcome: .quarantined(.rule("dedupe"))),
                                             quarantinedAt: F.now + 1000)
        #expect(again.filter { $0.name == "tollgate.reason" }.count == 1)
        #expect(again.filter { $0.name.hasPrefix("tollgate.") }.map(\.name) == [
            "tollgate.reason", "tollgate.errors", "tollgate.source.topic", "tollgate.source.partition",
            "tollgate.source.offset", "tollgate.quarantined-at",
        ], "earlier schema, timestamp and group headers are gone, not left behind")
        #expect(again.filter { !$0.name.hasPrefix("tollgate.") }.map(\.name)
            == ["traceparent", "tollgate-schema", "nullable", "added-later"], "the message's own headers keep their order")
        let decoded = try #require(DecodedQuarantine(headers: again))
        #expect(decoded.reason == .rule("dedupe"))
        #expect(decoded.origin == .kafka(topic: "orders.quarantine", partition: 0, offset: 7, group: nil))
        #expect(decoded.quarantinedAt == F.now + 1000)
        #expect(decoded.schema == nil)
    }

    @Test("an approved message is forwarded unchanged plus tollgate.schema, replacing an earlier one")
    func approved() {
        var message = F.kafkaMessage
        message.headers.append(MessageHeader(name: "tollgate.schema", string: "orders/1"))
        let verdict = Verdict(outcome: .approved, schema: "orders/2")
        let headers = QuarantineRecord.approvedHeaders(for: message, verdict: verdict)
        #expect(F.pairs(headers).map(\.0) == ["traceparent", "tollgate-schema", "nullable", "tollgate.schema"])
        #expect(headers.last?.stringValue == "orders/2")
        #expect(headers.filter { $0.name == "tollgate.schema" }.count == 1)

        let plain = QuarantineRecord.approvedHeaders(for: F.rabbitMessage, verdict: Verdict(outcome: .approved))
        #expect(plain == F.rabbitMessage.headers)
        // A message replayed from quarantine and now approved leaves its old record behind.
        var released = F.kafkaMessage
        released.headers = QuarantineRecord.headers(for: released, verdict: F.violation, quarantinedAt: F.now)
        let forwarded = QuarantineRecord.approvedHeaders(for: released, verdict: verdict)
        #expect(F.pairs(forwarded).map(\.0) == ["traceparent", "tollgate-schema", "nullable", "tollgate.schema"])
        // An approved verdict handed to the quarantine encoder gets the approved headers, no record.
        #expect(QuarantineRecord.headers(for: message, verdict: verdict, quarantinedAt: F.now) == headers)
    }

    @Test("the decoder reads back what the encoder wrote")
    func roundTrip() throws {
        for message in [F.kafkaMessage, F.rabbitMessage, Message(value: [1, 2])] {
            let headers = QuarantineRecord.headers(for: message, verdict: F.violation, quarantinedAt: F.now)
            let decoded = try #require(DecodedQuarantine(headers: headers))
            #expect(decoded.reason == .schemaViolation)
            #expect(decoded.errors == F.violation.details)
            #expect(decoded.omittedErrorCount == 0)
            #expect(decoded.schema == "orders/2")
            #expect(decoded.origin == message.origin)
            #expect(decoded.sourceTimestamp == message.timestamp)
            #expect(decoded.quarantinedAt == F.now)
            #expect(decoded.verdict == F.violation)
        }
    }

    @Test("the decoder reports the errors the cap left out")
    func decodeOmitted() throws {
        let details = (0..<200).map { RejectionDetail(instanceLocation: "/items/\($0)", keywordLocation: "/items/type",
                                                      message: "value is not of type \"string\"") }
        let verdict = Verdict(outcome: .quarantined(.schemaViolation), schema: "s/1", details: details)
        let headers = QuarantineRecord.headers(for: Message(value: []), verdict: verdict, quarantinedAt: F.now,
                                               options: QuarantineOptions(errorsCapBytes: 1024))
        let decoded = try #require(DecodedQuarantine(headers: headers))
        #expect(decoded.errors.count + decoded.omittedErrorCount == 200)
        #expect(decoded.errors == Array(details.prefix(decoded.errors.count)))
        #expect(decoded.omittedErrorCount > 0)
    }

    @Test("the decoder needs a known reason and tolerates damaged fields")
    func decodeDamaged() throws {
        #expect(DecodedQuarantine(headers: []) == nil)
        #expect(DecodedQuarantine(headers: [MessageHeader(name: "tollgate.reason", string: "bored")]) == nil)
        let decoded = try #require(DecodedQuarantine(headers: [
            MessageHeader(name: "tollgate.reason", string: "too-deep"),
            MessageHeader(name: "tollgate.errors", string: "[not json"),
            MessageHeader(name: "tollgate.source.topic", string: "t"),
            MessageHeader(name: "tollgate.source.partition", string: "zero"),
            MessageHeader(name: "tollgate.source.offset", string: "1"),
            MessageHeader(name: "tollgate.quarantined-at", string: "yesterday"),
        ]))
        #expect(decoded == DecodedQuarantine(reason: .tooDeep))
    }

    @Test("RFC 3339 times with milliseconds", arguments: [
        (UInt64(0), "1970-01-01T00:00:00.000Z"),
        (1_795_688_130_123, "2026-11-26T10:15:30.123Z"),
        (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
        (951_868_800_000, "2000-03-01T00:00:00.000Z"),
        (946_684_799_001, "1999-12-31T23:59:59.001Z"),
        (4_107_499_200_500, "2100-02-28T12:00:00.500Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ])
    func rfc3339(milliseconds: UInt64, text: String) {
        #expect(RFC3339Time.format(milliseconds: milliseconds) == text)
        #expect(RFC3339Time.parse(text) == milliseconds)
    }

    @Test("RFC 3339 parsing accepts offsets and other precisions, and refuses the rest")
    func rfc3339Parsing() {
        #expect(RFC3339Time.parse("2026-11-26T11:15:30.123+01:00") == 1_795_688_130_123)
        #expect(RFC3339Time.parse("2026-11-26t10:15:30z") == 1_795_688_130_000)
        #expect(RFC3339Time.parse("2026-11-26T10:15:30.1Z") == 1_795_688_130_100)
        #expect(RFC3339Time.parse("2026-11-26T10:15:30.123456Z") == 1_795_688_130_123)
        for bad in ["", "2026-11-26", "2026-11-26T10:15:30", "2026-02-30T00:00:00Z", "2026-11-26T24:00:00Z",
                    "2026-11-26T10:15:30.Z", "2026-11-26T10:15:30Z ", "1969-12-31T23:59:59Z"]
        {
            #expect(RFC3339Time.parse(bad) == nil, "\(bad)")
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<1000 {
            let ms = UInt64.random(in: 0...253_402_300_799_999, using: &generator)
            #expect(RFC3339Time.parse(RFC3339Time.format(milliseconds: ms)) == ms)
        }
    }
}
