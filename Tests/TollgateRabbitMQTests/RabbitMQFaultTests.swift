import Foundation
import Testing
import Tollgate
@testable import TollgateRabbitMQ

/// Faults against the real broker, mid-stream. Each ends with nothing lost (every input in an
/// output at least once) and prints the duplicate count.
///
/// Runs a router over inputs published gradually, applies `fault` once some are through, and
/// checks the outcome.
func runWithFault(_ test: String, count: Int, fault: (RabbitMQScenario, RabbitMQRouter) async throws -> Void) async throws -> RabbitMQScenario.Outcome {
    let scenario = try RabbitMQScenario(test, count: count)
    // Most inputs wait in the queue before the router starts, so the fault lands with a full
    // prefetch window in flight; some arrive during it; the last fifth (the tail) only after the
    // fault began, so there is always traffic after it, however slow a loaded machine makes the
    // test's own steps. A fault may publish the tail itself (`publishTailOnce`).
    let upfront = count * 3 / 5
    try RabbitMQTestSupport.publish(scenario.inputs.prefix(upfront), to: scenario.names.input)
    let router = scenario.router(prefetch: 200)
    let running = Task { try await router.run() }
    // A test that throws must not leave its router running.
    defer { router.stop() }
    let publisher = scenario.publishGradually(from: upfront, to: scenario.tailStart, chunks: 10, seconds: 4)
    try await RabbitMQTestSupport.wait(upTo: .seconds(180), "a first part routed") { router.statistics.acknowledged >= count / 5 }
    try await fault(scenario, router)
    try scenario.publishTailOnce()
    while publisher.isExecuting { try await Task.sleep(for: .milliseconds(100)) }
    // Done when the input queue is empty and nothing is held unacknowledged.
    try await RabbitMQTestSupport.wait(upTo: .seconds(180), "the input queue drained") {
        guard router.isReady, let counts = try? RabbitMQTestSupport.counts(scenario.names.input) else { return false }
        return counts.ready == 0 && counts.unacked == 0
    }
    router.stop()
    try await running.value
    let outcome = try scenario.outcome()
    let stats = router.statistics
    print("RabbitMQ fault '\(test)': \(count) inputs, \(outcome.approved.count + outcome.quarantined.count) outputs, \(outcome.duplicates) duplicates, \(outcome.missing.count) missing; redelivered \(stats.redelivered), skipped as already written \(stats.redeliveriesSkipped), reconnections \(stats.reconnections), write failures \(stats.writeFailures)")
    #expect(outcome.missing.isEmpty, "lost: \(outcome.missing.prefix(10))")
    return outcome
}

@Suite("RabbitMQ faults", .serialized)
struct RabbitMQFaultTests {
    @Test("a full approved queue (x-overflow: reject-publish) nacks publishes: those inputs stay unacknowledged and go through once there is room")
    func nackedPublishes() async throws {
        let scenario = try RabbitMQScenario("nack", count: 400)
        let conn = try RabbitMQTestSupport.connect()
        defer { conn.close() }
        try conn.deleteQueue(scenario.names.approved, channel: 1)
        try RabbitMQDeclarer.declare(RabbitMQTopology(
            queues: [.init(name: scenario.names.approved, arguments: ["x-max-length": "20", "x-overflow": "reject-publish"])],
            bindings: [.init(exchange: scenario.names.approved, queue: scenario.names.approved)]), on: conn, channel: 1)
        try RabbitMQTestSupport.publish(scenario.inputs, to: scenario.names.input)
        // Declared already, with its limit (declaring it again without would be refused).
        let router = scenario.router(prefetch: 500, topology: RabbitMQTopology())
        let running = Task { try await router.run() }
        // A test that throws must not leave its router running.
        defer { router.stop() }
        try await RabbitMQTestSupport.wait(upTo: .seconds(120), "nacked writes") { router.statistics.writeFailures > 0 }
        #expect(router.statistics.errors.contains { $0.contains("basic.nack") }, "\(router.statistics.errors.suffix(3))")
        #expect(router.statistics.acknowledged < scenario.inputs.count)
        // Make room as a consumer of the approved queue would: the retries land.
        var approved: [RabbitMQDelivery] = []
        try await RabbitMQTestSupport.wait(upTo: .seconds(120), "every input acknowledged") {
            approved += try RabbitMQTestSupport.drain(scenario.names.approved, quiet: .milliseconds(300))
            return router.statistics.acknowledged == scenario.inputs.count
        }
        approved += try RabbitMQTestSupport.drain(scenario.names.approved, quiet: .milliseconds(500))
        router.stop()
        try await running.value
        let quarantined = try RabbitMQTestSupport.drain(scenario.names.quarantine)
        let seen = (approved + quarantined).compactMap(\.properties.messageId)
        let missing = Set(scenario.inputs.map(\.id)).subtracting(seen)
        print("RabbitMQ fault 'nack': \(scenario.inputs.count) inputs, \(seen.count) outputs, \(seen.count - Set(seen).count) duplicates, \(missing.count) missing; write failures \(router.statistics.writeFailures)")
        #expect(missing.isEmpty, "lost: \(missing.sorted().prefix(5))")
        #expect(Set(approved.compactMap(\.properties.messageId)) == Set(scenario.inputs.filter { $0.kind == .valid }.map(\.id)))
    }

    @Test("the approved exchange deleted mid-stream: approved inputs stay unacknowledged with the error visible, and flow resumes when it is back")
    func approvedExchangeDeleted() async throws {
        _ = try await runWithFault("exchange-deleted", count: 4_000) { scenario, router in
            let conn = try RabbitMQTestSupport.connect()
            defer { conn.close() }
            try conn.deleteExchange(scenario.names.approved, channel: 1)
            try scenario.publishTailOnce()
            try await RabbitMQTestSupport.wait(upTo: .seconds(120), "writes failing") { router.statistics.writeFailures > 0 }
            try await Task.sleep(for: .seconds(1))
            let counts = try RabbitMQTestSupport.counts(scenario.names.input)
            #expect(counts.unacked > 0, "inputs whose output failed stay unacknowledged: \(counts)")
            #expect(router.statistics.errors.contains { $0.contains("404") && $0.contains(scenario.names.approved) }, "\(router.statistics.errors.suffix(3))")
            try RabbitMQDeclarer.declare(RabbitMQTopology(exchanges: [.init(name: scenario.names.approved)],
                                                          bindings: [.init(exchange: scenario.names.approved, queue: scenario.names.approved)]),
                                         on: conn, channel: 1)
        }
    }
}
