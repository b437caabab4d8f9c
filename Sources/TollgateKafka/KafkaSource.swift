import Foundation
import Synchronization
import Tollgate

/// Kafka messages as an `AsyncSequence`, for services that embed Tollgate: a consumer-group member
/// (cooperative-sticky by default, every librdkafka property settable) whose offsets are committed
/// only for messages you ``acknowledge(_:)``, contiguously per partition.
///
/// ```swift
/// let source = try KafkaSource(brokers: "localhost:9092", group: "billing", topics: ["orders"])
/// let sink = try KafkaSink(brokers: "localhost:9092")
/// let quarantine = KafkaQuarantineSink(sink: sink, topic: "orders.quarantine", acknowledging: source)
/// for try await approved in source.approved(by: pipeline, quarantine: quarantine) {
///     try await handle(approved.message)
///     source.acknowledge(approved.message)
/// }
/// ```
///
/// Polling happens on a thread of the source's own, never on Swift's cooperative pool. At most
/// `maxInFlight` messages are delivered and not yet acknowledged; then the source stops taking
/// more (and pauses its partitions if that lasts over a second). Iterate once.
public final class KafkaSource: AsyncSequence, KafkaRebalanceListener, @unchecked Sendable {
    public typealias Element = Message

    public let group: String
    public let maxInFlight: Int
    private let consumer: KafkaConsumerClient
    private let stream: AsyncThrowingStream<Message, Error>
    private let continuation: AsyncThrowingStream<Message, Error>.Continuation
    private let tracker = Mutex(OffsetTracker())
    private let running = RunFlag(true)
    private let finished = DispatchSemaphore(value: 0)

    /// Joins `group` for `topics` and starts fetching.
    /// - Parameter properties: librdkafka consumer properties; they override Tollgate's defaults
    ///   (cooperative-sticky, offsets stored only when acknowledged, committed four times a second,
    ///   earliest offset for a new group).
    public init(brokers: String, group: String, topics: [String], properties: [String: String] = [:],
                maxInFlight: Int = 10_000) throws(KafkaError)
    {
        self.group = group
        self.maxInFlight = maxInFlight
        var settings = ["bootstrap.servers": brokers, "group.id": group,
                        "partition.assignment.strategy": "cooperative-sticky",
                        "enable.auto.commit": "true", "auto.commit.interval.ms": "250",
                        "enable.auto.offset.store": "false", "auto.offset.reset": "earliest"]
        settings.merge(properties) { $1 }
        consumer = try KafkaConsumerClient(properties: settings, listener: nil)
        (stream, continuation) = AsyncThrowingStream<Message, Error>.makeStream()
        consumer.setListener(self)
        try consumer.subscribe(topics)
        let thread = Thread { [self] in pollLoop() }
        thread.name = "tollgate-kafka-source"
        thread.start()
    }

    deinit { close() }

    public func makeAsyncIterator() -> AsyncThrowingStream<Message, Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }

    /// The message was handled: its offset may be committed once every earlier message of its
    /// partition is acknowledged too. Messages of partitions revoked since are ignored (their new
    /// owner gets them again).
    public func acknowledge(_ message: Message) {
        guard case .kafka(let topic, let partition, let offset, _) = message.origin else { return }
        _ = tracker.withLock { $0.finish(TopicPartition(topic, partition), offset: offset) }
    }

    /// Messages delivered and not yet acknowledged.
    public var unacknowledged: Int { tracker.withLock { $0.inFlight } }

    /// Stops fetching, commits what was acknowledged, leaves the group and ends the sequence.
    public func close() {
        guard running.isSet else { return }
        running.set(false)
        finished.wait()
    }

    private func pollLoop() {
        var flow = FlowControl(maxInFlight: maxInFlight)
        while running.isSet {
            guard flow.shouldPoll(inFlight: tracker.withLock { $0.inFlight }, consumer: consumer) else {
                storeCommittable()
                flow.pause()
                continue
            }
            switch consumer.poll(timeout: .milliseconds(100)) {
            case .record(let record)?:
                tracker.withLock { $0.begin(TopicPartition(record.topic, record.partition), offset: record.offset) }
                continuation.yield(KafkaRouter.message(for: record, group: group))
            case .error(let error)? where error.isFatal:
                continuation.finish(throwing: error)
                running.set(false)
            default:
                break
            }
            storeCommittable()
        }
        storeCommittable()
        try? consumer.commit()
        consumer.close()
        continuation.finish()
        finished.signal()
    }

    private func storeCommittable() {
        let offsets = tracker.withLock { $0.takeCommittable() }
        if !offsets.isEmpty { try? consumer.storeOffsets(offsets) }
    }

    // MARK: KafkaRebalanceListener

    public func assigned(_ partitions: [TopicPartition]) {}

    public func revoking(_ partitions: [TopicPartition], lost: Bool) {
        var offsets: [TopicPartition: Int64] = [:]
        tracker.withLock { tracker in
            for partition in partitions {
                if let offset = tracker.drop(partition), !lost { offsets[partition] = offset }
            }
        }
        if !offsets.isEmpty { try? consumer.storeOffsets(offsets) }
    }
}

