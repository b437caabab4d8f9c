import Foundation
import Testing
import TollgateSchema

/// `tollgate run` with a RabbitMQ source, as a user runs it, against the real rabbitmq-server that
/// scripts/test.sh starts; inputs published and outputs read by clients we did not write
/// (`amqp-publish` from amqp-tools, Python's pika).
@Suite("tollgate run with RabbitMQ", .serialized)
struct RabbitMQRunCommandTests {
    typealias Child = KafkaRunCommandTests.Child

    static let url = ProcessInfo.processInfo.environment["TOLLGATE_RABBITMQ_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2f"
    static let schema = #"{"type": "object", "required": ["id", "n"], "properties": {"id": {"type": "string"}, "n": {"type": "integer", "minimum": 0}}}"#

    struct ToolFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a program to completion with `input` on standard input; returns its standard output.
    @discardableResult
    static func tool(_ name: String, _ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        let inputPipe = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : inputPipe
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        if let input {
            let data = Data(input.utf8)
            DispatchQueue.global().async {
                inputPipe.fileHandleForWriting.write(data)
                try? inputPipe.fileHandleForWriting.close()
            }
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolFailed(description: "\(name) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: err, as: UTF8.self))")
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Every message in `queue`, taken off it by pika (basic_get until empty): body and headers.
    static func readWithPika(_ queue: String) throws -> [(body: String, headers: [String: JSONValue])] {
        let script = """
            import json, sys, pika
            connection = pika.BlockingConnection(pika.URLParameters(sys.argv[1]))
            channel = connection.channel()
            while True:
                method, properties, body = channel.basic_get(sys.argv[2], auto_ack=True)
                if method is None:
                    break
                headers = {k: (v.decode('utf-8', 'replace') if isinstance(v, bytes) else v) for k, v in (properties.headers or {}).items()}
                print(json.dumps({"body": body.decode('utf-8', 'replace'), "headers": headers, "delivery_mode": properties.delivery_mode}, default=str))
            connection.close()
            """
        let output = try tool("python3", ["-c", script, url, queue])
        return try output.split(separator: "\n").map { line in
            let value = try JSONValue(parsing: String(line))
            guard case .object(let fields) = value, case .string(let body)? = fields.first(where: { $0.key == "body" })?.value,
                  case .object(let headers)? = fields.first(where: { $0.key == "headers" })?.value
            else { throw ToolFailed(description: "pika printed \(line)") }
            return (body, Dictionary(headers.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 }))
        }
    }

    /// Ready and unacknowledged messages in `queue`.
    static func counts(_ queue: String) throws -> (ready: Int, unacked: Int) {
        let output = try tool("rabbitmqctl", ["-q", "list_queues", "name", "messages_ready", "messages_unacknowledged"])
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            if fields.count == 3, fields[0] == queue, let ready = Int(fields[1]), let unacked = Int(fields[2]) { return (ready, unacked) }
        }
        throw ToolFailed(description: "rabbitmqctl does not list \(queue)")
    }

    /// A configuration for a RabbitMQ source `prefix.in` that declares everything it uses; `routes`
    /// replaces the default (exchanges `prefix.approved` and `prefix.quarantine`).
    static func configuration(_ prefix: String, routes: String? = nil, extra: String = "") -> String {
        """
        source:
          rabbitmq:
            url: \(url)
            queue: \(prefix).in
            prefetch: 500
            declare:
              exchanges:
                - {name: \(prefix).approved, type: topic}
                - {name: \(prefix).quarantine, type: topic}
              queues:
                - {name: \(prefix).in}
                - {name: \(prefix).approved}
                - {name: \(prefix).quarantine, type: quorum}
              bindings:
                - {exchange: \(prefix).approved, queue: \(prefix).approved, routingKey: "#"}
                - {exchange: \(prefix).quarantine, queue: \(prefix).quarantine, routingKey: "#"}
        routes:
        \(routes ?? "  approved: \(prefix).approved\n  quarantine: \(prefix).quarantine")
        bindings:
          - source: "*"
            subject: events
        \(extra)
        """
    }

    /// `tollgate run --config tollgate.yaml` killed with SIGKILL as soon as its status line shows it
    /// consuming, then started again until `queue` is empty with nothing unacknowledged, then
    /// stopped with SIGTERM (exit 0).
    static func runKilledAndRestarted(in sandbox: TollgateSandbox, draining queue: String) throws {
        let tollgate = try TollgateBinary.url()
        let first = try Child(tollgate, ["run", "--config", "tollgate.yaml", "--status-interval", "1"], in: sandbox.directory, name: "run1")
        try KafkaRunCommandTests.waitFor("the first run consuming", seconds: 60) {
            first.errors.split(separator: "\n").contains { $0.hasPrefix("tollgate: consumed ") && !$0.hasPrefix("tollgate: consumed 0,") }
        }
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        #expect(first.process.terminationReason == .uncaughtSignal)
        let second = try Child(tollgate, ["run", "--config", "tollgate.yaml", "--status-interval", "0"], in: sandbox.directory, name: "run2")
        try KafkaRunCommandTests.waitFor("the input queue drained", seconds: 180) {
            let c = try counts(queue)
            return c.ready == 0 && c.unacked == 0
        }
        second.process.terminate()
        second.process.waitUntilExit()
        #expect(second.process.terminationStatus == 0, "\(second.errors)")
    }

    static func cleanUp(_ prefix: String) {
        for queue in ["in", "approved", "quarantine"] { _ = try? tool("amqp-delete-queue", ["--url", url, "-q", "\(prefix).\(queue)"]) }
    }

    @Test("amqp-publish writes the input, tollgate run routes it, pika reads both outputs with the Tollgate headers")
    func endToEnd() throws {
        let sandbox = try TollgateSandbox()
        let prefix = "tollgate-cli.e2e.\(UUID().uuidString.prefix(8))"
        defer { Self.cleanUp(prefix) }
        try sandbox.write("schemas/events/1.json", Self.schema)
        try sandbox.write("tollgate.yaml", Self.configuration(prefix))
        try Self.tool("amqp-declare-queue", ["--url", Self.url, "-d", "-q", "\(prefix).in"])
        let bodies = [#"{"id":"a","n":1}"#, #"{"id":"b","n":-1}"#, #"{"id":"c","#, #"{"id":"d","n":4}"#, #"{"id":"e"}"#]
        for body in bodies {
            try Self.tool("amqp-publish", ["--url", Self.url, "-r", "\(prefix).in", "-p", "-C", "application/json",
                                           "-H", "trace-id: t-\(body.count)", "-b", body])
        }
        let run = try sandbox.run(["run", "--config", "tollgate.yaml", "--stop-when-idle", "1", "--status-interval", "0"])
        #expect(run.status == 0, "\(run)")
        #expect(run.stderr.contains("consumed 5, approved 2, quarantined 3, confirmed 5, acknowledged 5"), "\(run.stderr)")
        #expect(!run.stderr.contains("guest:guest"), "credentials are never printed")

        let approved = try Self.readWithPika("\(prefix).approved")
        let quarantined = try Self.readWithPika("\(prefix).quarantine")
        #expect(Set(approved.map(\.body)) == [bodies[0], bodies[3]])
        #expect(Set(quarantined.map(\.body)) == [bodies[1], bodies[2], bodies[4]])
        for message in approved {
            #expect(message.headers["tollgate.schema"] == .string("events/1"))
            #expect(message.headers["trace-id"] == .string("t-\(message.body.count)"), "the producer's headers are kept")
        }
        let reasons = Dictionary(uniqueKeysWithValues: quarantined.map { ($0.body, $0.headers) })
        #expect(reasons[bodies[1]]?["tollgate.reason"] == .string("schema-violation"))
        #expect(reasons[bodies[2]]?["tollgate.reason"] == .string("malformed-json"))
        #expect(reasons[bodies[4]]?["tollgate.reason"] == .string("schema-violation"))
        for (_, headers) in reasons {
            #expect(headers["tollgate.source.queue"] == .string("\(prefix).in"))
            #expect(headers["tollgate.source.routing-key"] == .string("\(prefix).in"))
            #expect(headers["tollgate.source.exchange"] == .string(""))
            #expect(headers["tollgate.source.delivery-tag"] != nil && headers["tollgate.quarantined-at"] != nil)
            #expect(headers["trace-id"] != nil)
        }
        if case .string(let errors)? = reasons[bodies[1]]?["tollgate.errors"] {
            #expect(errors.contains(#""instanceLocation":"/n""#), "\(errors)")
        } else {
            Issue.record("no tollgate.errors header: \(String(describing: reasons[bodies[1]]))")
        }
        let input = try Self.counts("\(prefix).in")
        #expect(input.ready == 0 && input.unacked == 0)
    }

    @Test("outputs that cannot be confirmed: SIGTERM waits shutdownTimeout, then exits 0 with every input back in the queue; a second SIGTERM exits at once")
    func stuckShutdown() throws {
        let sandbox = try TollgateSandbox()
        let prefix = "tollgate-cli.stuck.\(UUID().uuidString.prefix(8))"
        defer { Self.cleanUp(prefix) }
        try sandbox.write("schemas/events/1.json", Self.schema)
        // Both routes go to a Kafka cluster nobody listens on: writes are never confirmed.
        let routes = "  approved: {kafka: {brokers: \"127.0.0.1:1\", topic: events.approved}}\n  quarantine: {kafka: {brokers: \"127.0.0.1:1\", topic: events.quarantine}}"
        try Self.tool("amqp-declare-queue", ["--url", Self.url, "-d", "-q", "\(prefix).in"])
        try Self.tool("amqp-publish", ["--url", Self.url, "-r", "\(prefix).in", "-p", "-l"],
                      input: (0..<20).map { "{\"id\":\"k-\($0)\",\"n\":\($0)}\n" }.joined())
        let tollgate = try TollgateBinary.url()

        func start(shutdownTimeout: Int, name: String) throws -> Child {
            try sandbox.write("tollgate.yaml", Self.configuration(prefix, routes: routes, extra: "shutdownTimeout: \(shutdownTimeout)"))
            let run = try Child(tollgate, ["run", "--config", "tollgate.yaml", "--status-interval", "1"], in: sandbox.directory, name: name)
            try KafkaRunCommandTests.waitFor("all 20 consumed and held unacknowledged", seconds: 60) {
                try run.errors.contains("tollgate: consumed 20,") && Self.counts("\(prefix).in").unacked == 20
            }
            return run
        }

        // One SIGTERM: waits shutdownTimeout (3 s) for the writes, gives up on them, exits 0.
        let patient = try start(shutdownTimeout: 3, name: "run1")
        let signalled = ContinuousClock.now
        patient.process.terminate()
        patient.process.waitUntilExit()
        let took = ContinuousClock.now - signalled
        print("[operations] one SIGTERM with writes stuck, shutdownTimeout 3 s: exited \(patient.process.terminationStatus) after \(took)")
        #expect(patient.process.terminationStatus == 0, "\(patient.errors)")
        #expect(took >= .seconds(3) && took < .seconds(20), "\(took)")
        try KafkaRunCommandTests.waitFor("the 20 inputs back in the queue") { (try Self.counts("\(prefix).in")) == (20, 0) }

        // Two SIGTERMs: the second exits at once (143), long before shutdownTimeout (120 s).
        let impatient = try start(shutdownTimeout: 120, name: "run2")
        impatient.process.terminate()
        Thread.sleep(forTimeInterval: 1)
        #expect(impatient.process.isRunning, "still draining after the first SIGTERM")
        let again = ContinuousClock.now
        impatient.process.terminate()
        impatient.process.waitUntilExit()
        let quick = ContinuousClock.now - again
        print("[operations] second SIGTERM: exited \(impatient.process.terminationStatus) after \(quick)")
        #expect(impatient.process.terminationStatus == 143 && quick < .seconds(5), "\(quick): \(impatient.errors)")
        #expect(impatient.errors.contains("SIGTERM again: exiting at once"), "\(impatient.errors)")
        try KafkaRunCommandTests.waitFor("the 20 inputs back in the queue") { (try Self.counts("\(prefix).in")) == (20, 0) }
    }

    @Test("tollgate run killed with SIGKILL mid-stream and restarted: nothing lost, duplicates counted")
    func sigkill() throws {
        let sandbox = try TollgateSandbox()
        let prefix = "tollgate-cli.kill.\(UUID().uuidString.prefix(8))"
        defer { Self.cleanUp(prefix) }
        try sandbox.write("schemas/events/1.json", Self.schema)
        try sandbox.write("tollgate.yaml", Self.configuration(prefix))
        try Self.tool("amqp-declare-queue", ["--url", Self.url, "-d", "-q", "\(prefix).in"])
        let count = 40_000
        var lines = ""
        for i in 0..<count { lines += "{\"id\":\"k-\(i)\",\"n\":\(i % 5 == 0 ? -1 : i)}\n" }
        try Self.tool("amqp-publish", ["--url", Self.url, "-r", "\(prefix).in", "-p", "-l"], input: lines)

        try Self.runKilledAndRestarted(in: sandbox, draining: "\(prefix).in")

        let written = try (Self.readWithPika("\(prefix).approved") + Self.readWithPika("\(prefix).quarantine")).map { message -> String in
            guard case .object(let fields) = try JSONValue(parsing: message.body), case .string(let id)? = fields.first(where: { $0.key == "id" })?.value else { return "?" }
            return id
        }
        let missing = Set((0..<count).map { "k-\($0)" }).subtracting(written)
        let duplicates = written.count - Set(written).count
        print("[rabbitmq fault test] SIGKILL mid-stream and restart: \(count) inputs -> \(written.count) outputs, \(missing.count) missing, \(duplicates) duplicates")
        #expect(missing.isEmpty, "lost: \(missing.sorted().prefix(10))")
    }

    @Test("cross-broker: RabbitMQ in, Kafka (mock cluster) out, SIGKILL mid-stream and restart: nothing lost")
    func rabbitMQToKafka() throws {
        let sandbox = try TollgateSandbox()
        let prefix = "tollgate-cli.cross.\(UUID().uuidString.prefix(8))"
        defer { Self.cleanUp(prefix) }
        let tollgate = try TollgateBinary.url()
        let (mock, brokers) = try KafkaRunCommandTests.startMock(tollgate, topics: ["events.approved:4", "events.quarantine:4"], in: sandbox)
        defer { withExtendedLifetime(mock) {} }   // the cluster stops when its Child goes
        try sandbox.write("schemas/events/1.json", Self.schema)
        try sandbox.write("tollgate.yaml", Self.configuration(prefix, routes: """
              approved: {kafka: {brokers: "\(brokers)", topic: events.approved}}
              quarantine: {kafka: {brokers: "\(brokers)", topic: events.quarantine}}
            """))
        try Self.tool("amqp-declare-queue", ["--url", Self.url, "-d", "-q", "\(prefix).in"])
        let count = 30_000
        var lines = ""
        for i in 0..<count { lines += "{\"id\":\"x-\(i)\",\"n\":\(i % 4 == 0 ? -1 : i)}\n" }
        try Self.tool("amqp-publish", ["--url", Self.url, "-r", "\(prefix).in", "-p", "-l"], input: lines)

        try Self.runKilledAndRestarted(in: sandbox, draining: "\(prefix).in")

        func ids(_ topic: String) throws -> [String] {
            try KafkaRunCommandTests.runKcat(["-C", "-b", brokers, "-t", topic, "-e", "-q", "-f", "%s\\n"]).split(separator: "\n").map { line in
                guard case .object(let fields) = try JSONValue(parsing: String(line)), case .string(let id)? = fields.first(where: { $0.key == "id" })?.value else { return "?" }
                return id
            }
        }
        let approved = try ids("events.approved"), quarantined = try ids("events.quarantine")
        #expect(Set(approved).isDisjoint(with: quarantined))
        #expect(Set(quarantined) == Set(stride(from: 0, to: count, by: 4).map { "x-\($0)" }))
        let written = approved + quarantined
        let missing = Set((0..<count).map { "x-\($0)" }).subtracting(written)
        print("[cross-broker fault test] RabbitMQ -> Kafka, SIGKILL mid-stream and restart: \(count) inputs -> \(written.count) outputs, \(missing.count) missing, \(written.count - Set(written).count) duplicates")
        #expect(missing.isEmpty, "lost: \(missing.sorted().prefix(10))")
        let headers = try KafkaRunCommandTests.runKcat(["-C", "-b", brokers, "-t", "events.quarantine", "-e", "-q", "-c", "1", "-f", "%h\\n"])
        #expect(headers.contains("tollgate.reason=schema-violation") && headers.contains("tollgate.source.queue=\(prefix).in"), "\(headers)")
    }

    @Test("cross-broker: Kafka in (kcat produces to the mock cluster), RabbitMQ out (pika reads): every offset in one output, then committed")
    func kafkaToRabbitMQ() throws {
        let sandbox = try TollgateSandbox()
        let prefix = "tollgate-cli.k2r.\(UUID().uuidString.prefix(8))"
        defer { Self.cleanUp(prefix) }
        let tollgate = try TollgateBinary.url()
        let (mock, brokers) = try KafkaRunCommandTests.startMock(tollgate, topics: ["events:4"], in: sandbox)
        defer { withExtendedLifetime(mock) {} }   // the cluster stops when its Child goes
        let count = 2_000
        var input = ""
        for i in 0..<count { input += "k-\(i)|{\"id\":\"k-\(i)\",\"n\":\(i % 4 == 0 ? -1 : i)}\n" }
        _ = try KafkaRunCommandTests.runKcat(["-P", "-b", brokers, "-t", "events", "-K", "|", "-H", "trace-id=abc"], input: input)
        // The RabbitMQ side is declared here (a Kafka source declares nothing on RabbitMQ).
        try Self.tool("amqp-declare-queue", ["--url", Self.url, "-d", "-q", "\(prefix).approved"])
        try Self.tool("amqp-declare-queue", ["--url", Self.url, "-d", "-q", "\(prefix).quarantine"])
        try sandbox.write("schemas/events/1.json", Self.schema)
        try sandbox.write("tollgate.yaml", """
            source:
              kafka:
                brokers: "\(brokers)"
                topics: [events]
                group: tollgate-k2r
            routes:
              approved: {rabbitmq: {url: "\(Self.url)", exchange: "", routingKey: \(prefix).approved}}     # the default exchange: straight to the queue
              quarantine: {rabbitmq: {url: "\(Self.url)", exchange: "", routingKey: \(prefix).quarantine}}
            bindings:
              - source: events
                subject: events
            """)
        let run = try sandbox.run(["run", "--config", "tollgate.yaml", "--stop-when-idle", "1", "--status-interval", "0"])
        #expect(run.status == 0, "\(run)")
        #expect(run.stderr.contains("consumed \(count),") && run.stderr.contains("confirmed \(count), failed 0"), "\(run.stderr)")
        let approved = try Self.readWithPika("\(prefix).approved")
        let quarantined = try Self.readWithPika("\(prefix).quarantine")
        #expect(approved.count + quarantined.count == count)
        #expect(quarantined.count == count / 4)
        #expect(quarantined.allSatisfy { $0.headers["tollgate.reason"] == .string("schema-violation") && $0.headers["tollgate.source.topic"] == .string("events")
            && $0.headers["tollgate.source.offset"] != nil && $0.headers["trace-id"] == .string("abc") })
        #expect(approved.allSatisfy { $0.headers["tollgate.schema"] == .string("events/1") })
        // Committed: a second run finds nothing to do.
        let again = try sandbox.run(["run", "--config", "tollgate.yaml", "--stop-when-idle", "1", "--status-interval", "0"])
        let approvedAgain = try Self.readWithPika("\(prefix).approved")
        #expect(again.status == 0 && approvedAgain.isEmpty, "\(again)")
    }

