import Foundation
import Synchronization
import Tollgate

/// RabbitMQ messages as an `AsyncSequence`, for services that embed Tollgate: a queue consumer with
/// manual acknowledgements and a prefetch bound, whose messages are acknowledged only when you
/// ``acknowledge(_:)`` them. It reconnects by itself (with backoff) when the connection drops; the
/// broker then delivers again whatever was not acknowledged.
///
/// ```swift
/// let url = try RabbitMQURL(parsing: "amqp://guest:guest@localhost:5672/%2f")
/// let source = try RabbitMQSource(url: url, queue: "orders")
/// let quarantine = RabbitMQQuarantineSink(url: url, exchange: "orders.quarantine", acknowledging: source)
/// for try await approved in source.approved(by: pipeline, quarantine: quarantine) {
///     try await handle(approved.message)
///     source.acknowledge(approved.message)
/// }
/// ```
///
/// The connection lives on a thread of the source's own, never on Swift's cooperative pool. Iterate
/// once.
public final class RabbitMQSource: AsyncSequence, @unchecked Sendable {
    public typealias Element = Message

    public let url: RabbitMQURL
    public let queue: String
    public let prefetch: Int
    private let tls: RabbitMQTLS?
    private let topology: RabbitMQTopology
    private let stream: AsyncThrowingStream<Message, Error>
    private let continuation: AsyncThrowingStream<Message, Error>.Continuation
    private let wakeup = WakePipe()
    private let running = Atomic<Bool>(true)
    private let finished = DispatchSemaphore(value: 0)

    private struct Shared {
        /// Delivered and not yet acknowledged, by delivery tag (of the current connection).
        var delivered: [UInt64: Message] = [:]
        var toAcknowledge: [UInt64] = []
        var connected = false
        var reconnections = 0
        var lastError: String?
    }

    private let shared = Mutex(Shared())

    /// Connects, declares `topology` and starts consuming `queue`.
    /// - Throws: ``RabbitMQError`` when the first connection fails (later losses are retried).
    public init(url: RabbitMQURL, tls: RabbitMQTLS? = nil, queue: String, prefetch: Int = 100,
                topology: RabbitMQTopology = RabbitMQTopology()) throws(RabbitMQError)
    {
        self.url = url
        self.tls = tls
        self.queue = queue
        self.prefetch = prefetch
        self.topology = topology
        (stream, continuation) = AsyncThrowingStream<Message, Error>.makeStream()
        let first = try connect()
        let thread = Thread { [self] in loop(first) }
        thread.name = "tollgate-rabbitmq-source"
        thread.start()
    }

    deinit { close() }

