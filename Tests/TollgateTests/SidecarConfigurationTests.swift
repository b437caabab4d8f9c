import Foundation
import Testing
import Tollgate

@Suite("Sidecar configuration")
struct SidecarConfigurationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("deploy/tollgate.yaml: every documented key is read, and its pipeline builds")
    func example() throws {
        let configuration = try SidecarConfiguration.load(file: Self.root.appendingPathComponent("deploy/tollgate.yaml").path)
        guard case .kafka(let kafka) = configuration.source else { Issue.record("not a Kafka source"); return }
        #expect(kafka.brokers == "localhost:9092" && kafka.topics == ["orders"] && kafka.group == "tollgate-orders")
        #expect(kafka.properties == ["client.id": "tollgate-orders"])
        #expect(kafka.consumerProperties == ["session.timeout.ms": "10000"])
        #expect(configuration.approvedRoute == "orders.approved" && configuration.quarantineRoute == "orders.quarantine")
        #expect(configuration.guarantee == .atLeastOnce && configuration.maxInFlight == 100_000)
        #expect(configuration.quarantine.errorsCapBytes == 4096 && configuration.shutdownTimeout == .seconds(30))
        let pipeline = try configuration.pipeline.makePipeline()
        #expect(pipeline.bindings.first?.subject == "orders")
        #expect(pipeline.rules.first?.enforcement == .shadow)
    }

    @Test("deploy/tollgate-mock.yaml: a mock cluster preloaded with the sample capture, paths relative to the file")
    func mockExample() throws {
        let configuration = try SidecarConfiguration.load(file: Self.root.appendingPathComponent("deploy/tollgate-mock.yaml").path)
        guard case .kafka(let kafka) = configuration.source else { Issue.record("not a Kafka source"); return }
        #expect(kafka.usesMockCluster && kafka.mockPartitions == 4)
        #expect(kafka.mockPreload.count == 1 && kafka.mockPreload[0].hasSuffix("deploy/samples/orders-capture.jsonl"))
        #expect(FileManager.default.fileExists(atPath: kafka.mockPreload[0]))
    }

    @Test("defaults, a single topic as a string, and mock brokers")
    func defaults() throws {
        let configuration = try SidecarConfiguration.parse(yaml: """
            source: {kafka: {brokers: mock, topics: orders}}
            routes: {approved: a, quarantine: q}
            """, file: "t.yaml")
        guard case .kafka(let kafka) = configuration.source else { Issue.record("not a Kafka source"); return }
        #expect(kafka.topics == ["orders"] && kafka.group == "tollgate" && kafka.usesMockCluster)
        #expect(configuration.guarantee == .atLeastOnce && configuration.maxInFlight == 100_000)
        #expect(configuration.shutdownTimeout == .seconds(30))
    }

    @Test("mistakes name the file, the line and the key", arguments: [
        ("routes: {approved: a, quarantine: q}\n", "'source' is missing"),
        ("source: {kafka: {brokers: b, topics: [t]}}\n", "'routes' needs both"),
        ("source: {kafka: {brokers: b, topics: [t]}}\nroutes: {approved: a, quarantine: a}\n", "must differ"),
        ("source: {kafka: {brokers: b, topics: [t]}}\nroutes: {approved: t, quarantine: q}\n", "loop forever"),
        ("source: {kafka: {topics: [t]}}\nroutes: {approved: a, quarantine: q}\n", "'source.kafka.brokers' is missing"),
        ("source: {kafka: {brokers: b, topics: []}}\nroutes: {approved: a, quarantine: q}\n", "'source.kafka.topics' is missing or empty"),
        ("source: {rabbit: {}}\n", "unknown key 'source.rabbit'"),
        ("source: {kafka: {brokers: b, topics: [t]}}\nroutes: {approved: a, quarantine: q}\nguarantee: twice\n", "at-least-once or exactly-once"),
        ("source: {kafka: {brokers: b, topics: [t]}}\nroutes: {approved: a, quarantine: q}\nmaxInFlight: 0\n", "maxInFlight"),
        ("source: {kafka: {brokers: b, topics: [t]}}\nroutes: {approved: a, quarantine: q}\nbindingz: []\n", "unknown key 'bindingz'"),
        ("source: {kafka: {brokers: b, topics: [t], mock: {partitions: 2}}}\nroutes: {approved: a, quarantine: q}\n", "only with 'brokers: mock'"),
    ])
    func mistakes(yaml: String, expected: String) {
        #expect {
            try SidecarConfiguration.parse(yaml: yaml, file: "t.yaml")
        } throws: { error in
            "\(error)".contains(expected) && "\(error)".contains("t.yaml")
        }
    }
}

