import Foundation
import Logging
import MetricsTestKit
import Testing
@testable import Tollgate

@Suite("Sidecar operations: configuration of http, logging and reload")
struct OperationsConfigurationTests {
    static let minimal = "source: {kafka: {brokers: mock, topics: [orders]}}\nroutes: {approved: a, quarantine: q}\n"

    @Test("defaults: the endpoint on 127.0.0.1:9473, logs auto at info with 10 quarantine lines a second, reload on SIGHUP only")
    func defaults() throws {
        let configuration = try SidecarConfiguration.parse(yaml: Self.minimal, file: "t.yaml", environment: [:])
        #expect(configuration.http == HTTPSettings())
        #expect(configuration.http.enabled && configuration.http.host == "127.0.0.1" && configuration.http.port == 9473)
        #expect(configuration.logging.format == .auto && configuration.logging.level == "info" && configuration.logging.quarantineLinesPerSecond == 10)
        #expect(!configuration.reload.watch && configuration.reload.interval == .seconds(2))
    }

    @Test("every key is read; an environment override replaces a value the file does not even have")
    func keys() throws {
        let configuration = try SidecarConfiguration.parse(yaml: Self.minimal + """
            http: {address: "[::1]:0"}
            logging: {format: json, level: debug, quarantineLinesPerSecond: 0}
            reload: {watch: true, interval: 5}
            """, file: "t.yaml", environment: ["TOLLGATE__HTTP__ENABLED": "false"])
        #expect(!configuration.http.enabled && configuration.http.host == "::1" && configuration.http.port == 0)
        #expect(configuration.logging.format == .json && configuration.logging.level == "debug" && configuration.logging.quarantineLinesPerSecond == 0)
        #expect(configuration.reload.watch && configuration.reload.interval == .seconds(5))

        let overridden = try SidecarConfiguration.parse(yaml: Self.minimal, file: "t.yaml",
                                                        environment: ["TOLLGATE__HTTP__ADDRESS": "0.0.0.0:9000", "TOLLGATE__LOGGING__FORMAT": "text"])
        #expect(overridden.http.host == "0.0.0.0" && overridden.http.port == 9000 && overridden.logging.format == .text)
    }

    @Test("unknown keys, wrong types and a missing schema directory name the key path, the file and the line", arguments: [
        ("http: {adress: 1}\n", "t.yaml:3: unknown key 'http.adress' (known keys: address, enabled)"),
        ("http: {enabled: sometimes}\n", "t.yaml:3: 'http.enabled' must be true or false"),
        ("http: {address: localhost}\n", "t.yaml:3: 'http.address' must be host:port"),
        ("http: {address: \"127.0.0.1:70000\"}\n", "t.yaml:3: 'http.address' must be host:port"),
        ("logging: {format: xml}\n", "t.yaml:3: 'logging.format' must be auto, text or json, not 'xml'"),
        ("logging: {level: [info]}\n", "t.yaml:3: 'logging.level' must be a string"),
        ("logging: {level: loud}\n", "t.yaml:3: 'logging.level' must be one of trace, debug, info"),
        ("logging: {quarantineLinesPerSecond: -1}\n", "t.yaml:3: 'logging.quarantineLinesPerSecond'"),
        ("reload: {interval: soon}\n", "t.yaml:3: 'reload.interval' must be an integer"),
        ("reload:\n  watch: true\n  every: 3\n", "t.yaml:5: unknown key 'reload.every'"),
        ("logs: {}\n", "t.yaml:3: unknown key 'logs'"),
        ("schemas: {directory: no-such-directory}\n", "t.yaml:3: 'schemas.directory' names no-such-directory, which does not exist or is not a directory"),
    ])
    func mistakes(yaml: String, expected: String) {
        #expect {
            try SidecarConfiguration.parse(yaml: Self.minimal + yaml, file: "t.yaml", environment: [:])
        } throws: { error in
            "\(error)".contains(expected)
        }
    }
}

