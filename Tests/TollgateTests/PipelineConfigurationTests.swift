import Testing
import TollgateSchema
@testable import Tollgate

@Suite("Pipeline configuration")
struct PipelineConfigurationTests {
    @Test("a full configuration builds a working pipeline")
    func full() throws {
        let (dir, _) = try ordersRegistry()
        try dir.write("tollgate.yaml", """
            schemas:
              directory: .
              formatAssertion: false
            limits:
              maxBytes: 2048
              maxDepth: 16
            bindings:
              - source: orders.*
                subject: orders
                versions: [1, 2]
                select:
                  - wireFormat: {7: orders/1}
                  - header: x-schema
                  - payload: /v
                    mapping: {"one": 1}
                  - latest
            rules:
              - requiredHeaders: {tenant: null, trace-id: "^[0-9]+$"}
                mode: shadow
              - duplicate: {key: /id, window: 2}
                name: same-id
            """)
        let configuration = try PipelineConfiguration.load(file: dir.file("tollgate.yaml"))
        #expect(configuration.schemaDirectory.hasSuffix("/."))
        #expect(configuration.registryOptions.formatAssertion == false)
        #expect(configuration.limits == Pipeline.Limits(maxBytes: 2048, maxDepth: 16))
        #expect(configuration.bindings.count == 1)
        #expect(configuration.bindings[0].acceptedVersions == [1, 2])
        #expect(configuration.bindings[0].selectors == [
            .confluentWireFormat(ids: [7: SchemaReference(subject: "orders", version: 1)]),
            .header("x-schema"), .payloadPointer("/v", mapping: ["one": 1]), .latest,
        ])
        #expect(configuration.rules.map(\.enforcement) == [.shadow, .enforce])
        #expect(configuration.rules.map(\.rule.name) == ["required-headers", "same-id"])

        let pipeline = try configuration.makePipeline()
        let one = pipeline.evaluate(kafka(#"{"id": "a", "v": "one"}"#, topic: "orders.eu"))
        #expect(one.schema == "orders/1")
        #expect(one.isApproved)
        #expect(one.shadowRejections == ["required-headers"])
        #expect(pipeline.evaluate(kafka(#"{"id": "a", "v": "one"}"#, topic: "orders.eu")).reason == .rule("same-id"))
        #expect(pipeline.evaluate(kafka(#"{"id": "b", "v": "one"}"#, topic: "payments")).reason == .unknownSchema)
    }

    struct BadConfiguration: Sendable, CustomTestStringConvertible {
        let name: String
        let yaml: String
        let line: Int
        let message: String
        var testDescription: String { name }
    }

    static let bad: [BadConfiguration] = [
        BadConfiguration(name: "unknown top-level key", yaml: "schemas: {directory: .}\nbinding: []\n", line: 2, message: "unknown key 'binding'"),
        BadConfiguration(name: "unknown nested key", yaml: "limits:\n  maxbytes: 5\n", line: 2, message: "unknown key 'limits.maxbytes'"),
        BadConfiguration(name: "wrong type", yaml: "limits:\n  maxBytes: lots\n", line: 2, message: "'limits.maxBytes' must be an integer"),
        BadConfiguration(name: "binding without subject", yaml: "bindings:\n  - source: orders\n", line: 2, message: "needs both 'source' and 'subject'"),
        BadConfiguration(name: "bad selector", yaml: "bindings:\n  - source: o\n    subject: orders\n    select:\n      - topic: x\n", line: 5,
                         message: "unknown key 'bindings[0].select[0].topic'"),
        BadConfiguration(name: "bad wire-format reference", yaml: "bindings:\n  - source: o\n    subject: orders\n    select:\n      - wireFormat: {1: orders}\n",
                         line: 5, message: "must be subject/version"),
        BadConfiguration(name: "bad rule mode", yaml: "rules:\n  - duplicate: {key: messageKey}\n    mode: sometimes\n", line: 3, message: "enforce or shadow"),
        BadConfiguration(name: "bad header pattern", yaml: "rules:\n  - requiredHeaders: {a: \"(\"}\n", line: 2, message: "invalid pattern"),
        BadConfiguration(name: "bad duplicate key", yaml: "rules:\n  - duplicate: {key: eventId}\n", line: 2, message: "JSON Pointer"),
        BadConfiguration(name: "not YAML", yaml: "bindings: [\n", line: 2, message: "not valid YAML"),
    ]

    @Test("mistakes are errors naming the file, the line and the key", arguments: bad)
    func mistakes(_ bad: BadConfiguration) {
        do {
            _ = try PipelineConfiguration.parse(yaml: bad.yaml, file: "/etc/tollgate.yaml")
            Issue.record("\(bad.name): parsed")
        } catch {
            #expect(error.code == .invalidConfiguration, "\(error)")
            #expect(error.file == "/etc/tollgate.yaml")
            #expect(error.line == bad.line, "\(error)")
            #expect(error.message.contains(bad.message), "\(error)")
        }
    }

    @Test("a binding to a subject the registry lacks fails when the pipeline is built")
    func missingSubject() throws {
        let (dir, _) = try ordersRegistry()
        try dir.write("tollgate.yaml", "schemas: {directory: .}\nbindings:\n  - {source: x, subject: invoices}\n")
        let configuration = try PipelineConfiguration.load(file: dir.file("tollgate.yaml"))
        #expect(throws: TollgateError.self) { try configuration.makePipeline() }
    }
}
