import Foundation
import Testing
import Tollgate
@testable import TollgateKafka

/// Faults on librdkafka's mock cluster over TCP. Each ends with nothing lost: every input offset in
/// an output at least once (the duplicate count is printed), and the group's commits at the end.
@Suite("Kafka under faults", .serialized)
struct KafkaFaultTests {
    @Test("50,000 mixed messages over 12 partitions: each input exactly once in one output, commits at the end")
    func normalRun() async throws {
        let scenario = try KafkaScenario("normal run", count: 50_000)
        try scenario.produceAll()
        let router = try scenario.router(maxInFlight: 5_000)
        let running = scenario.start(router)
        try await KafkaTestSupport.wait(upTo: .seconds(120), "every record confirmed") { router.statistics.confirmed == scenario.count }
        router.stop()
        try await running.value
        let outcome = try scenario.outcome()
        scenario.report(outcome)
        #expect(outcome.missing.isEmpty && outcome.duplicates == 0, "\(outcome)")
        let stats = router.statistics
        #expect(stats.approved == scenario.kinds.filter { $0 == .valid }.count && stats.quarantined == scenario.count - stats.approved)
        #expect(try scenario.uncommitted().isEmpty)
    }

    @Test("a broker taken down and brought back mid-stream")
    func brokerDown() async throws {
        let scenario = try KafkaScenario("broker down and up", count: 20_000)
        let producing = scenario.produceGradually(chunks: 20, seconds: 4)
        let router = try scenario.router()
        let running = scenario.start(router)
        try await KafkaTestSupport.wait(upTo: .seconds(30), "the stream under way") { router.statistics.confirmed > 2_000 }
        try scenario.cluster.setBrokerDown(2)
        try await Task.sleep(for: .seconds(3))
        try scenario.cluster.setBrokerUp(2)
        try await scenario.waitForProducer(producing)
        let outcome = try await scenario.waitUntilComplete(timeout: .seconds(90))
        try await KafkaTestSupport.wait(upTo: .seconds(30), "every record confirmed") { router.statistics.consumed == router.statistics.confirmed }
        try await KafkaTestSupport.wait(upTo: .seconds(60), "the group's commits at the end offsets") { try scenario.uncommitted().isEmpty }
        router.stop()
        try await running.value
        scenario.report(outcome)
        #expect(outcome.missing.isEmpty, "\(outcome.missing.prefix(10))")
        #expect(try scenario.uncommitted().isEmpty)
    }

    @Test("retriable produce errors on the outputs are retried by the idempotent producer: nothing lost, no duplicates")
    func retriableProduceErrors() async throws {
        let scenario = try KafkaScenario("retriable produce errors", count: 10_000)
        try scenario.produceAll()
        // NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS, ...
        scenario.cluster.pushRequestErrors(.produce, [6, 7, 19, 6, 7, 19, 6, 7, 19, 20])
        let router = try scenario.router()
        let running = scenario.start(router)
        try await KafkaTestSupport.wait(upTo: .seconds(60), "every record confirmed") { router.statistics.confirmed == scenario.count }
        router.stop()
        try await running.value
        let outcome = try scenario.outcome()
        scenario.report(outcome)
        #expect(router.statistics.failed == 0)
        #expect(outcome.missing.isEmpty && outcome.duplicates == 0, "\(outcome)")
        #expect(try scenario.uncommitted().isEmpty)
    }

