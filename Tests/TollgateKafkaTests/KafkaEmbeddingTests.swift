import Foundation
import Testing
import Tollgate
import TollgateKafka

/// Embedding on Kafka: `KafkaSource` as an AsyncSequence wrapped by `approved(by:quarantine:)`,
/// rejects written by `KafkaQuarantineSink`, approved ones handled and acknowledged by the service.
@Suite("Kafka embedding: KafkaSource, KafkaSink, KafkaQuarantineSink", .serialized)
struct KafkaEmbeddingTests {
    @Test("approved messages flow to the service, rejects are quarantined, and only acknowledged offsets are committed, up to the end")
    func embedded() async throws {
        let scenario = try KafkaScenario("embedded source", count: 2_000)
        try scenario.produceAll()
        let pipeline = scenario.pipeline
        let brokers = scenario.cluster.bootstrapServers

        let source = try KafkaSource(brokers: brokers, group: scenario.group, topics: ["events"],
                                     properties: ["session.timeout.ms": "3000", "heartbeat.interval.ms": "300"], maxInFlight: 500)
        let sink = try KafkaSink(brokers: brokers)
        let quarantine = KafkaQuarantineSink(sink: sink, topic: "events.quarantine", acknowledging: source)
        // The service: handle each approved message (here: forward it), then acknowledge it.
        let service = Task {
            var handled = 0
            for try await approved in source.approved(by: pipeline, quarantine: quarantine) {
                try await sink.send(approved.message, to: "events.approved",
                                    headers: QuarantineRecord.approvedHeaders(for: approved.message, verdict: approved.verdict))
                source.acknowledge(approved.message)
                handled += 1
            }
            return handled
        }
        // One awaited broker round trip per message: slow on a loaded machine, so a generous bound.
        _ = try await scenario.waitUntilComplete(timeout: .seconds(240))
        // Acknowledged offsets reach the end while the source runs; closing commits and leaves.
        do {
            try await KafkaTestSupport.wait(upTo: .seconds(30), "commits at the end offsets") { try scenario.uncommitted().isEmpty }
        } catch {
            Issue.record("\(error): \(try scenario.uncommitted()); unacknowledged \(source.unacknowledged)")
        }
        source.close()
        let handled = try await service.value
        #expect(handled >= scenario.kinds.filter { $0 == .valid }.count)
        let outcome = try scenario.outcome()
        scenario.report(outcome)
        #expect(outcome.missing.isEmpty && outcome.duplicates == 0, "\(outcome)")
        let behind = try scenario.uncommitted()
        #expect(behind.isEmpty, "\(behind)")
    }

    @Test("KafkaSink.send returns where the broker wrote the message, and throws for a topic it cannot write")
    func sink() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("out", partitions: 1)
        let sink = try KafkaSink(brokers: cluster.bootstrapServers, properties: ["message.timeout.ms": "3000"])
        let first = try await sink.send(Message(key: Array("k".utf8), value: Array("{}".utf8)), to: "out")
        let second = try await sink.send(Message(key: Array("k".utf8), value: Array("{}".utf8)), to: "out")
        #expect(first.partition == 0 && second.offset == first.offset + 1)
        cluster.pushRequestErrors(.produce, [29])
        await #expect(throws: KafkaError.self) {
            try await sink.send(Message(value: Array("{}".utf8)), to: "out")
        }
    }
}
