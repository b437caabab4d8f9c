import Foundation
import Synchronization
import Tollgate

/// Where approved or quarantined messages are published: an exchange, and the routing key (`nil`:
/// the input's own routing key for a RabbitMQ source, the topic for a Kafka source).
public struct RabbitMQDestination: Sendable, Hashable, CustomStringConvertible {
    public var exchange: String
    public var routingKey: String?

    public init(exchange: String, routingKey: String? = nil) {
        self.exchange = exchange
        self.routingKey = routingKey
    }

    public var description: String { "exchange '\(exchange)'" + (routingKey.map { " with routing key '\($0)'" } ?? "") }

    func routingKey(for message: Message) -> String {
        if let routingKey { return routingKey }
        switch message.origin {
        case .rabbitMQ(_, let key, _, _): return key
        case .kafka(let topic, _, _, _): return topic
        case .none: return ""
        }
    }
}

/// Publishes approved and quarantined messages with publisher confirms and the `mandatory` flag,
/// on a connection and thread of its own. A write is confirmed only when the broker acked it and
/// did not return it: an unroutable message (no queue bound), a nack, a missing exchange or a lost
/// connection fails the write (retriable), so the router keeps the input and tries again. The
/// sink reconnects by itself, with backoff.
///
/// Messages from a RabbitMQ source keep their properties (delivery mode, message-id, content type,
/// ...) and their typed headers; messages from elsewhere are published persistent, with the key as
/// message-id when it is text.
public final class RabbitMQSink: OutputSink, @unchecked Sendable {
    public struct Configuration: Sendable {
        public var url: RabbitMQURL
        public var tls: RabbitMQTLS?
        public var approved: RabbitMQDestination
        public var quarantine: RabbitMQDestination
        /// Declared on every (re)connection.
        public var topology: RabbitMQTopology
        /// The connection name shown by `rabbitmqctl list_connections name`.
        public var connectionName: String
        public var heartbeat: Int
        public var backoff: Duration

        public init(url: RabbitMQURL, tls: RabbitMQTLS? = nil, approved: RabbitMQDestination, quarantine: RabbitMQDestination,
                    topology: RabbitMQTopology = RabbitMQTopology(), connectionName: String = "tollgate publisher",
                    heartbeat: Int = 10, backoff: Duration = .seconds(30))
        {
            self.url = url
            self.tls = tls
            self.approved = approved
            self.quarantine = quarantine
            self.topology = topology
            self.connectionName = connectionName
            self.heartbeat = heartbeat
            self.backoff = backoff
        }
    }

    public let configuration: Configuration

    private struct Queued {
        var record: OutputRecord
        var token: UInt64
    }

    /// A publish waiting for its confirm.
    private struct Outstanding {
        var sequence: UInt64
        var token: UInt64
        var exchange: String
        var routingKey: String
        var body: [UInt8]
        var returned: String?
    }

    private struct Shared {
        var queue: [Queued] = []
        var head = 0
        var outstanding = 0
        var connected = false
        var running = true
        var reconnections = 0
        var lastError: String?
        var published = 0
    }

    private let shared = Mutex(Shared())
    private let wakeup = WakePipe()
    private var confirm: (@Sendable (UInt64, Result<Void, OutputError>) -> Void)?
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public var description: String {
        "RabbitMQ \(configuration.url) (approved: \(configuration.approved), quarantine: \(configuration.quarantine))"
    }

    public var isReady: Bool { shared.withLock { $0.connected } }

    /// Connections made after the first.
    public var reconnections: Int { shared.withLock { $0.reconnections } }

    /// The last publishing error, for status lines.
    public var lastError: String? { shared.withLock { $0.lastError } }

    public func start(confirm: @escaping @Sendable (UInt64, Result<Void, OutputError>) -> Void) throws {
        self.confirm = confirm
        let thread = Thread { [self] in loop() }
        thread.name = "tollgate-rabbitmq-publisher"
        thread.stackSize = 4 << 20
        self.thread = thread
        thread.start()
    }