    @Test("amqps:// to a port that does not speak TLS fails with a TLS error, and is retried rather than fatal")
    func tlsToPlainPort() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schemas/events/1.json", Self.schema)
        try sandbox.write("tls.yaml", """
            source: {rabbitmq: {url: "amqps://guest:guest@127.0.0.1:5672/%2f", queue: q, tls: {verifyPeer: false, verifyHostname: false}}}
            routes: {approved: a, quarantine: b}
            bindings: [{source: "*", subject: events}]
            """)
        let child = try Child(try TollgateBinary.url(), ["run", "--config", "tls.yaml"], in: sandbox.directory, name: "tls")
        try KafkaRunCommandTests.waitFor("the TLS error") { child.errors.contains("cannot connect to 127.0.0.1:5672") }
        #expect(child.process.isRunning, "a connection failure is retried with backoff")
        child.process.terminate()
        child.process.waitUntilExit()
        #expect(child.errors.contains("amqps://guest:***@127.0.0.1:5672/"), "\(child.errors)")
    }

    @Test("configuration errors for a RabbitMQ source name the key; a broker that refuses the login is reported without the password")
    func configurationErrors() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schemas/events/1.json", Self.schema)
        try sandbox.write("bad-url.yaml", "source: {rabbitmq: {url: http://x, queue: q}}\nroutes: {approved: a, quarantine: b}\n")
        var run = try sandbox.run(["run", "--config", "bad-url.yaml"])
        #expect(run.status == 2 && run.stderr.contains("source.rabbitmq.url") && run.stderr.contains("amqp://"), "\(run)")
        try sandbox.write("no-queue.yaml", "source: {rabbitmq: {url: amqp://localhost}}\nroutes: {approved: a, quarantine: b}\n")
        run = try sandbox.run(["run", "--config", "no-queue.yaml"])
        #expect(run.status == 2 && run.stderr.contains("'source.rabbitmq.queue' is missing"), "\(run)")
        try sandbox.write("typo.yaml", "source: {rabbitmq: {url: amqp://localhost, queue: q, prefetsh: 10}}\nroutes: {approved: a, quarantine: b}\n")
        run = try sandbox.run(["run", "--config", "typo.yaml"])
        #expect(run.status == 2 && run.stderr.contains("prefetsh"), "\(run)")
        try sandbox.write("kafka-to-rabbit-no-url.yaml", "source: {kafka: {brokers: mock, topics: [t]}}\nroutes: {approved: {rabbitmq: {exchange: a}}, quarantine: b}\n")
        run = try sandbox.run(["run", "--config", "kafka-to-rabbit-no-url.yaml"])
        #expect(run.status == 2 && run.stderr.contains("needs its 'url'"), "\(run)")

        let prefix = "tollgate-cli.auth.\(UUID().uuidString.prefix(8))"
        try sandbox.write("wrong-password.yaml", """
            source: {rabbitmq: {url: "amqp://guest:sup3r-s3cret@127.0.0.1:5672/", queue: \(prefix)}}
            routes: {approved: a, quarantine: b}
            bindings: [{source: "*", subject: events}]
            """)
        let child = try Child(try TollgateBinary.url(), ["run", "--config", "wrong-password.yaml"], in: sandbox.directory, name: "auth")
        try KafkaRunCommandTests.waitFor("the login error") { child.errors.contains("ACCESS_REFUSED") }
        child.process.terminate()
        child.process.waitUntilExit()
        #expect(child.process.terminationStatus == 0)
        #expect(!child.errors.contains("sup3r-s3cret"), "\(child.errors)")
        #expect(child.errors.contains("guest:***@127.0.0.1"), "\(child.errors)")
    }
}

