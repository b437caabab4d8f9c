import CRdKafka
import Foundation
import Synchronization
import Tollgate

/// Where a produced record was written.
public struct KafkaDelivery: Sendable, Hashable {
    public var partition: Int32
    public var offset: Int64
}

/// A librdkafka producer. `produce` only enqueues; the outcome of every record arrives later through
/// `onDelivery`, with the token given to `produce`, from the producer's own polling thread (never
/// Swift's cooperative pool). Every librdkafka producer property can be set (`enable.idempotence`,
/// `acks`, `linger.ms`, `transactional.id`, ...).
public final class KafkaProducerClient: @unchecked Sendable {
    /// The `rd_kafka_t`; valid until the client is gone.
    let handle: OpaquePointer
    private let dispatch: DeliveryDispatch
    private let polling = RunFlag(true)
    private let pollerDone = DispatchSemaphore(value: 0)

    /// Receives delivery reports; referenced by librdkafka's configuration opaque.
    final class DeliveryDispatch: @unchecked Sendable {
        let onDelivery: @Sendable (UInt64, Result<KafkaDelivery, KafkaError>) -> Void
        init(_ onDelivery: @escaping @Sendable (UInt64, Result<KafkaDelivery, KafkaError>) -> Void) { self.onDelivery = onDelivery }
    }