/// Writes messages to Kafka and returns once the broker confirmed each write: an idempotent
/// producer (every librdkafka property settable), keys kept so per-key order holds.
public final class KafkaSink: Sendable {
    private let producer: KafkaProducerClient
    private let waiting: Waiters

    final class Waiters: Sendable {
        let continuations = Mutex<[UInt64: CheckedContinuation<KafkaDelivery, Error>]>([:])
        let next = Atomic<UInt64>(1)
    }

    public init(brokers: String, properties: [String: String] = [:]) throws(KafkaError) {
        var settings = ["bootstrap.servers": brokers, "enable.idempotence": "true", "acks": "all", "linger.ms": "5"]
        settings.merge(properties) { $1 }
        let waiting = Waiters()
        producer = try KafkaProducerClient(properties: settings) { token, result in
            let continuation = waiting.continuations.withLock { $0.removeValue(forKey: token) }
            switch result {
            case .success(let delivery): continuation?.resume(returning: delivery)
            case .failure(let error): continuation?.resume(throwing: error)
            }
        }
        self.waiting = waiting
    }

    /// Writes `message` (its key, value and `headers`, by default its own) to `topic` and waits
    /// for the broker's confirmation.
    /// - Throws: ``KafkaError`` when librdkafka gives up on the write.
    @discardableResult
    public func send(_ message: Message, to topic: String, headers: [MessageHeader]? = nil) async throws -> KafkaDelivery {
        let token = waiting.next.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<KafkaDelivery, Error>) in
            waiting.continuations.withLock { $0[token] = continuation }
            Task {
                do {
                    while try !producer.tryProduce(topic: topic, key: message.key, value: message.value,
                                                   headers: headers ?? message.headers, timestamp: message.timestamp, token: token)
                    {
                        try await Task.sleep(for: .milliseconds(1))
                    }
                } catch {
                    let pending = waiting.continuations.withLock { $0.removeValue(forKey: token) }
                    pending?.resume(throwing: error)
                }
            }
        }
    }

    /// Waits until every write is confirmed or failed, up to `timeout`.
    @discardableResult
    public func flush(timeout: Duration = .seconds(10)) -> Bool { producer.flush(timeout: timeout) }
}

/// A ``QuarantineSink`` that writes rejected messages, with the quarantine record's headers, to a
/// Kafka topic, returning once the broker confirmed the write; it then acknowledges the message on
/// its source, so the input's offset can be committed.
public struct KafkaQuarantineSink: QuarantineSink {
    public let sink: KafkaSink
    public let topic: String
    public let options: QuarantineOptions
    public let source: KafkaSource?

    public init(sink: KafkaSink, topic: String, options: QuarantineOptions = QuarantineOptions(), acknowledging source: KafkaSource? = nil) {
        self.sink = sink
        self.topic = topic
        self.options = options
        self.source = source
    }

    public func quarantine(_ message: Message, verdict: Verdict) async throws {
        let headers = QuarantineRecord.headers(for: message, verdict: verdict, quarantinedAt: RFC3339Time.nowMilliseconds(), options: options)
        try await sink.send(message, to: topic, headers: headers)
        source?.acknowledge(message)
    }
}
