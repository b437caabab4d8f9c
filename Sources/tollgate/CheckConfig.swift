import Foundation
import Tollgate
import TollgateKafka
import TollgateRabbitMQ

extension RunCommand {
    /// `tollgate run --check-config`: everything that can be checked without a broker. The file,
    /// the schemas and the bindings were loaded already; here the broker settings: URLs, TLS files,
    /// librdkafka properties, capture files to preload. Prints what would run.
    static func check(_ settings: SidecarConfiguration, pipeline: Pipeline, file: String) throws {
        func fail(_ message: String) -> CommandFailure { CommandFailure(message: "\(file): \(message)") }
        var lines: [String] = []
        switch settings.source {
        case .kafka(let kafka):
            let configuration = KafkaRouter.Configuration(
                brokers: kafka.usesMockCluster ? "127.0.0.1:9092" : kafka.brokers, group: kafka.group, topics: kafka.topics,
                approvedTopic: settings.approvedRoute, quarantineTopic: settings.quarantineRoute, properties: kafka.properties,
                consumerProperties: kafka.consumerProperties, producerProperties: kafka.producerProperties)
            do { try configuration.check() } catch { throw fail("source.kafka: \(error)") }
            for preload in kafka.mockPreload where !FileManager.default.isReadableFile(atPath: preload) {
                throw fail("source.kafka.mock.preload: cannot read \(preload)")
            }
            lines.append("source: Kafka \(kafka.usesMockCluster ? "mock cluster" : kafka.brokers), topics \(kafka.topics.joined(separator: ", ")), group \(kafka.group)")
        case .rabbitMQ(let rabbit):
            let url: RabbitMQURL
            do { url = try RabbitMQURL(parsing: rabbit.url) } catch { throw fail("source.rabbitmq.url: \(error)") }
            for (key, path) in [("caCertificate", rabbit.tls.caCertificate), ("certificate", rabbit.tls.certificate), ("key", rabbit.tls.key)] {
                if let path, !FileManager.default.isReadableFile(atPath: path) { throw fail("source.rabbitmq.tls.\(key): cannot read \(path)") }
            }
            if rabbit.tls.certificate != nil && rabbit.tls.key == nil { throw fail("source.rabbitmq.tls: a certificate needs its key") }
            lines.append("source: RabbitMQ \(url), queue \(rabbit.queue), prefetch \(rabbit.prefetch)"
                         + (rabbit.declare.isEmpty ? "" : ", declares \(rabbit.declare.exchanges.count) exchanges, \(rabbit.declare.queues.count) queues, \(rabbit.declare.bindings.count) bindings"))
        }
        for (name, destination) in [("approved", settings.approvedDestination), ("quarantine", settings.quarantineDestination)] {
            if case .rabbitMQ(let text?, _, _) = destination {
                do { _ = try RabbitMQURL(parsing: text) } catch { throw fail("routes.\(name).rabbitmq.url: \(error)") }
            }
            if case .kafka(let brokers, let topic, let properties) = destination {
                let configuration = KafkaRouter.Configuration(brokers: brokers, group: "check", topics: [topic], approvedTopic: topic,
                                                              quarantineTopic: topic, producerProperties: properties)
                do { try configuration.check() } catch { throw fail("routes.\(name).kafka: \(error)") }
            }
            lines.append("\(name): \(describe(destination))")
        }
        lines.append("guarantee: \(settings.guarantee.rawValue)")
        let subjects = pipeline.registry.subjects
        lines.append("schemas: \(subjects.count) subject\(subjects.count == 1 ? "" : "s") (\(subjects.map { "\($0.name) \($0.versions.map { String($0.version) }.joined(separator: ","))" }.joined(separator: "; ")))")
        lines.append(pipeline.bindings.isEmpty ? "bindings: none (every message would be quarantined as unknown-schema)"
                     : "bindings: \(pipeline.bindings.map { "\($0.source) -> \($0.subject)" }.joined(separator: ", "))")
        lines.append("rules: \(pipeline.rules.count)")
        let http = settings.http
        lines.append(http.enabled ? "http: http://\(http.host.contains(":") ? "[\(http.host)]" : http.host):\(http.port) (/healthz, /readyz, /metrics)" : "http: off")
        lines.append("logging: \(settings.logging.format.rawValue), level \(settings.logging.level), \(settings.logging.quarantineLinesPerSecond) quarantine lines a second")
        lines.append("reload: on SIGHUP" + (settings.reload.watch ? ", and when a schema file changes (checked every \(settings.reload.interval.components.seconds) s)" : ""))
        lines.append("shutdown: SIGTERM or SIGINT drains for up to \(settings.shutdownTimeout.components.seconds) s; a second one exits at once")
        for line in lines { print(line) }
        print("\(file): configuration OK (nothing was connected to)")
    }
}
