import Foundation
import Yams

/// A `tollgate run` configuration file: where messages come from and go to, the delivery guarantee,
/// and the pipeline (``PipelineConfiguration``'s keys, at the same level).
///
/// ```yaml
/// source:
///   kafka:
///     brokers: localhost:9092        # bootstrap.servers, or "mock": a mock cluster in the process
///     topics: [orders]
///     group: tollgate-orders         # the consumer group; default: tollgate
///     properties: {client.id: tollgate}    # librdkafka properties for both clients
///     consumer: {session.timeout.ms: 10000} # consumer-only properties
///     producer: {linger.ms: 5}              # producer-only properties
///     transactionalId: tollgate-orders-1    # exactly-once only; default tollgate-<group>-<host>
///     mock: {partitions: 4, preload: [capture.jsonl]}   # brokers: mock only
/// # or a RabbitMQ queue:
/// #  rabbitmq:
/// #    url: amqp://user:password@localhost:5672/vhost   # amqps:// for TLS
/// #    queue: orders
/// #    prefetch: 1000                # unacknowledged deliveries at once
/// #    heartbeat: 10                 # seconds
/// #    tls: {caCertificate: ca.pem, certificate: client.pem, key: client.key, verifyPeer: true, verifyHostname: true}
/// #    declare: {exchanges: [...], queues: [...], bindings: [...]}   # created at start when missing
/// routes:
///   approved: orders.approved        # a topic (Kafka source) or exchange (RabbitMQ source) on the same broker
///   quarantine: orders.quarantine
///   # or on another broker:
///   # quarantine: {kafka: {brokers: localhost:9092, topic: orders.quarantine, properties: {...}}}
///   # quarantine: {rabbitmq: {url: amqp://..., exchange: orders.quarantine, routingKey: bad}}
/// guarantee: at-least-once           # or exactly-once (Kafka transactions)
/// maxInFlight: 100000                # consumed, not yet confirmed; then fetching pauses
/// quarantine:
///   errorsCapBytes: 4096             # tollgate.errors cap
///   kafkaConnectHeaders: false       # also write __connect.errors.* headers
///   springHeaders: false             # also write kafka_dlt-* headers
/// shutdownTimeout: 30                # seconds to wait for in-flight writes on SIGTERM
/// http: {enabled: true, address: 127.0.0.1:9473}    # /healthz, /readyz, /metrics
/// logging: {format: auto, level: info, quarantineLinesPerSecond: 10}   # auto: text on a terminal, else JSON lines
/// reload: {watch: false, interval: 2}  # schemas reload on SIGHUP; watch: also on file change
/// schemas: {directory: schemas}
/// bindings: [...]
/// rules: [...]
/// ```
///
/// The broker settings are plain data here; the broker adapters act on them.
public struct SidecarConfiguration: Sendable {
    public struct KafkaSource: Sendable, Hashable {
        /// `bootstrap.servers`, or `mock`.
        public var brokers: String
        public var topics: [String]
        public var group: String
        public var properties: [String: String]
        public var consumerProperties: [String: String]
        public var producerProperties: [String: String]
        /// The transactional id for `guarantee: exactly-once`: the same across restarts of one
        /// instance, different between instances. Default: `tollgate-<group>-<host name>`.
        public var transactionalId: String?
        /// With `brokers: mock`: the partitions of each topic the mock cluster creates, and capture
        /// files produced into the source topic at start (for demos and quick starts).
        public var mockPartitions: Int = 4
        public var mockPreload: [String] = []

        public init(brokers: String, topics: [String], group: String = "tollgate", properties: [String: String] = [:],
                    consumerProperties: [String: String] = [:], producerProperties: [String: String] = [:],
                    transactionalId: String? = nil)
        {
            self.transactionalId = transactionalId
            self.brokers = brokers
            self.topics = topics
            self.group = group
            self.properties = properties
            self.consumerProperties = consumerProperties
            self.producerProperties = producerProperties
        }

