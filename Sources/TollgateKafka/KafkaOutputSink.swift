import Foundation
import Synchronization
import Tollgate

/// Kafka topics as an ``OutputSink``: what a RabbitMQ source routes to for a cross-broker route.
/// An idempotent producer (acks from all in-sync replicas); each record keeps the message key (a
/// RabbitMQ message's key is its message-id), value, headers and timestamp. A write fails only
/// after librdkafka's own retries (`message.timeout.ms`); the router then keeps the input and
/// writes again later, unless the error is one retrying cannot fix (a record too large, an unknown
/// topic with auto-creation off, a fenced producer).
public final class KafkaOutputSink: OutputSink, @unchecked Sendable {
    public let brokers: String
    public let approvedTopic: String
    public let quarantineTopic: String
    public let properties: [String: String]
    private var producer: KafkaProducerClient?
    private var confirm: (@Sendable (UInt64, Result<Void, OutputError>) -> Void)?

    /// - Parameter properties: librdkafka producer properties; they override Tollgate's defaults.
    public init(brokers: String, approvedTopic: String, quarantineTopic: String, properties: [String: String] = [:]) {
        self.brokers = brokers
        self.approvedTopic = approvedTopic
        self.quarantineTopic = quarantineTopic
        self.properties = properties
    }

    public var description: String { "Kafka \(brokers) (approved: \(approvedTopic), quarantine: \(quarantineTopic))" }

    public var isReady: Bool { producer.map { $0.fatalError == nil } ?? false }

    public func start(confirm: @escaping @Sendable (UInt64, Result<Void, OutputError>) -> Void) throws {
        self.confirm = confirm
        var settings = ["bootstrap.servers": brokers, "enable.idempotence": "true", "acks": "all", "linger.ms": "5"]
        settings.merge(properties) { $1 }
        producer = try KafkaProducerClient(properties: settings) { token, result in
            switch result {
            case .success: confirm(token, .success(()))
            case .failure(let error): confirm(token, .failure(Self.outputError(error)))
            }
        }
    }

    public func write(_ record: OutputRecord, token: UInt64) {
        guard let producer else { preconditionFailure("KafkaOutputSink.write before start") }
        let topic = record.route == .approved ? approvedTopic : quarantineTopic
        do {
            try producer.produce(topic: topic, key: record.message.key, value: record.message.value, headers: record.headers,
                                 timestamp: record.message.timestamp, token: token)
        } catch {
            confirm?(token, .failure(Self.outputError(error)))
        }
    }

    public func close(timeout: Duration) {
        _ = producer?.flush(timeout: timeout)
    }

    static func outputError(_ error: KafkaError) -> OutputError {
        // MSG_SIZE_TOO_LARGE (10), _MSG_SIZE_TOO_LARGE (-186), UNKNOWN_TOPIC_OR_PART (3) with no auto-creation,
        // INVALID_RECORD (87), and fatal errors: writing the same record again cannot succeed.
        let permanent = error.isFatal || [10, -186, 87].contains(error.code)
        return OutputError("\(error)", retriable: !permanent)
    }
}
