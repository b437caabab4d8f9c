import Foundation
import Tollgate
import TollgateKafka
import TollgateRabbitMQ

extension RunCommand {
    /// `tollgate run` with a RabbitMQ source: a queue consumer, routing to RabbitMQ exchanges or
    /// Kafka topics, acknowledging each input once its output is confirmed.
    func driveRabbitMQ(settings: SidecarConfiguration, source: SidecarConfiguration.RabbitMQSource, pipeline: Pipeline,
                       operations: Operations) async throws
    {
        let url: RabbitMQURL
        do { url = try RabbitMQURL(parsing: source.url) } catch { throw CommandFailure(message: "\(config): source.rabbitmq.url: \(error)") }
        let tls = RabbitMQTLS(caCertificate: source.tls.caCertificate, certificate: source.tls.certificate, key: source.tls.key,
                              verifyPeer: source.tls.verifyPeer, verifyHostname: source.tls.verifyHostname)
        let sink = try Self.outputSink(settings, source: .rabbitMQ(url: url, tls: tls, heartbeat: source.heartbeat), config: config)
        let pipelines = ReloadablePipeline(pipeline)
        let router = RabbitMQRouter(pipeline: pipelines, configuration: .init(
            url: url, tls: url.tls ? tls : nil, queue: source.queue, prefetch: source.prefetch, topology: source.declare,
            quarantine: settings.quarantine, heartbeat: source.heartbeat, shutdownTimeout: settings.shutdownTimeout,
            connectionName: "tollgate \(source.queue)"), sink: sink, telemetry: operations.telemetry(broker: "rabbitmq"))
        operations.logger.info("consuming queue \(source.queue) on \(url); approved -> \(Self.describe(settings.approvedDestination)), quarantine -> \(Self.describe(settings.quarantineDestination))")

        let gauges = SidecarGauges()
        let sidecar = RunningSidecar(
            threadName: "tollgate-rabbitmq-consumer", runBlocking: { try router.runBlocking() }, stop: { router.stop() },
            probe: SidecarProbe(notReadyReason: { router.notReadyReason }, sample: { gauges.update(inFlight: router.statistics.inFlight) }),
            summary: { Self.summary(router.statistics) },
            progress: { let s = router.statistics; return (s.consumed, s.inFlight) },
            pipelines: pipelines)
        let failure = await supervise(sidecar, settings: settings, operations: operations)
        operations.logger.info("stopped: \(Self.summary(router.statistics, final: true))")
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
