import CRdKafka
import Foundation

/// librdkafka's mock cluster: Kafka brokers inside this process that speak the real protocol over
/// TCP on loopback, with consumer groups, idempotence and transactions, and fault injection. For
/// tests, `tollgate kafka-mock` and `brokers: mock` in a configuration.
///
/// Limits of librdkafka 2.0.2's mock, measured (see DESIGN.md): a partition keeps at most about
/// 5 MiB and silently drops older data; a fetch returns one stored batch per partition.
public final class KafkaMockCluster: @unchecked Sendable {
    private let owner: OpaquePointer
    private let cluster: OpaquePointer
    /// `host:port,...` for `bootstrap.servers`.
    public let bootstrapServers: String
    public let brokerCount: Int

    /// Kafka request types, for ``pushRequestErrors(_:_:)``.
    public enum Request: Int16, Sendable {
        case produce = 0
        case fetch = 1
        case offsetCommit = 8
        case offsetFetch = 9
        case findCoordinator = 10
        case joinGroup = 11
        case heartbeat = 12
        case syncGroup = 14
        case initProducerId = 22
        case addPartitionsToTxn = 24
        case addOffsetsToTxn = 25
        case endTxn = 26
        case txnOffsetCommit = 28
    }

    /// Starts `brokers` brokers, each on its own loopback port.
    public init(brokers: Int = 3) throws(KafkaError) {
        precondition(brokers >= 1, "a cluster has at least one broker")
        // The mock cluster needs an rd_kafka_t for its bookkeeping; an idle producer serves.
        let conf = try KafkaProperties.makeConf(["log_level": "3"])
        owner = try KafkaProperties.makeClient(RD_KAFKA_PRODUCER, conf)
        guard let cluster = rd_kafka_mock_cluster_new(owner, Int32(brokers)) else {
            rd_kafka_destroy(owner)
            throw KafkaError(message: "cannot start a mock cluster of \(brokers) brokers")
        }
        self.cluster = cluster
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        self.brokerCount = brokers
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(owner)
    }

    /// Creates a topic (otherwise topics are auto-created with the cluster's default partitions on
    /// first use).
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(min(replicationFactor, brokerCount)))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "cannot create topic \(name)") }
    }

    /// Takes a broker down: its connections are closed and it accepts no new ones.
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        let err = rd_kafka_mock_broker_set_down(cluster, id)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "cannot take broker \(id) down") }
    }

    /// Brings a broker back up.
    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        let err = rd_kafka_mock_broker_set_up(cluster, id)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "cannot bring broker \(id) up") }
    }

    /// Makes the next requests of a type fail, one error code each, in order (librdkafka's
    /// `rd_kafka_resp_err_t` codes, e.g. 6 NOT_LEADER_FOR_PARTITION, 7 REQUEST_TIMED_OUT,
    /// 10 MESSAGE_TOO_LARGE).
    public func pushRequestErrors(_ request: Request, _ codes: [Int32]) {
        let errors = codes.map { rd_kafka_resp_err_t(rawValue: $0) }
        errors.withUnsafeBufferPointer { rd_kafka_mock_push_request_errors_array(cluster, request.rawValue, $0.count, $0.baseAddress) }
    }

    /// Moves a partition's leadership to `broker`.
    public func setLeader(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        let err = rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, "cannot move \(topic)[\(partition)] to broker \(broker)") }
    }
}
