import Testing
import TollgateSchema
@testable import Tollgate

/// A registry with one subject, `orders`: version 1 requires `id`; version 2 also requires an
/// integer `total`.
func ordersRegistry() throws -> (TemporaryDirectory, SchemaRegistry) {
    let dir = try TemporaryDirectory()
    try dir.write("orders/1.json", #"{"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}"#)
    try dir.write("orders/2.json", #"{"type": "object", "required": ["id", "total"], "properties": {"id": {"type": "string"}, "total": {"type": "integer"}}}"#)
    try dir.write("customers/1.json", #"{"type": "object"}"#)
    return (dir, try SchemaRegistry.load(directory: dir.path))
}

func kafka(_ json: String, topic: String = "orders", headers: [MessageHeader] = [], key: String? = nil, offset: Int64 = 0) -> Message {
    Message(key: key.map { Array($0.utf8) }, value: Array(json.utf8), headers: headers,
            origin: .kafka(topic: topic, partition: 0, offset: offset, group: "g"))
}

@Suite("Pipeline")
struct PipelineTests {
    @Test("approves a valid message and names the schema it applied")
    func approves() throws {
        let (_, registry) = try ordersRegistry()
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders")])
        let verdict = pipeline.evaluate(kafka(#"{"id": "o1", "total": 5}"#))
        #expect(verdict.isApproved)
        #expect(verdict.schema == "orders/2")   // latest by default
        #expect(verdict.details.isEmpty)
    }

    @Test("each quarantine reason")
    func reasons() throws {
        let (_, registry) = try ordersRegistry()
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders")],
                                    rules: [RuleSetting(try RequiredHeadersRule(headers: [("trace-id", nil)]))],
                                    limits: Pipeline.Limits(maxBytes: 64, maxDepth: 4))
        let traced = [MessageHeader(name: "trace-id", string: "t1")]
        #expect(pipeline.evaluate(kafka(#"{"id": "o1", "total": 5}"#, headers: traced)).isApproved)
        #expect(pipeline.evaluate(kafka(#"{"id": 1, "total": 5}"#, headers: traced)).reason == .schemaViolation)
        #expect(pipeline.evaluate(kafka(#"{"id": "o1", "total": 5"#, headers: traced)).reason == .malformedJSON)
        #expect(pipeline.evaluate(kafka(String(repeating: " ", count: 65) + "{}", headers: traced)).reason == .tooLarge)
        #expect(pipeline.evaluate(kafka("[[[[[1]]]]]", headers: traced)).reason == .tooDeep)
        #expect(pipeline.evaluate(kafka(#"{"id": "o1", "total": 5}"#, headers: traced + [MessageHeader(name: "tollgate-schema", string: "9")])).reason == .unknownSchema)
        #expect(pipeline.evaluate(kafka(#"{"id": "o1", "total": 5}"#)).reason == .rule("required-headers"))
        #expect(pipeline.evaluate(kafka(#"{"id": "o1"}"#, topic: "payments", headers: traced)).reason == .unknownSchema)
        let violation = pipeline.evaluate(kafka(#"{"id": 1, "total": 5}"#, headers: traced))
        #expect(violation.schema == "orders/2")
        #expect(violation.details.first?.instanceLocation == "/id")
        #expect(violation.details.first?.keywordLocation == "/properties/id/type")
        let malformed = pipeline.evaluate(kafka(#"{"id": "o1", "total": 5"#, headers: traced))
        #expect(malformed.details.first?.message.contains("line 1") == true)
    }

    @Test("selection by header: subject/version or a bare version")
    func headerSelection() throws {
        let (_, registry) = try ordersRegistry()
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders")])
        let v1Only = #"{"id": "o1"}"#
        #expect(pipeline.evaluate(kafka(v1Only, headers: [MessageHeader(name: "tollgate-schema", string: "orders/1")])).schema == "orders/1")
        #expect(pipeline.evaluate(kafka(v1Only, headers: [MessageHeader(name: "tollgate-schema", string: "1")])).isApproved)
        #expect(pipeline.evaluate(kafka(v1Only)).reason == .schemaViolation)           // latest = 2 needs total
        #expect(pipeline.evaluate(kafka(v1Only, headers: [MessageHeader(name: "tollgate-schema", string: "customers/1")])).reason == .unknownSchema)
        #expect(pipeline.evaluate(kafka(v1Only, headers: [MessageHeader(name: "tollgate-schema", string: "one")])).reason == .unknownSchema)
    }

    @Test("selection by a value in the payload, with a mapping")
    func payloadSelection() throws {
        let (_, registry) = try ordersRegistry()
        let binding = Binding(source: "orders", subject: "orders",
                              selectors: [.payloadPointer("/meta/schemaVersion", mapping: ["1.0.0": 1]), .version(2)])
        let pipeline = try Pipeline(registry: registry, bindings: [binding])
        #expect(pipeline.evaluate(kafka(#"{"id": "o1", "meta": {"schemaVersion": 1}}"#)).schema == "orders/1")
        #expect(pipeline.evaluate(kafka(#"{"id": "o1", "meta": {"schemaVersion": "1.0.0"}}"#)).schema == "orders/1")
        #expect(pipeline.evaluate(kafka(#"{"id": "o1", "total": 1}"#)).schema == "orders/2")   // pointer absent: default
        #expect(pipeline.evaluate(kafka(#"{"id": "o1", "meta": {"schemaVersion": "2.0.0"}}"#)).reason == .unknownSchema)
        #expect(pipeline.evaluate(kafka(#"{"id": "o1", "meta": {"schemaVersion": true}}"#)).reason == .unknownSchema)
    }

    @Test("Confluent wire format: the prefix selects the version and is stripped for validation")
    func wireFormat() throws {
        let (_, registry) = try ordersRegistry()
        let binding = Binding(source: "orders", subject: "orders",
                              selectors: [.confluentWireFormat(ids: [101: SchemaReference(subject: "orders", version: 1)]), .latest])
        let pipeline = try Pipeline(registry: registry, bindings: [binding])
        let framed = Message(value: [0, 0, 0, 0, 101] + Array(#"{"id": "o1"}"#.utf8), origin: .kafka(topic: "orders", partition: 0, offset: 1, group: nil))
        let verdict = pipeline.evaluate(framed)
        #expect(verdict.isApproved, "\(verdict)")
        #expect(verdict.schema == "orders/1")
        #expect(framed.value.count == 17)   // the message itself is untouched
        let unknownID = Message(value: [0, 0, 0, 0, 7] + Array(#"{"id": "o1"}"#.utf8), origin: .kafka(topic: "orders", partition: 0, offset: 1, group: nil))
        #expect(pipeline.evaluate(unknownID).reason == .unknownSchema)
        #expect(pipeline.evaluate(kafka(#"{"id": "o1", "total": 2}"#)).schema == "orders/2")   // no prefix: next selector
        #expect(throws: TollgateError.self) {
            _ = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders",
                selectors: [.confluentWireFormat(ids: [1: SchemaReference(subject: "orders", version: 7)])])])
        }
    }

    @Test("an evaluator, validating from the bytes, gives evaluate's verdicts", arguments: [false, true])
    func evaluatorMatchesEvaluate(withRules: Bool) throws {
        let (_, registry) = try ordersRegistry()
        let bindings = [
            Binding(source: "orders", subject: "orders", acceptedVersions: [1, 2],
                    selectors: [.confluentWireFormat(ids: [101: SchemaReference(subject: "orders", version: 1)]),
                                .header("tollgate-schema"), .latest]),
            Binding(source: "legacy", subject: "orders", selectors: [.header("tollgate-schema")]),
        ]
        let rules = withRules ? [RuleSetting(try RequiredHeadersRule(headers: [("trace-id", nil)]), enforcement: .shadow)] : []
        let pipeline = try Pipeline(registry: registry, bindings: bindings, rules: rules, limits: Pipeline.Limits(maxBytes: 64, maxDepth: 4))
        let header = { (value: String) in [MessageHeader(name: "tollgate-schema", string: value)] }
        let messages: [Message] = [
            kafka(#"{"id": "o1", "total": 5}"#),
            kafka(#"{"id": 1, "total": "x", "more": 1}"#),
            kafka(#"{"id": "o1", "total": 5"#),                                   // malformed
            kafka(#"{"id": "o1", "total": 5"#, headers: header("7")),             // malformed and an unknown version
            kafka(#"{"id": "o1"}"#, headers: header("7")),                         // unknown version
            kafka(#"{"id": "o1"}"#, headers: header("customers/1")),               // another subject
            kafka(#"{"id": "o1"}"#, headers: header("orders/1")),
            kafka(#"{"id": "o1"}"#, headers: header("one")),                       // not a version
            kafka("[[[[[1]]]]]"),                                                   // too deep
            kafka("[[[[[1]]]]]", headers: header("7")),
            kafka(String(repeating: " ", count: 65) + "{}"),                       // too large
            kafka([0xFF, 0xFE].map { String(UnicodeScalar($0)) }.joined()),         // Latin-1 text: not UTF-8 JSON
            Message(value: [0xC3, 0x28]),                                           // invalid UTF-8, no origin: first binding
            Message(value: [0, 0, 0, 0, 101] + Array(#"{"id": "o1"}"#.utf8), origin: .kafka(topic: "orders", partition: 0, offset: 1, group: nil)),
            Message(value: [0, 0, 0, 0, 101] + Array(#"{"id": 5}"#.utf8), origin: .kafka(topic: "orders", partition: 0, offset: 2, group: nil)),
            Message(value: [0, 0, 0, 0, 101] + Array(#"{"id": "#.utf8), origin: .kafka(topic: "orders", partition: 0, offset: 3, group: nil)),
            Message(value: [0, 0, 0, 0, 9] + Array(#"{"id": "o1"}"#.utf8), origin: .kafka(topic: "orders", partition: 0, offset: 4, group: nil)),
            Message(value: [0, 0, 1], origin: .kafka(topic: "orders", partition: 0, offset: 5, group: nil)),
            kafka(#"{"id": "o1"}"#, topic: "legacy"),                               // no selector applies
            kafka(#"{"id": "o1"#, topic: "legacy"),
            kafka(#"{"id": "o1"}"#, topic: "payments"),                             // no binding
        ]
        let evaluator = pipeline.makeEvaluator()
        var reasons: Set<String> = []
        for message in messages {
            let expected = pipeline.evaluate(message)
            #expect(evaluator.evaluate(message) == expected, "\(String(decoding: message.value, as: UTF8.self))")
            reasons.insert(expected.reason?.description ?? "approved")
        }
        #expect(reasons == ["approved", "schema-violation", "malformed-json", "unknown-schema", "too-deep", "too-large"])
    }

    @Test("accepted versions: anything else is unknown-schema")
    func acceptedVersions() throws {
        let (_, registry) = try ordersRegistry()
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders.*", subject: "orders", acceptedVersions: [2])])
        #expect(pipeline.evaluate(kafka(#"{"id": "o1", "total": 1}"#, topic: "orders.eu")).isApproved)
        let old = pipeline.evaluate(kafka(#"{"id": "o1"}"#, topic: "orders.us", headers: [MessageHeader(name: "tollgate-schema", string: "1")]))
        #expect(old.reason == .unknownSchema)
        #expect(old.details.first?.message.contains("accepted versions: 2") == true)
        #expect(throws: TollgateError.self) {
            _ = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "missing")])
        }
    }

    @Test("shadow rules are counted, not enforced")
    func shadowRules() throws {
        let (_, registry) = try ordersRegistry()
        let rule = try RequiredHeadersRule(name: "trace", headers: [("trace-id", "^[0-9a-f]{8}$")])
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders")],
                                    rules: [RuleSetting(rule, enforcement: .shadow)])
        let untraced = pipeline.evaluate(kafka(#"{"id": "o1", "total": 1}"#))
        #expect(untraced.isApproved)
        #expect(untraced.shadowRejections == ["trace"])
        let traced = pipeline.evaluate(kafka(#"{"id": "o1", "total": 1}"#, headers: [MessageHeader(name: "trace-id", string: "0a1b2c3d")]))
        #expect(traced.isApproved)
        #expect(traced.shadowRejections.isEmpty)
        let enforced = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders")],
                                    rules: [RuleSetting(rule)])
        let badValue = enforced.evaluate(kafka(#"{"id": "o1", "total": 1}"#, headers: [MessageHeader(name: "trace-id", string: "XYZ")]))
        #expect(badValue.reason == .rule("trace"))
        #expect(badValue.details.first?.message.contains("does not match") == true)
    }

    @Test("duplicate detection forgets exactly the oldest key at the window boundary")
    func duplicates() throws {
        let (_, registry) = try ordersRegistry()
        let byKey = DuplicateRule(key: .messageKey, window: 3)
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders")],
                                    rules: [RuleSetting(byKey)])
        let body = #"{"id": "o1", "total": 1}"#
        for key in ["a", "b", "c"] { #expect(pipeline.evaluate(kafka(body, key: key)).isApproved) }
        #expect(pipeline.evaluate(kafka(body, key: "a")).reason == .rule("duplicate"))   // within the last 3
        #expect(pipeline.evaluate(kafka(body, key: "d")).isApproved)                      // evicts "a"
        #expect(pipeline.evaluate(kafka(body, key: "a")).isApproved)                      // "a" was forgotten; evicts "b"
        #expect(pipeline.evaluate(kafka(body, key: "c")).reason == .rule("duplicate"))
        #expect(pipeline.evaluate(kafka(body, key: "b")).isApproved)
        #expect(pipeline.evaluate(kafka(body)).isApproved)                                // no key: nothing to compare

        let byPayload = DuplicateRule(name: "same-order", key: .payloadPointer("/id"), window: 10)
        let payloadPipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders")],
                                           rules: [RuleSetting(byPayload)])
        #expect(payloadPipeline.evaluate(kafka(#"{"id": "o1", "total": 1}"#)).isApproved)
        let repeated = payloadPipeline.evaluate(kafka(#"{"total": 2, "id": "o1"}"#))
        #expect(repeated.reason == .rule("same-order"))
        #expect(repeated.details.first?.message.contains("/id") == true)
    }

    @Test("a custom rule in Swift")
    func customRule() throws {
        struct TotalCap: Rule {
            let name = "total-cap"
            func evaluate(_ message: Message, document: JSONDocument, schema: SchemaVersion) -> RuleOutcome {
                guard let total = document.value(atPointer: "/total")?.numberValue, total > JSONNumber(1000) else { return .pass }
                return .reject("total \(total) is above 1000")
            }
        }
        let (_, registry) = try ordersRegistry()
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders")],
                                    rules: [RuleSetting(TotalCap())])
        #expect(pipeline.evaluate(kafka(#"{"id": "o1", "total": 10}"#)).isApproved)
        let big = pipeline.evaluate(kafka(#"{"id": "o1", "total": 5000}"#))
        #expect(big.reason == .rule("total-cap"))
        #expect(big.details.first?.keywordLocation == "rule:total-cap")
    }
}

@Suite("Source patterns")
struct SourcePatternTests {
    @Test("* stands for any run of characters; everything else for itself", arguments: [
        ("orders", "orders", true), ("orders", "orders-eu", false), ("*", "", true), ("*", "anything.at.all", true),
        ("orders-*", "orders-eu", true), ("orders-*", "orders-", true), ("orders-*", "orders", false),
        ("*.dlq", "payments.dlq", true), ("*.dlq", "payments.dlq.old", false),
        ("a*b*c", "abc", true), ("a*b*c", "axxbyyc", true), ("a*b*c", "acb", false), ("a*a", "a", false), ("ab*b", "ab", false),
        ("**", "x", true), ("*-*-eu", "orders-v2-eu", true), ("*-*-eu", "orders-eu", false),
    ])
    func matching(_ pattern: String, _ name: String, _ expected: Bool) {
        #expect(SourcePattern(pattern).matches(name) == expected)
    }
}

@Suite("Approved messages")
struct ApprovedMessagesTests {
    @Test("wraps any async sequence: approved messages flow on, rejects go to the quarantine in order")
    func wrap() async throws {
        let (_, registry) = try ordersRegistry()
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders")])
        let inputs = [
            kafka(#"{"id": "o1", "total": 1}"#, offset: 0),
            kafka(#"{"id": 2}"#, offset: 1),
            kafka(#"not json"#, offset: 2),
            kafka(#"{"id": "o3", "total": 3}"#, offset: 3),
        ]
        let stream = AsyncStream<Message> { continuation in
            for message in inputs { continuation.yield(message) }
            continuation.finish()
        }
        let quarantine = InMemoryQuarantine()
        var approvedOffsets: [Int64] = []
        for try await approved in stream.approved(by: pipeline, quarantine: quarantine) {
            if case .kafka(_, _, let offset, _) = approved.message.origin { approvedOffsets.append(offset) }
            #expect(approved.verdict.schema == "orders/2")
        }
        #expect(approvedOffsets == [0, 3])
        #expect(quarantine.messages.map { $0.verdict.reason } == [.schemaViolation, .malformedJSON])
        #expect(quarantine.messages.map(\.message) == [inputs[1], inputs[2]])
    }

    @Test("a quarantine that fails stops the sequence with its error")
    func failingSink() async throws {
        struct Unavailable: Error {}
        struct BrokenSink: QuarantineSink {
            func quarantine(_ message: Message, verdict: Verdict) async throws { throw Unavailable() }
        }
        let (_, registry) = try ordersRegistry()
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders")])
        let stream = AsyncStream<Message> { continuation in
            continuation.yield(kafka(#"{"id": 1}"#))
            continuation.yield(kafka(#"{"id": "o2", "total": 2}"#))
            continuation.finish()
        }
        var seen = 0
        await #expect(throws: Unavailable.self) {
            for try await _ in stream.approved(by: pipeline, quarantine: BrokenSink()) { seen += 1 }
        }
        #expect(seen == 0)   // the approved message after the failed reject is not delivered
    }
}