    public func write(_ record: OutputRecord, token: UInt64) {
        let wasEmpty = shared.withLock { state -> Bool in
            state.queue.append(Queued(record: record, token: token))
            return state.queue.count - state.head == 1
        }
        if wasEmpty { wakeup.wake() }
    }

    public func close(timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let idle = shared.withLock { $0.queue.count == $0.head && $0.outstanding == 0 }
            if idle { break }
            Thread.sleep(forTimeInterval: 0.005)
        }
        let wasRunning = shared.withLock { state -> Bool in
            defer { state.running = false }
            return state.running
        }
        guard wasRunning, thread != nil else { return }
        wakeup.wake()
        // rabbitmq-c writes without a timeout: a publish the broker does not read (a memory alarm
        // blocks publishers) could hold the thread. Its writes stay unconfirmed, so their inputs
        // stay unacknowledged; the caller is not held up longer than this.
        if finished.wait(timeout: .now() + 5) == .timedOut {
            shared.withLock { $0.lastError = "the publisher did not stop within 5 s (a write blocked by the broker?); its unconfirmed writes are abandoned" }
        }
    }

    // MARK: The publisher thread

    private func loop() {
        var connection: AMQPConnection?
        var outstanding: [Outstanding] = []
        var outstandingHead = 0
        var nextSequence: UInt64 = 1
        var attempt = 0
        var everConnected = false

        func fail(_ items: ArraySlice<Outstanding>, _ reason: String) {
            for item in items { confirm?(item.token, .failure(OutputError(reason, retriable: true))) }
        }
        func dropConnection(_ reason: String) {
            fail(outstanding[outstandingHead...], reason)
            outstanding.removeAll(keepingCapacity: true)
            outstandingHead = 0
            connection?.abandon()
            connection = nil
            shared.withLock {
                $0.connected = false
                $0.outstanding = 0
                $0.lastError = reason
            }
        }
        func settle(upTo tag: UInt64, multiple: Bool, ok: Bool) {
            var settled = 0
            var index = outstandingHead
            while index < outstanding.count, outstanding[index].sequence <= tag {
                // Sequence 0 marks one settled already (singly, out of order).
                if outstanding[index].sequence != 0, multiple || outstanding[index].sequence == tag {
                    let item = outstanding[index]
                    if !ok {
                        confirm?(item.token, .failure(OutputError("the broker refused the message (basic.nack) on \(item.exchange)", retriable: true)))
                    } else if let returned = item.returned {
                        confirm?(item.token, .failure(OutputError(returned, retriable: true)))
                    } else {
                        confirm?(item.token, .success(()))
                    }
                    outstanding[index].sequence = 0   // settled
                    settled += 1
                }
                index += 1
            }
            while outstandingHead < outstanding.count, outstanding[outstandingHead].sequence == 0 { outstandingHead += 1 }
            if outstandingHead > 4096, outstandingHead * 2 > outstanding.count {
                outstanding.removeFirst(outstandingHead)
                outstandingHead = 0
            }
            if settled > 0 { shared.withLock { $0.outstanding -= settled } }
        }

        while shared.withLock({ $0.running }) {
            guard let conn = connection else {
                do {
                    let conn = try AMQPConnection.open(url: configuration.url, tls: configuration.tls, name: configuration.connectionName,
                                                       heartbeat: configuration.heartbeat, declaring: configuration.topology) { conn throws(RabbitMQError) in
                        try conn.enableConfirms(channel: 1)
                    }
                    connection = conn
                    nextSequence = 1
                    attempt = 0
                    shared.withLock {
                        $0.connected = true
                        if everConnected { $0.reconnections += 1 }
                    }
                    everConnected = true
                } catch {
                    shared.withLock { $0.lastError = "publisher: \(error)" }
                    attempt += 1
                    wakeup.wait(socket: -1, timeout: Backoff(maximum: configuration.backoff).delay(attempt: attempt))
                    // Writes queued meanwhile wait: the router's inputs stay unacknowledged.
                }
                continue
            }

            // Publish what is queued, in order, a batch at a time.
            let batch: ArraySlice<Queued> = shared.withLock { state in
                let end = min(state.queue.count, state.head + 512)
                let slice = state.queue[state.head..<end]
                state.head = end
                state.outstanding += slice.count
                if state.head == state.queue.count {
                    state.queue.removeAll(keepingCapacity: true)
                    state.head = 0
                }
                return slice
            }
            var lost: String?
            for (i, queued) in zip(batch.indices, batch) {
                let destination = queued.record.route == .approved ? configuration.approved : configuration.quarantine
                let routingKey = destination.routingKey(for: queued.record.message)
                do {
                    try conn.publish(exchange: destination.exchange, routingKey: routingKey, mandatory: true,
                                     properties: Self.properties(for: queued.record), body: queued.record.message.value, channel: 1)
                    outstanding.append(Outstanding(sequence: nextSequence, token: queued.token, exchange: destination.exchange,
                                                   routingKey: routingKey, body: queued.record.message.value))
                    nextSequence += 1
                } catch {
                    // Unsent: fail them now (they are counted as outstanding).
                    let unsent = batch[i...]
                    shared.withLock { $0.outstanding -= unsent.count }
                    for item in unsent { confirm?(item.token, .failure(OutputError("publisher: \(error)", retriable: true))) }
                    lost = "publisher: \(error)"
                    break
                }
            }
            if let lost {
                dropConnection(lost)
                continue
            }

            // Read confirms, returns and closes that arrived; wait when there is nothing to send.
            do {
                var waited = false
                while true {
                    let event = try conn.next(timeout: .zero)
                    switch event {
                    case .timeout:
                        let idle = shared.withLock { $0.queue.count == $0.head }
                        guard idle, !waited, !conn.hasBufferedInput else { break }
                        waited = true
                        wakeup.wait(socket: conn.fileDescriptor, timeout: .milliseconds(200))
                        continue
                    case .ack(let tag, let multiple):
                        settle(upTo: tag, multiple: multiple, ok: true)
                        continue
                    case .nack(let tag, let multiple):
                        settle(upTo: tag, multiple: multiple, ok: false)
                        continue
                    case .returned(let returned):
                        // Returned before its ack: mark the oldest matching unconfirmed publish.
                        if let index = outstanding[outstandingHead...].firstIndex(where: {
                            $0.sequence != 0 && $0.returned == nil && $0.exchange == returned.exchange
                                && $0.routingKey == returned.routingKey && $0.body == returned.body
                        }) {
                            let reason = "unroutable: \(returned.replyCode) \(returned.replyText): exchange '\(returned.exchange)' has no queue bound for routing key '\(returned.routingKey)'"
                            outstanding[index].returned = reason
                            shared.withLock { $0.lastError = reason }
                        }
                        continue
                    case .channelClosed(_, let code, let text):
                        let reason = "publishing failed: the broker closed the channel: \(code) \(text)"
                        fail(outstanding[outstandingHead...], reason)
                        shared.withLock {
                            $0.outstanding = 0
                            $0.lastError = reason
                        }
                        outstanding.removeAll(keepingCapacity: true)
                        outstandingHead = 0
                        // A missing exchange closes the channel on every publish: pause before reopening.
                        wakeup.wait(socket: -1, timeout: .milliseconds(200))
                        try conn.openChannel(1)
                        try conn.enableConfirms(channel: 1)
                        nextSequence = 1
                        continue
                    case .blocked(let reason):
                        shared.withLock { $0.lastError = "the broker blocked publishing: \(reason)" }
                        continue
                    case .unblocked, .delivery, .cancelled:
                        continue
                    }
                    break
                }
            } catch {
                dropConnection("publisher: \(error)")
            }
        }
        // Shutting down: whatever is still unconfirmed or queued fails (the inputs stay unacked).
        fail(outstanding[outstandingHead...], "the publisher closed before the broker confirmed")
        let rest = shared.withLock { state -> ArraySlice<Queued> in
            defer { state.queue.removeAll(); state.head = 0; state.outstanding = 0; state.connected = false }
            return state.queue[state.head...]
        }
        for item in rest { confirm?(item.token, .failure(OutputError("the publisher closed before sending", retriable: true))) }
        connection?.close()
        finished.signal()
    }

    /// The properties to publish `record` with.
    static func properties(for record: OutputRecord) -> AMQPProperties {
        if var properties = record.native as? AMQPProperties {
            properties.headers = properties.headers.updated(to: record.headers)
            return properties
        }
        var properties = AMQPProperties(headers: AMQPTable(headers: record.headers), deliveryMode: AMQPProperties.persistent)
        if let key = record.message.key, key.count <= 255, let text = String(validating: key, as: UTF8.self) {
            properties.messageId = text
        }
        if let milliseconds = record.message.timestamp, milliseconds >= 0 { properties.timestamp = UInt64(milliseconds / 1000) }
        return properties
    }
}

