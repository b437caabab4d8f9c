import Testing
@testable import Tollgate

@Suite("Quarantine record: Kafka Connect and Spring alias headers")
struct QuarantineRecordAliasTests {
    typealias F = QuarantineFixtures

    static let both = QuarantineOptions(kafkaConnectAliases: true, springAliases: true, connectorName: "orders-gate",
                                        connectTaskID: 2)

    static func value(_ headers: [MessageHeader], _ name: String) -> [UInt8]? {
        let matches = headers.filter { $0.name == name }
        #expect(matches.count <= 1, "\(name) appears \(matches.count) times")
        return matches.first?.value
    }

    @Test("no alias headers unless asked for")
    func offByDefault() {
        let headers = QuarantineRecord.headers(for: F.kafkaMessage, verdict: F.violation, quarantinedAt: F.now)
        #expect(!headers.contains { $0.name.hasPrefix("__connect.") || $0.name.hasPrefix("kafka_dlt-") })
    }

    @Test("Kafka Connect's DLQ context headers, as UTF-8 text")
    func kafkaConnect() {
        let headers = QuarantineRecord.headers(for: F.kafkaMessage, verdict: F.violation, quarantinedAt: F.now,
                                               options: QuarantineOptions(kafkaConnectAliases: true))
        let connect = headers.filter { $0.name.hasPrefix("__connect.errors.") }
        let expected: [(String, String)] = [
            ("__connect.errors.topic", "orders"),
            ("__connect.errors.partition", "3"),
            ("__connect.errors.offset", "1234567"),
            ("__connect.errors.connector.name", "tollgate"),
            ("__connect.errors.task.id", "0"),
            ("__connect.errors.stage", "TRANSFORMATION"),
            ("__connect.errors.class.name", "tollgate.Pipeline"),
            ("__connect.errors.exception.class.name", "tollgate.SchemaViolation"),
            ("__connect.errors.exception.message", "schema-violation: /total: -5 is less than the minimum of 0 (and 1 more)"),
            ("__connect.errors.exception.stacktrace", """
                tollgate.SchemaViolation: schema-violation: /total: -5 is less than the minimum of 0 (and 1 more)
                \tat /total [/properties/total/minimum]: -5 is less than the minimum of 0
                \tat (document) [/required]: "currency" is a required property

                """),
        ]
        #expect(connect.map(\.name) == expected.map(\.0))
        for (header, (name, text)) in zip(connect, expected) {
            #expect(header.value == Array(text.utf8), "\(name): \(header.stringValue ?? "<binary>")")
        }
        // Tollgate's own record is still there, before the aliases.
        #expect(headers.firstIndex { $0.name == "tollgate.quarantined-at" }! < headers.firstIndex { $0.name == "__connect.errors.topic" }!)
    }

    @Test("Connect's stage is VALUE_CONVERTER for bytes that are not JSON", arguments: [
        (QuarantineReason.malformedJSON, "VALUE_CONVERTER", "tollgate.MalformedJSON"),
        (.unknownSchema, "TRANSFORMATION", "tollgate.UnknownSchema"),
        (.tooLarge, "TRANSFORMATION", "tollgate.TooLarge"),
        (.tooDeep, "TRANSFORMATION", "tollgate.TooDeep"),
        (.rule("dedupe"), "TRANSFORMATION", "tollgate.RuleViolation"),
    ])
    func connectStage(reason: QuarantineReason, stage: String, className: String) {
        let headers = QuarantineRecord.headers(for: F.kafkaMessage, verdict: Verdict(outcome: .quarantined(reason)),
                                               quarantinedAt: F.now, options: Self.both)
        #expect(Self.value(headers, "__connect.errors.stage") == Array(stage.utf8))
        #expect(Self.value(headers, "__connect.errors.exception.class.name") == Array(className.utf8))
        #expect(Self.value(headers, "kafka_dlt-exception-fqcn") == Array(className.utf8))
        #expect(Self.value(headers, "__connect.errors.exception.message") == Array(reason.description.utf8))
        #expect(Self.value(headers, "__connect.errors.connector.name") == Array("orders-gate".utf8))
        #expect(Self.value(headers, "__connect.errors.task.id") == Array("2".utf8))
    }