@Suite("Sidecar configuration: RabbitMQ and cross-broker routes")
struct RabbitMQConfigurationTests {
    @Test("deploy/tollgate-rabbitmq.yaml: the queue, prefetch, declared topology and routes are read; its pipeline builds")
    func example() throws {
        let configuration = try SidecarConfiguration.load(file: SidecarConfigurationTests.root.appendingPathComponent("deploy/tollgate-rabbitmq.yaml").path)
        guard case .rabbitMQ(let rabbit) = configuration.source else { Issue.record("not a RabbitMQ source"); return }
        #expect(rabbit.url == "amqp://guest:guest@localhost:5672/%2f" && rabbit.queue == "orders" && rabbit.prefetch == 1000 && rabbit.heartbeat == 10)
        #expect(rabbit.declare.exchanges.map(\.name) == ["orders", "orders.approved", "orders.quarantine"])
        #expect(rabbit.declare.queues.allSatisfy { $0.type == "quorum" && $0.durable })
        #expect(rabbit.declare.queues[2].arguments == ["x-max-length": "1000000"])
        #expect(rabbit.declare.bindings[0] == RabbitMQTopology.Binding(exchange: "orders", queue: "orders", routingKey: "order.#"))
        #expect(configuration.approvedDestination == .sameBroker("orders.approved"))
        _ = try configuration.pipeline.makePipeline()
    }

    @Test("routes on another broker: Kafka from RabbitMQ, RabbitMQ from Kafka")
    func crossBroker() throws {
        let toKafka = try SidecarConfiguration.parse(yaml: """
            source: {rabbitmq: {url: "amqp://localhost", queue: q, tls: {caCertificate: ca.pem, verifyHostname: false}}}
            routes:
              approved: {kafka: {brokers: "k:9092", topic: ok, properties: {compression.type: lz4}}}
              quarantine: bad
            """, file: "t.yaml")
        #expect(toKafka.approvedDestination == .kafka(brokers: "k:9092", topic: "ok", properties: ["compression.type": "lz4"]))
        #expect(toKafka.quarantineDestination == .sameBroker("bad"))
        guard case .rabbitMQ(let rabbit) = toKafka.source else { Issue.record("not RabbitMQ"); return }
        #expect(rabbit.tls.caCertificate == "ca.pem" && !rabbit.tls.verifyHostname && rabbit.tls.verifyPeer && rabbit.prefetch == 1000)

        let toRabbit = try SidecarConfiguration.parse(yaml: """
            source: {kafka: {brokers: "k:9092", topics: [orders]}}
            routes:
              approved: orders.approved
              quarantine: {rabbitmq: {url: "amqps://u:p@mq/prod", exchange: quarantine, routingKey: orders}}
            """, file: "t.yaml")
        #expect(toRabbit.quarantineDestination == .rabbitMQ(url: "amqps://u:p@mq/prod", exchange: "quarantine", routingKey: "orders"))
        #expect(toRabbit.quarantineRoute == "quarantine")
    }

    @Test("mistakes name the key: both sources, a missing queue, a bad queue type, a RabbitMQ route with no URL from Kafka")
    func errors() {
        func message(_ yaml: String) -> String {
            do {
                _ = try SidecarConfiguration.parse(yaml: yaml, file: "t.yaml")
                return "(no error)"
            } catch {
                return "\(error)"
            }
        }
        #expect(message("source: {kafka: {brokers: b, topics: [t]}, rabbitmq: {url: amqp://x, queue: q}}\nroutes: {approved: a, quarantine: b}").contains("both kafka and rabbitmq"))
        #expect(message("source: {rabbitmq: {url: amqp://x}}\nroutes: {approved: a, quarantine: b}").contains("'source.rabbitmq.queue' is missing"))
        #expect(message("source: {rabbitmq: {url: amqp://x, queue: q, declare: {queues: [{name: q, type: lazy}]}}}\nroutes: {approved: a, quarantine: b}")
            .contains("source.rabbitmq.declare.queues[0].type"))
        #expect(message("source: {rabbitmq: {url: amqp://x, queue: q, prefetch: 70000}}\nroutes: {approved: a, quarantine: b}").contains("65535"))
        #expect(message("source: {kafka: {brokers: b, topics: [t]}}\nroutes: {approved: {rabbitmq: {exchange: e}}, quarantine: b}").contains("needs its 'url'"))
        #expect(message("source: {rabbitmq: {url: amqp://x, queue: q}}\nroutes: {approved: {kafka: {topic: t}}, quarantine: b}").contains("needs 'brokers' and 'topic'"))
    }
}

