import Foundation
import Synchronization
import Tollgate

/// The Kafka sidecar's exactly-once engine (`guarantee: exactly-once`). Records are consumed in
/// batches; each batch's outputs and its input offsets are written in one Kafka transaction
/// (`send_offsets_to_transaction`), so for a `read_committed` reader every input appears in exactly
/// one output once, whatever crashes: a transaction that does not commit is aborted, the consumer
/// goes back to the last committed offsets, and the batch is decided again.
///
/// The transactional id must stay the same across restarts of one instance (so a restarted
/// instance fences its predecessor and aborts its open transaction at once) and differ between
/// instances running at the same time.
public final class KafkaTransactionalRouter: KafkaSidecar, KafkaRebalanceListener, @unchecked Sendable {
    /// The pipeline, replaceable while running (a schema reload).
    public let pipelines: ReloadablePipeline
    public var pipeline: Pipeline { pipelines.current }
    public let configuration: KafkaRouter.Configuration
    public let telemetry: RoutingTelemetry
    public let health: KafkaHealth
    public let transactionalId: String
    /// A transaction is committed after this many records...
    public let batchSize: Int
    /// ...or this long after its first record, whichever comes first.
    public let batchDuration: Duration

    private let consumer: KafkaConsumerClient
    private let producer: KafkaProducerClient
    private let running = RunFlagBox()
    private let stats = Mutex(KafkaRouter.Statistics())
    private let deliveryFailures = FailureCount()

    // Consumer-thread state: the open transaction.
    private var open = false
    private var positions: [TopicPartition: Int64] = [:]
    private var batchApproved = 0
    private var batchQuarantined = 0
    private var batchCount = 0
    private var batchStartedAt = ContinuousClock.now
    /// The open transaction's end-to-end latencies, recorded once it commits.
    private var batchLatencies: [EndToEndLatency] = []

    public convenience init(pipeline: Pipeline, configuration: KafkaRouter.Configuration, transactionalId: String,
                            batchSize: Int = 1_000, batchDuration: Duration = .milliseconds(100)) throws(KafkaError)
    {
        try self.init(pipeline: ReloadablePipeline(pipeline), configuration: configuration, transactionalId: transactionalId,
                      batchSize: batchSize, batchDuration: batchDuration)
    }

    public init(pipeline: ReloadablePipeline, configuration: KafkaRouter.Configuration, transactionalId: String,
                batchSize: Int = 1_000, batchDuration: Duration = .milliseconds(100),
                telemetry: RoutingTelemetry = RoutingTelemetry(broker: "kafka")) throws(KafkaError)
    {
        pipelines = pipeline
        self.telemetry = telemetry
        health = KafkaHealth(telemetry: telemetry)
        self.configuration = configuration
        self.transactionalId = transactionalId
        self.batchSize = batchSize
        self.batchDuration = batchDuration
        var producerSettings = configuration.producerSettings
        producerSettings["transactional.id"] = transactionalId
        let failures = deliveryFailures
        producer = try KafkaProducerClient(properties: producerSettings) { _, result in
            if case .failure = result { failures.count.add(1, ordering: .relaxed) }
        }
        var consumerSettings = configuration.consumerSettings
        consumerSettings["enable.auto.commit"] = "false"
        consumerSettings["isolation.level"] = "read_committed"
        consumer = try KafkaConsumerClient(properties: KafkaHealth.withStatistics(consumerSettings), listener: nil,
                                           statistics: health.update)
        // The listener is set once self exists.
        consumer.setListener(self)
    }

    public var statistics: KafkaRouter.Statistics { stats.withLock { $0 } }

    public func stop() {
        running.flag.set(false)
        health.setRunning(false)
    }