@Suite("Routing telemetry: metrics and the quarantine log")
struct RoutingTelemetryTests {
    static func message(_ json: String, offset: Int64, headers: [MessageHeader] = [], timestamp: Int64? = nil) -> Message {
        Message(value: Array(json.utf8), headers: headers, origin: .kafka(topic: "orders", partition: 0, offset: offset, group: nil),
                timestamp: timestamp)
    }

    @Test("verdicts are counted by source, subject, version and reason; shadow and enforced rule rejections by rule; durations and end-to-end latency recorded")
    func counts() throws {
        let registry = try SchemaRegistry.load(directory: RepositoryFiles.schemas)
        let rule = try RequiredHeadersRule(headers: [("trace-id", nil)])
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders", selectors: [.version(1)])],
                                    rules: [RuleSetting(rule, enforcement: .shadow)])
        let metrics = TestMetrics()
        let logs = LogCapture()
        let telemetry = RoutingTelemetry(broker: "kafka", logger: Logger(label: "test") { _ in logs }, quarantineLinesPerSecond: 100, metrics: metrics)
        let recorder = telemetry.makeRecorder()
        let evaluator = pipeline.makeEvaluator()
        let valid = try String(contentsOfFile: RepositoryFiles.root + "/deploy/samples/orders.jsonl", encoding: .utf8)
            .split(separator: "\n").first.map(String.init)!
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for (offset, json) in [valid, valid, "{", #"{"id": 1}"#].enumerated() {
            let message = Self.message(json, offset: Int64(offset), timestamp: now - 250)
            let latency = recorder.record(message, verdict: evaluator.evaluate(message), took: .microseconds(40))
            latency.recordConfirmed()
        }
        telemetry.outputWriteFailed(approved: false)
        telemetry.reconnected()

        #expect(try metrics.expectCounter(TollgateMetric.consumed, [("source", "orders")]).totalValue == 4)
        #expect(try metrics.expectCounter(TollgateMetric.approved, [("source", "orders"), ("subject", "orders"), ("version", "1")]).totalValue == 2)
        #expect(try metrics.expectCounter(TollgateMetric.quarantined, [("source", "orders"), ("subject", "none"), ("version", "none"), ("reason", "malformed-json")]).totalValue == 1)
        #expect(try metrics.expectCounter(TollgateMetric.quarantined, [("source", "orders"), ("subject", "orders"), ("version", "1"), ("reason", "schema-violation")]).totalValue == 1)
        // Only messages that pass validation reach the rules.
        #expect(try metrics.expectCounter(TollgateMetric.ruleRejections, [("rule", "required-headers"), ("mode", "shadow")]).totalValue == 2)
        #expect(try metrics.expectTimer(TollgateMetric.validationDuration, [("source", "orders")]).values == [40_000, 40_000, 40_000, 40_000])
        let latencies = try metrics.expectTimer(TollgateMetric.endToEndLatency, [("source", "orders")]).values
        #expect(latencies.count == 4 && latencies.allSatisfy { $0 >= 250_000_000 && $0 < 60_000_000_000 })
        let seen = try metrics.expectGauge(TollgateMetric.schemaVersionLastSeen, [("subject", "orders"), ("version", "1")]).lastValue ?? 0
        #expect(abs(seen - Date().timeIntervalSince1970) < 60)
        #expect(try metrics.expectCounter(TollgateMetric.outputWriteFailures, [("route", "quarantine")]).totalValue == 1)
        #expect(try metrics.expectCounter(TollgateMetric.outputWriteFailures, [("route", "approved")]).totalValue == 0)
        #expect(try metrics.expectCounter(TollgateMetric.reconnections, [("broker", "kafka")]).totalValue == 1)

