import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import TollgateSchema
@testable import Tollgate

@Suite("Replay")
struct ReplayTests {
    /// The repository's sample capture, made with real kcat against a librdkafka mock cluster.
    static let sampleCapture = (RepositoryFiles.root as NSString).appendingPathComponent("deploy/samples/orders-capture.jsonl")

    func samplePipeline(version: Int? = nil) throws -> Pipeline {
        let registry = try SchemaRegistry.load(directory: RepositoryFiles.schemas)
        let selectors: [SchemaSelector] = version.map { [.version($0)] } ?? [.header(SchemaSelector.defaultHeader), .latest]
        return try Pipeline(registry: registry, bindings: [Binding(source: "*", subject: "orders", selectors: selectors)])
    }

    @Test("the sample kcat capture, raw non-UTF-8 payload included, replays against the example schemas")
    func sample() throws {
        let report = try Replay.run(captures: [Self.sampleCapture], pipeline: try samplePipeline())
        #expect(report.total == 12)
        #expect(report.captureErrors.isEmpty)
        #expect(report.approved + report.quarantined == 12)
        // The Latin-1 payload byte arrives as kcat wrote it and fails as malformed JSON.
        let malformed = report.quarantinedMessages.filter { $0.reason == .malformedJSON }
        #expect(malformed.contains { $0.details.first?.message.contains("UTF-8") == true })
        // Version 3 made "channel" required: replaying before a deploy shows what it would reject.
        #expect(report.topKeywordLocations.first?.location == "/properties/order/required")
        let v2 = try Replay.run(captures: [Self.sampleCapture], pipeline: try samplePipeline(version: 2))
        #expect(v2.quarantined < report.quarantined)
        #expect(v2.bySchema.first { $0.schema == "orders/2" }.map { $0.approved + $0.quarantined } == 10)
    }

    @Test("reports are deterministic: the same input gives byte-identical JSON and JUnit")
    func deterministic() throws {
        let first = try Replay.run(captures: [Self.sampleCapture], pipeline: try samplePipeline())
        let second = try Replay.run(captures: [Self.sampleCapture], pipeline: try samplePipeline())
        #expect(first.jsonValue.serialized(pretty: true) == second.jsonValue.serialized(pretty: true))
        #expect(first.junit() == second.junit())
        #expect(first == second)
    }

    @Test("the JUnit report parses as XML, with a failing case per schema that quarantined messages")
    func junit() throws {
        let report = try Replay.run(captures: [Self.sampleCapture], pipeline: try samplePipeline())
        let xml = report.junit()
        final class Collector: NSObject, XMLParserDelegate {
            var cases: [String] = []
            var failures: [String: String] = [:]
            var current: String?
            var suites = 0
            func parser(_ parser: XMLParser, didStartElement element: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                if element == "testsuite" { suites += 1 }
                if element == "testcase" {
                    current = attributes["name"]
                    cases.append(attributes["name"] ?? "?")
                }
                if element == "failure", let current { failures[current] = attributes["message"] }
            }
        }
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = Collector()
        parser.delegate = collector
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(collector.suites == 1)
        #expect(collector.cases == ["orders/1", "orders/2", "orders/3", "(no schema selected)"])
        #expect(collector.failures["orders/3"] == "8 of 8 messages quarantined")
        #expect(collector.failures["orders/1"] == nil)
    }

