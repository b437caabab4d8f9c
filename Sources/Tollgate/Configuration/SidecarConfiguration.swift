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
/// routes:
///   approved: orders.approved        # topics on the same cluster
///   quarantine: orders.quarantine
/// guarantee: at-least-once           # or exactly-once (Kafka transactions)
/// maxInFlight: 100000                # consumed, not yet confirmed; then fetching pauses
/// quarantine:
///   errorsCapBytes: 4096             # tollgate.errors cap
///   kafkaConnectHeaders: false       # also write __connect.errors.* headers
///   springHeaders: false             # also write kafka_dlt-* headers
/// shutdownTimeout: 30                # seconds to wait for in-flight writes on SIGTERM
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

    public enum Source: Sendable, Hashable {
        case kafka(KafkaSource)
    }

    public enum Guarantee: String, Sendable, Hashable {
        case atLeastOnce = "at-least-once"
        case exactlyOnce = "exactly-once"
    }

    public var source: Source
    public var approvedRoute: String
    public var quarantineRoute: String
    public var guarantee: Guarantee
    public var maxInFlight: Int
    public var quarantine: QuarantineOptions
    public var shutdownTimeout: Duration
    public var pipeline: PipelineConfiguration

    public init(source: Source, approvedRoute: String, quarantineRoute: String, guarantee: Guarantee = .atLeastOnce,
                maxInFlight: Int = 100_000, quarantine: QuarantineOptions = QuarantineOptions(),
                shutdownTimeout: Duration = .seconds(30), pipeline: PipelineConfiguration = PipelineConfiguration())
    {
        self.source = source
        self.approvedRoute = approvedRoute
        self.quarantineRoute = quarantineRoute
        self.guarantee = guarantee
        self.maxInFlight = maxInFlight
        self.quarantine = quarantine
        self.shutdownTimeout = shutdownTimeout
        self.pipeline = pipeline
    }

    static let keys: Set<String> = ["source", "routes", "guarantee", "maxInFlight", "quarantine", "shutdownTimeout"]

    /// Reads a configuration file.
    /// - Throws: ``TollgateError`` with the file, line and key path of the problem.
    public static func load(file: String) throws(TollgateError) -> SidecarConfiguration {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TollgateError(.unreadable, "cannot read the configuration file", file: file)
        }
        return try parse(yaml: String(decoding: data, as: UTF8.self), file: file)
    }

    /// Parses configuration text; `file` names it in errors and anchors relative paths.
    public static func parse(yaml text: String, file: String) throws(TollgateError) -> SidecarConfiguration {
        var reader = YAMLReader(file: file, text: text)
        reader.code = .invalidConfiguration
        let root = try reader.root()
        let pipeline = try PipelineConfiguration.parse(root, reader: reader, otherKeys: keys)
        var source: Source?
        var approved: String?
        var quarantineRoute: String?
        var configuration = SidecarConfiguration(source: .kafka(KafkaSource(brokers: "", topics: [])), approvedRoute: "",
                                                 quarantineRoute: "", pipeline: pipeline)
        let pipelineKeys: Set<String> = ["schemas", "limits", "bindings", "rules"]
        for (key, value, line) in try reader.members(of: root, path: "", allowed: keys.union(pipelineKeys)) where !pipelineKeys.contains(key) {
            switch key {
            case "source":
                for (kind, settings, _) in try reader.members(of: try reader.mapping(value, key: "source"), path: "source", allowed: ["kafka"]) {
                    _ = kind
                    source = .kafka(try kafkaSource(settings, reader: reader))
                }
            case "routes":
                for (route, destination, _) in try reader.members(of: try reader.mapping(value, key: "routes"), path: "routes",
                                                                  allowed: ["approved", "quarantine"]) {
                    let name = try reader.string(destination, key: "routes.\(route)")
                    if route == "approved" { approved = name } else { quarantineRoute = name }
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
            throw TollgateError(.invalidConfiguration, "'routes.approved' and 'routes.quarantine' are both \(approved); they must differ", file: file)
        }
        if case .kafka(let kafka) = source, kafka.topics.contains(approved) || kafka.topics.contains(quarantineRoute) {
            throw TollgateError(.invalidConfiguration, "a route writes to a source topic; that would loop forever", file: file)
        }
        configuration.source = source
        configuration.approvedRoute = approved
        configuration.quarantineRoute = quarantineRoute
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
