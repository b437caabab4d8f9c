import ArgumentParser
import Foundation
import Tollgate
import TollgateKafka
import TollgateRabbitMQ
import Synchronization

/// `tollgate capture`: write a capture file from a live topic, for `tollgate replay`.
struct CaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture",
        abstract: "Write a capture file from a live topic or queue, for tollgate replay.",
        subcommands: [CaptureKafkaCommand.self, CaptureRabbitMQCommand.self]
    )
}

struct CaptureKafkaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Capture a Kafka topic's messages in Tollgate's capture format.",
        discussion: """
            Reads the topic (every partition, or those given) without joining a consumer group or \
            committing anything, and writes one JSON line per message: topic, partition, offset, \
            timestamp, headers, key and payload, with keys, payloads and header values that are not \
            UTF-8 in base64 (key_b64, payload_b64, {"b64": ...}). tollgate replay reads it back \
            byte for byte.

            By default it reads from the beginning up to the end offsets it sees when it starts, \
            then exits. --from picks the start: beginning, end, an offset (in every partition), or \
            an RFC 3339 time (the first message at or after it). --count stops after that many \
            messages; --follow keeps reading new messages until --count or Ctrl-C.

            Examples:
              tollgate capture kafka --brokers localhost:9092 --topic orders --out orders.jsonl
              tollgate capture kafka --brokers localhost:9092 --topic orders --from 2026-11-26T08:00:00Z --count 10000 --out morning.jsonl
              tollgate capture kafka --brokers localhost:9092 --topic orders --partition 3 --from 120000 --out p3.jsonl
              tollgate capture kafka --brokers localhost:9092 --topic orders --from end --follow --count 500 --out next-500.jsonl
            """
    )

    @Option(help: ArgumentHelp("bootstrap.servers.", valueName: "host:port,..."))
    var brokers: String

    @Option(help: ArgumentHelp("The topic to capture.", valueName: "topic"))
    var topic: String

    @Option(name: .customLong("partition"), help: ArgumentHelp("Only this partition (repeatable). Default: all.", valueName: "n"))
    var partitions: [Int32] = []

    @Option(help: ArgumentHelp("beginning, end, an offset, or an RFC 3339 time. Default: beginning.", valueName: "where"))
    var from: String = "beginning"

    @Option(help: ArgumentHelp("Stop after this many messages.", valueName: "n"))
    var count: Int?

    @Flag(help: "Keep reading new messages after the end, until --count or Ctrl-C.")
    var follow = false

    @Option(name: .customShort("X"), help: ArgumentHelp("A librdkafka property (repeatable), e.g. -X security.protocol=SSL.", valueName: "name=value"))
    var properties: [String] = []

    @Option(help: ArgumentHelp("Write the capture here; default: standard output.", valueName: "file"))
    var out: String?

    func validate() throws {
        _ = try start()
        _ = try librdkafkaProperties()
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if from == "end" && !follow { throw ValidationError("--from end captures nothing without --follow") }
    }

    private func start() throws -> KafkaCapture.Start {
        switch from {
        case "beginning": return .beginning
        case "end": return .end
        default:
            if let offset = Int64(from), offset >= 0 { return .offset(offset) }
            if let milliseconds = RFC3339Time.parse(from) { return .time(Int64(milliseconds)) }
            throw ValidationError("--from \(from): expected beginning, end, an offset or an RFC 3339 time like 2026-11-26T08:00:00Z")
        }
    }

    private func librdkafkaProperties() throws -> [String: String] {
        var result: [String: String] = [:]
        for property in properties {
            guard let equals = property.firstIndex(of: "="), equals != property.startIndex else {
                throw ValidationError("-X \(property): expected name=value")
            }
            result[String(property[..<equals])] = String(property[property.index(after: equals)...])
        }
        return result
    }

    func run() throws {
        let handle = try captureOutput(out)
        let stop = StopRequest()
        let signals = SignalWatcher { _ in stop.requested.set(true) }
        let captured: Int
        do {
            captured = try KafkaCapture.run(
                .init(brokers: brokers, topic: topic, partitions: partitions.isEmpty ? nil : partitions, start: try start(),
                      count: count, follow: follow, properties: try librdkafkaProperties()),
                shouldStop: { stop.requested.isSet },
                write: { bytes in try handle.write(contentsOf: Data(bytes)) })
        } catch let error as KafkaError {
            throw CommandFailure(message: "\(topic): \(error)")
        } catch {
            throw CommandFailure(message: "\(out ?? "standard output"): \(error)")
        }
        withExtendedLifetime(signals) {}
        if out != nil { try? handle.close() }
        StandardError.write("tollgate: captured \(captured) message\(captured == 1 ? "" : "s") from \(topic)" + (out.map { " to \($0)" } ?? ""))
    }
}

/// Set by a signal handler, read by the capture loop.
final class StopRequest: Sendable {
    let requested = AtomicFlag()
}

