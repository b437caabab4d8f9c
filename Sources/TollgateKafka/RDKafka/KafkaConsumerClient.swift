import CRdKafka
import Foundation
import Tollgate

/// A record as the consumer received it.
public struct KafkaRecord: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    /// `nil` for a tombstone.
    public var value: [UInt8]?
    public var headers: [MessageHeader]
    /// Milliseconds since the epoch, when the record has a timestamp.
    public var timestamp: Int64?
}

/// What one poll of the consumer gave.
public enum KafkaConsumerEvent: Sendable {
    case record(KafkaRecord)
    /// The end of a partition was reached (only with `enable.partition.eof=true`).
    case endOfPartition(TopicPartition, offset: Int64)
    /// A client or broker error. Most are transient and librdkafka recovers by itself; check
    /// `isFatal`.
    case error(KafkaError)
}

/// Told about partitions the group gives to this member and takes away from it. Called on the
/// thread that polls the consumer, inside `poll`.
public protocol KafkaRebalanceListener: AnyObject, Sendable {
    /// Partitions now assigned to this member (in addition to the ones it had, with the
    /// cooperative protocol).
    func assigned(_ partitions: [TopicPartition])
    /// Partitions about to be taken away: finish or abandon their in-flight work and store the
    /// offsets that are confirmed before returning; the consumer commits them right after. `lost`:
    /// the partitions may already belong to another member (a session timeout), so nothing should
    /// be committed for them.
    func revoking(_ partitions: [TopicPartition], lost: Bool)
}

/// A librdkafka consumer-group member. All calls that block are meant for one dedicated thread
/// (the one that calls ``poll(timeout:)``), never Swift's cooperative pool; `storeOffsets`, `pause`
/// and `resume` may be called from any thread.
public final class KafkaConsumerClient: @unchecked Sendable {
    let handle: OpaquePointer
    private let rebalance: RebalanceDispatch

    final class RebalanceDispatch: @unchecked Sendable {
        weak var listener: (any KafkaRebalanceListener)?
        let statistics: (@Sendable (String) -> Void)?
        init(statistics: (@Sendable (String) -> Void)?) { self.statistics = statistics }
    }

