import Foundation
import Tollgate
import TollgateKafka
import TollgateRabbitMQ

extension RunCommand {
    /// `tollgate run` with a RabbitMQ source: a queue consumer, routing to RabbitMQ exchanges or
    /// Kafka topics, acknowledging each input once its output is confirmed.
    func driveRabbitMQ(settings: SidecarConfiguration, source: SidecarConfiguration.RabbitMQSource, pipeline: Pipeline) throws {
        let url: RabbitMQURL
        do { url = try RabbitMQURL(parsing: source.url) } catch { throw CommandFailure(message: "\(config): source.rabbitmq.url: \(error)") }
        let tls = RabbitMQTLS(caCertificate: source.tls.caCertificate, certificate: source.tls.certificate, key: source.tls.key,
                              verifyPeer: source.tls.verifyPeer, verifyHostname: source.tls.verifyHostname)
        let approved = try Self.sink(for: settings.approvedDestination, source: url, tls: tls, heartbeat: source.heartbeat, config: config)
        let quarantine = settings.approvedDestination == settings.quarantineDestination
            ? approved : try Self.sink(for: settings.quarantineDestination, source: url, tls: tls, heartbeat: source.heartbeat, config: config)
        let sink: any OutputSink
        if let a = approved as? RabbitMQSink, let q = quarantine as? RabbitMQSink, a.configuration.url == q.configuration.url {
            // One publisher connection for both routes on the same broker.
            var both = a.configuration
            both.quarantine = q.configuration.quarantine
            sink = RabbitMQSink(configuration: both)
        } else if let a = approved as? KafkaOutputSink, let q = quarantine as? KafkaOutputSink, a.brokers == q.brokers, a.properties == q.properties {
            sink = KafkaOutputSink(brokers: a.brokers, approvedTopic: a.approvedTopic, quarantineTopic: q.quarantineTopic, properties: a.properties)
        } else {
            sink = SplitSink(approved: approved, quarantine: quarantine)
        }
        let router = RabbitMQRouter(pipeline: pipeline, configuration: .init(
            url: url, tls: url.tls ? tls : nil, queue: source.queue, prefetch: source.prefetch, topology: source.declare,
            quarantine: settings.quarantine, heartbeat: source.heartbeat, shutdownTimeout: settings.shutdownTimeout,
            connectionName: "tollgate \(source.queue)"), sink: sink)
        StandardError.write("tollgate: consuming queue \(source.queue) on \(url); approved -> \(Self.describe(settings.approvedDestination)), quarantine -> \(Self.describe(settings.quarantineDestination))")

        let failure = supervise(stop: { [weak router] in router?.stop() },
                                summary: { [weak router] in router.map { Self.summary($0.statistics) } },
                                progress: { [weak router] in router.map { ($0.statistics.consumed, $0.statistics.inFlight) } },
                                run: router.runBlocking)
        StandardError.write("tollgate: stopped: \(Self.summary(router.statistics, final: true))")
        if let failure { throw CommandFailure(message: "\(failure)", exitStatus: 1) }
    }

    private static func sink(for destination: SidecarConfiguration.Destination, source: RabbitMQURL, tls: RabbitMQTLS, heartbeat: Int,
                             config: String) throws -> any OutputSink
    {
        switch destination {
        case .sameBroker(let exchange):
            return RabbitMQSink(configuration: .init(url: source, tls: source.tls ? tls : nil, approved: .init(exchange: exchange),
                                                     quarantine: .init(exchange: exchange), heartbeat: heartbeat))
        case .rabbitMQ(let text, let exchange, let routingKey):
            var url = source
            if let text {
                do { url = try RabbitMQURL(parsing: text) } catch { throw CommandFailure(message: "\(config): routes: \(error)") }
            }
            let destination = RabbitMQDestination(exchange: exchange, routingKey: routingKey)
            return RabbitMQSink(configuration: .init(url: url, tls: url.tls ? tls : nil, approved: destination, quarantine: destination,
                                                     heartbeat: heartbeat))
        case .kafka(let brokers, let topic, let properties):
            return KafkaOutputSink(brokers: brokers, approvedTopic: topic, quarantineTopic: topic, properties: properties)
        }
    }

    static func describe(_ destination: SidecarConfiguration.Destination) -> String {
        switch destination {
        case .sameBroker(let name): return name
        case .rabbitMQ(let url, let exchange, let routingKey):
            return "exchange \(exchange)" + (routingKey.map { " (routing key \($0))" } ?? "") + (url.map { " on \(RabbitMQURL.redact($0))" } ?? "")
        case .kafka(let brokers, let topic, _): return "Kafka topic \(topic) on \(brokers)"
        }
    }

    static func summary(_ s: RabbitMQRouter.Statistics, final: Bool = false) -> String {
        var text = "consumed \(s.consumed), approved \(s.approved), quarantined \(s.quarantined), confirmed \(s.confirmed), acknowledged \(s.acknowledged)"
        if s.redelivered > 0 { text += ", redelivered \(s.redelivered) (\(s.redeliveriesSkipped) already written)" }
        if s.writeFailures > 0 { text += ", write failures \(s.writeFailures) (retried)" }
        if s.reconnections > 0 { text += ", reconnections \(s.reconnections)" }
        if !s.connected && !final { text += ", disconnected" }
        if let rate = s.messagesPerSecond { text += ", \(Int(rate)) messages/s" }
        if let peak = peakResidentMiB() { text += ", peak RSS \(peak) MiB" }
        return text
    }
}
