import Foundation
import Synchronization
import Tollgate

/// The Kafka sidecar's engine: consumes topics as a consumer-group member, runs every record through
/// the pipeline, writes approved records to the approved topic and rejected ones to the quarantine
/// topic (with the quarantine record's headers), and stores an input offset for commit only once its
/// output write is confirmed, contiguously per partition. At-least-once: nothing is lost, and a
/// crash replays at most the unconfirmed window.
///
/// ```swift
/// let router = try KafkaRouter(pipeline: pipeline, configuration: .init(
///     brokers: "localhost:9092", group: "tollgate-orders", topics: ["orders"],
///     approvedTopic: "orders.approved", quarantineTopic: "orders.quarantine"))
/// try await router.run()          // until router.stop()
/// ```
///
/// All blocking librdkafka calls happen on the router's own threads (the consumer loop and the
/// producer's poller), never on Swift's cooperative pool.
public final class KafkaRouter: KafkaSidecar, KafkaRebalanceListener, @unchecked Sendable {
    public struct Configuration: Sendable {
        /// `bootstrap.servers`.
        public var brokers: String
        /// The consumer group (`group.id`).
        public var group: String
        public var topics: [String]
        public var approvedTopic: String
        public var quarantineTopic: String
        /// librdkafka properties for both clients (security, client.id, ...), then each client's own;
        /// they override Tollgate's defaults.
        public var properties: [String: String]
        public var consumerProperties: [String: String]
        public var producerProperties: [String: String]
        /// Records consumed and not yet confirmed before the consumer pauses its partitions.
        public var maxInFlight: Int
        public var quarantine: QuarantineOptions
        /// How long a revocation waits for the revoked partitions' in-flight writes.
        public var revokeTimeout: Duration
        /// How long `stop()` waits for in-flight writes before it gives up on them (uncommitted,
        /// so they are consumed again by whoever comes next).
        public var shutdownTimeout: Duration

        public init(brokers: String, group: String, topics: [String], approvedTopic: String, quarantineTopic: String,
                    properties: [String: String] = [:], consumerProperties: [String: String] = [:],
                    producerProperties: [String: String] = [:], maxInFlight: Int = 100_000,
                    quarantine: QuarantineOptions = QuarantineOptions(), revokeTimeout: Duration = .seconds(10),
                    shutdownTimeout: Duration = .seconds(30))
        {
            self.brokers = brokers
            self.group = group
            self.topics = topics
            self.approvedTopic = approvedTopic
            self.quarantineTopic = quarantineTopic
            self.properties = properties
            self.consumerProperties = consumerProperties
            self.producerProperties = producerProperties
            self.maxInFlight = maxInFlight
            self.quarantine = quarantine
            self.revokeTimeout = revokeTimeout
            self.shutdownTimeout = shutdownTimeout
        }

        /// Checks that librdkafka accepts every consumer and producer property, without connecting
        /// (for `tollgate run --check-config`).
        public func check() throws(KafkaError) {
            try KafkaProperties.check(consumerSettings)
            try KafkaProperties.check(producerSettings)
        }

        /// Tollgate's consumer defaults: cooperative-sticky assignment, offsets stored by Tollgate
        /// (only once confirmed) and committed by librdkafka four times a second, from the earliest offset
        /// when the group has none.
        var consumerSettings: [String: String] {
            var p = ["bootstrap.servers": brokers, "group.id": group,
                     "partition.assignment.strategy": "cooperative-sticky",
                     "enable.auto.commit": "true", "auto.commit.interval.ms": "250",
                     "enable.auto.offset.store": "false", "auto.offset.reset": "earliest"]
            p.merge(properties) { $1 }
            p.merge(consumerProperties) { $1 }
            return p
        }

        /// Tollgate's producer defaults: idempotent (no duplicates or reordering from retries),
        /// acks from all in-sync replicas.
        var producerSettings: [String: String] {
            var p = ["bootstrap.servers": brokers, "enable.idempotence": "true", "acks": "all", "linger.ms": "5"]
            p.merge(properties) { $1 }
            p.merge(producerProperties) { $1 }
            return p
        }
    }

