import Foundation
import Testing
import Tollgate
@testable import TollgateKafka

/// `guarantee: exactly-once`: each batch's outputs and input offsets in one Kafka transaction.
///
/// What librdkafka 2.0.2's mock cluster can and cannot show: it runs InitProducerId, AddPartitionsToTxn,
/// AddOffsetsToTxn, TxnOffsetCommit and EndTxn, so the whole transactional protocol is exercised
/// here. But its EndTxn writes no commit or abort markers, its Fetch reports no aborted transactions
/// (the last stable offset is always the end), and its TxnOffsetCommit does not store the offsets
/// (rdkafka_mock_handlers.c). So on the mock an aborted transaction's records stay visible to
/// `read_committed` readers and offsets committed in transactions are not kept: these tests check
/// what holds regardless (each input once when nothing fails; nothing lost when a transaction is
/// aborted or an instance restarts, with the duplicates the mock lets through printed). Zero
/// duplicates after an abort or a crash needs a real broker.
@Suite("Kafka exactly-once", .serialized)
struct KafkaExactlyOnceTests {
    @Test("transactions of batches: every input exactly once in the outputs when nothing fails")
    func exactlyOnce() async throws {
        let scenario = try KafkaScenario("exactly-once", count: 10_000)
        try scenario.produceAll()
        let router = try scenario.transactionalRouter()
        let running = scenario.start(router)
        try await KafkaTestSupport.wait(upTo: .seconds(60), "every record committed") { router.statistics.confirmed == scenario.count }
        router.stop()
        try await running.value
        let outcome = try scenario.outcome()
        scenario.report(outcome)
        #expect(outcome.missing.isEmpty && outcome.duplicates == 0, "\(outcome)")
        #expect(router.statistics.approved == scenario.kinds.filter { $0 == .valid }.count)
        #expect(router.statistics.failed == 0 && router.statistics.errors.isEmpty, "\(router.statistics.errors)")
    }

    @Test("a failed write aborts its transaction, the consumer rewinds and the batch is decided again: nothing lost")
    func abortAndRetry() async throws {
        let scenario = try KafkaScenario("exactly-once, transaction aborted (mock shows aborted records)", count: 5_000)
        try scenario.produceAll()
        // The group coordinator refuses the transaction's offsets once: the transaction must abort.
        scenario.cluster.pushRequestErrors(.txnOffsetCommit, [30])
        let router = try scenario.transactionalRouter()
        let running = scenario.start(router)
        let outcome = try await scenario.waitUntilComplete(timeout: .seconds(60))
        router.stop()
        try await running.value
        scenario.report(outcome)
        #expect(router.statistics.failed > 0, "a transaction was aborted: \(router.statistics)")
        #expect(router.statistics.errors.contains { $0.contains("aborted and retried") }, "\(router.statistics.errors)")
        #expect(outcome.missing.isEmpty, "\(outcome.missing.prefix(10))")
    }

    @Test("a restarted instance with the same transactional id fences its predecessor and goes on: nothing lost")
    func restart() async throws {
        let scenario = try KafkaScenario("exactly-once restart (mock keeps no transactional offsets)", count: 8_000)
        try scenario.produceAll()
        let first = try scenario.transactionalRouter(id: "tollgate-restart")
        let r1 = scenario.start(first)
        try await KafkaTestSupport.wait(upTo: .seconds(60), "the first instance under way") { first.statistics.confirmed > 1_000 }
        first.stop()
        try await r1.value
        let second = try scenario.transactionalRouter(id: "tollgate-restart")
        let r2 = scenario.start(second)
        let outcome = try await scenario.waitUntilComplete(timeout: .seconds(60))
        second.stop()
        try await r2.value
        scenario.report(outcome)
        #expect(outcome.missing.isEmpty, "\(outcome.missing.prefix(10))")
        #expect(second.statistics.errors.isEmpty, "\(second.statistics.errors)")
    }
}
