import CRdKafka

/// An error from librdkafka or from the Kafka adapter, with librdkafka's code and name when there
/// is one.
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t` (negative: client-side; positive: a broker's error code).
    public var code: Int32
    /// librdkafka's name for the code, e.g. `NOT_LEADER_FOR_PARTITION` or `_TRANSPORT`.
    public var name: String
    public var message: String
    /// Worth retrying: the same request may succeed later.
    public var isRetriable: Bool
    /// The client cannot go on (e.g. a fenced idempotent producer).
    public var isFatal: Bool
    /// A transactional producer must abort the current transaction (and may then begin another).
    public var requiresAbort: Bool = false

    public init(code: Int32 = 0, name: String = "", message: String, isRetriable: Bool = false, isFatal: Bool = false) {
        self.code = code
        self.name = name
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
    }

    init(_ err: rd_kafka_resp_err_t, _ context: String? = nil) {
        let text = String(cString: rd_kafka_err2str(err))
        self.init(code: err.rawValue, name: String(cString: rd_kafka_err2name(err)),
                  message: context.map { "\($0): \(text)" } ?? text)
    }

    /// Takes ownership of `error` and destroys it.
    init(consuming error: OpaquePointer, _ context: String? = nil) {
        let err = rd_kafka_error_code(error)
        let text = String(cString: rd_kafka_error_string(error))
        self.init(code: err.rawValue, name: String(cString: rd_kafka_err2name(err)),
                  message: context.map { "\($0): \(text)" } ?? text,
                  isRetriable: rd_kafka_error_is_retriable(error) != 0, isFatal: rd_kafka_error_is_fatal(error) != 0)
        requiresAbort = rd_kafka_error_txn_requires_abort(error) != 0
        rd_kafka_error_destroy(error)
    }

    public var description: String { name.isEmpty ? message : "\(message) (\(name))" }
}
