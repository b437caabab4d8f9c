import Foundation
import Tollgate

/// Copies a topic's messages into Tollgate's capture format (``CaptureWriter``), for replay.
public enum KafkaCapture {
    /// Where reading starts in each partition.
    public enum Start: Sendable, Equatable {
        case beginning
        case end
        case offset(Int64)
        /// Milliseconds since the epoch: the first message at or after it.
        case time(Int64)
    }

    public struct Options: Sendable {
        public var brokers: String
        public var topic: String
        /// `nil`: every partition.
        public var partitions: [Int32]?
        public var start: Start
        /// Stop after this many messages in all.
        public var count: Int?
        /// Keep reading new messages after the end (until `count` or `stop`); otherwise stop at the
        /// end offsets seen when the capture started.
        public var follow: Bool
        /// librdkafka properties (security and the like).
        public var properties: [String: String]

        public init(brokers: String, topic: String, partitions: [Int32]? = nil, start: Start = .beginning, count: Int? = nil,
                    follow: Bool = false, properties: [String: String] = [:])
        {
            self.brokers = brokers
            self.topic = topic
            self.partitions = partitions
            self.start = start
            self.count = count
            self.follow = follow
            self.properties = properties
        }
    }

    /// Reads messages and hands each capture line to `write` (in batches), until the end, `count`
    /// or `shouldStop()`. Blocks the calling thread. Returns the number of messages captured.
    /// - Throws: ``KafkaError`` for an unknown topic or partition, or a broker that does not answer;
    ///   whatever `write` throws.
    public static func run(_ options: Options, shouldStop: () -> Bool = { false },
                           write: ([UInt8]) throws -> Void) throws -> Int
    {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        let captured = try read(options, shouldStop: shouldStop) { record in
            let message = Message(key: record.key, value: record.value ?? [], headers: record.headers,
                                  origin: .kafka(topic: record.topic, partition: record.partition, offset: record.offset, group: nil),
                                  timestamp: record.timestamp)
            CaptureWriter.appendLine(for: message, to: &buffer)
            if buffer.count >= 1 << 20 {
                try write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if !buffer.isEmpty { try write(buffer) }
        return captured
    }

    /// Reads records as ``run(_:shouldStop:write:)`` does and hands each to `handle`. Returns the
    /// number read.
    public static func read(_ options: Options, shouldStop: () -> Bool = { false },
                            handle: (KafkaRecord) throws -> Void) throws -> Int
    {
        var properties = ["bootstrap.servers": options.brokers, "group.id": "tollgate-capture-\(UUID().uuidString)",
                          "enable.auto.commit": "false", "enable.partition.eof": "false"]
        properties.merge(options.properties) { $1 }
        let consumer = try KafkaConsumerClient(properties: properties, listener: nil)
        let available = try consumer.partitionCount(of: options.topic, timeout: .seconds(10))
        let numbers = options.partitions ?? (0..<Int32(available)).map { $0 }
        if let bad = numbers.first(where: { $0 < 0 || $0 >= Int32(available) }) {
            throw KafkaError(message: "\(options.topic) has \(available) partitions (0...\(available - 1)); there is no partition \(bad)")
        }
        let partitions = numbers.map { TopicPartition(options.topic, $0) }

        // Where to start, and (unless following) where to stop.
        var starts: [TopicPartition: Int64] = [:]
        var ends: [TopicPartition: Int64] = [:]
        for partition in partitions {
            let marks = try consumer.watermarks(partition, timeout: .seconds(10))
            ends[partition] = marks.high
            switch options.start {
            case .beginning: starts[partition] = marks.low
            case .end: starts[partition] = marks.high
            case .offset(let offset): starts[partition] = min(max(offset, marks.low), marks.high)
            case .time: break
            }
        }
        if case .time(let timestamp) = options.start {
            for (partition, offset) in try consumer.offsets(for: partitions, atOrAfter: timestamp, timeout: .seconds(10)) {
                starts[partition] = offset < 0 ? ends[partition]! : offset
            }
        }
        var remaining = Set(partitions.filter { starts[$0]! < ends[$0]! })
        if !options.follow && remaining.isEmpty { return 0 }
        try consumer.assign(starts)
        defer { consumer.close() }

        var captured = 0
        while !shouldStop() {
            if let count = options.count, captured >= count { break }
            if !options.follow && remaining.isEmpty { break }
            guard let event = consumer.poll(timeout: .milliseconds(100)) else { continue }
            switch event {
            case .record(let record):
                let partition = TopicPartition(record.topic, record.partition)
                if !options.follow {
                    guard record.offset < ends[partition]! else { remaining.remove(partition); continue }
                    if record.offset >= ends[partition]! - 1 { remaining.remove(partition) }
                }
                try handle(record)
                captured += 1
            case .endOfPartition:
                break
            case .error(let error):
                if error.isFatal { throw error }
            }
        }
        return captured
    }
}
