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
        let sink = try Self.outputSink(settings, source: .rabbitMQ(url: url, tls: tls, heartbeat: source.heartbeat), config: config)
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