extension AMQPConnection {
    /// Connects, opens channel 1, declares `topology` on it, then runs `prepare` (confirm.select,
    /// or qos and basic.consume). A connection whose set-up fails is dropped.
    static func open(url: RabbitMQURL, tls: RabbitMQTLS?, name: String, heartbeat: Int = 10, declaring topology: RabbitMQTopology,
                     then prepare: (AMQPConnection) throws(RabbitMQError) -> Void) throws(RabbitMQError) -> AMQPConnection
    {
        let conn = try AMQPConnection(url: url, tls: tls, name: name, heartbeat: heartbeat)
        do {
            try conn.openChannel(1)
            try RabbitMQDeclarer.declare(topology, on: conn, channel: 1)
            try prepare(conn)
        } catch {
            conn.abandon()
            throw error
        }
        return conn
    }

    /// ``open(url:tls:name:heartbeat:declaring:then:)`` for a consumer of `queue` with manual
    /// acknowledgements and at most `prefetch` of them outstanding.
    static func openConsumer(url: RabbitMQURL, tls: RabbitMQTLS?, name: String, heartbeat: Int = 10, declaring topology: RabbitMQTopology,
                             queue: String, prefetch: Int) throws(RabbitMQError) -> AMQPConnection
    {
        try open(url: url, tls: tls, name: name, heartbeat: heartbeat, declaring: topology) { conn throws(RabbitMQError) in
            try conn.qos(prefetch: prefetch, channel: 1)
            _ = try conn.consume(queue: queue, channel: 1)
        }
    }
}

/// Declares a topology on a channel.
enum RabbitMQDeclarer {
    static func declare(_ topology: RabbitMQTopology, on connection: AMQPConnection, channel: UInt16) throws(RabbitMQError) {
        for exchange in topology.exchanges {
            try connection.declareExchange(exchange.name, type: exchange.type, durable: exchange.durable, channel: channel)
        }
        for queue in topology.queues {
            var arguments = AMQPTable()
            if queue.type != "classic" { arguments.entries.append(.init(name: "x-queue-type", value: .string(queue.type))) }
            for (name, value) in queue.arguments.sorted(by: { $0.key < $1.key }) {
                arguments.entries.append(.init(name: name, value: Int64(value).map(AMQPValue.int64) ?? .string(value)))
            }
            try connection.declareQueue(queue.name, durable: queue.durable, arguments: arguments, channel: channel)
        }
        for binding in topology.bindings {
            try connection.bindQueue(binding.queue, exchange: binding.exchange, routingKey: binding.routingKey, channel: channel)
        }
    }
}