@Suite("tollgate run --check-config")
struct CheckConfigCommandTests {
    @Test("the deploy examples check out without a broker, and say what would run")
    func examples() throws {
        for (file, source) in [("deploy/tollgate.yaml", "source: Kafka localhost:9092"), ("deploy/tollgate-rabbitmq.yaml", "source: RabbitMQ amqp://guest:***@localhost:5672/"),
                               ("deploy/tollgate-mock.yaml", "source: Kafka mock cluster")] {
            let run = try TollgateSandbox().run(["run", "--config", file, "--check-config"], currentDirectory: ReadmeCommandTests.root)
            #expect(run.status == 0, "\(run)")
            #expect(run.stdout.contains(source) && run.stdout.contains("schemas: 1 subject (orders 1,2,3)")
                    && run.stdout.contains("configuration OK (nothing was connected to)"), "\(run)")
        }
    }

    @Test("mistakes found without connecting exit 2 naming the key: an unset variable, an unreadable CA file, a property librdkafka refuses (its secret value hidden)")
    func mistakes() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schemas/events/1.json", RabbitMQRunCommandTests.schema)
        try sandbox.write("env.yaml", "source: {rabbitmq: {url: 'amqp://u:${TOLLGATE_TEST_UNSET_PW}@h/', queue: q}}\nroutes: {approved: a, quarantine: b}\n")
        var run = try sandbox.run(["run", "--config", "env.yaml", "--check-config"])
        #expect(run.status == 2 && run.stderr.contains("'source.rabbitmq.url' uses ${TOLLGATE_TEST_UNSET_PW}"), "\(run)")
        try sandbox.write("tls.yaml", "source: {rabbitmq: {url: 'amqps://h/', queue: q, tls: {caCertificate: /nonexistent/ca.pem}}}\nroutes: {approved: a, quarantine: b}\n")
        run = try sandbox.run(["run", "--config", "tls.yaml", "--check-config"])
        #expect(run.status == 2 && run.stderr.contains("source.rabbitmq.tls.caCertificate: cannot read /nonexistent/ca.pem"), "\(run)")
        try sandbox.write("kafka.yaml", "source: {kafka: {brokers: b:9092, topics: [t], properties: {sasl.password: hunter2, no.such.property: x}}}\nroutes: {approved: a, quarantine: b}\n")
        run = try sandbox.run(["run", "--config", "kafka.yaml", "--check-config"])
        #expect(run.status == 2 && run.stderr.contains("no.such.property"), "\(run)")
        // A refused property whose name says it holds a secret is named, its value not shown.
        try sandbox.write("secret.yaml", "source: {kafka: {brokers: b:9092, topics: [t], properties: {sasl.pasword: hunter2}}}\nroutes: {approved: a, quarantine: b}\n")
        run = try sandbox.run(["run", "--config", "secret.yaml", "--check-config"])
        #expect(run.status == 2 && run.stderr.contains("sasl.pasword=***") && !run.stderr.contains("hunter2"), "\(run)")
    }
}
