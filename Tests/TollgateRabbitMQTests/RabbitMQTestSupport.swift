import Foundation
import Synchronization
import Testing
import BrokerTestSupport
import Tollgate
@testable import TollgateRabbitMQ

/// Helpers for tests against the real rabbitmq-server that `scripts/test.sh` starts (or the one at
/// `TOLLGATE_RABBITMQ_URL`): unique names per test, publishing inputs, reading outputs back.
enum RabbitMQTestSupport: BrokerTestSupport {
    /// The routers' telemetry in these tests: metrics as usual, but no log line per quarantined
    /// message (thousands of them would bury the test output); connection events are still logged.
    static let telemetry = RoutingTelemetry(broker: "rabbitmq", quarantineLinesPerSecond: 0)

    static let url: RabbitMQURL = {
        let text = ProcessInfo.processInfo.environment["TOLLGATE_RABBITMQ_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2f"
        return try! RabbitMQURL(parsing: text)
    }()

    struct TestError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The queues and exchanges of one test: an input queue, and an approved and a quarantine
    /// exchange, each bound to a queue of the same name.
    struct Names: Sendable {
        var prefix: String
        var input: String { "\(prefix).in" }
        var approved: String { "\(prefix).approved" }
        var quarantine: String { "\(prefix).quarantine" }

        init(_ test: String) {
            prefix = "tollgate-test.\(test).\(UUID().uuidString.prefix(8))"
        }

        var topology: RabbitMQTopology {
            RabbitMQTopology(
                exchanges: [.init(name: approved, type: "topic"), .init(name: quarantine, type: "topic")],
                queues: [.init(name: input), .init(name: approved), .init(name: quarantine)],
                bindings: [.init(exchange: approved, queue: approved), .init(exchange: quarantine, queue: quarantine)])
        }

        var sinkConfiguration: RabbitMQSink.Configuration {
            .init(url: RabbitMQTestSupport.url, approved: .init(exchange: approved), quarantine: .init(exchange: quarantine),
                  connectionName: "tollgate publisher \(prefix)", backoff: .seconds(2))
        }
    }

    static func connect(_ name: String = "tollgate test") throws -> AMQPConnection {
        let conn = try AMQPConnection(url: url, name: name)
        try conn.openChannel(1)
        return conn
    }

    static func declare(_ names: Names) throws {
        let conn = try connect()
        defer { conn.close() }
        try RabbitMQDeclarer.declare(names.topology, on: conn, channel: 1)
    }

    static func delete(_ names: Names) {
        guard let conn = try? connect() else { return }
        defer { conn.close() }
        for queue in [names.input, names.approved, names.quarantine] { try? conn.deleteQueue(queue, channel: 1) }
        for exchange in [names.approved, names.quarantine] { try? conn.deleteExchange(exchange, channel: 1) }
    }

    /// What kind of message input `index` is, cycling through every outcome.
    enum Kind: CaseIterable { case valid, invalid, malformed, unknownVersion }

    struct Input: Sendable {
        var index: Int
        var kind: Kind
        var properties: AMQPProperties
        var body: [UInt8]
        var id: String { "m-\(index)" }
    }

    static func input(_ index: Int) -> Input {
        let kind = Kind.allCases[index % Kind.allCases.count]
        let id = "m-\(index)"
        var headers: AMQPTable = ["trace-id": .string(String(index, radix: 16)), "attempt": .int32(Int32(index % 7)),
                                  "flags": .table(["retry": .boolean(index % 2 == 0)])]
        let value: String
        switch kind {
        case .valid: value = #"{"id":"\#(id)","n":\#(index)}"#
        case .invalid: value = #"{"id":"\#(id)","n":-\#(index)}"#
        case .malformed: value = #"{"id":"\#(id)","n":"#
        case .unknownVersion:
            value = #"{"id":"\#(id)","n":\#(index)}"#
            headers.entries.append(.init(name: "tollgate-schema", value: .string("events/9")))
        }
        let properties = AMQPProperties(contentType: "application/json", headers: headers, deliveryMode: AMQPProperties.persistent,
                                        correlationId: "c-\(index)", messageId: id, timestamp: 1_700_000_000 + UInt64(index))
        return Input(index: index, kind: kind, properties: properties, body: Array(value.utf8))
    }

    static func expectedReason(_ kind: Kind) -> String? {
        switch kind {
        case .valid: nil
        case .invalid: "schema-violation"
        case .malformed: "malformed-json"
        case .unknownVersion: "unknown-schema"
        }
    }

    /// Publishes `inputs` to `queue` (through the default exchange) and waits for every confirm.
    static func publish(_ inputs: some Sequence<Input>, to queue: String) throws {
        let conn = try connect("tollgate test publisher")
        defer { conn.close() }
        try conn.enableConfirms(channel: 1)
        var sent: UInt64 = 0
        var confirmed: UInt64 = 0
        for input in inputs {
            try conn.publish(exchange: "", routingKey: queue, mandatory: true, properties: input.properties, body: input.body, channel: 1)
            sent += 1
            if sent - confirmed > 2000 { confirmed = try awaitConfirms(conn, from: confirmed, upTo: sent - 1000) }
        }
        _ = try awaitConfirms(conn, from: confirmed, upTo: sent)
    }

    private static func awaitConfirms(_ conn: AMQPConnection, from start: UInt64, upTo target: UInt64) throws -> UInt64 {
        var confirmed = start
        let deadline = ContinuousClock.now + .seconds(60)
        while confirmed < target {
            guard ContinuousClock.now < deadline else { throw TestError("publishing: confirms timed out at \(confirmed) of \(target)") }
            switch try conn.next(timeout: .seconds(1)) {
            case .ack(let tag, _): confirmed = max(confirmed, tag)
            case .nack(let tag, _): throw TestError("publishing: the broker nacked \(tag)")
            case .returned(let r): throw TestError("publishing: returned \(r.replyText)")
            case .channelClosed(_, let code, let text): throw TestError("publishing: channel closed \(code) \(text)")
            default: break
            }
        }
        return confirmed
    }

    /// Reads (and removes) the messages in `queue`: stops when `count` arrived or nothing came for
    /// `quiet`.
    static func drain(_ queue: String, count: Int? = nil, quiet: Duration = .seconds(2)) throws -> [RabbitMQDelivery] {
        let conn = try connect("tollgate test reader")
        defer { conn.close() }
        try conn.qos(prefetch: 5000, channel: 1)
        _ = try conn.consume(queue: queue, autoAck: true, channel: 1)
        var out: [RabbitMQDelivery] = []
        var last = ContinuousClock.now
        while count.map({ out.count < $0 }) ?? true, ContinuousClock.now - last < quiet {
            if case .delivery(let d) = try conn.next(timeout: .milliseconds(100)) {
                out.append(d)
                last = .now
            }
        }
        return out
    }

    /// Messages ready and unacknowledged in `queue`, as `rabbitmqctl list_queues` reports them.
    static func counts(_ queue: String) throws -> (ready: Int, unacked: Int) {
        let output = try rabbitmqctl(["-q", "list_queues", "name", "messages_ready", "messages_unacknowledged"])
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            if fields.count == 3, fields[0] == queue, let ready = Int(fields[1]), let unacked = Int(fields[2]) { return (ready, unacked) }
        }
        throw TestError("queue \(queue) not listed by rabbitmqctl: \(output)")
    }

