import Foundation
import Testing
import Tollgate
@testable import TollgateRabbitMQ

/// The embedding flow of the README: `RabbitMQSource` through `approved(by:quarantine:)`, with
/// rejects published by `RabbitMQQuarantineSink`, against the real broker.
@Suite("RabbitMQ embedding", .serialized)
struct RabbitMQEmbeddingTests {
    @Test("2,001 messages: every approved one handled and acknowledged, every rejected one in the quarantine queue; the queue ends empty")
    func embedding() async throws {
        // 2,001: the last message is a valid one, so every reject comes before it.
        let scenario = try RabbitMQScenario("embedding", count: 2_001)
        try RabbitMQTestSupport.publish(scenario.inputs, to: scenario.names.input)
        let url = RabbitMQTestSupport.url
        let source = try RabbitMQSource(url: url, queue: scenario.names.input, prefetch: 200)
        let quarantine = RabbitMQQuarantineSink(url: url, exchange: scenario.names.quarantine, acknowledging: source)
        var handled: [String] = []
        let expectedApproved = scenario.inputs.filter { $0.kind == .valid }.count
        for try await approved in source.approved(by: scenario.pipeline, quarantine: quarantine) {
            handled.append(String(decoding: approved.message.key ?? [], as: UTF8.self))
            #expect(approved.verdict.schema?.description == "events/1")
            source.acknowledge(approved.message)
            if handled.count == expectedApproved { break }
        }
        try await RabbitMQTestSupport.wait(upTo: .seconds(60), "every acknowledgement sent") { source.unacknowledged == 0 }
        source.close()
        #expect(Set(handled) == Set(scenario.inputs.filter { $0.kind == .valid }.map(\.id)))
        let quarantined = try RabbitMQTestSupport.drain(scenario.names.quarantine)
        #expect(Set(quarantined.compactMap(\.properties.messageId)) == Set(scenario.inputs.filter { $0.kind != .valid }.map(\.id)))
        #expect(quarantined.allSatisfy { $0.properties.headers["tollgate.reason"] != nil && $0.properties.contentType == nil })
        let conn = try RabbitMQTestSupport.connect()
        defer { conn.close() }
        #expect(try conn.declareQueue(scenario.names.input, passive: true, channel: 1).messages == 0)
    }

    @Test("acknowledging a message from a lost connection does not acknowledge a new delivery with the same tag")
    func staleAcknowledgement() async throws {
        let scenario = try RabbitMQScenario("stale-ack", count: 3)
        try RabbitMQTestSupport.publish(scenario.inputs, to: scenario.names.input)
        let source = try RabbitMQSource(url: RabbitMQTestSupport.url, queue: scenario.names.input, prefetch: 10)
        var iterator = source.makeAsyncIterator()
        let first = try #require(try await iterator.next())
        _ = try await iterator.next()
        _ = try await iterator.next()
        try #require(try RabbitMQTestSupport.closeConnections(named: scenario.names.input, reason: "tollgate test: stale ack") == 1)
        // Redelivered on the new connection: tags 1, 2, 3 again, for messages that may come in another order.
        var again: [Message] = []
        for _ in 0..<3 { again.append(try #require(try await iterator.next())) }
        source.acknowledge(first)   // stale: acknowledges the redelivery only if it is the very same message
        for message in again where message.key != first.key { source.acknowledge(message) }
        try await RabbitMQTestSupport.wait(upTo: .seconds(60), "acks sent") { source.unacknowledged <= 1 }
        source.close()
        let left = try RabbitMQTestSupport.drain(scenario.names.input, quiet: .seconds(1))
        let firstBack = again.first { $0.key == first.key }!
        if case .rabbitMQ(_, _, _, let tagNow) = firstBack.origin, case .rabbitMQ(_, _, _, let tagThen) = first.origin, tagNow != tagThen {
            #expect(left.map(\.properties.messageId) == [String(decoding: first.key!, as: UTF8.self)], "the stale ack touched nothing else")
        }
    }
}
