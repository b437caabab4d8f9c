import Foundation
import Synchronization
import Testing
import Tollgate
@testable import TollgateKafka

/// A topic of inputs on a mock cluster, routers consuming it, and the check that matters: every
/// input offset is in an output at least once (nothing lost), with the duplicate count printed,
/// and the group's committed offsets at the end offsets.
final class KafkaScenario: @unchecked Sendable {
    let cluster: KafkaMockCluster
    let partitions: Int32
    let count: Int
    let group = "tollgate"
    let name: String
    let pipeline: Pipeline
    private(set) var inputs: [KafkaTestSupport.Input] = []
    private(set) var kinds: [KafkaTestSupport.Kind] = []

    init(_ name: String, count: Int, partitions: Int32 = 12, brokers: Int = 3) throws {
        self.name = name
        self.count = count
        self.partitions = partitions
        cluster = try KafkaMockCluster(brokers: brokers)
        try cluster.createTopic("events", partitions: Int(partitions), replicationFactor: brokers)
        try cluster.createTopic("events.approved", partitions: 6, replicationFactor: brokers)
        try cluster.createTopic("events.quarantine", partitions: 12, replicationFactor: brokers)
        pipeline = try KafkaTestSupport.eventsPipeline()
        for index in 0..<count {
            let (input, kind) = KafkaTestSupport.input(index, partitions: partitions)
            inputs.append(input)
            kinds.append(kind)
        }
    }

    /// Produces the inputs, all at once.
    func produceAll() throws {
        _ = try KafkaTestSupport.produce(inputs, topic: "events", brokers: cluster.bootstrapServers)
    }

    /// Produces the inputs in `chunks` over about `seconds`, on a thread, so faults land mid-stream.
    func produceGradually(chunks: Int, seconds: Double) -> Thread {
        let thread = Thread { [self] in
            let size = (count + chunks - 1) / chunks
            for start in stride(from: 0, to: count, by: size) {
                _ = try? KafkaTestSupport.produce(Array(inputs[start..<min(start + size, count)]), topic: "events", brokers: cluster.bootstrapServers)
                Thread.sleep(forTimeInterval: seconds / Double(chunks))
            }
        }
        thread.start()
        return thread
    }

    func router(maxInFlight: Int = 1_000, producer: [String: String] = [:], consumer: [String: String] = [:]) throws -> KafkaRouter {
        try KafkaRouter(pipeline: ReloadablePipeline(pipeline), configuration: .init(
            brokers: cluster.bootstrapServers, group: group, topics: ["events"],
            approvedTopic: "events.approved", quarantineTopic: "events.quarantine",
            consumerProperties: ["session.timeout.ms": "3000", "heartbeat.interval.ms": "300"].merging(consumer) { $1 },
            producerProperties: producer, maxInFlight: maxInFlight, revokeTimeout: .seconds(5), shutdownTimeout: .seconds(30)),
            telemetry: KafkaTestSupport.telemetry)
    }

    func transactionalRouter(id: String = "tollgate-test") throws -> KafkaTransactionalRouter {
        try KafkaTransactionalRouter(pipeline: ReloadablePipeline(pipeline), configuration: .init(
            brokers: cluster.bootstrapServers, group: group, topics: ["events"],
            approvedTopic: "events.approved", quarantineTopic: "events.quarantine",
            consumerProperties: ["session.timeout.ms": "3000", "heartbeat.interval.ms": "300"],
            shutdownTimeout: .seconds(30)), transactionalId: id, telemetry: KafkaTestSupport.telemetry)
    }

    func start(_ router: KafkaTransactionalRouter) -> Task<Void, Error> {
        Task { try await router.run() }
    }

    /// Starts `router` on its own thread.
    func start(_ router: KafkaRouter) -> Task<Void, Error> {
        Task { try await router.run() }
    }

    struct Outcome: CustomStringConvertible {
        var outputs: Int
        var missing: [String]
        var duplicates: Int
        var description: String { "\(outputs) outputs, \(missing.count) inputs missing, \(duplicates) duplicates" }
    }

    /// Reads both outputs back and compares them with the inputs by key.
    func outcome() throws -> Outcome {
        let records = try KafkaTestSupport.readAll(topic: "events.approved", brokers: cluster.bootstrapServers)
            + KafkaTestSupport.readAll(topic: "events.quarantine", brokers: cluster.bootstrapServers)
        var seen: [String: Int] = [:]
        for record in records { seen[String(decoding: record.key ?? [], as: UTF8.self), default: 0] += 1 }
        let missing = inputs.map { String(decoding: $0.key!, as: UTF8.self) }.filter { seen[$0] == nil }
        return Outcome(outputs: records.count, missing: missing, duplicates: records.count - seen.count)
    }

    /// Waits until every input key is in an output, checking every half second.
    func waitUntilComplete(timeout: Duration) async throws -> Outcome {
        let deadline = ContinuousClock.now + timeout
        while true {
            let result = try outcome()
            if result.missing.isEmpty { return result }
            if ContinuousClock.now > deadline { return result }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Waits for a thread from ``produceGradually(chunks:seconds:)`` to finish.
    func waitForProducer(_ thread: Thread) async throws {
        while thread.isExecuting { try await Task.sleep(for: .milliseconds(100)) }
    }

    /// The group's committed offset for every input partition, against its end offset.
    func uncommitted() throws -> [String] {
        let reader = try KafkaConsumerClient(properties: ["bootstrap.servers": cluster.bootstrapServers, "group.id": group], listener: nil)
        let all = (0..<partitions).map { TopicPartition("events", $0) }
        let committed = try reader.committed(all, timeout: .seconds(10))
        var behind: [String] = []
        for partition in all {
            let end = try reader.watermarks(partition, timeout: .seconds(10)).high
            if committed[partition] != .some(end) { behind.append("\(partition): committed \(String(describing: committed[partition] ?? nil)), end \(end)") }
        }
        return behind
    }

    /// Prints the outcome line the acceptance asks for.
    func report(_ outcome: Outcome) {
        print("[kafka fault test] \(name): \(count) inputs -> \(outcome)")
    }
}
