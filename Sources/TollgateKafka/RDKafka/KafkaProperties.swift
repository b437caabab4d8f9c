import CRdKafka
import Logging
import Synchronization

/// Where librdkafka's own log lines go: swift-log, so they come out in the process's format (JSON
/// lines under `tollgate run` when not on a terminal), not raw on standard error.
let librdkafkaLogger = Logger(label: "librdkafka")

/// librdkafka configuration properties (`bootstrap.servers`, `group.id`, ...), as its
/// CONFIGURATION.md lists them; every one can be set.
enum KafkaProperties {
    /// A new `rd_kafka_conf_t` with `properties` set, in key order so errors are deterministic.
    /// - Throws: ``KafkaError`` naming the property librdkafka refused and why.
    static func makeConf(_ properties: [String: String]) throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw KafkaError(message: "rd_kafka_conf_new failed") }
        rd_kafka_conf_set_log_cb(conf) { client, level, facility, text in
            // syslog levels: 0-2 critical, 3 error, 4 warning, 5 notice, 6 info, 7 debug.
            let levels: [Logger.Level] = [.critical, .critical, .critical, .error, .warning, .notice, .info, .debug]
            let name = client.map { String(cString: rd_kafka_name($0)) } ?? "librdkafka"
            librdkafkaLogger.log(level: levels[Int(max(0, min(level, 7)))], "\(text.map { String(cString: $0) } ?? "")",
                                 metadata: ["client": "\(name)", "facility": "\(facility.map { String(cString: $0) } ?? "")"])
        }
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                // A refused secret is named, never echoed.
                let secret = ["passw", "pasw", "secret", "key", "token", "credential"].contains { key.lowercased().contains($0) }
                throw KafkaError(message: "librdkafka property \(key)=\(secret ? "***" : value): \(String(errorBuffer: errstr))")
            }
        }
        return conf
    }

    /// Checks that librdkafka accepts every property, without creating a client (nothing connects).
    static func check(_ properties: [String: String]) throws(KafkaError) {
        rd_kafka_conf_destroy(try makeConf(properties))
    }

    /// Creates the client; `conf` is consumed either way.
    static func makeClient(_ type: rd_kafka_type_t, _ conf: OpaquePointer) throws(KafkaError) -> OpaquePointer {
        var errstr = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(message: "cannot create the Kafka client: \(String(errorBuffer: errstr))")
        }
        return handle
    }
}

/// A topic and partition.
public struct TopicPartition: Sendable, Hashable, CustomStringConvertible, Comparable {
    public var topic: String
    public var partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }

    public static func < (a: TopicPartition, b: TopicPartition) -> Bool {
        a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition
    }
}

/// Conversions between `rd_kafka_topic_partition_list_t` and Swift values.
enum PartitionList {
    static func make(_ items: [(TopicPartition, Int64?)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(max(items.count, 1)))!
        for (tp, offset) in items {
            let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
            if let offset { element.pointee.offset = offset }
        }
        return list
    }

    static func make(_ partitions: [TopicPartition]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        make(partitions.map { ($0, nil) })
    }

    static func read(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [(partition: TopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        (0..<Int(list.pointee.cnt)).map { i in
            let e = list.pointee.elems[i]
            return (TopicPartition(String(cString: e.topic), e.partition), e.offset, e.err)
        }
    }
}

/// A librdkafka handle that may cross threads: librdkafka's client calls are thread-safe.
struct RDHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

extension String {
    /// The text librdkafka wrote into an error buffer, up to its terminating NUL.
    init(errorBuffer: [CChar]) {
        let bytes = errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}

/// A flag one thread sets and others read, shared by reference.
final class RunFlag: Sendable {
    private let value: Atomic<Bool>
    init(_ initial: Bool) { value = Atomic(initial) }
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set(_ newValue: Bool) { value.store(newValue, ordering: .releasing) }
}

/// librdkafka's logical offsets.
public enum KafkaOffset {
    /// The first offset still in the partition.
    public static let beginning: Int64 = -2
    /// The offset after the last one: only new messages.
    public static let end: Int64 = -1
}