@Suite("Sidecar configuration: the environment")
struct ConfigurationEnvironmentTests {
    static let yaml = """
        source:
          rabbitmq:
            url: "amqp://tollgate:${RABBITMQ_PASSWORD}@${RABBITMQ_HOST:-localhost}:5672/%2f"
            queue: orders
            prefetch: ${PREFETCH:-250}
        routes: {approved: "orders.approved", quarantine: "costs $$5, literally $${NOT_A_VARIABLE}"}
        """

    @Test("${NAME} and ${NAME:-fallback} fill values, numbers included; $${ is a literal ${")
    func substitution() throws {
        let configuration = try SidecarConfiguration.parse(yaml: Self.yaml, file: "t.yaml", environment: ["RABBITMQ_PASSWORD": "s3cret"])
        guard case .rabbitMQ(let rabbit) = configuration.source else { Issue.record("not RabbitMQ"); return }
        #expect(rabbit.url == "amqp://tollgate:s3cret@localhost:5672/%2f")
        #expect(rabbit.prefetch == 250)
        #expect(configuration.quarantineRoute == "costs $$5, literally ${NOT_A_VARIABLE}")
        let other = try SidecarConfiguration.parse(yaml: Self.yaml, file: "t.yaml",
                                                   environment: ["RABBITMQ_PASSWORD": "x", "RABBITMQ_HOST": "mq.internal", "PREFETCH": "2000"])
        guard case .rabbitMQ(let rabbit2) = other.source else { return }
        #expect(rabbit2.url == "amqp://tollgate:x@mq.internal:5672/%2f" && rabbit2.prefetch == 2000)
    }

    @Test("an unset variable without a fallback is an error naming the key path and line, not the value")
    func unset() {
        #expect {
            try SidecarConfiguration.parse(yaml: Self.yaml, file: "t.yaml", environment: [:])
        } throws: { error in
            let text = "\(error)"
            return text.contains("source.rabbitmq.url") && text.contains("RABBITMQ_PASSWORD") && text.contains("t.yaml:3")
        }
        #expect(throws: TollgateError.self) {
            try SidecarConfiguration.parse(yaml: "source: {kafka: {brokers: '${BAD NAME}', topics: t}}\nroutes: {approved: a, quarantine: b}", file: "t.yaml", environment: [:])
        }
    }

    @Test("TOLLGATE__SOURCE__RABBITMQ__URL-style variables override the file, matching keys without regard to case")
    func overrides() throws {
        let configuration = try SidecarConfiguration.parse(yaml: Self.yaml, file: "t.yaml", environment: [
            "TOLLGATE__SOURCE__RABBITMQ__URL": "amqps://svc:from-env@mq:5671/prod",
            "TOLLGATE__SOURCE__RABBITMQ__PREFETCH": "64",
            "TOLLGATE__SHUTDOWNTIMEOUT": "5",
        ])
        guard case .rabbitMQ(let rabbit) = configuration.source else { Issue.record("not RabbitMQ"); return }
        #expect(rabbit.url == "amqps://svc:from-env@mq:5671/prod" && rabbit.prefetch == 64)
        #expect(configuration.shutdownTimeout == .seconds(5), "a key the file lacks is added")
        // Only keys Tollgate knows: a misspelt override changes nothing.
        let misspelt = try SidecarConfiguration.parse(yaml: "source: {kafka: {brokers: b, topics: t}}\nroutes: {approved: a, quarantine: b}",
                                                      file: "t.yaml", environment: ["TOLLGATE__MAXINFLIGHTS": "5"])
        #expect(misspelt.maxInFlight == 100_000)
        // A whole section the file lacks.
        let added = try SidecarConfiguration.parse(yaml: "source: {kafka: {brokers: b, topics: t}}\nroutes: {approved: a, quarantine: b}",
                                                   file: "t.yaml", environment: ["TOLLGATE__QUARANTINE__ERRORSCAPBYTES": "1024"])
        #expect(added.quarantine.errorsCapBytes == 1024)
        let matched = try SidecarConfiguration.parse(yaml: "source: {kafka: {brokers: b, topics: t}}\nroutes: {approved: a, quarantine: b}\nshutdownTimeout: 3",
                                                     file: "t.yaml", environment: ["TOLLGATE__SHUTDOWNTIMEOUT": "7"])
        #expect(matched.shutdownTimeout == .seconds(7))
    }
}
