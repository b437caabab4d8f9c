import Foundation
import Testing
import Tollgate
@testable import TollgateRabbitMQ

/// `RabbitMQRouter` with `RabbitMQSink` against the real rabbitmq-server.
@Suite("RabbitMQ router", .serialized)
struct RabbitMQRouterTests {
    @Test("50,000 mixed messages: each in exactly one output with its properties, typed headers and quarantine record; the input queue empty, nothing unacked")
    func everyMessageOnce() async throws {
        let count = 50_000
        let scenario = try RabbitMQScenario("normal", count: count)
        try RabbitMQTestSupport.publish(scenario.inputs, to: scenario.names.input)
        let router = scenario.router(prefetch: 1000)
        let running = Task { try await router.run() }
        // A test that throws must not leave its router running.
        defer { router.stop() }
        try await RabbitMQTestSupport.wait(upTo: .seconds(240), "every message acknowledged") { router.statistics.acknowledged == count }
        // Checked while the consumer is still connected: nothing left in the queue, nothing held unacked.
        let counts = try RabbitMQTestSupport.counts(scenario.names.input)
        #expect(counts.ready == 0 && counts.unacked == 0, "\(counts)")
        router.stop()
        try await running.value
        let stats = router.statistics
        #expect(stats.consumed == count && stats.confirmed == count && stats.writeFailures == 0, "\(stats)")
        print("RabbitMQ normal run: \(count) messages at \(Int(stats.messagesPerSecond ?? 0)) msg/s")

        let outcome = try scenario.outcome()
        #expect(outcome.missing.isEmpty, "missing: \(outcome.missing.prefix(5))")
        #expect(outcome.duplicates == 0)
        #expect(outcome.approved.count == scenario.inputs.filter { $0.kind == .valid }.count)
        #expect(outcome.approved.count + outcome.quarantined.count == count)
    }

    @Test("an unroutable output (no queue bound) is not acknowledged; the error is visible, and the input goes through once a queue is bound")
    func unroutableIsNotAcked() async throws {
        let scenario = try RabbitMQScenario("unroutable", count: 8)
        // Unbind the approved queue: approved messages have nowhere to go.
        let conn = try RabbitMQTestSupport.connect()
        try conn.deleteQueue(scenario.names.approved, channel: 1)
        try RabbitMQTestSupport.publish(scenario.inputs, to: scenario.names.input)
        let router = RabbitMQRouter(pipeline: ReloadablePipeline(scenario.pipeline), configuration: .init(
            url: RabbitMQTestSupport.url, queue: scenario.names.input, heartbeat: 5, maxBackoff: .milliseconds(500)),
            sink: RabbitMQSink(configuration: scenario.names.sinkConfiguration), telemetry: RabbitMQTestSupport.telemetry)
        let running = Task { try await router.run() }
        // A test that throws must not leave its router running.
        defer { router.stop() }
        let quarantinedCount = scenario.inputs.filter { $0.kind != .valid }.count
        try await RabbitMQTestSupport.wait(upTo: .seconds(120), "quarantined acknowledged and approved failing") {
            let s = router.statistics
            return s.acknowledged == quarantinedCount && s.writeFailures >= 2
        }
        try await Task.sleep(for: .seconds(1))
        var counts = try RabbitMQTestSupport.counts(scenario.names.input)
        #expect(counts.unacked == scenario.inputs.count - quarantinedCount, "the approved inputs stay unacknowledged: \(counts)")
        #expect(router.statistics.errors.contains { $0.contains("unroutable") && $0.contains(scenario.names.approved) },
                "\(router.statistics.errors)")
        // Bind a queue again: the retries land, and everything is acknowledged.
        try RabbitMQDeclarer.declare(RabbitMQTopology(queues: [.init(name: scenario.names.approved)],
                                                      bindings: [.init(exchange: scenario.names.approved, queue: scenario.names.approved)]),
                                     on: conn, channel: 1)
        conn.close()
        try await RabbitMQTestSupport.wait(upTo: .seconds(120), "every message acknowledged") { router.statistics.acknowledged == scenario.inputs.count }
        counts = try RabbitMQTestSupport.counts(scenario.names.input)
        #expect(counts.ready == 0 && counts.unacked == 0)
        router.stop()
        try await running.value
        let outcome = try scenario.outcome()
        #expect(outcome.missing.isEmpty && outcome.duplicates == 0)
    }
}

@Suite("RabbitMQ router start-up")
struct RabbitMQStartupTests {
    @Test("a declaration the broker refuses as inequivalent (a classic queue declared as quorum) stops start-up with the broker's reason")
    func inequivalentDeclaration() async throws {
        let names = RabbitMQTestSupport.Names("inequivalent")
        try RabbitMQTestSupport.declare(names)   // the input queue exists, classic
        defer { RabbitMQTestSupport.delete(names) }
        let router = RabbitMQRouter(pipeline: ReloadablePipeline(try RabbitMQTestSupport.eventsPipeline()), configuration: .init(
            url: RabbitMQTestSupport.url, queue: names.input, topology: RabbitMQTopology(queues: [.init(name: names.input, type: "quorum")])),
            sink: RabbitMQSink(configuration: names.sinkConfiguration), telemetry: RabbitMQTestSupport.telemetry)
        defer { router.stop() }
        do {
            try await router.run()
            Issue.record("the router started")
        } catch let error as RabbitMQError {
            #expect(error.replyCode == 406 && error.description.contains("PRECONDITION_FAILED") && error.description.contains(names.input), "\(error)")
        }
    }
}
