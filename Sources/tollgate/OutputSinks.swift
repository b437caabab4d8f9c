import Foundation
import Tollgate
import TollgateKafka
import TollgateRabbitMQ

extension RunCommand {
    /// The source's own broker, which a route written as a plain name (`.sameBroker`) goes to.
    enum SourceBroker {
        /// bootstrap.servers and the producer's librdkafka properties.
        case kafka(brokers: String, properties: [String: String])
        case rabbitMQ(url: RabbitMQURL, tls: RabbitMQTLS, heartbeat: Int)
    }

    /// The sink for both routes: one client when both go to the same broker, else one for each
    /// (a ``SplitSink``).
    static func outputSink(_ settings: SidecarConfiguration, source: SourceBroker, config: String) throws -> any OutputSink {
        func rabbitMQSink(_ url: RabbitMQURL, _ destination: RabbitMQDestination) -> RabbitMQSink {
            var tls: RabbitMQTLS?
            var heartbeat = 10
            if case .rabbitMQ(_, let sourceTLS, let sourceHeartbeat) = source {
                tls = url.tls ? sourceTLS : nil
                heartbeat = sourceHeartbeat
            }
            return RabbitMQSink(configuration: .init(url: url, tls: tls, approved: destination, quarantine: destination, heartbeat: heartbeat))
        }
        func sink(_ destination: SidecarConfiguration.Destination) throws -> any OutputSink {
            switch (destination, source) {
            case (.sameBroker(let topic), .kafka(let brokers, let properties)):
                return KafkaOutputSink(brokers: brokers, approvedTopic: topic, quarantineTopic: topic, properties: properties)
            case (.sameBroker(let exchange), .rabbitMQ(let url, _, _)):
                return rabbitMQSink(url, RabbitMQDestination(exchange: exchange))
            case (.kafka(let brokers, let topic, let properties), _):
                return KafkaOutputSink(brokers: brokers, approvedTopic: topic, quarantineTopic: topic, properties: properties)
            case (.rabbitMQ(let text, let exchange, let routingKey), _):
                var url: RabbitMQURL
                if case .rabbitMQ(let sourceURL, _, _) = source { url = sourceURL } else { url = RabbitMQURL() }
                if let text {
                    do { url = try RabbitMQURL(parsing: text) } catch { throw CommandFailure(message: "\(config): routes: \(error)") }
                }
                return rabbitMQSink(url, RabbitMQDestination(exchange: exchange, routingKey: routingKey))
            }
        }
        let approved = try sink(settings.approvedDestination)
        let quarantine = try sink(settings.quarantineDestination)
        if let a = approved as? RabbitMQSink, let q = quarantine as? RabbitMQSink, a.configuration.url == q.configuration.url {
            // One publisher connection for both routes on the same broker.
            var both = a.configuration
            both.quarantine = q.configuration.quarantine
            return RabbitMQSink(configuration: both)
        }
        if let a = approved as? KafkaOutputSink, let q = quarantine as? KafkaOutputSink, a.brokers == q.brokers, a.properties == q.properties {
            return KafkaOutputSink(brokers: a.brokers, approvedTopic: a.approvedTopic, quarantineTopic: q.quarantineTopic, properties: a.properties)
        }
        return SplitSink(approved: approved, quarantine: quarantine)
    }

    static func describe(_ destination: SidecarConfiguration.Destination) -> String {
        switch destination {
        case .sameBroker(let name): return name
        case .rabbitMQ(let url, let exchange, let routingKey):
            return "exchange \(exchange)" + (routingKey.map { " (routing key \($0))" } ?? "") + (url.map { " on \(RabbitMQURL.redact($0))" } ?? "")
        case .kafka(let brokers, let topic, _): return "Kafka topic \(topic) on \(brokers)"
        }
    }
}