    /// Counters, for logs, metrics and tests.
    public struct Statistics: Sendable {
        public var consumed = 0
        public var approved = 0
        public var quarantined = 0
        /// Output writes confirmed by the broker.
        public var confirmed = 0
        /// Output writes that failed for good; their partitions are stopped.
        public var failed = 0
        /// Partitions stopped by a failed write.
        public var stoppedPartitions: [TopicPartition] = []
        /// The most recent errors, newest last.
        public var errors: [String] = []
        /// When the first message was consumed and the last output confirmed: the span to divide
        /// by for a throughput.
        public var firstConsumedAt: ContinuousClock.Instant?
        public var lastConfirmedAt: ContinuousClock.Instant?

        /// Confirmed messages per second between the first consumed and the last confirmed.
        public var messagesPerSecond: Double? { Tollgate.messagesPerSecond(confirmed, from: firstConsumedAt, to: lastConfirmedAt) }

        /// Consumed, and neither confirmed nor failed yet.
        public var inFlight: Int { consumed - confirmed - failed }
    }

    /// The pipeline, replaceable while running (a schema reload).
    public let pipelines: ReloadablePipeline
    /// The pipeline in use.
    public var pipeline: Pipeline { pipelines.current }
    public let configuration: Configuration
    /// Metrics and the quarantine log.
    public let telemetry: RoutingTelemetry
    /// Readiness and lag.
    public let health: KafkaHealth

    private struct Pending {
        var partition: TopicPartition
        var offset: Int64
        /// Kept for writes to another broker's sink, which may be retried.
        var record: OutputRecord?
        var attempts = 0
        var approved: Bool
        var latency: EndToEndLatency
    }

    private struct State {
        var tracker = OffsetTracker()
        var pending: [UInt64: Pending] = [:]
        /// Writes to another broker's sink that failed retriably: written again when due.
        var retries: [(token: UInt64, due: ContinuousClock.Instant)] = []
        var nextToken: UInt64 = 1
        var statistics = Statistics()
    }

    private let state = Mutex(State())
    private let running = RunFlagBox()
    private var consumer: KafkaConsumerClient!
    private var producer: KafkaProducerClient?
    /// Outputs on another broker (a RabbitMQ exchange, say), instead of the producer.
    public let sink: (any OutputSink)?

    /// Connects both clients (the consumer joins the group when ``run()`` starts).
    /// - Parameter sink: where outputs go when not to topics of the source cluster (a cross-broker
    ///   route); `approvedTopic` and `quarantineTopic` are then unused. A write it reports as
    ///   retriable is written again with backoff while the input offset stays uncommitted.
    /// - Throws: ``KafkaError`` for a property librdkafka refuses.
    public convenience init(pipeline: Pipeline, configuration: Configuration, sink: (any OutputSink)? = nil) throws(KafkaError) {
        try self.init(pipeline: ReloadablePipeline(pipeline), configuration: configuration, sink: sink)
    }