        /// Whether the configuration asks for an in-process mock cluster.
        public var usesMockCluster: Bool { brokers == "mock" }
    }

    /// A RabbitMQ queue to consume.
    public struct RabbitMQSource: Sendable, Hashable {
        /// `amqp://user:password@host:port/vhost` or `amqps://...`.
        public var url: String
        public var queue: String
        public var prefetch: Int = 1000
        public var heartbeat: Int = 10
        public var tls = RabbitMQTLSSettings()
        /// Declared on every (re)connection, before consuming.
        public var declare = RabbitMQTopology()

        public init(url: String, queue: String) {
            self.url = url
            self.queue = queue
        }
    }

    /// TLS for `amqps://` URLs.
    public struct RabbitMQTLSSettings: Sendable, Hashable {
        public var caCertificate: String?
        public var certificate: String?
        public var key: String?
        public var verifyPeer = true
        public var verifyHostname = true
        public init() {}
    }

    public enum Source: Sendable, Hashable {
        case kafka(KafkaSource)
        case rabbitMQ(RabbitMQSource)
    }

    /// Where a route writes.
    public enum Destination: Sendable, Hashable {
        /// A topic (Kafka source) or an exchange (RabbitMQ source, routing key kept) on the
        /// source's own broker.
        case sameBroker(String)
        /// A Kafka topic on a cluster of its own (a RabbitMQ source routing to Kafka).
        case kafka(brokers: String, topic: String, properties: [String: String])
        /// A RabbitMQ exchange (a Kafka source routing to RabbitMQ, or another RabbitMQ broker):
        /// `url` nil means the source's broker; `routingKey` nil keeps the input's routing key (or
        /// the Kafka topic's name).
        case rabbitMQ(url: String?, exchange: String, routingKey: String?)

        /// The topic or exchange name.
        public var name: String {
            switch self {
            case .sameBroker(let name): name
            case .kafka(_, let topic, _): topic
            case .rabbitMQ(_, let exchange, _): exchange
            }
        }
    }

    public enum Guarantee: String, Sendable, Hashable {
        case atLeastOnce = "at-least-once"
        case exactlyOnce = "exactly-once"
    }

    public var source: Source
    /// The approved destination's topic or exchange name.
    public var approvedRoute: String { approvedDestination.name }
    public var quarantineRoute: String { quarantineDestination.name }
    public var approvedDestination: Destination
    public var quarantineDestination: Destination
    public var guarantee: Guarantee
    public var maxInFlight: Int
    public var quarantine: QuarantineOptions
    public var shutdownTimeout: Duration
    public var pipeline: PipelineConfiguration
    /// `/healthz`, `/readyz` and `/metrics`.
    public var http = HTTPSettings()
    public var logging = LoggingSettings()
    public var reload = ReloadSettings()

    public init(source: Source, approvedRoute: String, quarantineRoute: String, guarantee: Guarantee = .atLeastOnce,
                maxInFlight: Int = 100_000, quarantine: QuarantineOptions = QuarantineOptions(),
                shutdownTimeout: Duration = .seconds(30), pipeline: PipelineConfiguration = PipelineConfiguration())
    {
        self.source = source
        approvedDestination = .sameBroker(approvedRoute)
        quarantineDestination = .sameBroker(quarantineRoute)
        self.guarantee = guarantee
        self.maxInFlight = maxInFlight
        self.quarantine = quarantine
        self.shutdownTimeout = shutdownTimeout
        self.pipeline = pipeline
    }

    static let keys: Set<String> = ["source", "routes", "guarantee", "maxInFlight", "quarantine", "shutdownTimeout", "http", "logging", "reload"]

    /// Reads a configuration file.
    /// - Throws: ``TollgateError`` with the file, line and key path of the problem.
    public static func load(file: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(TollgateError) -> SidecarConfiguration {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TollgateError(.unreadable, "cannot read the configuration file", file: file)
        }
        return try parse(yaml: String(decoding: data, as: UTF8.self), file: file, environment: environment)
    }

