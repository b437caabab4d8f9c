import Foundation
import Testing
import Tollgate
@testable import TollgateKafka

/// `KafkaRouter` against librdkafka's mock cluster, over TCP.
@Suite("Kafka router", .serialized)
struct KafkaRouterTests {
    @Test("every input offset ends up in exactly one output, with its content and coordinates; committed offsets reach the end")
    func everyOffsetOnce() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let partitions: Int32 = 12
        try cluster.createTopic("events", partitions: Int(partitions))
        try cluster.createTopic("events.approved", partitions: 6)
        try cluster.createTopic("events.quarantine", partitions: 3)
        let count = 3_000
        let made = (0..<count).map { KafkaTestSupport.input($0, partitions: partitions) }
        let deliveries = try KafkaTestSupport.produce(made.map(\.0), topic: "events", brokers: cluster.bootstrapServers)

        let router = try KafkaRouter(pipeline: ReloadablePipeline(try KafkaTestSupport.eventsPipeline()), configuration: .init(
            brokers: cluster.bootstrapServers, group: "tollgate", topics: ["events"],
            approvedTopic: "events.approved", quarantineTopic: "events.quarantine", maxInFlight: 500),
            telemetry: KafkaTestSupport.telemetry)
        let running = Task { try await router.run() }
        try await KafkaTestSupport.wait(upTo: .seconds(60), "every record confirmed") { router.statistics.confirmed == count }
        router.stop()
        try await running.value
        let stats = router.statistics
        #expect(stats.consumed == count && stats.failed == 0, "\(stats)")
        #expect(stats.approved == made.filter { $0.1 == .valid }.count)
        #expect(Set(made.map(\.1)).count == KafkaTestSupport.Kind.allCases.count)

        // Read the outputs back: each input exactly once, by its key, with the right verdict.
        let approved = try KafkaTestSupport.readAll(topic: "events.approved", brokers: cluster.bootstrapServers)
        let quarantined = try KafkaTestSupport.readAll(topic: "events.quarantine", brokers: cluster.bootstrapServers)
        #expect(approved.count + quarantined.count == count)
        var seen: [String: Int] = [:]
        for record in approved + quarantined { seen[String(decoding: record.key ?? [], as: UTF8.self), default: 0] += 1 }
        #expect(seen.count == count && seen.values.allSatisfy { $0 == 1 })

        let inputsByKey = Dictionary(uniqueKeysWithValues: made.enumerated().map { (String(decoding: $0.element.0.key!, as: UTF8.self), ($0.offset, $0.element)) })
        for record in approved {
            let (index, (input, kind)) = inputsByKey[String(decoding: record.key!, as: UTF8.self)]!
            #expect(kind == .valid)
            #expect(record.value == input.value, "approved records are forwarded unchanged")
            #expect(record.headers.first { $0.name == "tollgate.schema" }?.stringValue == "events/1")
            #expect(record.headers.first { $0.name == "trace-id" }?.stringValue == String(index, radix: 16))
        }
        for record in quarantined {
            let (index, (input, kind)) = inputsByKey[String(decoding: record.key!, as: UTF8.self)]!
            let header = { (name: String) in record.headers.first { $0.name == name }?.stringValue }
            let expected: String = switch kind {
            case .valid: "approved"
            case .invalid: "schema-violation"
            case .malformed: "malformed-json"
            case .unknownVersion: "unknown-schema"
            }
            #expect(header("tollgate.reason") == expected)
            #expect(record.value == input.value)
            #expect(header("tollgate.source.topic") == "events")
            #expect(header("tollgate.source.partition") == String(deliveries[index].partition))
            #expect(header("tollgate.source.offset") == String(deliveries[index].offset))
            #expect(header("tollgate.source.group") == "tollgate")
        }

        // The group's committed offsets are the end offsets of every input partition.
        let reader = try KafkaConsumerClient(properties: ["bootstrap.servers": cluster.bootstrapServers, "group.id": "tollgate"], listener: nil)
        let all = (0..<partitions).map { TopicPartition("events", $0) }
        let committed = try reader.committed(all, timeout: .seconds(10))
        for partition in all {
            let end = try reader.watermarks(partition, timeout: .seconds(10)).high
            #expect(committed[partition] == .some(end), "\(partition)")
        }
    }
}