    /// Force-closes the broker's connections whose name contains `text` (this test's, and no other
    /// test's), as `rabbitmqctl close_all_connections` would. Returns how many were closed.
    @discardableResult
    static func closeConnections(named text: String, reason: String = "tollgate test: forced close") throws -> Int {
        // The connection_name a client gives is in its client properties.
        let output = try rabbitmqctl(["-q", "list_connections", "--no-table-headers", "pid", "client_properties"])
        var closed = 0
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 1)
            guard fields.count == 2, fields[1].contains("{\"connection_name\",\"") && fields[1].contains(text) else { continue }
            try rabbitmqctl(["close_connection", String(fields[0]), reason])
            closed += 1
        }
        return closed
    }

    /// Runs rabbitmqctl and returns its output.
    @discardableResult
    static func rabbitmqctl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["rabbitmqctl"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw TestError("rabbitmqctl \(arguments.joined(separator: " ")) failed: \(text)") }
        return text
    }
}

/// Inputs in a queue, a router consuming them, and the checks: every input in an output at least
/// once (nothing lost), the duplicates counted and printed, the verdicts and headers right.
final class RabbitMQScenario: @unchecked Sendable {
    let names: RabbitMQTestSupport.Names
    let inputs: [RabbitMQTestSupport.Input]
    let pipeline: Pipeline

    init(_ test: String, count: Int) throws {
        names = RabbitMQTestSupport.Names(test)
        inputs = (0..<count).map(RabbitMQTestSupport.input)
        pipeline = try RabbitMQTestSupport.eventsPipeline()
        try RabbitMQTestSupport.declare(names)
    }

    deinit { RabbitMQTestSupport.delete(names) }

    /// Where the last fifth of the inputs starts.
    var tailStart: Int { inputs.count - inputs.count / 5 }
    private let tailPublished = Mutex(false)