        let lines = logs.events
        #expect(lines.count == 2 && lines.allSatisfy { $0.message == "quarantined" && $0.level == .notice })
        #expect(lines.map { $0.metadata["reason"] } == ["malformed-json", "schema-violation"])
        #expect(lines.map { $0.metadata["source"] } == ["orders[0]@2", "orders[0]@3"])
        #expect(lines[1].metadata["schema"] == "orders/1" && lines[1].metadata["error"] != nil)
    }

    @Test("an embedding service's approved(by:quarantine:telemetry:) records the same metrics as the sidecar")
    func embedded() async throws {
        let registry = try SchemaRegistry.load(directory: RepositoryFiles.schemas)
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders", selectors: [.version(1)])])
        let metrics = TestMetrics()
        let valid = try String(contentsOfFile: RepositoryFiles.root + "/deploy/samples/orders.jsonl", encoding: .utf8)
            .split(separator: "\n").first.map(String.init)!
        let messages = AsyncStream<Message> { continuation in
            for (offset, json) in [valid, "{", valid].enumerated() { continuation.yield(Self.message(json, offset: Int64(offset))) }
            continuation.finish()
        }
        let quarantine = InMemoryQuarantine()
        var handled: [Message] = []
        func handle(_ message: Message) async throws { handled.append(message) }

        // --- README: telemetry ---
        let telemetry = RoutingTelemetry(broker: "kafka", logger: Logger(label: "orders"), metrics: metrics)
        for try await approved in messages.approved(by: pipeline, quarantine: quarantine, telemetry: telemetry) {
            try await handle(approved.message)
        }
        // --- end ---
        #expect(handled.count == 2)
        #expect(try metrics.expectCounter(TollgateMetric.consumed, [("source", "orders")]).totalValue == 3)
        #expect(try metrics.expectCounter(TollgateMetric.approved, [("source", "orders"), ("subject", "orders"), ("version", "1")]).totalValue == 2)
        #expect(try metrics.expectCounter(TollgateMetric.quarantined, [("source", "orders"), ("subject", "none"), ("version", "none"), ("reason", "malformed-json")]).totalValue == 1)
        #expect(try metrics.expectTimer(TollgateMetric.validationDuration, [("source", "orders")]).values.count == 3)
    }

    @Test("the quarantine log is rate-limited: the lines over the limit are counted, and the next line says how many were left out")
    func rateLimit() throws {
        let registry = try SchemaRegistry.load(directory: RepositoryFiles.schemas)
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders")])
        let metrics = TestMetrics()
        let logs = LogCapture()
        let telemetry = RoutingTelemetry(broker: "kafka", logger: Logger(label: "test") { _ in logs }, quarantineLinesPerSecond: 3, metrics: metrics)
        let recorder = telemetry.makeRecorder()
        let evaluator = pipeline.makeEvaluator()
        for offset in 0..<50 {
            let message = Self.message("not json", offset: Int64(offset))
            _ = recorder.record(message, verdict: evaluator.evaluate(message), took: .zero)
        }
        #expect(logs.events.count == 3)
        #expect(try metrics.expectCounter(TollgateMetric.quarantineLogSuppressed).totalValue == 47)
        #expect(try metrics.expectCounter(TollgateMetric.quarantined, [("source", "orders"), ("subject", "none"), ("version", "none"), ("reason", "malformed-json")]).totalValue == 50)
    }

    @Test("the rate limiter lets n a second through and reports what it held back")
    func limiter() {
        var limiter = RateLimiter(perSecond: 2)
        let start = ContinuousClock.now
        #expect(limiter.take(now: start) == .allowed(suppressedBefore: 0))
        #expect(limiter.take(now: start) == .allowed(suppressedBefore: 0))
        #expect(limiter.take(now: start + .milliseconds(10)) == .suppressed)
        #expect(limiter.take(now: start + .milliseconds(20)) == .suppressed)
        #expect(limiter.take(now: start + .milliseconds(1100)) == .allowed(suppressedBefore: 2))
        var none = RateLimiter(perSecond: 0)
        #expect(none.take(now: start) == .suppressed)
    }
}

@Suite("Schema reload")
struct ReloadablePipelineTests {
    static let v1 = #"{"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"], "additionalProperties": false}"#

    static func message(_ json: String) -> Message {
        Message(value: Array(json.utf8), origin: .kafka(topic: "orders", partition: 0, offset: 0, group: nil))
    }