    @Test("unreadable capture lines are reported, not counted, and the rest is replayed")
    func captureErrors() throws {
        let dir = try TemporaryDirectory()
        try dir.write("capture.jsonl", """
            {"topic":"orders","partition":0,"offset":0,"key":null,"payload":"{\\"id\\":\\"a\\"}"}
            this is not a capture line
            {"topic":"orders","partition":0,"offset":2,"key":null,"payload":"{\\"id\\":7}"}
            """)
        let (schemas, registry) = try ordersRegistry()
        _ = schemas
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "*", subject: "orders", selectors: [.version(1)])])
        let report = try Replay.run(captures: [dir.file("capture.jsonl")], pipeline: pipeline)
        #expect(report.total == 2)
        #expect(report.approved == 1)
        #expect(report.captureErrors.count == 1)
        #expect(report.captureErrors.first?.contains("capture.jsonl:2") == true)
        #expect(report.quarantinedMessages.first?.origin == .kafka(topic: "orders", partition: 0, offset: 2, group: nil))
        #expect(report.text().contains("orders[0]@2"))
    }

    @Test("a parallel replay reports what a one-at-a-time replay of the same messages reports", arguments: [false, true])
    func parallelMatchesSerial(withRules: Bool) throws {
        // Several schemas (by header), approvals, violations, malformed payloads, unreadable lines,
        // and, with rules, duplicates and a shadow rule: spread over many batches and workers.
        var lines: [String] = []
        for i in 0..<3000 {
            let payload: String
            switch i % 7 {
            case 0: payload = #"{\"id\":7}"#
            case 1: payload = "not json"
            case 2: payload = #"{\"id\":\"o\#(i % 50)\",\"total\":\#(i)}"#
            default: payload = #"{\"id\":\"o\#(i)\"}"#
            }
            let version = i % 3 == 0 ? "1" : "2"
            lines.append(#"{"topic":"orders","partition":\#(i % 4),"offset":\#(i),"headers":["tollgate-schema","\#(version)"],"key":"k\#(i % 40)","payload":"\#(payload)"}"#)
            if i % 500 == 250 { lines.append("not a capture line") }
        }
        let dir = try TemporaryDirectory()
        try dir.write("capture.jsonl", lines.joined(separator: "\n") + "\n")
        let (schemas, registry) = try ordersRegistry()
        _ = schemas
        func pipeline() throws -> Pipeline {
            let rules: [RuleSetting] = withRules
                ? [RuleSetting(DuplicateRule(key: .messageKey, window: 30)),
                   RuleSetting(try RequiredHeadersRule(name: "trace", headers: [("trace-id", nil)]), enforcement: .shadow)]
                : []
            return try Pipeline(registry: registry, bindings: [Binding(source: "*", subject: "orders")], rules: rules)
        }
        let path = dir.file("capture.jsonl")
        let serial = Replay.run(messages: try CaptureReader(path: path).compactMap { try? $0.get() }, pipeline: try pipeline(), captures: [path])
        #expect(serial.total == 3000)
        #expect(serial.approved > 0 && serial.quarantined > 0)
        #expect(serial.bySchema.map(\.schema) == ["orders/1", "orders/2", nil])   // nil: malformed, no schema applied
        if withRules { #expect(serial.shadowRejections.first?.count ?? 0 > 0) }
        for threads in [1, 3] {
            let parallel = try Replay.run(captures: [path], pipeline: try pipeline(), threads: threads)
            #expect(parallel.captureErrors.count == 6)
            var withoutErrors = parallel
            withoutErrors.captureErrors = []
            #expect(withoutErrors == serial, "\(threads) threads")
            #expect(parallel.jsonBytes() == parallel.jsonValue.serializedBytes(pretty: true))
        }
    }

    @Test("payloads screened where they stand in the line get the verdicts of unescaped payloads, whatever the line's shape")
    func inPlaceMatchesUnescaped() throws {
        // Each line once per payload; the payloads cover valid, invalid, malformed, escapes inside
        // strings (left to the unescaped parse), a wire-format prefix, and one over the size limit.
        let payloads = [
            #"{\"id\":\"a\",\"total\":1}"#, #"{\"id\":\"a\"}"#, #"{\"id\":7}"#, #"{\"id\":"#, #"{\n\t\"id\" : \"a\"\r\n}"#,
            #"{\"id\":\"a\\\"b\",\"total\":2}"#, #"{\"id\":\"\u00e9\",\"total\":2}"#, #"\u0000\u0000\u0000\u0000\u0001{\"id\":\"w\"}"#,
            #"{\"id\":\"\#(String(repeating: "x", count: 300))\"}"#, "",
        ]
        let shapes: [(String) -> String] = [
            { #"{"topic":"orders","partition":0,"offset":1,"headers":["tollgate-schema","1"],"payload":"\#($0)"}"# },
            // The topic or the headers change after the payload: the later member counts.
            { #"{"topic":"orders","partition":0,"offset":2,"payload":"\#($0)","topic":"returns"}"# },
            { #"{"topic":"orders","partition":0,"offset":3,"headers":["tollgate-schema","1"],"payload":"\#($0)","headers":["tollgate-schema","2"]}"# },
            // The payload before the topic; two payloads (the last counts); a null and a verbatim one.
            { #"{"payload":"\#($0)","topic":"orders","partition":0,"offset":4}"# },
            { #"{"topic":"orders","partition":0,"offset":5,"payload":"\#($0)","payload":"{\"id\":\"z\",\"total\":3}"}"# },
            { #"{"topic":"orders","partition":0,"offset":6,"payload":"{\"id\":\"z\",\"total\":3}","payload":"\#($0)"}"# },
            { _ in #"{"topic":"orders","partition":0,"offset":7,"payload":null}"# },
            { _ in #"{"topic":"orders","partition":0,"offset":8,"payload":{"id":"v","total":4}}"# },
            // Headers read in place, read with escapes, and written as an object.
            { #"{"topic":"orders","partition":0,"offset":12,"headers":["a",null,"tollgate-schema","1","b",""],"payload":"\#($0)"}"# },
            { #"{"topic":"orders","partition":0,"offset":13,"headers":["tollgate\u002dschema","1"],"payload":"\#($0)"}"# },
            { #"{"topic":"orders","partition":0,"offset":14,"headers":{"tollgate-schema":"1"},"payload":"\#($0)"}"# },
            // Lines that are not records after all.
            { #"{"topic":"orders","partition":"0","offset":9,"payload":"\#($0)"}"# },
            { #"{"topic":"orders","partition":0,"offset":10,"payload":"\#($0)","payload_b64":"e30="}"# },
            { #"{"topic":"orders","partition":0,"offset":11,"payload":"\#($0)"} x"# },
        ]
        var lines: [String] = []
        for shape in shapes { for payload in payloads { lines.append(shape(payload)) } }
        let dir = try TemporaryDirectory()
        try dir.write("capture.jsonl", lines.joined(separator: "\n") + "\n")
        let (schemas, registry) = try ordersRegistry()
        _ = schemas
        let bindings = [
            Binding(source: "orders", subject: "orders", selectors: [.confluentWireFormat(ids: [1: SchemaReference(subject: "orders", version: 1)]),
                                                                     .header(SchemaSelector.defaultHeader), .latest]),
            Binding(source: "returns", subject: "orders", selectors: [.version(1)]),
        ]
        let pipeline = try Pipeline(registry: registry, bindings: bindings, limits: Pipeline.Limits(maxBytes: 200))
        let path = dir.file("capture.jsonl")
        let serial = Replay.run(messages: try CaptureReader(path: path).compactMap { try? $0.get() }, pipeline: pipeline, captures: [path])
        #expect(serial.total == 11 * payloads.count)
        let parallel = try Replay.run(captures: [path], pipeline: pipeline, threads: 2)
        #expect(parallel.captureErrors.count == 3 * payloads.count)
        var withoutErrors = parallel
        withoutErrors.captureErrors = []
        #expect(withoutErrors == serial)
        #expect(Set(serial.byReason.map(\.reason)) == ["schema-violation", "malformed-json", "too-large"])
        #expect(Set(serial.bySchema.compactMap(\.schema)) == ["orders/1", "orders/2"])
    }

    @Test("the JSON report written directly is byte for byte the report's JSON value, for every shape of entry")
    func jsonBytes() throws {
        let detail = RejectionDetail(instanceLocation: "/a~1b/0", keywordLocation: "/properties/a/type",
                                     message: "expected \"string\", found\tnumber \u{1}é😀\\")
        let report = ReplayReport(
            captures: ["one.jsonl", "two \"quoted\".jsonl"], total: 7, approved: 2, quarantined: 5,
            byReason: [("schema-violation", 3), ("malformed-json", 2)],
            bySchema: [ReplayReport.SchemaCounts(schema: "orders/1", approved: 2, quarantined: 3),
                       ReplayReport.SchemaCounts(schema: nil, approved: 0, quarantined: 2)],
            topKeywordLocations: [("/properties/a/type", 3)], topInstanceLocations: [("/a~1b/0", 3)],
            quarantinedMessages: [
                ReplayReport.QuarantinedMessage(capture: "one.jsonl:1", origin: .kafka(topic: "t", partition: -1, offset: Int64.max, group: nil),
                                                reason: .schemaViolation, schema: "orders/1", details: [detail, detail]),
                ReplayReport.QuarantinedMessage(capture: "one.jsonl:2", origin: .kafka(topic: "t", partition: 3, offset: 0, group: "g"),
                                                reason: .malformedJSON, schema: nil, details: []),
                ReplayReport.QuarantinedMessage(capture: "two.jsonl:9", origin: .rabbitMQ(exchange: "", routingKey: "r.k", queue: "q", deliveryTag: UInt64.max),
                                                reason: .rule("dup"), schema: "orders/1", details: [detail]),
                ReplayReport.QuarantinedMessage(capture: "two.jsonl:10", origin: .none, reason: .tooLarge, schema: nil, details: []),
            ],
            shadowRejections: [("trace", 4)], captureErrors: ["two.jsonl:3: column 1: expected '{'"])
        #expect(report.jsonBytes() == report.jsonValue.serializedBytes(pretty: true))
        // Enough quarantined messages to be rendered on two threads, split at an odd place.
        var large = report
        large.quarantinedMessages = (0..<4099).map { i in
            var message = report.quarantinedMessages[i % report.quarantinedMessages.count]
            message.capture = "one.jsonl:\(i + 1)"
            return message
        }
        #expect(large.jsonBytes() == large.jsonValue.serializedBytes(pretty: true))
        var pieces = 0
        var written: [UInt8] = []
        large.writeJSON { written += $0; pieces += 1 }
        #expect(written == large.jsonBytes() && pieces == 4)
        let empty = ReplayReport.Builder().report(captures: [])
        #expect(empty.jsonBytes() == empty.jsonValue.serializedBytes(pretty: true))
        let sample = try Replay.run(captures: [Self.sampleCapture], pipeline: try samplePipeline())
        #expect(sample.jsonBytes() == sample.jsonValue.serializedBytes(pretty: true))
    }

    @Test("a capture file that cannot be opened is an error")
    func missingCapture() throws {
        #expect(throws: TollgateError.self) { try Replay.run(captures: ["/nonexistent.jsonl"], pipeline: try samplePipeline()) }
    }
}