    /// - Parameters:
    ///   - properties: librdkafka properties, at least `bootstrap.servers`.
    ///   - onDelivery: called once per produced record with its token: where it landed, or the error
    ///     that made librdkafka give up on it (after its own retries).
    public init(properties: [String: String], onDelivery: @escaping @Sendable (UInt64, Result<KafkaDelivery, KafkaError>) -> Void) throws(KafkaError) {
        let conf = try KafkaProperties.makeConf(properties)
        let dispatch = DeliveryDispatch(onDelivery)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(dispatch).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let message, let opaque else { return }
            let dispatch = Unmanaged<DeliveryDispatch>.fromOpaque(opaque).takeUnretainedValue()
            let token = UInt64(UInt(bitPattern: message.pointee._private))
            if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                dispatch.onDelivery(token, .success(KafkaDelivery(partition: message.pointee.partition, offset: message.pointee.offset)))
            } else {
                dispatch.onDelivery(token, .failure(KafkaError(message.pointee.err, "delivery failed")))
            }
        }
        self.handle = try KafkaProperties.makeClient(RD_KAFKA_PRODUCER, conf)
        self.dispatch = dispatch
        let handle = RDHandle(pointer: self.handle)
        let polling = self.polling
        let done = self.pollerDone
        let poller = Thread {
            while polling.isSet { rd_kafka_poll(handle.pointer, 100) }
            done.signal()
        }
        poller.name = "tollgate-kafka-producer"
        poller.start()
    }

    deinit {
        polling.set(false)
        pollerDone.wait()
        rd_kafka_destroy(handle)
    }

    /// Enqueues a record. Waits (on the calling thread) while librdkafka's local queue is full.
    /// - Parameters:
    ///   - token: handed back to `onDelivery`; must not be 0.
    /// - Throws: ``KafkaError`` when librdkafka refuses the record outright (unknown topic with
    ///   auto-creation off, record too large, a fatal producer error).
    public func produce(topic: String, key: [UInt8]?, value: [UInt8], headers: [MessageHeader],
                        partition: Int32? = nil, timestamp: Int64? = nil, token: UInt64) throws(KafkaError)
    {
        while try !tryProduce(topic: topic, key: key, value: value, headers: headers, partition: partition,
                              timestamp: timestamp, token: token)
        {
            // The polling thread serves delivery reports, which make room.
            Thread.sleep(forTimeInterval: 0.001)
        }
    }

    /// Enqueues a record unless librdkafka's local queue is full.
    /// - Returns: `false` when the queue is full (nothing was enqueued); try again later.
    public func tryProduce(topic: String, key: [UInt8]?, value: [UInt8], headers: [MessageHeader],
                           partition: Int32? = nil, timestamp: Int64? = nil, token: UInt64) throws(KafkaError) -> Bool
    {
        precondition(token != 0, "delivery tokens start at 1")
        do {
            let error = topic.withCString { topicName in
                value.withUnsafeBytes { valueBytes in
                    withOptionalBytes(key) { keyBytes in
                        let hdrs = rd_kafka_headers_new(headers.count)!
                        for header in headers {
                            if let bytes = header.value {
                                _ = bytes.withUnsafeBytes { rd_kafka_header_add(hdrs, header.name, -1, $0.baseAddress, $0.count) }
                            } else {
                                _ = rd_kafka_header_add(hdrs, header.name, -1, nil, 0)
                            }
                        }
                        // At most 8 arguments, on the stack: no allocation per record.
                        return withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { vus -> OpaquePointer? in
                        var n = 0
                        func add(_ v: rd_kafka_vu_t) { vus[n] = v; n += 1 }
                        var v = rd_kafka_vu_t()
                        v.vtype = RD_KAFKA_VTYPE_TOPIC; v.u.cstr = topicName; add(v)
                        v = rd_kafka_vu_t()
                        v.vtype = RD_KAFKA_VTYPE_VALUE
                        v.u.mem.ptr = UnsafeMutableRawPointer(mutating: valueBytes.baseAddress); v.u.mem.size = valueBytes.count
                        add(v)
                        if let keyBytes {
                            v = rd_kafka_vu_t()
                            v.vtype = RD_KAFKA_VTYPE_KEY
                            v.u.mem.ptr = UnsafeMutableRawPointer(mutating: keyBytes.baseAddress); v.u.mem.size = keyBytes.count
                            add(v)
                        }
                        v = rd_kafka_vu_t(); v.vtype = RD_KAFKA_VTYPE_MSGFLAGS; v.u.i = RD_KAFKA_MSG_F_COPY; add(v)
                        v = rd_kafka_vu_t(); v.vtype = RD_KAFKA_VTYPE_OPAQUE; v.u.ptr = UnsafeMutableRawPointer(bitPattern: UInt(token)); add(v)
                        v = rd_kafka_vu_t(); v.vtype = RD_KAFKA_VTYPE_HEADERS; v.u.headers = hdrs; add(v)
                        if let partition { v = rd_kafka_vu_t(); v.vtype = RD_KAFKA_VTYPE_PARTITION; v.u.i32 = partition; add(v) }
                        if let timestamp { v = rd_kafka_vu_t(); v.vtype = RD_KAFKA_VTYPE_TIMESTAMP; v.u.i64 = timestamp; add(v) }
                        let error = rd_kafka_produceva(handle, vus.baseAddress, n)
                        // On success librdkafka owns the headers; on failure they are still ours.
                        if error != nil { rd_kafka_headers_destroy(hdrs) }
                        return error
                        }
                    }
                }
            }
            guard let error else { return true }
            if rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                rd_kafka_error_destroy(error)
                return false
            }
            throw KafkaError(consuming: error, "cannot produce to \(topic)")
        }
    }

    /// Waits until every enqueued record is delivered or failed, up to `timeout`.
    /// - Returns: whether everything was flushed in time.
    @discardableResult
    public func flush(timeout: Duration) -> Bool {
        rd_kafka_flush(handle, Int32(clamping: timeout.milliseconds)) == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    // MARK: Transactions (with a `transactional.id`)

    /// Registers the transactional id with the cluster, fencing any earlier producer with the same
    /// id and aborting its open transaction. Call once before the first transaction.
    public func initTransactions(timeout: Duration) throws(KafkaError) {
        if let error = rd_kafka_init_transactions(handle, Int32(timeout.milliseconds)) { throw KafkaError(consuming: error, "cannot initialise transactions") }
    }

    public func beginTransaction() throws(KafkaError) {
        if let error = rd_kafka_begin_transaction(handle) { throw KafkaError(consuming: error, "cannot begin a transaction") }
    }

    /// Adds the consumer's offsets (the next offset to read, per partition) to the transaction, so
    /// they are committed for its group if and only if the transaction commits.
    public func sendOffsetsToTransaction(_ offsets: [TopicPartition: Int64], consumer: KafkaConsumerClient, timeout: Duration) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        guard let metadata = rd_kafka_consumer_group_metadata(consumer.handle) else {
            throw KafkaError(message: "the consumer has no group metadata (not a group member)")
        }
        defer { rd_kafka_consumer_group_metadata_destroy(metadata) }
        let list = PartitionList.make(offsets.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_send_offsets_to_transaction(handle, list, metadata, Int32(timeout.milliseconds)) {
            throw KafkaError(consuming: error, "cannot add the consumer offsets to the transaction")
        }
    }

    /// Flushes the transaction's records and commits it.
    public func commitTransaction(timeout: Duration) throws(KafkaError) {
        if let error = rd_kafka_commit_transaction(handle, Int32(timeout.milliseconds)) { throw KafkaError(consuming: error, "cannot commit the transaction") }
    }

    /// Aborts the transaction: its records are never visible to `read_committed` readers.
    public func abortTransaction(timeout: Duration) throws(KafkaError) {
        if let error = rd_kafka_abort_transaction(handle, Int32(timeout.milliseconds)) { throw KafkaError(consuming: error, "cannot abort the transaction") }
    }

    /// Records enqueued and not yet reported.
    public var queued: Int { Int(rd_kafka_outq_len(handle)) }

    /// The producer's fatal error, if it has one (an idempotent producer that lost its guarantees).
    public var fatalError: KafkaError? {
        var errstr = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(handle, &errstr, errstr.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(code: err.rawValue, name: String(cString: rd_kafka_err2name(err)), message: String(errorBuffer: errstr), isFatal: true)
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