    @Test("a broken schema, an incompatible one or a lost binding keeps the pipeline in use; a good one is swapped in for the next message")
    func reload() throws {
        let dir = try TemporaryDirectory()
        try dir.write("orders/1.json", Self.v1)
        let registry = try SchemaRegistry.load(directory: dir.path)
        let rule = DuplicateRule(key: .payloadPointer("/id"), window: 100)
        let live = ReloadablePipeline(try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders")],
                                                   rules: [RuleSetting(rule)]))
        let evaluator = live.makeEvaluator()
        #expect(evaluator.evaluate(Self.message(#"{"id": "a"}"#)).schema == "orders/1")

        // Not JSON: the error names the file.
        try dir.write("orders/2.json", #"{"type": "object", "#)
        #expect { try live.reload(directory: dir.path, options: .init()) } throws: { "\($0)".contains("2.json") }
        // Compiles, but breaks backward compatibility (a new required property).
        try dir.write("orders/2.json", #"{"type": "object", "properties": {"id": {"type": "string"}, "sku": {"type": "string"}}, "required": ["id", "sku"], "additionalProperties": false}"#)
        #expect { try live.reload(directory: dir.path, options: .init()) } throws: { "\($0)".contains("schemas check failed: orders 1 -> 2 is not backward compatible") }
        #expect(evaluator.evaluate(Self.message(#"{"id": "b"}"#)).schema == "orders/1")
        #expect(live.current.registry === registry)

        // Compatible: swapped; the evaluator picks it up, and the duplicate rule keeps its memory.
        try dir.write("orders/2.json", #"{"type": "object", "properties": {"id": {"type": "string"}, "sku": {"type": "string"}}, "required": ["id"], "additionalProperties": false}"#)
        let reloaded = try live.reload(directory: dir.path, options: .init())
        #expect(reloaded.subject("orders")?.versions.count == 2 && live.current.registry === reloaded)
        #expect(evaluator.evaluate(Self.message(#"{"id": "c"}"#)).schema == "orders/2")
        #expect(evaluator.evaluate(Self.message(#"{"id": "a"}"#)).reason == .rule("duplicate"))

        // A break already in use (loaded at start, when no check runs) does not block reloading the
        // same files; a new version after it is still checked.
        let broken = try TemporaryDirectory()
        try broken.write("orders/1.json", Self.v1)
        try broken.write("orders/2.json", #"{"type": "object", "required": ["id", "sku"], "properties": {"id": {"type": "string"}, "sku": {"type": "string"}}, "additionalProperties": false}"#)
        let grandfathered = ReloadablePipeline(try Pipeline(registry: try SchemaRegistry.load(directory: broken.path),
                                                            bindings: [Binding(source: "orders", subject: "orders")]))
        #expect(try grandfathered.reload(directory: broken.path, options: .init()).subject("orders")?.versions.count == 2)
        try broken.write("orders/3.json", #"{"type": "object", "required": ["id", "sku", "qty"], "properties": {"id": {"type": "string"}, "sku": {"type": "string"}, "qty": {"type": "integer"}}, "additionalProperties": false}"#)
        #expect { try grandfathered.reload(directory: broken.path, options: .init()) } throws: { "\($0)".contains("orders 2 -> 3 is not backward compatible") }

        // The bound subject gone: refused.
        try FileManager.default.removeItem(atPath: dir.file("orders"))
        try dir.write("invoices/1.json", Self.v1)
        #expect { try live.reload(directory: dir.path, options: .init()) } throws: { "\($0)".contains("orders") }
        #expect(live.current.registry === reloaded)
    }
}

/// Collects log events in memory.
final class LogCapture: LogHandler, @unchecked Sendable {
    struct Event {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let lock = NSLock()
    private var stored: [Event] = []
    var events: [Event] { lock.withLock { stored } }
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let flattened = (event.metadata ?? [:]).mapValues { "\($0)" }
        lock.withLock { stored.append(Event(level: event.level, message: "\(event.message)", metadata: flattened)) }
    }
}