    /// - Parameters:
    ///   - properties: librdkafka properties, at least `bootstrap.servers` and `group.id`.
    ///   - statistics: given librdkafka's statistics JSON every `statistics.interval.ms`, on the
    ///     thread that polls.
    public init(properties: [String: String], listener: (any KafkaRebalanceListener)?,
                statistics: (@Sendable (String) -> Void)? = nil) throws(KafkaError)
    {
        let conf = try KafkaProperties.makeConf(properties)
        let rebalance = RebalanceDispatch(statistics: statistics)
        rebalance.listener = listener
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(rebalance).toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf) { rk, err, partitions, opaque in
            guard let rk, let partitions, let opaque else { return }
            let dispatch = Unmanaged<RebalanceDispatch>.fromOpaque(opaque).takeUnretainedValue()
            KafkaConsumerClient.handleRebalance(rk, err, partitions, dispatch.listener)
        }
        if statistics != nil {
            rd_kafka_conf_set_stats_cb(conf) { _, json, length, opaque in
                guard let json, let opaque else { return 0 }
                let dispatch = Unmanaged<RebalanceDispatch>.fromOpaque(opaque).takeUnretainedValue()
                dispatch.statistics?(String(decoding: UnsafeRawBufferPointer(start: json, count: length), as: UTF8.self))
                return 0   // librdkafka frees the JSON
            }
        }
        let handle = try KafkaProperties.makeClient(RD_KAFKA_CONSUMER, conf)
        rd_kafka_poll_set_consumer(handle)
        self.handle = handle
        self.rebalance = rebalance
    }

    deinit {
        rd_kafka_destroy(handle)
    }

    /// Sets the listener after creation, for owners that create the consumer in their initializer.
    public func setListener(_ listener: (any KafkaRebalanceListener)?) {
        rebalance.listener = listener
    }

    private static func handleRebalance(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t,
                                        _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
                                        _ listener: (any KafkaRebalanceListener)?)
    {
        let partitions = PartitionList.read(list).map(\.partition)
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, list) { rd_kafka_error_destroy(error) }
            } else {
                rd_kafka_assign(rk, list)
            }
            listener?.assigned(partitions)
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(rk) != 0
            listener?.revoking(partitions, lost: lost)
            if !lost {
                // Commit what the listener stored for these partitions while they are still ours.
                rd_kafka_commit(rk, nil, 0)
            }
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, list) { rd_kafka_error_destroy(error) }
            } else {
                rd_kafka_assign(rk, nil)
            }
        default:
            rd_kafka_assign(rk, nil)
        }
    }

    /// Joins the group for `topics`.
    public func subscribe(_ topics: [String]) throws(KafkaError) {
        let list = PartitionList.make(topics.map { (TopicPartition($0, RD_KAFKA_PARTITION_UA), nil) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_subscribe(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "cannot subscribe to \(topics.joined(separator: ", "))") }
    }

    /// The next record or event, waiting up to `timeout`; `nil` when there was none. Rebalances are
    /// handled inside, through the listener.
    public func poll(timeout: Duration) -> KafkaConsumerEvent? {
        guard let message = rd_kafka_consumer_poll(handle, Int32(timeout.milliseconds)) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let m = message.pointee
        let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            return .endOfPartition(TopicPartition(topic, m.partition), offset: m.offset)
        }
        if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            var error = KafkaError(m.err, topic.isEmpty ? "consumer" : "consuming \(topic)[\(m.partition)]")
            if let payload = m.payload, m.len > 0 {
                error.message += " (" + String(decoding: UnsafeRawBufferPointer(start: payload, count: m.len), as: UTF8.self) + ")"
            }
            error.isFatal = m.err == RD_KAFKA_RESP_ERR__FATAL
            return .error(error)
        }
        let key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        let value = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) }
        var headers: [MessageHeader] = []
        var hdrs: OpaquePointer?
        if rd_kafka_message_headers(message, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs {
            var index = 0
            var name: UnsafePointer<CChar>?
            var pointer: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(hdrs, index, &name, &pointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let headerValue = pointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                headers.append(MessageHeader(name: name.map { String(cString: $0) } ?? "", value: headerValue))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return .record(KafkaRecord(topic: topic, partition: m.partition, offset: m.offset, key: key, value: value,
                                   headers: headers, timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp))
    }

    /// Stores the offsets to commit next (the offset after the last record handled), for the
    /// automatic commit or the next ``commit()``.
    public func storeOffsets(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = PartitionList.make(offsets.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_offsets_store(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let failed = PartitionList.read(list).filter { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }.map { "\($0.partition): \(String(cString: rd_kafka_err2str($0.error)))" }
            throw KafkaError(code: err.rawValue, name: String(cString: rd_kafka_err2name(err)),
                             message: "cannot store offsets (\(failed.joined(separator: "; ")))")
        }
    }

    /// Commits the stored offsets now and waits for the broker's answer.
    public func commit() throws(KafkaError) {
        let err = rd_kafka_commit(handle, nil, 0)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET {
            throw KafkaError(err, "cannot commit offsets")
        }
    }

    /// Stops fetching from `partitions` (backpressure) until ``resume(_:)``.
    public func pause(_ partitions: [TopicPartition]) {
        guard !partitions.isEmpty else { return }
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_pause_partitions(handle, list)
    }

    public func resume(_ partitions: [TopicPartition]) {
        guard !partitions.isEmpty else { return }
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_resume_partitions(handle, list)
    }

    /// The partitions currently assigned to this member.
    public func assignment() -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return PartitionList.read(list).map(\.partition)
    }

    /// The group's committed offsets for `partitions` (`nil`: nothing committed).
    public func committed(_ partitions: [TopicPartition], timeout: Duration) throws(KafkaError) -> [TopicPartition: Int64?] {
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_committed(handle, list, Int32(timeout.milliseconds))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "cannot read committed offsets") }
        var result: [TopicPartition: Int64?] = [:]
        for element in PartitionList.read(list) { result[element.partition] = element.offset >= 0 ? element.offset : nil }
        return result
    }

    /// The low and high watermark offsets of a partition, asked from its leader.
    public func watermarks(_ partition: TopicPartition, timeout: Duration) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_query_watermark_offsets(handle, partition.topic, partition.partition, &low, &high, Int32(timeout.milliseconds))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "cannot read the watermarks of \(partition)") }
        return (low, high)
    }

    /// Moves the consumer's positions: the next record returned for each partition is at the given
    /// offset.
    public func seek(_ offsets: [TopicPartition: Int64], timeout: Duration) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = PartitionList.make(offsets.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(handle, list, Int32(timeout.milliseconds)) { throw KafkaError(consuming: error, "cannot seek") }
        if let failed = PartitionList.read(list).first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            throw KafkaError(failed.error, "cannot seek \(failed.partition)")
        }
    }

    /// The number of partitions of `topic`, from the cluster's metadata.
    /// - Throws: ``KafkaError`` when the topic does not exist or the cluster does not answer.
    public func partitionCount(of topic: String, timeout: Duration) throws(KafkaError) -> Int {
        guard let rkt = rd_kafka_topic_new(handle, topic, nil) else { throw KafkaError(message: "cannot look up topic \(topic)") }
        defer { rd_kafka_topic_destroy(rkt) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 0, rkt, &metadata, Int32(timeout.milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError(err, "cannot read the metadata of \(topic)") }
        defer { rd_kafka_metadata_destroy(metadata) }
        guard metadata.pointee.topic_cnt == 1 else { throw KafkaError(message: "no metadata for topic \(topic)") }
        let entry = metadata.pointee.topics[0]
        if entry.err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(entry.err, "topic \(topic)") }
        return Int(entry.partition_cnt)
    }

    /// For each partition, the earliest offset whose timestamp is at or after `timestamp`
    /// (milliseconds since the epoch); the end offset when there is none.
    public func offsets(for partitions: [TopicPartition], atOrAfter timestamp: Int64, timeout: Duration) throws(KafkaError) -> [TopicPartition: Int64] {
        let list = PartitionList.make(partitions.map { ($0, timestamp) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_offsets_for_times(handle, list, Int32(timeout.milliseconds))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "cannot look up offsets by time") }
        var result: [TopicPartition: Int64] = [:]
        for element in PartitionList.read(list) {
            if element.error != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(element.error, "offsets by time for \(element.partition)") }
            result[element.partition] = element.offset
        }
        return result
    }

    /// Reads specific partitions from given offsets, outside any group's assignment (`group.id` is
    /// still required by librdkafka but nothing is committed unless asked).
    public func assign(_ offsets: [TopicPartition: Int64]) throws(KafkaError) {
        let list = PartitionList.make(offsets.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "cannot assign partitions") }
    }

    /// Leaves the group: revokes the assignment (committing stored offsets) and closes the consumer.
    public func close() {
        rd_kafka_consumer_close(handle)
    }
}

extension Duration {
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
