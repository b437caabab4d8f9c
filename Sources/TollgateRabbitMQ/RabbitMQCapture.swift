import Foundation
import Tollgate

/// Reads a queue's messages for a capture file, without taking them away unless asked.
public enum RabbitMQCapture {
    public enum Mode: String, Sendable, CaseIterable {
        /// Read the messages ready when the capture starts, then give every one back (basic.nack
        /// with requeue): the queue keeps them, marked redelivered, in their order. They are held
        /// unacknowledged while the capture runs.
        case requeue
        /// Take the messages off the queue (acknowledged as read).
        case consume
        /// Read a stream queue from an offset; streams keep their messages whoever reads them.
        case stream
    }

    /// Where a stream capture starts (`x-stream-offset`).
    public enum StreamOffset: Sendable, Hashable {
        case first, last, next
        case offset(Int64)
        /// Seconds since the Unix epoch.
        case time(Int64)
    }

    public struct Options: Sendable {
        public var url: RabbitMQURL
        public var tls: RabbitMQTLS?
        public var queue: String
        public var mode: Mode
        public var streamOffset: StreamOffset
        /// Stop after this many messages.
        public var count: Int?
        /// Stop when nothing arrives for this long (the end of a stream, or of a queue being
        /// consumed by others meanwhile).
        public var idleTimeout: Duration

        public init(url: RabbitMQURL, tls: RabbitMQTLS? = nil, queue: String, mode: Mode = .requeue, streamOffset: StreamOffset = .first,
                    count: Int? = nil, idleTimeout: Duration = .seconds(2))
        {
            self.url = url
            self.tls = tls
            self.queue = queue
            self.mode = mode
            self.streamOffset = streamOffset
            self.count = count
            self.idleTimeout = idleTimeout
        }
    }

    /// Reads messages and hands each to `write`, in queue order. Returns how many were read.
    /// - Throws: ``RabbitMQError`` (a missing queue, a refused login, ...), or what `write` throws.
    public static func run(_ options: Options, shouldStop: () -> Bool = { false }, write: (Message) throws -> Void) throws -> Int {
        let conn = try AMQPConnection(url: options.url, tls: options.tls, name: "tollgate capture")
        defer { conn.close() }
        try conn.openChannel(1)
        let ready = try conn.declareQueue(options.queue, passive: true, channel: 1).messages
        var limit = options.count ?? Int.max
        var arguments = AMQPTable()
        switch options.mode {
        case .requeue:
            // Only the messages there now: ones published meanwhile are not part of the capture.
            limit = min(limit, ready)
            try conn.qos(prefetch: 0, channel: 1)
        case .consume:
            limit = min(limit, ready)
            try conn.qos(prefetch: 1000, channel: 1)
        case .stream:
            try conn.qos(prefetch: 1000, channel: 1)
            let value: AMQPValue = switch options.streamOffset {
            case .first: .string("first")
            case .last: .string("last")
            case .next: .string("next")
            case .offset(let n): .int64(n)
            case .time(let seconds): .timestamp(UInt64(max(0, seconds)))
            }
            arguments.entries.append(.init(name: "x-stream-offset", value: value))
        }
        guard limit > 0 else { return 0 }
        _ = try conn.consume(queue: options.queue, arguments: arguments, channel: 1)
        var read = 0
        var lastTag: UInt64 = 0
        var lastArrival = ContinuousClock.now
        while read < limit, !shouldStop(), ContinuousClock.now - lastArrival < options.idleTimeout {
            switch try conn.next(timeout: .milliseconds(100)) {
            case .delivery(var delivery):
                delivery.queue = options.queue
                lastArrival = .now
                lastTag = delivery.deliveryTag
                try write(delivery.message)
                read += 1
                if options.mode != .requeue, read % 100 == 0 { try conn.ack(lastTag, multiple: true, channel: 1) }
            case .channelClosed(_, let code, let text):
                throw RabbitMQError(.channel, "capture of queue '\(options.queue)': the broker closed the channel: \(code) \(text)", replyCode: code)
            case .cancelled:
                throw RabbitMQError(.channel, "capture of queue '\(options.queue)': the broker cancelled the consumer (queue deleted?)")
            default:
                break
            }
        }
        if lastTag > 0 {
            if options.mode == .requeue {
                try conn.nack(lastTag, multiple: true, requeue: true, channel: 1)
            } else {
                try conn.ack(lastTag, multiple: true, channel: 1)
            }
        }
        return read
    }
}
