import Foundation
import Synchronization
import Tollgate

/// The RabbitMQ sidecar's engine: consumes a queue with manual acknowledgements and a prefetch
/// bound, runs every message through the pipeline, writes it to an ``OutputSink`` (RabbitMQ
/// exchanges, or Kafka topics for a cross-broker route), and acknowledges the input only once the
/// sink confirmed the output. At-least-once: a failed write is retried with backoff while the input
/// stays unacknowledged; a lost connection leaves every unacknowledged input to the broker, which
/// delivers it again after the router reconnects (by itself, with backoff and jitter).
///
/// ```swift
/// let sink = RabbitMQSink(configuration: .init(url: url, approved: .init(exchange: "orders.approved"),
///                                              quarantine: .init(exchange: "orders.quarantine")))
/// let router = RabbitMQRouter(pipeline: pipeline, configuration: .init(url: url, queue: "orders"), sink: sink)
/// try await router.run()          // until router.stop()
/// ```
///
/// rabbitmq-c connections are not thread-safe: the router's connection lives on the router's own
/// thread, the RabbitMQ sink's on its own.
public final class RabbitMQRouter: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var url: RabbitMQURL
        public var tls: RabbitMQTLS?
        public var queue: String
        /// basic.qos: deliveries unacknowledged at once (the in-flight bound).
        public var prefetch: Int
        /// Declared on every (re)connection, before consuming.
        public var topology: RabbitMQTopology
        public var quarantine: QuarantineOptions
        /// Seconds between heartbeats; a peer silent for two is taken as gone.
        public var heartbeat: Int
        /// The longest wait between reconnection attempts and write retries.
        public var maxBackoff: Duration
        /// How long ``stop()`` waits for in-flight writes before leaving them (unacknowledged, so the
        /// broker delivers them again).
        public var shutdownTimeout: Duration
        public var connectionName: String

        public init(url: RabbitMQURL, tls: RabbitMQTLS? = nil, queue: String, prefetch: Int = 1000,
                    topology: RabbitMQTopology = RabbitMQTopology(), quarantine: QuarantineOptions = QuarantineOptions(),
                    heartbeat: Int = 10, maxBackoff: Duration = .seconds(30), shutdownTimeout: Duration = .seconds(30),
                    connectionName: String = "tollgate consumer")
        {
            self.url = url
            self.tls = tls
            self.queue = queue
            self.prefetch = prefetch
            self.topology = topology
            self.quarantine = quarantine
            self.heartbeat = heartbeat
            self.maxBackoff = maxBackoff
            self.shutdownTimeout = shutdownTimeout
            self.connectionName = connectionName
        }
    }

    /// Counters, for logs, metrics and tests.
    public struct Statistics: Sendable {
        public var consumed = 0
        public var approved = 0
        public var quarantined = 0
        /// Outputs confirmed (for the current connection's inputs).
        public var confirmed = 0
        /// Inputs acknowledged.
        public var acknowledged = 0
        /// Deliveries the broker marked as redelivered.
        public var redelivered = 0
        /// Redelivered inputs whose output had already been confirmed (after the connection that
        /// delivered them first was lost): acknowledged without writing them again.
        public var redeliveriesSkipped = 0
        /// Failed writes (each retried while its input stays unacknowledged).
        public var writeFailures = 0
        /// Connections made after the first.
        public var reconnections = 0
        public var connected = false
        /// Outputs written and not yet confirmed, or waiting to be retried.
        public var inFlight = 0
        /// The most recent errors, newest last.
        public var errors: [String] = []
        public var firstConsumedAt: ContinuousClock.Instant?
        public var lastConfirmedAt: ContinuousClock.Instant?

        public var messagesPerSecond: Double? { Tollgate.messagesPerSecond(confirmed, from: firstConsumedAt, to: lastConfirmedAt) }
    }

    /// The pipeline, replaceable while running (a schema reload).
    public let pipelines: ReloadablePipeline
    /// The pipeline in use.
    public var pipeline: Pipeline { pipelines.current }
    public let configuration: Configuration
    public let sink: any OutputSink
    /// Metrics and the quarantine log.
    public let telemetry: RoutingTelemetry

    /// A delivery whose output is being written.
    private struct Pending {
        var epoch: Int
        var tag: UInt64
        var record: OutputRecord
        var attempts = 0
        var latency: EndToEndLatency
    }

    private struct Retry {
        var due: ContinuousClock.Instant
        var pending: Pending
    }

    /// Where connection losses, reconnections and failing writes are reported as they happen
    /// (the telemetry's logger by default); the same text repeated within 5 seconds is reported once.
    public var log: @Sendable (String) -> Void
    private var lastLogged: (text: String, at: ContinuousClock.Instant)?

    private let confirmations = Mutex<[(UInt64, Result<Void, OutputError>)]>([])
    private let stats = Mutex(Statistics())
    /// Set until ``stop()``: a stop before the loop starts is not lost.
    private let running = Atomic<Bool>(true)
    private let wakeup = WakePipe()

    public convenience init(pipeline: Pipeline, configuration: Configuration, sink: any OutputSink) {
        self.init(pipeline: ReloadablePipeline(pipeline), configuration: configuration, sink: sink)
    }

    /// - Parameters:
    ///   - pipeline: swapped by a schema reload while the router runs.
    ///   - telemetry: where metrics and quarantine log lines go.
    public init(pipeline: ReloadablePipeline, configuration: Configuration, sink: any OutputSink,
                telemetry: RoutingTelemetry = RoutingTelemetry(broker: "rabbitmq"))
    {
        pipelines = pipeline
        self.configuration = configuration
        self.sink = sink
        self.telemetry = telemetry
        log = { [telemetry] in telemetry.notice($0) }
    }

    public var statistics: Statistics { stats.withLock { $0 } }

    /// Connected to the broker and consuming, and the sink ready: what `/readyz` reports.
    public var isReady: Bool { notReadyReason == nil }

    /// `nil` when ready; otherwise why not.
    public var notReadyReason: String? {
        if !running.load(ordering: .relaxed) { return "not consuming" }
        if !stats.withLock({ $0.connected }) { return "not connected to \(configuration.url)" }
        if !sink.isReady { return "the output \(sink.description) is not ready" }
        return nil
    }

    /// Asks ``run()`` to finish: stop taking deliveries, wait for in-flight writes (up to the
    /// shutdown timeout), acknowledge what is confirmed, close. From any thread.
    public func stop() {
        running.store(false, ordering: .releasing)
        wakeup.wake()
    }

    /// Runs ``runBlocking()`` on a thread of its own until ``stop()``.
    public func run() async throws {
        try await runOnDedicatedThread(named: "tollgate-rabbitmq-consumer") { [self] in try runBlocking() }
    }

    // MARK: The consumer thread's state

    private var connection: AMQPConnection?
    private var epoch = 0
    private var nextToken: UInt64 = 1
    private var pending: [UInt64: Pending] = [:]
    /// Delivery tags of the current connection not yet acknowledged, in order.
    private var unacked: [UInt64] = []
    private var unackedHead = 0
    /// Tags whose output is confirmed, waiting for the tags before them.
    private var confirmedTags: Set<UInt64> = []
    /// Tags acknowledged on their own (out of order, behind a write being retried).
    private var ackedAlone: Set<UInt64> = []
    private var retries: [Retry] = []
    /// Fingerprints of inputs whose output was confirmed after their connection was lost: the
    /// broker delivers them again, and they need not be written twice.
    private var settledElsewhere: [Fingerprint: Int] = [:]
    private var settledOrder: [Fingerprint] = []

    /// Consumes, decides and routes on the calling thread until ``stop()``. Connection problems
    /// are retried. It throws when the sink cannot start, and when the broker refuses a
    /// declaration as inequivalent (406) before the first connection is made.
    public func runBlocking() throws {
        try sink.start { [weak self] token, result in
            guard let self else { return }
            let first = self.confirmations.withLock { list -> Bool in
                list.append((token, result))
                return list.count == 1
            }
            if first { self.wakeup.wake() }
        }
        let evaluator = pipelines.makeEvaluator()
        let recorder = telemetry.makeRecorder()
        var attempt = 0
        let backoff = Backoff(maximum: configuration.maxBackoff)
        while running.load(ordering: .acquiring) {
            guard let conn = connection else {
                do {
                    try connect()
                    attempt = 0
                } catch {
                    note("cannot consume from \(configuration.url) queue '\(configuration.queue)': \(error)")
                    // At start-up, a declaration the broker refuses as inequivalent (406
                    // PRECONDITION_FAILED: a queue that exists with other arguments) is a
                    // configuration error that waiting will not fix: stop with it.
                    if epoch == 0, let error = error as? RabbitMQError, error.kind == .channel, error.replyCode == 406 {
                        sink.close(timeout: .seconds(1))
                        throw error
                    }
                    attempt += 1
                    wakeup.wait(socket: -1, timeout: backoff.delay(attempt: attempt))
                }
                continue
            }
            do {
                settleConfirmations()
                try retryDue()
                try acknowledge(conn)
                var readable = conn.hasBufferedInput
                if !readable {
                    let timeout = retries.map { $0.due - .now }.min().map { max(.zero, min($0, .milliseconds(200))) } ?? .milliseconds(200)
                    readable = wakeup.wait(socket: conn.fileDescriptor, timeout: timeout)
                }
                // Take what arrived, up to a batch, then settle again.
                var taken = 0
                while readable || taken > 0, taken < 256 {
                    let event = try conn.next(timeout: .zero)
                    guard try handle(event, evaluator: evaluator, recorder: recorder) else { break }
                    taken += 1
                }
            } catch {
                lose(conn, because: "\(error)")
            }
        }
        shutDown()
    }

    private func connect() throws {
        connection = try AMQPConnection.openConsumer(url: configuration.url, tls: configuration.tls, name: configuration.connectionName,
                                                     heartbeat: configuration.heartbeat, declaring: configuration.topology,
                                                     queue: configuration.queue, prefetch: configuration.prefetch)
        epoch += 1
        unacked.removeAll(keepingCapacity: true)
        unackedHead = 0
        confirmedTags.removeAll()
        ackedAlone.removeAll()
        stats.withLock { stats in
            if stats.connected == false, epoch > 1 { stats.reconnections += 1 }
            stats.connected = true
        }
        if epoch > 1 { telemetry.reconnected() }
        report("consuming queue '\(configuration.queue)' on \(configuration.url) (prefetch \(configuration.prefetch))" + (epoch > 1 ? ", reconnected" : ""))
    }

    /// The connection is gone: every unacknowledged input goes back to the broker, which delivers
    /// it again; outputs still in flight for them are left to finish (their confirmations are then
    /// remembered, so the redelivery is acknowledged without writing it twice).
    private func lose(_ conn: AMQPConnection, because reason: String) {
        conn.abandon()
        connection = nil
        retries.removeAll()
        stats.withLock { $0.connected = false }
        note("connection to \(configuration.url) lost: \(reason); unacknowledged messages will be delivered again")
    }

    /// - Returns: whether to keep reading.
    private func handle(_ event: AMQPEvent, evaluator: ReloadablePipeline.Evaluator, recorder: RoutingTelemetry.Recorder) throws -> Bool {
        switch event {
        case .timeout:
            return false
        case .delivery(var delivery):
            delivery.queue = configuration.queue
            route(delivery, evaluator: evaluator, recorder: recorder)
        case .channelClosed(_, let code, let text):
            throw RabbitMQError(.channel, "the broker closed the channel: \(code) \(text)", replyCode: code)
        case .cancelled:
            throw RabbitMQError(.channel, "the broker cancelled the consumer (queue '\(configuration.queue)' deleted?)")
        case .blocked(let reason):
            note("the broker blocked this connection: \(reason)")
        case .unblocked, .ack, .nack, .returned:
            break
        }
        return true
    }

    private func route(_ delivery: RabbitMQDelivery, evaluator: ReloadablePipeline.Evaluator, recorder: RoutingTelemetry.Recorder) {
        let message = delivery.message
        unacked.append(delivery.deliveryTag)
        if delivery.redelivered, !settledElsewhere.isEmpty, case let fingerprint = Fingerprint(delivery),
           let count = settledElsewhere[fingerprint], count > 0 {
            settledElsewhere[fingerprint] = count == 1 ? nil : count - 1
            confirmedTags.insert(delivery.deliveryTag)
            stats.withLock {
                $0.consumed += 1
                $0.redelivered += 1
                $0.redeliveriesSkipped += 1
            }
            return
        }
        let (verdict, latency) = recorder.decide(message, by: evaluator.evaluate)
        let record = OutputRecord(message: message, verdict: verdict, quarantine: configuration.quarantine,
                                  quarantinedAt: RFC3339Time.nowMilliseconds(), native: delivery.properties)
        stats.withLock { stats in
            stats.consumed += 1
            stats.inFlight = pending.count + retries.count + 1
            if stats.firstConsumedAt == nil { stats.firstConsumedAt = .now }
            if delivery.redelivered { stats.redelivered += 1 }
            if verdict.isApproved { stats.approved += 1 } else { stats.quarantined += 1 }
        }
        write(Pending(epoch: epoch, tag: delivery.deliveryTag, record: record, latency: latency))
    }

    private func write(_ item: Pending) {
        let token = nextToken
        nextToken += 1
        pending[token] = item
        sink.write(item.record, token: token)
    }

    private func settleConfirmations() {
        let list = confirmations.withLock { list -> [(UInt64, Result<Void, OutputError>)] in
            defer { list.removeAll(keepingCapacity: true) }
            return list
        }
        guard !list.isEmpty else { return }
        var confirmedCount = 0
        var failures: [String] = []
        for (token, result) in list {
            guard var item = pending.removeValue(forKey: token) else { continue }
            switch result {
            case .success:
                item.latency.recordConfirmed()
                if item.epoch == epoch, connection != nil {
                    confirmedTags.insert(item.tag)
                    confirmedCount += 1
                } else if let fingerprint = Fingerprint(item.record) {
                    remember(fingerprint)
                }
            case .failure(let error):
                telemetry.outputWriteFailed(approved: item.record.route == .approved)
                guard item.epoch == epoch, connection != nil else { continue }   // the broker delivers it again
                failures.append(error.description)
                item.attempts += 1
                let delay = Backoff(maximum: configuration.maxBackoff).delay(attempt: item.attempts)
                retries.append(Retry(due: .now + delay, pending: item))
            }
        }
        stats.withLock { stats in
            stats.inFlight = pending.count + retries.count
            stats.confirmed += confirmedCount
            if confirmedCount > 0 { stats.lastConfirmedAt = .now }
            stats.writeFailures += failures.count
            for failure in Set(failures) { Self.append(&stats, "output write failed (the input stays unacknowledged and the write is retried): \(failure)") }
        }
        if let failure = failures.last {
            report("output write failed; the input stays unacknowledged and the write is retried: \(failure)")
        }
    }

    private func retryDue() throws {
        guard !retries.isEmpty else { return }
        let now = ContinuousClock.now
        var later: [Retry] = []
        for retry in retries {
            if retry.due <= now { write(retry.pending) } else { later.append(retry) }
        }
        retries = later
    }

    /// Acknowledges confirmed inputs: `multiple` up to the last of a contiguous run, and on their
    /// own those waiting behind a write being retried (so one stuck message does not hold the
    /// prefetch window).
    private func acknowledge(_ conn: AMQPConnection) throws {
        guard !confirmedTags.isEmpty else { return }
        var upTo: UInt64?
        var count = 0
        while unackedHead < unacked.count {
            let tag = unacked[unackedHead]
            if confirmedTags.remove(tag) != nil {
                upTo = tag
                count += 1
            } else if ackedAlone.remove(tag) == nil {
                break
            }
            unackedHead += 1
        }
        if unackedHead > 4096, unackedHead * 2 > unacked.count {
            unacked.removeFirst(unackedHead)
            unackedHead = 0
        }
        if let upTo { try conn.ack(upTo, multiple: true, channel: 1) }
        if !retries.isEmpty, !confirmedTags.isEmpty {
            for tag in confirmedTags.sorted() {
                try conn.ack(tag, multiple: false, channel: 1)
                ackedAlone.insert(tag)
                count += 1
            }
            confirmedTags.removeAll()
        }
        if count > 0 { stats.withLock { $0.acknowledged += count } }
    }

    private func remember(_ fingerprint: Fingerprint) {
        settledElsewhere[fingerprint, default: 0] += 1
        settledOrder.append(fingerprint)
        if settledOrder.count > 100_000 {
            for old in settledOrder.prefix(10_000) {
                if let count = settledElsewhere[old] { settledElsewhere[old] = count <= 1 ? nil : count - 1 }
            }
            settledOrder.removeFirst(10_000)
        }
    }

    private func shutDown() {
        let deadline = ContinuousClock.now + configuration.shutdownTimeout
        if let conn = connection {
            // No new work: deliveries still arriving are left unacknowledged (the broker requeues
            // them when the connection closes).
            do {
                while ContinuousClock.now < deadline {
                    settleConfirmations()
                    try acknowledge(conn)
                    let inFlight = pending.values.contains { $0.epoch == epoch } || !retries.isEmpty
                    if !inFlight { break }
                    if retries.contains(where: { $0.due <= .now }) {
                        // Still failing at shutdown: leave them to the broker.
                        break
                    }
                    if wakeup.wait(socket: conn.fileDescriptor, timeout: .milliseconds(50)) || conn.hasBufferedInput {
                        while case let event = try conn.next(timeout: .zero), !Self.isTimeout(event) {
                            if case .channelClosed = event { throw RabbitMQError(.channel, "channel closed during shutdown") }
                        }
                    }
                }
                let left = pending.values.filter { $0.epoch == epoch }.count + retries.count
                if left > 0 { note("shutdown: \(left) outputs were not confirmed in time; their inputs stay unacknowledged and will be delivered again") }
            } catch {
                note("shutdown: \(error)")
            }
            conn.close()
            connection = nil
            stats.withLock { $0.connected = false }
        }
        sink.close(timeout: max(.seconds(1), deadline - .now))
    }

    private static func isTimeout(_ event: AMQPEvent) -> Bool {
        if case .timeout = event { return true }
        return false
    }

    private func note(_ message: String) {
        stats.withLock { Self.append(&$0, message) }
        report(message)
    }

    private func report(_ message: String) {
        if let last = lastLogged, last.text == message, ContinuousClock.now - last.at < .seconds(5) { return }
        lastLogged = (message, .now)
        log(message)
    }

    private static func append(_ statistics: inout Statistics, _ message: String) {
        statistics.errors.append(message)
        if statistics.errors.count > 100 { statistics.errors.removeFirst(statistics.errors.count - 100) }
    }
}