    @Test("Spring's DLT headers, with its big-endian binary numbers")
    func spring() {
        let message = Message(value: [0x7B, 0x7D], origin: .kafka(topic: "orders", partition: 258, offset: 0x0102_0304_0506_0708,
                                                                  group: "billing"),
                              timestamp: 1_700_000_000_000)
        let headers = QuarantineRecord.headers(for: message, verdict: F.violation, quarantinedAt: F.now,
                                               options: QuarantineOptions(springAliases: true))
        #expect(headers.filter { $0.name.hasPrefix("kafka_dlt-") }.map(\.name) == [
            "kafka_dlt-original-topic", "kafka_dlt-original-partition", "kafka_dlt-original-offset",
            "kafka_dlt-original-timestamp", "kafka_dlt-original-timestamp-type", "kafka_dlt-original-consumer-group",
            "kafka_dlt-exception-fqcn", "kafka_dlt-exception-message", "kafka_dlt-exception-stacktrace",
        ])
        #expect(Self.value(headers, "kafka_dlt-original-topic") == Array("orders".utf8))
        #expect(Self.value(headers, "kafka_dlt-original-partition") == [0, 0, 1, 2])
        #expect(Self.value(headers, "kafka_dlt-original-offset") == [1, 2, 3, 4, 5, 6, 7, 8])
        // 1_700_000_000_000 = 0x0000_018B_CFE5_6800
        #expect(Self.value(headers, "kafka_dlt-original-timestamp") == [0, 0, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00])
        #expect(Self.value(headers, "kafka_dlt-original-timestamp-type") == Array("CreateTime".utf8))
        #expect(Self.value(headers, "kafka_dlt-original-consumer-group") == Array("billing".utf8))
        #expect(Self.value(headers, "kafka_dlt-exception-fqcn") == Array("tollgate.SchemaViolation".utf8))
        #expect(Self.value(headers, "kafka_dlt-exception-message")
            == Array("schema-violation: /total: -5 is less than the minimum of 0 (and 1 more)".utf8))
        let trace = String(decoding: Self.value(headers, "kafka_dlt-exception-stacktrace") ?? [], as: UTF8.self)
        #expect(trace.hasPrefix("tollgate.SchemaViolation: schema-violation: "))
        #expect(trace.contains("\tat (document) [/required]: \"currency\" is a required property\n"))
    }

    @Test("Spring without a timestamp or group: -1 and NoTimestampType, as Spring copies them")
    func springUnknowns() {
        let message = Message(value: [], origin: .kafka(topic: "t", partition: -1, offset: -1, group: nil))
        let headers = QuarantineRecord.headers(for: message, verdict: Verdict(outcome: .quarantined(.tooLarge)),
                                               quarantinedAt: 0, options: QuarantineOptions(springAliases: true))
        #expect(Self.value(headers, "kafka_dlt-original-partition") == [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Self.value(headers, "kafka_dlt-original-offset") == [UInt8](repeating: 0xFF, count: 8))
        #expect(Self.value(headers, "kafka_dlt-original-timestamp") == [UInt8](repeating: 0xFF, count: 8))
        #expect(Self.value(headers, "kafka_dlt-original-timestamp-type") == Array("NoTimestampType".utf8))
        #expect(Self.value(headers, "kafka_dlt-original-consumer-group") == nil)
    }

    @Test("a RabbitMQ message: Connect's no-record coordinates, and only Spring's exception headers")
    func rabbit() {
        let headers = QuarantineRecord.headers(for: F.rabbitMessage, verdict: Verdict(outcome: .quarantined(.malformedJSON)),
                                               quarantinedAt: 0, options: Self.both)
        #expect(Self.value(headers, "__connect.errors.topic") == [])
        #expect(Self.value(headers, "__connect.errors.partition") == Array("-1".utf8))
        #expect(Self.value(headers, "__connect.errors.offset") == Array("-1".utf8))
        #expect(headers.filter { $0.name.hasPrefix("kafka_dlt-") }.map(\.name)
            == ["kafka_dlt-exception-fqcn", "kafka_dlt-exception-message", "kafka_dlt-exception-stacktrace"])
    }

    @Test("alias headers are replaced on re-quarantine, like tollgate.*")
    func replaced() {
        let once = QuarantineRecord.headers(for: F.kafkaMessage, verdict: F.violation, quarantinedAt: F.now, options: Self.both)
        var replayed = F.kafkaMessage
        replayed.headers = once
        replayed.origin = .kafka(topic: "orders.quarantine", partition: 1, offset: 9, group: nil)
        let twice = QuarantineRecord.headers(for: replayed, verdict: Verdict(outcome: .quarantined(.unknownSchema)),
                                             quarantinedAt: F.now, options: Self.both)
        #expect(twice.filter { $0.name.hasPrefix("__connect.errors.") }.count == 10)
        #expect(Self.value(twice, "__connect.errors.topic") == Array("orders.quarantine".utf8))
        #expect(Self.value(twice, "kafka_dlt-original-topic") == Array("orders.quarantine".utf8))
        #expect(Self.value(twice, "kafka_dlt-original-consumer-group") == nil, "the earlier group is not left behind")
        #expect(twice.map(\.name).prefix(3) == ["traceparent", "tollgate-schema", "nullable"])
    }

    @Test("alias sets that are off leave such headers alone: they belong to the message")
    func foreignAliasesKept() {
        var message = F.kafkaMessage
        message.headers.append(MessageHeader(name: "kafka_dlt-original-topic", string: "upstream"))
        let headers = QuarantineRecord.headers(for: message, verdict: F.violation, quarantinedAt: F.now,
                                               options: QuarantineOptions(kafkaConnectAliases: true))
        #expect(Self.value(headers, "kafka_dlt-original-topic") == Array("upstream".utf8))
    }

    @Test("the exception message and stack trace respect the cap")
    func capped() {
        let details = (0..<500).map {
            RejectionDetail(instanceLocation: "/items/\($0)", keywordLocation: "/items/type",
                            message: String(repeating: "long message ", count: 20))
        }
        let verdict = Verdict(outcome: .quarantined(.schemaViolation), details: details)
        let headers = QuarantineRecord.headers(for: F.kafkaMessage, verdict: verdict, quarantinedAt: 0,
                                               options: QuarantineOptions(errorsCapBytes: 2000, kafkaConnectAliases: true,
                                                                          springAliases: true))
        for name in ["__connect.errors.exception.message", "__connect.errors.exception.stacktrace",
                     "kafka_dlt-exception-message", "kafka_dlt-exception-stacktrace", "tollgate.errors"]
        {
            let bytes = Self.value(headers, name) ?? []
            #expect(bytes.count <= 2000, "\(name): \(bytes.count) bytes")
            #expect(String(validating: bytes, as: UTF8.self) != nil, "\(name) is valid UTF-8")
        }
        let trace = String(decoding: Self.value(headers, "kafka_dlt-exception-stacktrace") ?? [], as: UTF8.self)
        let frames = trace.split(separator: "\n").filter { $0.hasPrefix("\tat ") }.count
        #expect(trace.hasSuffix("\t... \(500 - frames) more\n"))
    }
}
