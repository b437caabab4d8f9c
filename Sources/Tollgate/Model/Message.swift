/// A message header: a name and raw bytes (Kafka allows a null value; RabbitMQ headers arrive here
/// as their text form).
public struct MessageHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// A header with a UTF-8 text value.
    public init(name: String, string: String) {
        self.init(name: name, value: Array(string.utf8))
    }

    /// The value as text, when it is valid UTF-8.
    public var stringValue: String? {
        guard let value else { return nil }
        return String(validating: value, as: UTF8.self)
    }
}

/// Where a message was read from: the coordinates a quarantine record and a replay report name.
public enum MessageOrigin: Sendable, Hashable {
    /// A Kafka record. `group` is the consumer group that read it, when one did.
    case kafka(topic: String, partition: Int32, offset: Int64, group: String?)
    /// A RabbitMQ delivery.
    case rabbitMQ(exchange: String, routingKey: String, queue: String, deliveryTag: UInt64)
    /// A message built in code, with no broker coordinates.
    case none

    /// The topic or queue a binding matches against.
    public var source: String? {
        switch self {
        case .kafka(let topic, _, _, _): return topic
        case .rabbitMQ(_, _, let queue, _): return queue
        case .none: return nil
        }
    }
}

/// A message on its way through Tollgate: the payload bytes exactly as they arrived (never
/// re-encoded), the key, the headers and where it came from.
public struct Message: Sendable, Hashable {
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [MessageHeader]
    public var origin: MessageOrigin
    /// Milliseconds since the Unix epoch, as the broker or producer set it.
    public var timestamp: Int64?

    public init(key: [UInt8]? = nil, value: [UInt8], headers: [MessageHeader] = [], origin: MessageOrigin = .none,
                timestamp: Int64? = nil)
    {
        self.key = key
        self.value = value
        self.headers = headers
        self.origin = origin
        self.timestamp = timestamp
    }

    /// The last header named `name` (case-sensitive, as Kafka headers are).
    public func header(_ name: String) -> MessageHeader? {
        headers.last { $0.name == name }
    }
}