    /// Publishes the last fifth of the inputs, the first time it is called (retrying while the
    /// broker is away).
    func publishTailOnce() throws {
        guard tailPublished.withLock({ published in defer { published = true }; return !published }) else { return }
        var lastError: Error?
        for _ in 0..<120 {
            do {
                try RabbitMQTestSupport.publish(inputs[tailStart...], to: names.input)
                return
            } catch {
                lastError = error
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        throw lastError!
    }

    func router(prefetch: Int = 500, topology: RabbitMQTopology? = nil, sink: (any OutputSink)? = nil) -> RabbitMQRouter {
        RabbitMQRouter(pipeline: ReloadablePipeline(pipeline), configuration: .init(
            url: RabbitMQTestSupport.url, queue: names.input, prefetch: prefetch, topology: topology ?? names.topology,
            heartbeat: 5, maxBackoff: .seconds(2), shutdownTimeout: .seconds(20), connectionName: "tollgate consumer \(names.prefix)"),
            sink: sink ?? RabbitMQSink(configuration: names.sinkConfiguration), telemetry: RabbitMQTestSupport.telemetry)
    }

    /// Publishes the inputs in `chunks` over about `seconds`, on a thread, so faults land mid-stream.
    func publishGradually(from first: Int = 0, to end: Int? = nil, chunks: Int, seconds: Double) -> Thread {
        let end = end ?? inputs.count
        let thread = Thread { [self] in
            let size = max(1, (end - first + chunks - 1) / chunks)
            for start in stride(from: first, to: end, by: size) {
                let slice = inputs[start..<min(start + size, end)]
                // A publish can fail while the broker restarts: try again until it lands.
                for _ in 0..<100 {
                    if (try? RabbitMQTestSupport.publish(slice, to: names.input)) != nil { break }
                    Thread.sleep(forTimeInterval: 0.5)
                }
                Thread.sleep(forTimeInterval: seconds / Double(chunks))
            }
        }
        thread.start()
        return thread
    }

    struct Outcome {
        var approved: [RabbitMQDelivery]
        var quarantined: [RabbitMQDelivery]
        var duplicates: Int
        var missing: [String]
    }

    /// Reads both outputs and checks every output against its input. Publishing the same input
    /// twice before the test's own publish confirm arrives can make input duplicates too, so the
    /// check counts by message-id.
    func outcome(expecting minimum: Int? = nil, quiet: Duration = .seconds(3)) throws -> Outcome {
        let approved = try RabbitMQTestSupport.drain(names.approved, quiet: quiet)
        let quarantined = try RabbitMQTestSupport.drain(names.quarantine, quiet: quiet)
        var seen: [String: Int] = [:]
        let byId = Dictionary(uniqueKeysWithValues: inputs.map { ($0.id, $0) })
        for (route, deliveries) in [("approved", approved), ("quarantine", quarantined)] {
            for delivery in deliveries {
                guard let id = delivery.properties.messageId, let input = byId[id] else {
                    Issue.record("an output with no known message-id in \(route)")
                    continue
                }
                seen[id, default: 0] += 1
                let reason = RabbitMQTestSupport.expectedReason(input.kind)
                #expect((route == "approved") == (reason == nil), "\(id) of kind \(input.kind) went to \(route)")
                #expect(delivery.body == input.body, "\(id): the body is forwarded unchanged")
                #expect(delivery.properties.contentType == "application/json" && delivery.properties.correlationId == "c-\(input.index)"
                        && delivery.properties.deliveryMode == 2 && delivery.properties.timestamp == input.properties.timestamp,
                        "\(id): properties kept")
                let headers = delivery.properties.headers
                #expect(headers["attempt"] == .int32(Int32(input.index % 7)) && headers["flags"] == .table(["retry": .boolean(input.index % 2 == 0)])
                        && headers["trace-id"] == .string(String(input.index, radix: 16)), "\(id): typed headers kept")
                if let reason {
                    #expect(headers["tollgate.reason"] == .string(reason), "\(id)")
                    #expect(headers["tollgate.source.queue"] == .string(names.input))
                    #expect(headers["tollgate.source.routing-key"] == .string(names.input))
                    #expect(headers["tollgate.source.exchange"] == .string(""))
                    #expect(headers["tollgate.source.delivery-tag"].flatMap { $0.headerBytes.flatMap { UInt64(String(decoding: $0, as: UTF8.self)) } } != nil)
                    #expect(headers["tollgate.quarantined-at"] != nil)
                    if reason == "schema-violation" {
                        #expect(headers["tollgate.schema"] == .string("events/1"))
                        #expect(headers["tollgate.errors"].map { String(decoding: $0.headerBytes ?? [], as: UTF8.self).contains("/n") } == true)
                    }
                } else {
                    #expect(headers["tollgate.schema"] == .string("events/1"))
                    #expect(headers["tollgate.reason"] == nil)
                }
            }
        }
        let missing = inputs.map(\.id).filter { seen[$0] == nil }
        let duplicates = seen.values.reduce(0) { $0 + $1 - 1 }
        return Outcome(approved: approved, quarantined: quarantined, duplicates: duplicates, missing: missing)
    }
}