    /// Parses configuration text; `file` names it in errors and anchors relative paths.
    /// `environment` fills `${NAME}` references and `TOLLGATE__...` overrides (see README.md,
    /// "Secrets and the environment").
    public static func parse(yaml text: String, file: String,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws(TollgateError) -> SidecarConfiguration
    {
        var reader = YAMLReader(file: file, text: text)
        reader.code = .invalidConfiguration
        let environment = ConfigurationEnvironment(variables: environment, file: file, code: .invalidConfiguration)
        reader.overrides = environment.overrides
        let root = try environment.substitute(try reader.root())
        let pipeline = try PipelineConfiguration.parse(root, reader: reader, otherKeys: keys)
        var source: Source?
        var approved: Destination?
        var quarantineRoute: Destination?
        var configuration = SidecarConfiguration(source: .kafka(KafkaSource(brokers: "", topics: [])), approvedRoute: "",
                                                 quarantineRoute: "", pipeline: pipeline)
        let pipelineKeys: Set<String> = ["schemas", "limits", "bindings", "rules"]
        for (key, value, line) in try reader.members(of: root, path: "", allowed: keys.union(pipelineKeys)) where !pipelineKeys.contains(key) {
            switch key {
            case "source":
                let kinds = try reader.members(of: try reader.mapping(value, key: "source"), path: "source", allowed: ["kafka", "rabbitmq"])
                if kinds.count > 1 {
                    throw TollgateError(.invalidConfiguration, "'source' names both kafka and rabbitmq; a sidecar consumes from one", file: file, line: line)
                }
                for (kind, settings, _) in kinds {
                    source = kind == "kafka" ? .kafka(try kafkaSource(settings, reader: reader)) : .rabbitMQ(try rabbitMQSource(settings, reader: reader))
                }
            case "routes":
                for (route, destination, _) in try reader.members(of: try reader.mapping(value, key: "routes"), path: "routes",
                                                                  allowed: ["approved", "quarantine"]) {
                    let target = try self.destination(destination, path: "routes.\(route)", reader: reader)
                    if route == "approved" { approved = target } else { quarantineRoute = target }
                }
            case "guarantee":
                let text = try reader.string(value, key: "guarantee")
                guard let guarantee = Guarantee(rawValue: text) else {
                    throw TollgateError(.invalidConfiguration, "'guarantee' must be at-least-once or exactly-once, not \(text)", file: file, line: line)
                }
                configuration.guarantee = guarantee
            case "maxInFlight":
                configuration.maxInFlight = try reader.int(value, key: "maxInFlight", minimum: 1)
            case "shutdownTimeout":
                configuration.shutdownTimeout = .seconds(try reader.int(value, key: "shutdownTimeout", minimum: 0))
            case "http": configuration.http = try parseHTTP(value, reader: reader)
            case "logging": configuration.logging = try parseLogging(value, reader: reader)
            case "reload": configuration.reload = try parseReload(value, reader: reader)
            default:
                for (k, v, _) in try reader.members(of: try reader.mapping(value, key: "quarantine"), path: "quarantine",
                                                    allowed: ["errorsCapBytes", "kafkaConnectHeaders", "springHeaders"]) {
                    switch k {
                    case "errorsCapBytes": configuration.quarantine.errorsCapBytes = try reader.int(v, key: "quarantine.errorsCapBytes", minimum: 256)
                    case "kafkaConnectHeaders": configuration.quarantine.kafkaConnectAliases = try reader.bool(v, key: "quarantine.kafkaConnectHeaders")
                    default: configuration.quarantine.springAliases = try reader.bool(v, key: "quarantine.springHeaders")
                    }
                }
            }
        }
        guard let source else {
            throw TollgateError(.invalidConfiguration, "'source' is missing: say where to consume from (source: {kafka: {brokers: ..., topics: [...]}})", file: file)
        }
        guard let approved, let quarantineRoute else {
            throw TollgateError(.invalidConfiguration, "'routes' needs both 'approved' and 'quarantine' destinations", file: file)
        }
        if approved == quarantineRoute {
            throw TollgateError(.invalidConfiguration, "'routes.approved' and 'routes.quarantine' are the same destination (\(approved.name)); they must differ", file: file)
        }
        for target in [approved, quarantineRoute] {
            switch (source, target) {
            case (.kafka(let kafka), .sameBroker(let topic)) where kafka.topics.contains(topic):
                throw TollgateError(.invalidConfiguration, "a route writes to a source topic; that would loop forever", file: file)
            case (.kafka, .kafka):
                throw TollgateError(.invalidConfiguration, "with a Kafka source, write a route as the topic's name: it goes to the source's cluster", file: file)
            case (.kafka, .rabbitMQ(nil, _, _)):
                throw TollgateError(.invalidConfiguration, "a RabbitMQ route from a Kafka source needs its 'url'", file: file)
            default: break
            }
        }
        configuration.source = source
        configuration.approvedDestination = approved
        configuration.quarantineDestination = quarantineRoute
        return configuration
    }

    private static func kafkaSource(_ node: Node, reader: YAMLReader) throws(TollgateError) -> KafkaSource {
        var brokers: String?
        var topics: [String] = []
        var kafka = KafkaSource(brokers: "", topics: [])
        for (key, value, _) in try reader.members(of: try reader.mapping(node, key: "source.kafka"), path: "source.kafka",
                                                  allowed: ["brokers", "topics", "group", "properties", "consumer", "producer", "transactionalId", "mock"]) {
            let path = "source.kafka.\(key)"
            switch key {
            case "brokers": brokers = try reader.string(value, key: path)
            case "topics":
                if case .scalar = value {
                    topics = [try reader.string(value, key: path)]
                } else {
                    topics = try reader.sequence(value, key: path).map { node throws(TollgateError) in try reader.string(node, key: path) }
                }
            case "group": kafka.group = try reader.string(value, key: path)
            case "transactionalId": kafka.transactionalId = try reader.string(value, key: path)
            case "mock":
                let base = (reader.file as NSString).deletingLastPathComponent
                for (k, v, _) in try reader.members(of: try reader.mapping(value, key: path), path: path, allowed: ["partitions", "preload"]) {
                    if k == "partitions" {
                        kafka.mockPartitions = try reader.int(v, key: "\(path).partitions", minimum: 1)
                    } else {
                        let files: [String]
                        if case .scalar = v {
                            files = [try reader.string(v, key: "\(path).preload")]
                        } else {
                            files = try reader.sequence(v, key: "\(path).preload").map { node throws(TollgateError) in try reader.string(node, key: "\(path).preload") }
                        }
                        kafka.mockPreload = files.map { $0.hasPrefix("/") || base.isEmpty ? $0 : (base as NSString).appendingPathComponent($0) }
                    }
                }
            case "properties": kafka.properties = try properties(value, path: path, reader: reader)
            case "consumer": kafka.consumerProperties = try properties(value, path: path, reader: reader)
            default: kafka.producerProperties = try properties(value, path: path, reader: reader)
            }
        }
        guard let brokers, !brokers.isEmpty else {
            throw TollgateError(.invalidConfiguration, "'source.kafka.brokers' is missing (host:port,... or mock)", file: reader.file)
        }
        guard !topics.isEmpty else {
            throw TollgateError(.invalidConfiguration, "'source.kafka.topics' is missing or empty", file: reader.file)
        }
        if (!kafka.mockPreload.isEmpty || kafka.mockPartitions != 4) && brokers != "mock" {
            throw TollgateError(.invalidConfiguration, "'source.kafka.mock' applies only with 'brokers: mock'", file: reader.file)
        }
        kafka.brokers = brokers
        kafka.topics = topics
        return kafka
    }

    /// A route: a name on the source's broker, or `{kafka: {...}}` / `{rabbitmq: {...}}`.
    private static func destination(_ node: Node, path: String, reader: YAMLReader) throws(TollgateError) -> Destination {
        if case .scalar = node { return .sameBroker(try reader.string(node, key: path)) }
        let kinds = try reader.members(of: try reader.mapping(node, key: path), path: path, allowed: ["kafka", "rabbitmq"])
        guard kinds.count == 1, let (kind, settings, _) = kinds.first else {
            throw TollgateError(.invalidConfiguration, "'\(path)' is a name, or one of {kafka: {brokers, topic}} and {rabbitmq: {exchange, url, routingKey}}", file: reader.file)
        }
        let inner = "\(path).\(kind)"
        if kind == "kafka" {
            var brokers: String?, topic: String?
            var properties: [String: String] = [:]
            for (key, value, _) in try reader.members(of: try reader.mapping(settings, key: inner), path: inner, allowed: ["brokers", "topic", "properties"]) {
                switch key {
                case "brokers": brokers = try reader.string(value, key: "\(inner).brokers")
                case "topic": topic = try reader.string(value, key: "\(inner).topic")
                default: properties = try self.properties(value, path: "\(inner).properties", reader: reader)
                }
            }
            guard let brokers, let topic else {
                throw TollgateError(.invalidConfiguration, "'\(inner)' needs 'brokers' and 'topic'", file: reader.file)
            }
            return .kafka(brokers: brokers, topic: topic, properties: properties)
        }
        var url: String?, exchange: String?, routingKey: String?
        for (key, value, _) in try reader.members(of: try reader.mapping(settings, key: inner), path: inner, allowed: ["url", "exchange", "routingKey"]) {
            switch key {
            case "url": url = try reader.string(value, key: "\(inner).url")
            case "exchange": exchange = try reader.string(value, key: "\(inner).exchange")
            default: routingKey = try reader.string(value, key: "\(inner).routingKey")
            }
        }
        guard let exchange else { throw TollgateError(.invalidConfiguration, "'\(inner).exchange' is missing", file: reader.file) }
        return .rabbitMQ(url: url, exchange: exchange, routingKey: routingKey)
    }

    private static func rabbitMQSource(_ node: Node, reader: YAMLReader) throws(TollgateError) -> RabbitMQSource {
        var source = RabbitMQSource(url: "", queue: "")
        let path = "source.rabbitmq"
        for (key, value, _) in try reader.members(of: try reader.mapping(node, key: path), path: path,
                                                  allowed: ["url", "queue", "prefetch", "heartbeat", "tls", "declare"]) {
            let keyPath = "\(path).\(key)"
            switch key {
            case "url": source.url = try reader.string(value, key: keyPath)
            case "queue": source.queue = try reader.string(value, key: keyPath)
            case "prefetch": source.prefetch = try reader.int(value, key: keyPath, minimum: 1)
            case "heartbeat": source.heartbeat = try reader.int(value, key: keyPath, minimum: 0)
            case "tls":
                for (k, v, _) in try reader.members(of: try reader.mapping(value, key: keyPath), path: keyPath,
                                                    allowed: ["caCertificate", "certificate", "key", "verifyPeer", "verifyHostname"]) {
                    switch k {
                    case "caCertificate": source.tls.caCertificate = try reader.string(v, key: "\(keyPath).\(k)")
                    case "certificate": source.tls.certificate = try reader.string(v, key: "\(keyPath).\(k)")
                    case "key": source.tls.key = try reader.string(v, key: "\(keyPath).\(k)")
                    case "verifyPeer": source.tls.verifyPeer = try reader.bool(v, key: "\(keyPath).\(k)")
                    default: source.tls.verifyHostname = try reader.bool(v, key: "\(keyPath).\(k)")
                    }
                }
            default:
                source.declare = try topology(value, path: keyPath, reader: reader)
            }
        }
        guard !source.url.isEmpty else {
            throw TollgateError(.invalidConfiguration, "'source.rabbitmq.url' is missing (amqp://user:password@host:5672/vhost)", file: reader.file)
        }
        guard !source.queue.isEmpty else {
            throw TollgateError(.invalidConfiguration, "'source.rabbitmq.queue' is missing", file: reader.file)
        }
        if source.prefetch > 65535 {
            throw TollgateError(.invalidConfiguration, "'source.rabbitmq.prefetch' is at most 65535 (AMQP's basic.qos limit)", file: reader.file)
        }
        return source
    }

    private static func topology(_ node: Node, path: String, reader: YAMLReader) throws(TollgateError) -> RabbitMQTopology {
        var topology = RabbitMQTopology()
        for (key, value, _) in try reader.members(of: try reader.mapping(node, key: path), path: path, allowed: ["exchanges", "queues", "bindings"]) {
            let listPath = "\(path).\(key)"
            for (index, item) in try reader.sequence(value, key: listPath).enumerated() {
                let itemPath = "\(listPath)[\(index)]"
                var fields: [String: String] = [:]
                var arguments: [String: String] = [:]
                let allowed: Set<String> = switch key {
                case "exchanges": ["name", "type", "durable"]
                case "queues": ["name", "type", "durable", "arguments"]
                default: ["exchange", "queue", "routingKey"]
                }
                for (field, fieldValue, _) in try reader.members(of: try reader.mapping(item, key: itemPath), path: itemPath, allowed: allowed) {
                    if field == "arguments" {
                        arguments = try properties(fieldValue, path: "\(itemPath).arguments", reader: reader)
                    } else if field == "durable" {
                        fields[field] = String(try reader.bool(fieldValue, key: "\(itemPath).durable"))
                    } else {
                        fields[field] = try reader.string(fieldValue, key: "\(itemPath).\(field)")
                    }
                }
                let durable = fields["durable"].map { $0 == "true" } ?? true
                switch key {
                case "exchanges":
                    guard let name = fields["name"] else { throw TollgateError(.invalidConfiguration, "'\(itemPath).name' is missing", file: reader.file) }
                    let type = fields["type"] ?? "topic"
                    guard ["direct", "fanout", "topic", "headers"].contains(type) else {
                        throw TollgateError(.invalidConfiguration, "'\(itemPath).type' must be direct, fanout, topic or headers, not \(type)", file: reader.file)
                    }
                    topology.exchanges.append(.init(name: name, type: type, durable: durable))
                case "queues":
                    guard let name = fields["name"] else { throw TollgateError(.invalidConfiguration, "'\(itemPath).name' is missing", file: reader.file) }
                    let type = fields["type"] ?? "classic"
                    guard ["classic", "quorum", "stream"].contains(type) else {
                        throw TollgateError(.invalidConfiguration, "'\(itemPath).type' must be classic, quorum or stream, not \(type)", file: reader.file)
                    }
                    topology.queues.append(.init(name: name, durable: durable, type: type, arguments: arguments))
                default:
                    guard let exchange = fields["exchange"], let queue = fields["queue"] else {
                        throw TollgateError(.invalidConfiguration, "'\(itemPath)' needs 'exchange' and 'queue'", file: reader.file)
                    }
                    topology.bindings.append(.init(exchange: exchange, queue: queue, routingKey: fields["routingKey"] ?? "#"))
                }
            }
        }
        return topology
    }

    /// librdkafka properties: any key, scalar values as text.
    private static func properties(_ node: Node, path: String, reader: YAMLReader) throws(TollgateError) -> [String: String] {
        var result: [String: String] = [:]
        for (keyNode, value) in try reader.mapping(node, key: path) {
            guard let key = keyNode.string else {
                throw TollgateError(.invalidConfiguration, "'\(path)' keys must be strings", file: reader.file, line: keyNode.mark?.line)
            }
            result[key] = try reader.string(value, key: "\(path).\(key)")
        }
        return result
    }
}
