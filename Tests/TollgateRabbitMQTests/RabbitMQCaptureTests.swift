import Foundation
import Testing
import Tollgate
@testable import TollgateRabbitMQ

@Suite("RabbitMQ capture", .serialized)
struct RabbitMQCaptureTests {
    @Test("requeue mode reads every ready message and leaves the queue as it was; consume mode empties it")
    func requeueAndConsume() throws {
        let names = RabbitMQTestSupport.Names("capture")
        try RabbitMQTestSupport.declare(names)
        defer { RabbitMQTestSupport.delete(names) }
        let inputs = (0..<50).map(RabbitMQTestSupport.input)
        try RabbitMQTestSupport.publish(inputs, to: names.input)

        var captured: [Message] = []
        let read = try RabbitMQCapture.run(.init(url: RabbitMQTestSupport.url, queue: names.input)) { captured.append($0) }
        #expect(read == 50)
        #expect(captured.map(\.value) == inputs.map(\.body), "in queue order, bodies intact")
        #expect(captured[7].key == Array("m-7".utf8), "the message-id is the key")
        #expect(captured[7].header("attempt")?.stringValue == "0" && captured[7].timestamp == 1_700_000_007_000)
        #expect(captured[0].origin == .rabbitMQ(exchange: "", routingKey: names.input, queue: names.input, deliveryTag: 1))
        let line = CaptureWriter.line(for: captured[3])
        #expect(String(decoding: line, as: UTF8.self).contains(#""routing_key":"\#(names.input)""#))

        // Given back: a second capture sees the same 50, limited by --count.
        var again: [Message] = []
        #expect(try RabbitMQCapture.run(.init(url: RabbitMQTestSupport.url, queue: names.input, count: 20)) { again.append($0) } == 20)
        #expect(again.map(\.value) == Array(inputs.prefix(20).map(\.body)))

        var consumed = 0
        #expect(try RabbitMQCapture.run(.init(url: RabbitMQTestSupport.url, queue: names.input, mode: .consume)) { _ in consumed += 1 } == 50)
        let conn = try RabbitMQTestSupport.connect()
        defer { conn.close() }
        #expect(try conn.declareQueue(names.input, passive: true, channel: 1).messages == 0)
    }

    @Test("stream mode reads a stream queue from the first offset or from an offset, leaving it whole")
    func stream() throws {
        let queue = "tollgate-test.stream.\(UUID().uuidString.prefix(8))"
        let conn = try RabbitMQTestSupport.connect()
        defer {
            try? conn.deleteQueue(queue, channel: 1)
            conn.close()
        }
        try RabbitMQDeclarer.declare(RabbitMQTopology(queues: [.init(name: queue, type: "stream")]), on: conn, channel: 1)
        let inputs = (0..<30).map(RabbitMQTestSupport.input)
        try RabbitMQTestSupport.publish(inputs, to: queue)
        var all: [Message] = []
        _ = try RabbitMQCapture.run(.init(url: RabbitMQTestSupport.url, queue: queue, mode: .stream, idleTimeout: .seconds(1))) { all.append($0) }
        #expect(all.map(\.value) == inputs.map(\.body))
        var tail: [Message] = []
        _ = try RabbitMQCapture.run(.init(url: RabbitMQTestSupport.url, queue: queue, mode: .stream, streamOffset: .offset(25),
                                          idleTimeout: .seconds(1))) { tail.append($0) }
        #expect(tail.map(\.value) == inputs.suffix(5).map(\.body))
    }

    @Test("a missing queue is a clear error naming it")
    func missingQueue() {
        #expect {
            try RabbitMQCapture.run(.init(url: RabbitMQTestSupport.url, queue: "tollgate-test.no-such-queue")) { _ in }
        } throws: { error in
            "\(error)".contains("404") && "\(error)".contains("tollgate-test.no-such-queue")
        }
    }
}
