/// Exchanges, queues and bindings a RabbitMQ source or destination declares when it connects
/// (idempotent: declaring what exists with the same settings changes nothing; different settings
/// are an error from the broker, reported with its reason).
public struct RabbitMQTopology: Sendable, Hashable {
    public struct Exchange: Sendable, Hashable {
        public var name: String
        /// direct, fanout, topic or headers.
        public var type: String
        public var durable: Bool

        public init(name: String, type: String = "topic", durable: Bool = true) {
            self.name = name
            self.type = type
            self.durable = durable
        }
    }

    public struct Queue: Sendable, Hashable {
        public var name: String
        public var durable: Bool
        /// classic or quorum (`x-queue-type`).
        public var type: String
        /// Further `x-` arguments (x-max-length, x-message-ttl, ...), as text: numbers become integers.
        public var arguments: [String: String]

        public init(name: String, durable: Bool = true, type: String = "classic", arguments: [String: String] = [:]) {
            self.name = name
            self.durable = durable
            self.type = type
            self.arguments = arguments
        }
    }

    public struct Binding: Sendable, Hashable {
        public var exchange: String
        public var queue: String
        public var routingKey: String

        public init(exchange: String, queue: String, routingKey: String = "#") {
            self.exchange = exchange
            self.queue = queue
            self.routingKey = routingKey
        }
    }

    public var exchanges: [Exchange]
    public var queues: [Queue]
    public var bindings: [Binding]

    public init(exchanges: [Exchange] = [], queues: [Queue] = [], bindings: [Binding] = []) {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
    }

    public var isEmpty: Bool { exchanges.isEmpty && queues.isEmpty && bindings.isEmpty }
}