final class AtomicFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set(_ newValue: Bool) { value.store(newValue, ordering: .releasing) }
}

struct CaptureRabbitMQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rabbitmq",
        abstract: "Capture a RabbitMQ queue's messages in Tollgate's capture format.",
        discussion: """
            Writes one JSON line per message: exchange, routing key, queue, delivery tag, the \
            timestamp property (in milliseconds), the headers (AMQP values in their text form: \
            numbers in decimal, tables and arrays as JSON), the message-id property as the key, and \
            the body (base64 in payload_b64 when it is not UTF-8). tollgate replay reads it back.

            --mode requeue (the default) reads the messages ready when it starts and gives them all \
            back at the end: the queue keeps them (marked redelivered), but other consumers do not \
            see them while the capture runs. --mode consume takes them off the queue. --mode stream \
            reads a stream queue from --from (first, last, next, an offset, or an RFC 3339 time), \
            leaving it as it is. --count stops after that many; a stream capture ends when nothing \
            arrives for --idle seconds.

            Examples:
              tollgate capture rabbitmq --url amqp://guest:guest@localhost/%2f --queue orders --out orders.jsonl
              tollgate capture rabbitmq --url amqp://localhost --queue orders --count 500 --out sample.jsonl
              tollgate capture rabbitmq --url amqp://localhost --queue orders.stream --mode stream --from 2026-11-26T08:00:00Z --out morning.jsonl
            """
    )

    @Option(help: ArgumentHelp("The broker: amqp://user:password@host:port/vhost, or amqps:// for TLS.", valueName: "url"))
    var url: String

    @Option(help: ArgumentHelp("The queue to capture.", valueName: "queue"))
    var queue: String

    @Option(help: ArgumentHelp("requeue (read, then give back), consume (take off the queue) or stream (read a stream queue).", valueName: "mode"))
    var mode: String = "requeue"

    @Option(help: ArgumentHelp("Stream mode: first, last, next, an offset or an RFC 3339 time. Default: first.", valueName: "where"))
    var from: String = "first"

    @Option(help: ArgumentHelp("Stop after this many messages.", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Stop when nothing arrives for this many seconds.", valueName: "seconds"))
    var idle: Double = 2

    @Option(help: ArgumentHelp("PEM file of CA certificates for amqps://.", valueName: "file"))
    var cacert: String?

    @Option(help: ArgumentHelp("Write the capture here; default: standard output.", valueName: "file"))
    var out: String?

    func validate() throws {
        guard RabbitMQCapture.Mode(rawValue: mode) != nil else { throw ValidationError("--mode \(mode): expected requeue, consume or stream") }
        _ = try offset()
        if from != "first" && mode != "stream" { throw ValidationError("--from applies to --mode stream only") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if idle <= 0 { throw ValidationError("--idle must be positive") }
    }

    private func offset() throws -> RabbitMQCapture.StreamOffset {
        switch from {
        case "first": return .first
        case "last": return .last
        case "next": return .next
        default:
            if let n = Int64(from), n >= 0 { return .offset(n) }
            if let milliseconds = RFC3339Time.parse(from) { return .time(Int64(milliseconds / 1000)) }
            throw ValidationError("--from \(from): expected first, last, next, an offset or an RFC 3339 time like 2026-11-26T08:00:00Z")
        }
    }

    func run() throws {
        let broker: RabbitMQURL
        do { broker = try RabbitMQURL(parsing: url) } catch { throw CommandFailure(message: "--url: \(error)") }
        let handle = try captureOutput(out)
        let stop = StopRequest()
        let signals = SignalWatcher { _ in stop.requested.set(true) }
        let captured: Int
        do {
            captured = try RabbitMQCapture.run(
                .init(url: broker, tls: cacert.map { RabbitMQTLS(caCertificate: $0) }, queue: queue, mode: RabbitMQCapture.Mode(rawValue: mode)!,
                      streamOffset: try offset(), count: count, idleTimeout: .milliseconds(Int(idle * 1000))),
                shouldStop: { stop.requested.isSet },
                write: { message in try handle.write(contentsOf: Data(CaptureWriter.line(for: message))) })
        } catch let error as RabbitMQError {
            throw CommandFailure(message: "\(queue) on \(broker): \(error)")
        } catch {
            throw CommandFailure(message: "\(out ?? "standard output"): \(error)")
        }
        withExtendedLifetime(signals) {}
        if out != nil { try? handle.close() }
        StandardError.write("tollgate: captured \(captured) message\(captured == 1 ? "" : "s") from \(queue)" + (out.map { " to \($0)" } ?? "")
                            + (mode == "requeue" ? " (given back to the queue)" : ""))
    }
}

/// Where a capture goes: `out`, truncated, or standard output.
func captureOutput(_ out: String?) throws -> FileHandle {
    guard let out else { return FileHandle.standardOutput }
    guard let file = openForWriting(out) else { throw CommandFailure(message: "cannot write \(out)") }
    return file
}