    @Test("a produce error that is not retriable stops its partition without committing past it; a restart writes it")
    func permanentProduceError() async throws {
        let scenario = try KafkaScenario("permanent produce error", count: 5_000)
        try scenario.produceAll()
        // TOPIC_AUTHORIZATION_FAILED: librdkafka gives up on the batch.
        scenario.cluster.pushRequestErrors(.produce, [29])
        let first = try scenario.router()
        let running = scenario.start(first)
        try await KafkaTestSupport.wait(upTo: .seconds(60), "a failed write") { first.statistics.failed > 0 }
        // Let the partitions that were not stopped drain: settled, and no longer moving.
        var last = -1
        try await KafkaTestSupport.wait(upTo: .seconds(60), "the other partitions drained") {
            let s = first.statistics
            defer { last = s.consumed }
            return s.confirmed + s.failed == s.consumed && s.consumed == last
        }
        try await Task.sleep(for: .seconds(2))
        print("[kafka fault test] permanent produce error, first instance: \(first.statistics.consumed) consumed, \(first.statistics.failed) failed writes, stopped \(first.statistics.stoppedPartitions)")
        let stats = first.statistics
        #expect(stats.failed > 0 && !stats.stoppedPartitions.isEmpty, "\(stats)")
        #expect(stats.consumed < scenario.count, "a stopped partition is not consumed further")
        first.stop()
        try await running.value
        let behind = try scenario.uncommitted()
        #expect(behind.count == stats.stoppedPartitions.count, "the stopped partitions, and only they, are not committed past the failed write: \(behind)")

        let second = try scenario.router()
        let again = scenario.start(second)
        let outcome = try await scenario.waitUntilComplete(timeout: .seconds(60))
        try await KafkaTestSupport.wait(upTo: .seconds(30), "the restart settled") { second.statistics.consumed == second.statistics.confirmed }
        try await KafkaTestSupport.wait(upTo: .seconds(60), "the group's commits at the end offsets") { try scenario.uncommitted().isEmpty }
        second.stop()
        try await again.value
        scenario.report(outcome)
        #expect(outcome.missing.isEmpty, "\(outcome.missing.prefix(10))")
        #expect(second.statistics.failed == 0)
        #expect(try scenario.uncommitted().isEmpty)
    }

    @Test("a second and a third instance join mid-stream, then one leaves")
    func groupChanges() async throws {
        let scenario = try KafkaScenario("instances join and leave", count: 30_000)
        let producing = scenario.produceGradually(chunks: 60, seconds: 15)
        let first = try scenario.router()
        let r1 = scenario.start(first)
        try await KafkaTestSupport.wait(upTo: .seconds(30), "the stream under way") { first.statistics.confirmed > 3_000 }
        let second = try scenario.router()
        let r2 = scenario.start(second)
        let clock = ContinuousClock.now
        try await KafkaTestSupport.wait(upTo: .seconds(30), "the second instance at work") { second.statistics.consumed > 0 }
        print("[kafka fault test] second instance consuming after \(ContinuousClock.now - clock)")
        let third = try scenario.router()
        let r3 = scenario.start(third)
        try await KafkaTestSupport.wait(upTo: .seconds(30), "the third instance at work") { third.statistics.consumed > 0 }
        print("[kafka fault test] third instance consuming after \(ContinuousClock.now - clock)")
        second.stop()
        try await r2.value
        try await scenario.waitForProducer(producing)
        _ = try await scenario.waitUntilComplete(timeout: .seconds(90))
        for router in [first, third] {
            try await KafkaTestSupport.wait(upTo: .seconds(30), "in-flight writes confirmed") { router.statistics.consumed == router.statistics.confirmed }
        }
        // The group settles: whichever member owns a partition now commits it to the end (inputs
        // whose commit was lost in a rebalance are consumed again: duplicates, never losses).
        try await KafkaTestSupport.wait(upTo: .seconds(60), "the group's commits at the end offsets") { try scenario.uncommitted().isEmpty }
        // One at a time, so each leaves a group that is not already rebalancing for the other.
        third.stop()
        try await r3.value
        first.stop()
        try await r1.value
        let outcome = try scenario.outcome()
        scenario.report(outcome)
        let consumedBy = [first, second, third].map { $0.statistics.consumed }
        print("[kafka fault test] consumed per instance: \(consumedBy)")
        #expect(outcome.missing.isEmpty, "\(outcome.missing.prefix(10))")
        #expect(consumedBy.allSatisfy { $0 > 0 }, "every instance took part: \(consumedBy)")
        let behind = try scenario.uncommitted()
        #expect(behind.isEmpty, "\(behind)\nerrors: \([first, second, third].map { $0.statistics.errors.suffix(5) })")
    }
}
