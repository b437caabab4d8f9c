import Foundation
import Testing
import Tollgate
import TollgateSchema

/// Totals must add up: a business rule JSON Schema cannot express, in the README's example.
// --- README: rule ---
struct TotalMatchesLines: Rule {
    let name = "total-matches-lines"

    func evaluate(_ message: Message, document: JSONDocument, schema: SchemaVersion) -> RuleOutcome {
        guard let lines = document.value(atPointer: "/order/lines")?.arrayValue,
              let total = document.value(atPointer: "/order/total")?.numberValue?.doubleValue
        else { return .pass }
        let sum = lines.reduce(0.0) { sum, line in
            sum + (line["quantity"]?.numberValue?.doubleValue ?? 0) * (line["unitPrice"]?.numberValue?.doubleValue ?? 0)
        }
        return sum == total ? .pass : .reject("total \(total) is not the sum of the lines, \(sum)")
    }
}
// --- end ---

/// The embedding example of README.md, compiled and run here with the public API only (no
/// @testable), as a user's service would use it; a second test checks that the README shows this
/// very code. `swift test` runs with the package root as the current directory.
@Suite("README: embedding Tollgate")
struct ReadmeEmbeddingTests {
    /// What the example printed and produced, for the checks after it.
    struct Outcome {
        var printed: [String] = []
        var handled: [Message] = []
        var quarantined: [(message: Message, verdict: Verdict)] = []
        var verdict: Verdict?
        var recordHeaders: [MessageHeader] = []
    }

    static func runExample() async throws -> Outcome {
        var outcome = Outcome()
        func print(_ items: Any...) { outcome.printed.append(items.map { "\($0)" }.joined(separator: " ")) }
        func handle(_ message: Message) { outcome.handled.append(message) }
        func sendToQuarantineTopic(key: [UInt8]?, value: [UInt8], headers: [MessageHeader]) async throws { outcome.recordHeaders = headers }
        let payload = #"{"eventId":"0b6d9c0e-6a0f-4d0e-9a55-3c1f1f5b2a01","eventType":"order.created","occurredAt":"2026-11-20T09:15:02Z","order":{"orderId":"ORD-2026-000101","customer":{"customerId":"7e0f6c44-1f2a-4c1d-8a43-2b6f3f1f0a11","email":"ada@example.com"},"currency":"EUR","lines":[{"sku":"KBD-10042","quantity":2,"unitPrice":8900}],"total":8900}}"#

        // --- README: embedding ---
        // A pipeline from a configuration file (schemas, bindings, rules, limits)...
        let pipeline = try PipelineConfiguration.load(file: "deploy/orders-replay.yaml").makePipeline()

        // ...or in code: every version is compiled now, and a missing subject or version throws.
        let registry = try SchemaRegistry.load(directory: "schemas")
        let strict = try Pipeline(
            registry: registry,
            bindings: [Binding(source: "orders", subject: "orders", acceptedVersions: [2, 3],
                               selectors: [.header("tollgate-schema"), .version(2)])],
            rules: [RuleSetting(try RequiredHeadersRule(headers: [("trace-id", "^[0-9a-f]{32}$")]), enforcement: .shadow),
                    RuleSetting(DuplicateRule(key: .payloadPointer("/eventId"), window: 10_000)),
                    RuleSetting(TotalMatchesLines())])

        // One message at a time: the verdict carries what a quarantine record needs.
        let message = Message(key: Array("ORD-2026-000101".utf8), value: Array(payload.utf8),
                              headers: [MessageHeader(name: "trace-id", string: "4bf92f3577b34da6a3ce929d0e0e4736")],
                              origin: .kafka(topic: "orders", partition: 0, offset: 42, group: "billing"))
        let verdict = strict.evaluate(message)
        if let reason = verdict.reason {
            print(reason, verdict.schema ?? "no schema", verdict.details.map(\.message))
            // The headers of the quarantined copy, the same on Kafka and RabbitMQ.
            let headers = QuarantineRecord.headers(for: message, verdict: verdict,
                                                   quarantinedAt: UInt64(Date().timeIntervalSince1970 * 1000))
            try await sendToQuarantineTopic(key: message.key, value: message.value, headers: headers)
        }

        // A stream: any AsyncSequence of messages (here, a captured topic) becomes one of approved
        // messages, in order; each reject is handed to the quarantine sink before the next message.
        let captured = try CaptureReader(path: "deploy/samples/orders-capture.jsonl").compactMap { try? $0.get().message }
        let consumer = AsyncStream<Message> { continuation in
            for message in captured { continuation.yield(message) }
            continuation.finish()
        }
        let quarantine = InMemoryQuarantine()   // or your QuarantineSink that writes to a broker
        for try await approved in consumer.approved(by: pipeline, quarantine: quarantine) {
            handle(approved.message)
        }
        // --- end ---
        outcome.verdict = verdict
        outcome.quarantined = quarantine.messages
        return outcome
    }

    @Test("the example runs: the custom rule rejects, the stream approves and quarantines the sample capture")
    func example() async throws {
        let outcome = try await Self.runExample()
        let verdict = try #require(outcome.verdict)
        #expect(verdict.reason == .rule("total-matches-lines"))
        #expect(verdict.schema == "orders/2")
        #expect(outcome.printed == [#"rule:total-matches-lines orders/2 ["total 8900.0 is not the sum of the lines, 17800.0"]"#])
        let reasonHeader = outcome.recordHeaders.first { $0.name == "tollgate.reason" }
        #expect(reasonHeader?.stringValue == "rule:total-matches-lines")
        #expect(outcome.recordHeaders.first { $0.name == "tollgate.source.offset" }?.stringValue == "42")

        // The same verdicts as `tollgate replay --config deploy/orders-replay.yaml` on the capture.
        #expect(outcome.handled.count == 7)
        #expect(outcome.quarantined.count == 5)
        #expect(outcome.quarantined.compactMap(\.verdict.reason).filter { $0 == .schemaViolation }.count == 3)
        #expect(outcome.quarantined.compactMap(\.verdict.reason).filter { $0 == .malformedJSON }.count == 2)
    }

    @Test("README.md shows exactly the code these tests compile")
    func readmeMatches() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        for marker in ["README: embedding", "README: rule"] {
            let code = try #require(Self.region(marker, in: source), "no \(marker) region in this file")
            #expect(readme.contains("```swift\n\(code)```"), "README.md does not show the \(marker) region of \(#fileID) verbatim")
        }
        let operations = try String(contentsOf: root.appendingPathComponent("Tests/TollgateTests/OperationsTests.swift"), encoding: .utf8)
        let telemetry = try #require(Self.region("README: telemetry", in: operations), "no README: telemetry region in OperationsTests.swift")
        #expect(readme.contains("```swift\n\(telemetry)```"), "README.md does not show the telemetry example of OperationsTests.swift verbatim")
    }

    /// The lines between `// --- <marker> ---` and `// --- end ---`, dedented to the marker's indentation.
    static func region(_ marker: String, in source: String) -> String? {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// --- \(marker) ---" }),
              let end = lines[start...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// --- end ---" })
        else { return nil }
        let indent = lines[start].prefix { $0 == " " }.count
        return lines[(start + 1)..<end].map { $0.count >= indent ? String($0.dropFirst(indent)) : String($0) }.map { $0 + "\n" }.joined()
    }
}