/// Identifies a delivery's content across redeliveries (in memory only): two independent 64-bit
/// hashes of exchange, routing key, properties and body. Computed only for redelivered messages and
/// for confirmations that arrive after their connection was lost.
struct Fingerprint: Hashable {
    var a: Int
    var b: Int

    init(_ delivery: RabbitMQDelivery) {
        self.init(exchange: delivery.exchange, routingKey: delivery.routingKey, properties: delivery.properties, body: delivery.body)
    }

    /// The fingerprint of the delivery a record was made from.
    init?(_ record: OutputRecord) {
        guard case .rabbitMQ(let exchange, let routingKey, _, _) = record.message.origin,
              let properties = record.native as? AMQPProperties
        else { return nil }
        self.init(exchange: exchange, routingKey: routingKey, properties: properties, body: record.message.value)
    }

    private init(exchange: String, routingKey: String, properties: AMQPProperties, body: [UInt8]) {
        func hash(seed: Int) -> Int {
            var hasher = Hasher()
            hasher.combine(seed)
            hasher.combine(exchange)
            hasher.combine(routingKey)
            hasher.combine(properties)
            body.withUnsafeBytes { hasher.combine(bytes: $0) }
            return hasher.finalize()
        }
        a = hash(seed: 0)
        b = hash(seed: 0x5EED)
    }
}