    public func makeAsyncIterator() -> AsyncThrowingStream<Message, Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }

    /// The message was handled: acknowledge it. A message delivered on a connection since lost is
    /// ignored (the broker delivers it again).
    public func acknowledge(_ message: Message) {
        guard case .rabbitMQ(_, _, _, let tag) = message.origin else { return }
        let queued = shared.withLock { state -> Bool in
            // The same tag on a newer connection is another delivery, unless it is this very message.
            guard state.delivered[tag] == message else { return false }
            state.delivered[tag] = nil
            state.toAcknowledge.append(tag)
            return true
        }
        if queued { wakeup.wake() }
    }

    /// Messages delivered and not yet acknowledged.
    public var unacknowledged: Int { shared.withLock { $0.delivered.count } }

    /// Connected and consuming.
    public var isConnected: Bool { shared.withLock { $0.connected } }

    /// Stops consuming, sends the acknowledgements already given, closes the connection (the broker
    /// requeues what was not acknowledged) and ends the sequence.
    public func close() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        wakeup.wake()
        finished.wait()
    }

    private func connect() throws(RabbitMQError) -> AMQPConnection {
        let conn = try AMQPConnection.openConsumer(url: url, tls: tls, name: "tollgate source \(queue)", declaring: topology,
                                                   queue: queue, prefetch: prefetch)
        shared.withLock { $0.connected = true }
        return conn
    }

    private func loop(_ first: AMQPConnection) {
        var connection: AMQPConnection? = first
        var attempt = 0
        while running.load(ordering: .acquiring) {
            guard let conn = connection else {
                do {
                    connection = try connect()
                    shared.withLock { $0.reconnections += 1 }
                    attempt = 0
                } catch {
                    shared.withLock { $0.lastError = "\(error)" }
                    attempt += 1
                    wakeup.wait(socket: -1, timeout: Backoff().delay(attempt: attempt))
                }
                continue
            }
            do {
                let tags = shared.withLock { state -> [UInt64] in
                    defer { state.toAcknowledge.removeAll(keepingCapacity: true) }
                    return state.toAcknowledge
                }
                for tag in tags { try conn.ack(tag, multiple: false, channel: 1) }
                if conn.hasBufferedInput || wakeup.wait(socket: conn.fileDescriptor, timeout: .milliseconds(200)) {
                    for _ in 0..<256 {
                        switch try conn.next(timeout: .zero) {
                        case .timeout:
                            break
                        case .delivery(var delivery):
                            delivery.queue = queue
                            let message = delivery.message
                            shared.withLock { $0.delivered[delivery.deliveryTag] = message }
                            continuation.yield(message)
                            continue
                        case .channelClosed(_, let code, let text):
                            throw RabbitMQError(.channel, "the broker closed the channel: \(code) \(text)", replyCode: code)
                        case .cancelled:
                            throw RabbitMQError(.channel, "the broker cancelled the consumer of queue '\(queue)'")
                        default:
                            continue
                        }
                        break
                    }
                }
            } catch {
                // Unacknowledged deliveries go back to the broker, which delivers them again.
                conn.abandon()
                connection = nil
                shared.withLock { state in
                    state.connected = false
                    state.delivered.removeAll()
                    state.toAcknowledge.removeAll()
                    state.lastError = "\(error)"
                }
            }
        }
        if let conn = connection {
            let tags = shared.withLock { $0.toAcknowledge }
            for tag in tags { try? conn.ack(tag, multiple: false, channel: 1) }
            conn.close()
        }
        shared.withLock { $0.connected = false }
        continuation.finish()
        finished.signal()
    }
}

/// A ``QuarantineSink`` that publishes rejected messages, with the quarantine record's headers, to
/// a RabbitMQ exchange and returns once the broker confirmed the publish; it then acknowledges the
/// message on its source. A publish that fails (unroutable, nacked, connection lost) is retried
/// with backoff until `timeout`, then throws, leaving the input unacknowledged.
public final class RabbitMQQuarantineSink: QuarantineSink, @unchecked Sendable {
    public let destination: RabbitMQDestination
    public let options: QuarantineOptions
    public let timeout: Duration
    private let source: RabbitMQSource?
    private let sink: RabbitMQSink
    private let waiting = Waiters()

    final class Waiters: Sendable {
        let state = Mutex<(next: UInt64, continuations: [UInt64: CheckedContinuation<Void, Error>])>((1, [:]))
    }

    public init(url: RabbitMQURL, tls: RabbitMQTLS? = nil, exchange: String, routingKey: String? = nil,
                options: QuarantineOptions = QuarantineOptions(), timeout: Duration = .seconds(30),
                acknowledging source: RabbitMQSource? = nil)
    {
        destination = RabbitMQDestination(exchange: exchange, routingKey: routingKey)
        self.options = options
        self.timeout = timeout
        self.source = source
        sink = RabbitMQSink(configuration: .init(url: url, tls: tls, approved: destination, quarantine: destination,
                                                 connectionName: "tollgate quarantine"))
        let waiting = self.waiting
        try? sink.start { token, result in
            let continuation = waiting.state.withLock { $0.continuations.removeValue(forKey: token) }
            continuation?.resume(with: result.mapError { $0 as Error })
        }
    }

    deinit { sink.close(timeout: .seconds(5)) }

    public func quarantine(_ message: Message, verdict: Verdict) async throws {
        let record = OutputRecord(message: message, verdict: verdict, quarantine: options,
                                  quarantinedAt: RFC3339Time.nowMilliseconds())
        let deadline = ContinuousClock.now + timeout
        var attempt = 0
        while true {
            do {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                    let token = waiting.state.withLock { state -> UInt64 in
                        defer { state.next += 1 }
                        state.continuations[state.next] = continuation
                        return state.next
                    }
                    sink.write(record, token: token)
                }
                break
            } catch {
                attempt += 1
                let delay = Backoff(maximum: .seconds(5)).delay(attempt: attempt)
                guard ContinuousClock.now + delay < deadline else { throw error }
                try await Task.sleep(for: delay)
            }
        }
        source?.acknowledge(message)
    }
}