    public func runBlocking() throws(KafkaError) {
        try producer.initTransactions(timeout: .seconds(60))
        try consumer.subscribe(configuration.topics)
        health.setRunning(running.flag.isSet)
        defer { health.setRunning(false) }
        let evaluator = pipelines.makeEvaluator()
        let recorder = telemetry.makeRecorder()
        var deadline = ContinuousClock.now
        var fatal: KafkaError?
        while running.flag.isSet && fatal == nil {
            if open && (batchCount >= batchSize || ContinuousClock.now >= deadline) {
                do { try finishTransaction() } catch { fatal = error; break }
                continue
            }
            let wait: Duration = open ? max(.zero, min(deadline - ContinuousClock.now, .milliseconds(100))) : .milliseconds(100)
            guard let event = consumer.poll(timeout: wait) else { continue }
            switch event {
            case .record(let record):
                if !open {
                    do { try producer.beginTransaction() } catch { fatal = error; break }
                    open = true
                    batchStartedAt = .now
                    deadline = ContinuousClock.now + batchDuration
                }
                let message = KafkaRouter.message(for: record, group: configuration.group)
                let (verdict, latency) = recorder.decide(message, by: evaluator.evaluate)
                batchLatencies.append(latency)
                let (topic, headers) = KafkaRouter.output(for: message, verdict: verdict, configuration: configuration)
                do {
                    try producer.produce(topic: topic, key: record.key, value: record.value ?? [], headers: headers,
                                         timestamp: record.timestamp, token: 1)
                } catch {
                    // The transaction cannot commit with a record missing: abort and decide again.
                    note("\(error)")
                    do { try abortAndRewind() } catch let abortError { fatal = abortError }
                    continue
                }
                positions[TopicPartition(record.topic, record.partition)] = record.offset + 1
                batchCount += 1
                if verdict.isApproved { batchApproved += 1 } else { batchQuarantined += 1 }
            case .endOfPartition:
                break
            case .error(let error):
                health.observe(error)
                note(error.description)
                if error.isFatal { fatal = error }
            }
        }
        if fatal == nil && open {
            do { try finishTransaction() } catch { fatal = error }
        }
        consumer.close()
        if let fatal { throw fatal }
    }

    /// Commits the open transaction with its input offsets; on failure aborts it and rewinds.
    private func finishTransaction() throws(KafkaError) {
        guard open else { return }
        var attempts = 0
        while true {
            do {
                try producer.sendOffsetsToTransaction(positions, consumer: consumer, timeout: .seconds(30))
                try producer.commitTransaction(timeout: .seconds(60))
                let started = batchStartedAt
                stats.withLock { s in
                    if s.firstConsumedAt == nil { s.firstConsumedAt = started }
                    s.lastConfirmedAt = .now
                    s.consumed += batchCount
                    s.confirmed += batchCount
                    s.approved += batchApproved
                    s.quarantined += batchQuarantined
                }
                for latency in batchLatencies { latency.recordConfirmed() }
                resetBatch()
                return
            } catch {
                if error.isFatal { throw error }
                if error.isRetriable && !error.requiresAbort && attempts < 5 {
                    attempts += 1
                    continue
                }
                note("transaction not committed, aborted and retried from the last commit: \(error)")
                try abortAndRewind()
                return
            }
        }
    }

    /// Aborts the open transaction and moves the consumer back to the committed offsets of the
    /// partitions it touched, so their records are decided again in a new transaction.
    private func abortAndRewind() throws(KafkaError) {
        let touched = Array(positions.keys)
        if open {
            // An abort that times out (deliveries still outstanding) may be retried.
            var attempts = 0
            while true {
                do {
                    try producer.abortTransaction(timeout: .seconds(30))
                    break
                } catch {
                    attempts += 1
                    if error.isFatal || !error.isRetriable || attempts >= 3 { throw error }
                }
            }
        }
        stats.withLock { $0.failed += batchCount }
        resetBatch()
        guard !touched.isEmpty else { return }
        let committed = try consumer.committed(touched, timeout: .seconds(30))
        var targets: [TopicPartition: Int64] = [:]
        for partition in touched { targets[partition] = (committed[partition] ?? nil) ?? KafkaOffset.beginning }
        try consumer.seek(targets, timeout: .seconds(30))
    }

    private func resetBatch() {
        open = false
        positions.removeAll()
        batchCount = 0
        batchApproved = 0
        batchQuarantined = 0
        batchLatencies.removeAll(keepingCapacity: true)
    }

    private func note(_ message: String) {
        stats.withLock { s in
            s.errors.append(message)
            if s.errors.count > 100 { s.errors.removeFirst(s.errors.count - 100) }
        }
    }

    // MARK: KafkaRebalanceListener (on the consumer thread, inside poll)

    public func assigned(_ partitions: [TopicPartition]) { health.joined() }

    public func revoking(_ partitions: [TopicPartition], lost: Bool) {
        guard open else { return }
        if lost {
            // Another member may own them already: nothing of this transaction may commit.
            do { try abortAndRewind() } catch { note("\(error)") }
        } else {
            // Commit what was decided while the partitions are still ours.
            do { try finishTransaction() } catch { note("\(error)") }
        }
    }
}

/// Failed deliveries inside transactions (each makes its transaction abort).
final class FailureCount: Sendable {
    let count = Atomic<Int>(0)
}