    /// - Parameters:
    ///   - pipeline: swapped by a schema reload while the router runs.
    ///   - telemetry: where metrics and quarantine log lines go.
    public init(pipeline: ReloadablePipeline, configuration: Configuration, sink: (any OutputSink)? = nil,
                telemetry: RoutingTelemetry = RoutingTelemetry(broker: "kafka")) throws(KafkaError)
    {
        pipelines = pipeline
        self.configuration = configuration
        self.sink = sink
        self.telemetry = telemetry
        health = KafkaHealth(telemetry: telemetry)
        flow = FlowControl(maxInFlight: configuration.maxInFlight)
        if sink == nil {
            producer = try KafkaProducerClient(properties: configuration.producerSettings) { [weak self] token, result in
                self?.delivered(token, result)
            }
        }
        consumer = try KafkaConsumerClient(properties: KafkaHealth.withStatistics(configuration.consumerSettings), listener: self,
                                           statistics: health.update)
    }

    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Asks ``run()`` to finish: stop fetching, wait for in-flight writes (up to the shutdown
    /// timeout), commit what is confirmed, leave the group. Safe from any thread or signal handler
    /// queue.
    public func stop() {
        running.flag.set(false)
        health.setRunning(false)
    }

    /// Consumes, decides and routes on the calling thread until ``stop()``.
    /// - Throws: ``KafkaError`` when the subscription fails or a client hits a fatal error.
    public func runBlocking() throws(KafkaError) {
        if let sink {
            do {
                try sink.start { [weak self] token, result in self?.written(token, result) }
            } catch {
                throw KafkaError(message: "cannot start the output \(sink.description): \(error)")
            }
        }
        try consumer.subscribe(configuration.topics)
        health.setRunning(running.flag.isSet)
        defer { health.setRunning(false) }
        let evaluator = pipelines.makeEvaluator()
        let recorder = telemetry.makeRecorder()
        var fatal: KafkaError?
        // Housekeeping (storing committable offsets, backpressure, the producer's health) runs
        // every few milliseconds or records rather than after each record: librdkafka commits
        // what was stored four times a second anyway.
        var lastHousekeeping = ContinuousClock.now
        var sinceHousekeeping = 0
        // Partitions stopped by a failed write stay paused when the others resume.
        let notStopped = { (assignment: [TopicPartition]) in
            let stopped = Set(self.statistics.stoppedPartitions)
            return assignment.filter { !stopped.contains($0) }
        }
        while running.flag.isSet {
            let inFlight = state.withLock { $0.tracker.inFlight }
            guard flow.shouldPoll(inFlight: inFlight, consumer: consumer, resumable: notStopped) else {
                storeCommittable()
                flow.pause()
                continue
            }
            let event = consumer.poll(timeout: .milliseconds(100))
            switch event {
            case .record(let record)?:
                route(record, evaluator: evaluator, recorder: recorder)
                sinceHousekeeping += 1
            case .endOfPartition?, nil:
                break
            case .error(let error)?:
                health.observe(error)
                note(error.description)
                if error.isFatal { fatal = error; running.flag.set(false) }
            }
            if event == nil || sinceHousekeeping >= 256 || ContinuousClock.now - lastHousekeeping >= .milliseconds(20) {
                if let error = producer?.fatalError { fatal = error; running.flag.set(false) }
                retryDue()
                storeCommittable()
                lastHousekeeping = .now
                sinceHousekeeping = 0
            }
        }
        shutDown()
        if let fatal { throw fatal }
    }

    private func route(_ record: KafkaRecord, evaluator: ReloadablePipeline.Evaluator, recorder: RoutingTelemetry.Recorder) {
        let partition = TopicPartition(record.topic, record.partition)
        let message = Self.message(for: record, group: configuration.group)
        let (verdict, latency) = recorder.decide(message, by: evaluator.evaluate)
        let pending = Pending(partition: partition, offset: record.offset, approved: verdict.isApproved, latency: latency)
        if let sink {
            let output = OutputRecord(message: message, verdict: verdict, quarantine: configuration.quarantine, quarantinedAt: RFC3339Time.nowMilliseconds())
            let token = begin(pending, output: output)
            sink.write(output, token: token)
            return
        }
        let (topic, headers) = Self.output(for: message, verdict: verdict, configuration: configuration)
        let token = begin(pending, output: nil)
        do {
            try producer!.produce(topic: topic, key: record.key, value: record.value ?? [], headers: headers,
                                  timestamp: record.timestamp, token: token)
        } catch {
            delivered(token, .failure(error))
        }
    }

    private func begin(_ pending: Pending, output: OutputRecord?) -> UInt64 {
        var pending = pending
        pending.record = output
        return state.withLock { state -> UInt64 in
            let token = state.nextToken
            state.nextToken += 1
            state.pending[token] = pending
            state.tracker.begin(pending.partition, offset: pending.offset)
            state.statistics.consumed += 1
            if state.statistics.firstConsumedAt == nil { state.statistics.firstConsumedAt = .now }
            if pending.approved { state.statistics.approved += 1 } else { state.statistics.quarantined += 1 }
            return token
        }
    }

    /// A confirmation from another broker's sink, on its thread.
    private func written(_ token: UInt64, _ result: Result<Void, OutputError>) {
        switch result {
        case .success:
            delivered(token, .success(KafkaDelivery(partition: -1, offset: -1)))
        case .failure(let error) where error.retriable:
            let attempts = state.withLock { state -> Int? in
                guard let pending = state.pending[token] else { return nil }
                telemetry.outputWriteFailed(approved: pending.approved)
                state.pending[token]!.attempts += 1
                let attempts = state.pending[token]!.attempts
                let backoff = min(30_000, 100 << min(attempts, 12))
                state.retries.append((token, .now + .milliseconds(Int.random(in: backoff / 2...backoff))))
                Self.append(&state.statistics, "output write failed (the offset stays uncommitted and the write is retried): \(error)")
                return attempts
            }
            if attempts == 1 || attempts.map({ $0 % 20 == 0 }) == true {
                telemetry.notice("output write failed, retrying: \(error)")
            }
        case .failure(let error):
            delivered(token, .failure(KafkaError(message: error.description)))
        }
    }

    /// Writes again the sink writes whose retry is due.
    private func retryDue() {
        guard let sink else { return }
        let now = ContinuousClock.now
        let due = state.withLock { state -> [(UInt64, OutputRecord)] in
            guard !state.retries.isEmpty else { return [] }
            var due: [(UInt64, OutputRecord)] = []
            state.retries.removeAll { retry in
                guard retry.due <= now else { return false }
                if let record = state.pending[retry.token]?.record { due.append((retry.token, record)) }
                return true
            }
            return due
        }
        for (token, record) in due { sink.write(record, token: token) }
    }

    /// A delivery report, on the producer's polling thread.
    private func delivered(_ token: UInt64, _ result: Result<KafkaDelivery, KafkaError>) {
        var stop: TopicPartition?
        let settled = state.withLock { state -> Pending? in
            guard let pending = state.pending.removeValue(forKey: token) else { return nil }
            switch result {
            case .success:
                state.tracker.finish(pending.partition, offset: pending.offset)
                state.statistics.confirmed += 1
                state.statistics.lastConfirmedAt = .now
            case .failure(let error):
                state.tracker.fail(pending.partition, offset: pending.offset)
                state.statistics.failed += 1
                if !state.statistics.stoppedPartitions.contains(pending.partition) {
                    state.statistics.stoppedPartitions.append(pending.partition)
                    stop = pending.partition
                }
                Self.append(&state.statistics, "the output of \(pending.partition)@\(pending.offset) could not be written: \(error); \(pending.partition) is stopped and will be consumed again from its last committed offset after a restart")
            }
            return pending
        }
        if let settled {
            switch result {
            case .success: settled.latency.recordConfirmed()
            case .failure: telemetry.outputWriteFailed(approved: settled.approved)
            }
        }
        if let stop {
            telemetry.error(statistics.errors.last ?? "")
            consumer.pause([stop])
        }
    }

    private func storeCommittable() {
        let offsets = state.withLock { $0.tracker.takeCommittable() }
        guard !offsets.isEmpty else { return }
        do {
            try consumer.storeOffsets(offsets)
        } catch {
            // A partition revoked meanwhile: its new owner starts from the last commit.
            note(error.description)
        }
    }

    /// Backpressure; on the consumer thread only (rebalance callbacks run there too).
    private var flow: FlowControl

    /// Waits until `done` holds or `timeout` passes, checking every 5 ms (revocations and
    /// shutdown only: nothing on the delivery path pays for it).
    private func wait(upTo timeout: Duration, until done: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !done() {
            if ContinuousClock.now >= deadline { return false }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return true
    }

    private func shutDown() {
        let confirmed = wait(upTo: configuration.shutdownTimeout) { state.withLock { $0.tracker.inFlight == 0 } }
        if !confirmed {
            note("shutdown: \(state.withLock { $0.tracker.inFlight }) writes were not confirmed in time; their inputs stay uncommitted")
        }
        storeCommittable()
        commitBeforeLeaving()
        consumer.close()
        _ = producer?.flush(timeout: .seconds(5))
        sink?.close(timeout: .seconds(5))
    }

    /// Commits the stored offsets. A commit refused because the group is rebalancing (another
    /// member joining or leaving at the same moment) is retried while the consumer takes part in the
    /// rebalance; records it returns meanwhile are dropped, uncommitted.
    private func commitBeforeLeaving() {
        let deadline = ContinuousClock.now + max(configuration.shutdownTimeout, .seconds(5))
        while true {
            do {
                try consumer.commit()
                return
            } catch {
                // REBALANCE_IN_PROGRESS (27), ILLEGAL_GENERATION (22), _WAIT_COORD, _TRANSPORT: worth another try.
                let retriable = [27, 22, -180, -195].contains(error.code) || error.isRetriable
                guard retriable, ContinuousClock.now < deadline else {
                    note("shutdown: \(error); those inputs are consumed again by whoever comes next")
                    return
                }
                _ = consumer.poll(timeout: .milliseconds(200))
                storeCommittable()
            }
        }
    }

    // MARK: KafkaRebalanceListener

    public func assigned(_ partitions: [TopicPartition]) {
        health.joined()
        if flow.paused { consumer.pause(partitions) }
    }

    public func revoking(_ partitions: [TopicPartition], lost: Bool) {
        if !lost {
            _ = wait(upTo: configuration.revokeTimeout) {
                state.withLock { state in partitions.allSatisfy { state.tracker.inFlight($0) == 0 } }
            }
        }
        var offsets: [TopicPartition: Int64] = [:]
        state.withLock { state in
            for partition in partitions {
                if let offset = state.tracker.drop(partition), !lost { offsets[partition] = offset }
                state.statistics.stoppedPartitions.removeAll { $0 == partition }
            }
            // Late confirmations for the revoked partitions find no pending entry and are ignored.
            let revoked = Set(partitions)
            state.pending = state.pending.filter { !revoked.contains($0.value.partition) }
            state.retries.removeAll { state.pending[$0.token] == nil }
        }
        if !offsets.isEmpty { try? consumer.storeOffsets(offsets) }
    }

    // MARK: Helpers

    private func note(_ message: String) {
        state.withLock { Self.append(&$0.statistics, message) }
    }

    private static func append(_ statistics: inout Statistics, _ message: String) {
        statistics.errors.append(message)
        if statistics.errors.count > 100 { statistics.errors.removeFirst(statistics.errors.count - 100) }
    }

    /// Where a decided message goes, and the headers it is written with.
    static func output(for message: Message, verdict: Verdict, configuration: Configuration) -> (topic: String, headers: [MessageHeader]) {
        if verdict.isApproved {
            return (configuration.approvedTopic, QuarantineRecord.approvedHeaders(for: message, verdict: verdict))
        }
        return (configuration.quarantineTopic,
                QuarantineRecord.headers(for: message, verdict: verdict, quarantinedAt: RFC3339Time.nowMilliseconds(), options: configuration.quarantine))
    }

    /// The message for a consumed record.
    static func message(for record: KafkaRecord, group: String) -> Message {
        Message(key: record.key, value: record.value ?? [], headers: record.headers,
                origin: .kafka(topic: record.topic, partition: record.partition, offset: record.offset, group: group),
                timestamp: record.timestamp)
    }

}

/// What `tollgate run` drives: ``KafkaRouter`` (at-least-once) or ``KafkaTransactionalRouter``
/// (exactly-once).
public protocol KafkaSidecar: AnyObject, Sendable {
    /// Consumes, decides and routes on the calling thread until ``stop()``.
    func runBlocking() throws(KafkaError)
    /// Asks ``runBlocking()`` to finish gracefully; from any thread.
    func stop()
    var statistics: KafkaRouter.Statistics { get }
    /// Readiness and lag.
    var health: KafkaHealth { get }
    /// The pipeline in use, replaceable while running.
    var pipelines: ReloadablePipeline { get }
}

extension KafkaSidecar {
    /// Runs ``runBlocking()`` on a thread of its own (librdkafka's blocking calls stay off Swift's
    /// cooperative pool) until ``stop()``.
    public func run() async throws {
        try await runOnDedicatedThread(named: "tollgate-kafka-\(type(of: self))") { [self] in try runBlocking() }
    }
}

/// The running flag, shared with signal handlers. It starts set and only ``stop()`` clears it, so
/// a stop that comes before the loop has started (its task still waiting for a thread) is not lost.
final class RunFlagBox: Sendable {
    let flag = RunFlag(true)
}
