import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `tollgate run` as operators see it: the HTTP endpoint, the metrics read by a real Prometheus
/// parser, readiness while a broker goes away, SIGTERM mid-stream, SIGHUP schema reloads.
@Suite("tollgate run: health, readiness, metrics, signals and reloads", .serialized)
struct OperationsCommandTests {
    typealias Child = KafkaRunCommandTests.Child
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct HTTPAnswer {
        var status: Int
        var contentType: String
        var body: String
    }

    /// GET `url`, synchronously.
    static func get(_ url: String) throws -> HTTPAnswer {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var answer: Result<HTTPAnswer, Error>?
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 10
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { answer = .failure(error) } else {
                let http = response as? HTTPURLResponse
                answer = .success(HTTPAnswer(status: http?.statusCode ?? 0, contentType: http?.value(forHTTPHeaderField: "Content-Type") ?? "",
                                             body: String(decoding: data ?? Data(), as: UTF8.self)))
            }
            done.signal()
        }.resume()
        done.wait()
        return try answer!.get()
    }

    /// The endpoint's base URL, from the line `tollgate run` logs once it listens.
    static func endpoint(of run: Child) throws -> String {
        var base = ""
        try KafkaRunCommandTests.waitFor("the HTTP endpoint to listen", seconds: 60) {
            guard let range = run.errors.range(of: "metrics at http://") else { return false }
            let rest = run.errors[range.upperBound...]
            guard let end = rest.range(of: "/metrics") else { return false }
            base = "http://" + rest[..<end.lowerBound]
            return true
        }
        return base
    }

    /// One sample of the exposition, as Python's prometheus_client parser read it.
    struct Sample {
        var family: String
        var type: String
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Parses Prometheus text with `prometheus_client.parser` (scripts/test.sh installs it).
    static func parsePrometheus(_ text: String) throws -> [Sample] {
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(sys.stdin.read()):
                for s in family.samples:
                    print(json.dumps({"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": s.value}))
            """
        let output: String
        do { output = try RabbitMQRunCommandTests.tool("python3", ["-c", script], input: text) } catch { throw ParseFailure(message: "\(error)") }
        return try output.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            return Sample(family: object["family"] as? String ?? "", type: object["type"] as? String ?? "", name: object["name"] as? String ?? "",
                          labels: object["labels"] as? [String: String] ?? [:], value: (object["value"] as? NSNumber)?.doubleValue ?? .nan)
        }
    }

    struct ParseFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { "prometheus_client could not parse /metrics (pip install prometheus_client): \(message)" }
    }

    static func sum(_ samples: [Sample], _ name: String, where labels: [String: String] = [:]) -> Double {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }.reduce(0) { $0 + $1.value }
    }

    static let mockConfiguration = """
        source:
          kafka:
            brokers: mock
            topics: [orders]
            group: tollgate-orders
            mock: {partitions: 4, preload: [\(root.appendingPathComponent("deploy/samples/orders-capture.jsonl").path)]}
        routes:
          approved: orders.approved
          quarantine: orders.quarantine
        schemas:
          directory: \(root.appendingPathComponent("schemas").path)
        bindings:
          - source: orders
            subject: orders
            select: [{header: tollgate-schema}, {version: 2}]
        rules:
          - requiredHeaders: {trace-id: "^[0-9a-f]{32}$"}
            mode: shadow
        """

    @Test("/healthz, /readyz and /metrics answer; prometheus_client parses /metrics, which has every metric with its labels; logs are JSON lines with no secret; SIGTERM exits 0")
    func endpoint() throws {
        let sandbox = try TollgateSandbox()
        // A secret that must never reach the log.
        try sandbox.write("tollgate.yaml", Self.mockConfiguration.replacingOccurrences(
            of: "    group: tollgate-orders\n", with: "    group: tollgate-orders\n    properties: {sasl.password: \"${KAFKA_PASSWORD}\"}\n"))
        let run = try Child(try TollgateBinary.url(), ["run", "--config", "tollgate.yaml", "--status-interval", "1"], in: sandbox.directory, name: "run",
                            environment: ["TOLLGATE__LOGGING__FORMAT": "json", "KAFKA_PASSWORD": "hunter2-secret"])
        let base = try Self.endpoint(of: run)
        #expect(base.hasPrefix("http://127.0.0.1:") && !base.hasSuffix(":9473"), "port 0 picks a free port: \(base)")

        var samples: [Sample] = []
        try KafkaRunCommandTests.waitFor("every sample decided and confirmed, and the lag reported", seconds: 60) {
            samples = try Self.parsePrometheus(try Self.get(base + "/metrics").body)
            return Self.sum(samples, "tollgate_end_to_end_latency_seconds_count") == 12
                && samples.contains { $0.name == "tollgate_kafka_consumer_lag" }
        }
        let health = try Self.get(base + "/healthz")
        #expect(health.status == 200 && health.body == "ok\n")
        let ready = try Self.get(base + "/readyz")
        #expect(ready.status == 200 && ready.body == "ready\n", "\(ready)")
        #expect(try Self.get(base + "/nothing-here").status == 404)
        let metrics = try Self.get(base + "/metrics")
        #expect(metrics.status == 200 && metrics.contentType.hasPrefix("text/plain; version=0.0.4"), "\(metrics.contentType)")

        // Every metric the README lists.
        let names = Set(samples.map(\.name))
        for name in ["tollgate_messages_consumed_total", "tollgate_messages_approved_total", "tollgate_messages_quarantined_total",
                     "tollgate_rule_rejections_total", "tollgate_validation_duration_seconds_bucket", "tollgate_end_to_end_latency_seconds_bucket",
                     "tollgate_schema_version_last_seen_timestamp_seconds", "tollgate_output_write_failures_total", "tollgate_reconnections_total",
                     "tollgate_in_flight_messages", "tollgate_kafka_consumer_lag", "tollgate_ready", "tollgate_schema_reloads_total",
                     "tollgate_schema_versions_loaded", "tollgate_quarantine_log_lines_suppressed_total"] {
            #expect(names.contains(name), "\(name) missing from /metrics")
        }
        #expect(Self.sum(samples, "tollgate_messages_consumed_total", where: ["source": "orders"]) == 12)
        #expect(Self.sum(samples, "tollgate_messages_approved_total", where: ["subject": "orders", "version": "2"]) == 6)
        #expect(Self.sum(samples, "tollgate_messages_approved_total", where: ["subject": "orders", "version": "1"]) == 1)
        #expect(Self.sum(samples, "tollgate_messages_quarantined_total", where: ["reason": "schema-violation", "version": "2"]) == 3)
        #expect(Self.sum(samples, "tollgate_messages_quarantined_total", where: ["reason": "malformed-json", "subject": "none"]) == 2)
        #expect(Self.sum(samples, "tollgate_rule_rejections_total", where: ["rule": "required-headers", "mode": "shadow"]) == 2)
        #expect(Self.sum(samples, "tollgate_validation_duration_seconds_count") == 12)
        #expect(Self.sum(samples, "tollgate_schema_versions_loaded") == 3)
        #expect(Self.sum(samples, "tollgate_ready") == 1 && Self.sum(samples, "tollgate_in_flight_messages") == 0)
        #expect(samples.filter { $0.name == "tollgate_kafka_consumer_lag" }.allSatisfy { $0.labels["topic"] == "orders" && $0.value == 0 })
        let seen = samples.first { $0.name == "tollgate_schema_version_last_seen_timestamp_seconds" && $0.labels["version"] == "2" }?.value ?? 0
        #expect(abs(seen - Date().timeIntervalSince1970) < 120)
        // Bounded labels only: never an offset, a key or a message id.
        let labels = Set(samples.flatMap(\.labels.keys))
        #expect(labels.isSubset(of: ["source", "subject", "version", "reason", "rule", "mode", "route", "broker", "topic", "partition", "result", "le"]), "\(labels)")

        run.process.terminate()
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "\(run.errors)")

        // Every line a JSON object with time, level and message; one per quarantined message.
        let lines = try run.errors.split(separator: "\n").map { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
        }
        #expect(!lines.isEmpty && lines.allSatisfy { $0["time"] is String && $0["level"] is String && $0["message"] is String }, "\(run.errors)")
        let quarantined = lines.filter { $0["message"] as? String == "quarantined" }
        #expect(quarantined.count == 5 && quarantined.allSatisfy { $0["level"] as? String == "notice" && $0["reason"] != nil && $0["source"] != nil })
        #expect(lines.contains { ($0["message"] as? String)?.hasPrefix("stopped: consumed 12,") == true }, "\(run.errors)")
        #expect(!run.errors.contains("hunter2"), "a secret was logged")
    }

    @Test("a port already taken stops start-up: exit 1, with the address and what to change")
    func portTaken() throws {
        // A listener on a free port, held by Python for the length of the test.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", "import socket, sys, time\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen()\nprint(s.getsockname()[1], flush=True)\ntime.sleep(120)"]
        let output = Pipe()
        holder.standardOutput = output
        try holder.run()
        defer { holder.terminate() }
        let port = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(port) != nil, "\(port)")

        let sandbox = try TollgateSandbox()
        try sandbox.write("tollgate.yaml", Self.mockConfiguration)
        let run = try Child(try TollgateBinary.url(), ["run", "--config", "tollgate.yaml", "--status-interval", "0"], in: sandbox.directory, name: "run",
                            environment: ["TOLLGATE__HTTP__ADDRESS": "127.0.0.1:\(port)"])
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 1, "\(run.errors)")
        #expect(run.errors.contains("tollgate: error: cannot serve /healthz, /readyz and /metrics on 127.0.0.1:\(port):"), "\(run.errors)")
        #expect(run.errors.contains("set http.address to another port, or http.enabled: false"), "\(run.errors)")
    }

    @Test("/readyz turns 503 with the reason while every Kafka broker is down, /healthz stays 200, and /readyz is 200 again once they are back")
    func readinessFlips() throws {
        let sandbox = try TollgateSandbox()
        let tollgate = try TollgateBinary.url()
        let (mock, brokers) = try KafkaRunCommandTests.startMock(tollgate, topics: ["orders:2", "orders.approved:1", "orders.quarantine:1"], in: sandbox)
        try sandbox.write("tollgate.yaml", """
            source: {kafka: {brokers: "\(brokers)", topics: [orders], group: readiness}}
            routes: {approved: orders.approved, quarantine: orders.quarantine}
            schemas: {directory: \(Self.root.appendingPathComponent("schemas").path)}
            bindings: [{source: orders, subject: orders}]
            """)
        let run = try Child(tollgate, ["run", "--config", "tollgate.yaml", "--status-interval", "0"], in: sandbox.directory, name: "run")
        let base = try Self.endpoint(of: run)
        try KafkaRunCommandTests.waitFor("ready", seconds: 60) { try Self.get(base + "/readyz").status == 200 }

        kill(mock.process.processIdentifier, SIGUSR1)
        var down = HTTPAnswer(status: 0, contentType: "", body: "")
        let wentDown = ContinuousClock.now
        try KafkaRunCommandTests.waitFor("not ready while the brokers are down", seconds: 60) {
            down = try Self.get(base + "/readyz")
            return down.status == 503
        }
        print("[operations] /readyz went 503 \(ContinuousClock.now - wentDown) after the brokers went down: \(down.body)")
        #expect(down.body == "not ready: no Kafka broker reachable (1 known)\n", "\(down.body)")
        #expect(try Self.get(base + "/healthz").status == 200)
        #expect(Self.sum(try Self.parsePrometheus(try Self.get(base + "/metrics").body), "tollgate_ready") == 0)

        kill(mock.process.processIdentifier, SIGUSR2)
        let cameBack = ContinuousClock.now
        try KafkaRunCommandTests.waitFor("ready again once the brokers are back", seconds: 60) { try Self.get(base + "/readyz").status == 200 }
        print("[operations] /readyz went 200 \(ContinuousClock.now - cameBack) after the brokers came back")
        let samples = try Self.parsePrometheus(try Self.get(base + "/metrics").body)
        #expect(Self.sum(samples, "tollgate_reconnections_total", where: ["broker": "kafka"]) >= 1)

        run.process.terminate()
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "\(run.errors)")
    }

    @Test("SIGTERM mid-stream: exit 0, every output written so far confirmed and its offset committed; a second run finishes the topic with no duplicate")
    func sigtermMidStream() throws {
        let sandbox = try TollgateSandbox()
        let tollgate = try TollgateBinary.url()
        let (mock, brokers) = try KafkaRunCommandTests.startMock(tollgate, topics: ["events:4", "events.approved:2", "events.quarantine:2"], in: sandbox)
        defer { withExtendedLifetime(mock) {} }   // the cluster stops when its Child goes
        let count = 40_000
        let input = (0..<count).map { i in "k\(i)\t" + (i % 5 == 0 ? "{\"id\": \(i)" : "{\"id\": \"o\(i)\", \"n\": \(i)}") }.joined(separator: "\n") + "\n"
        _ = try KafkaRunCommandTests.runKcat(["-P", "-b", brokers, "-t", "events", "-K", "\t"], input: input)
        try sandbox.write("schemas/events/1.json", #"{"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}"#)
        try sandbox.write("tollgate.yaml", """
            # librdkafka 2.0.2's mock cluster may hold a join until the member that left (with a
            # LeaveGroup) would have timed out: a short session keeps the second run's wait short.
            source: {kafka: {brokers: "\(brokers)", topics: [events], group: drain, consumer: {session.timeout.ms: 6000}}}
            routes: {approved: events.approved, quarantine: events.quarantine}
            schemas: {directory: schemas}
            bindings: [{source: events, subject: events}]
            """)
        let first = try Child(tollgate, ["run", "--config", "tollgate.yaml", "--status-interval", "0"], in: sandbox.directory, name: "run1")
        let base = try Self.endpoint(of: first)
        var consumedBeforeSignal = 0.0
        try KafkaRunCommandTests.waitFor("a fifth of the topic consumed", seconds: 120) {
            consumedBeforeSignal = Self.sum(try Self.parsePrometheus(try Self.get(base + "/metrics").body), "tollgate_messages_consumed_total")
            return consumedBeforeSignal >= Double(count / 5)
        }
        first.process.terminate()
        first.process.waitUntilExit()
        #expect(first.process.terminationStatus == 0, "\(first.errors)")
        let stopped = first.errors.split(separator: "\n").first { $0.contains("stopped: consumed") }.map(String.init) ?? ""
        #expect(stopped.contains("failed 0"), "\(first.errors)")
        print("[operations] SIGTERM after \(Int(consumedBeforeSignal)) consumed; \(stopped)")

        let second = try Child(tollgate, ["run", "--config", "tollgate.yaml", "--status-interval", "0", "--stop-when-idle", "2"],
                               in: sandbox.directory, name: "run2")
        second.process.waitUntilExit()
        #expect(second.process.terminationStatus == 0, "\(second.errors)")

        var keys: [String: Int] = [:]
        for topic in ["events.approved", "events.quarantine"] {
            let out = try KafkaRunCommandTests.runKcat(["-C", "-b", brokers, "-t", topic, "-e", "-q", "-f", "%k\n"])
            for key in out.split(separator: "\n") { keys[String(key), default: 0] += 1 }
        }
        let missing = (0..<count).filter { keys["k\($0)"] == nil }.count
        let duplicates = keys.values.reduce(0) { $0 + $1 - 1 }
        print("[operations] SIGTERM mid-stream: \(count) inputs, \(keys.count) distinct outputs, \(missing) missing, \(duplicates) duplicates")
        #expect(missing == 0, "\(second.errors)")
        #expect(duplicates == 0, "a graceful stop commits every confirmed offset, so nothing is written twice")
    }

    @Test("reload.watch: a schema file written while running is picked up without a signal")
    func watchReload() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schemas/orders/1.json", #"{"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}, "additionalProperties": false}"#)
        try sandbox.write("tollgate.yaml", """
            source: {kafka: {brokers: mock, topics: [orders], mock: {partitions: 1}}}
            routes: {approved: orders.approved, quarantine: orders.quarantine}
            schemas: {directory: schemas}
            bindings: [{source: orders, subject: orders}]
            reload: {watch: true, interval: 1}
            """)
        let run = try Child(try TollgateBinary.url(), ["run", "--config", "tollgate.yaml", "--status-interval", "0"], in: sandbox.directory, name: "run")
        let base = try Self.endpoint(of: run)
        #expect(Self.sum(try Self.parsePrometheus(try Self.get(base + "/metrics").body), "tollgate_schema_versions_loaded") == 1)
        try sandbox.write("schemas/orders/2.json", #"{"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "sku": {"type": "string"}}, "additionalProperties": false}"#)
        try KafkaRunCommandTests.waitFor("the new version loaded", seconds: 30) {
            Self.sum(try Self.parsePrometheus(try Self.get(base + "/metrics").body), "tollgate_schema_versions_loaded") == 2
        }
        #expect(run.errors.contains("tollgate: schemas reloaded (directory=schemas, subjects=1, trigger=file change, versions=2)"), "\(run.errors)")
        run.process.terminate()
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "\(run.errors)")
    }

    @Test("SIGHUP with a broken schema keeps the registry in use and counts the failure; with a good one swaps it, and the new version decides the next message")
    func sighupReload() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schemas/orders/1.json", #"{"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}, "additionalProperties": false}"#)
        try sandbox.write("tollgate.yaml", """
            source: {kafka: {brokers: mock, topics: [orders], group: reload, mock: {partitions: 1}}}
            routes: {approved: orders.approved, quarantine: orders.quarantine}
            schemas: {directory: schemas}
            bindings: [{source: orders, subject: orders, select: [{header: tollgate-schema}, {version: 1}]}]
            """)
        let run = try Child(try TollgateBinary.url(), ["run", "--config", "tollgate.yaml", "--status-interval", "0"], in: sandbox.directory, name: "run")
        let base = try Self.endpoint(of: run)
        guard let brokersLine = run.errors.split(separator: "\n").first(where: { $0.contains("mock cluster at ") }),
              let brokers = brokersLine.split(separator: " ").first(where: { $0.hasPrefix("127.0.0.1:") }) else {
            Issue.record("no mock cluster address: \(run.errors)")
            return
        }
        func produce(_ id: String) throws {
            _ = try KafkaRunCommandTests.runKcat(["-P", "-b", String(brokers), "-t", "orders", "-H", "tollgate-schema=2"],
                                                 input: #"{"id": "\#(id)", "sku": "s-1"}"# + "\n")
        }
        func metrics() throws -> [Sample] { try Self.parsePrometheus(try Self.get(base + "/metrics").body) }

        // Version 2 does not exist yet: unknown-schema.
        try produce("a")
        try KafkaRunCommandTests.waitFor("the first message quarantined", seconds: 60) {
            Self.sum(try metrics(), "tollgate_messages_quarantined_total", where: ["reason": "unknown-schema"]) == 1
        }

        try sandbox.write("schemas/orders/2.json", #"{"type": "object", "required": ["id", "#)
        kill(run.process.processIdentifier, SIGHUP)
        try KafkaRunCommandTests.waitFor("the failed reload counted", seconds: 30) {
            Self.sum(try metrics(), "tollgate_schema_reloads_total", where: ["result": "failure"]) == 1
        }
        #expect(run.errors.contains("schema reload failed; the schemas in use stay"), "\(run.errors)")
        #expect(run.errors.contains("2.json"), "the error names the file: \(run.errors)")
        #expect(Self.sum(try metrics(), "tollgate_schema_versions_loaded") == 1)
        try produce("b")
        try KafkaRunCommandTests.waitFor("the second message quarantined by the old registry", seconds: 30) {
            Self.sum(try metrics(), "tollgate_messages_quarantined_total", where: ["reason": "unknown-schema"]) == 2
        }

        try sandbox.write("schemas/orders/2.json", #"{"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "sku": {"type": "string"}}, "additionalProperties": false}"#)
        kill(run.process.processIdentifier, SIGHUP)
        try KafkaRunCommandTests.waitFor("the good reload counted", seconds: 30) {
            Self.sum(try metrics(), "tollgate_schema_reloads_total", where: ["result": "success"]) == 1
        }
        #expect(Self.sum(try metrics(), "tollgate_schema_versions_loaded") == 2)
        try produce("c")
        try KafkaRunCommandTests.waitFor("the third message approved by version 2", seconds: 30) {
            Self.sum(try metrics(), "tollgate_messages_approved_total", where: ["subject": "orders", "version": "2"]) == 1
        }
        #expect(Self.sum(try metrics(), "tollgate_schema_reloads_total", where: ["result": "failure"]) == 1)

        run.process.terminate()
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "\(run.errors)")
    }
}
