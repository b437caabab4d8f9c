import ArgumentParser
import Foundation
import Tollgate
import TollgateKafka
import TollgateRabbitMQ
import Synchronization
import Logging
import ServiceLifecycle

/// `tollgate run`: the sidecar.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Consume, validate and route: the sidecar.",
        discussion: """
            Consumes from Kafka (a consumer group on the source topics) or RabbitMQ (a queue, with \
            manual acknowledgements and a prefetch), runs every message through the pipeline \
            (limits, parse, schema selection, validation, rules), and writes approved messages to \
            the approved route and rejected ones to the quarantine route, with the reason in \
            tollgate.* headers. A route is a topic or exchange on the source's broker, or a \
            destination on the other broker ({kafka: ...} or {rabbitmq: ...}).

            An input is settled (offset committed, delivery acknowledged) only once its output is \
            confirmed by the broker: at-least-once, nothing lost. Kafka offsets commit \
            contiguously per partition. RabbitMQ outputs use publisher confirms and the mandatory \
            flag; a failed or unroutable publish is retried while its input stays unacknowledged. \
            With 'guarantee: exactly-once' (Kafka to Kafka only), each batch's outputs and input \
            offsets commit in one Kafka transaction.

            The configuration file holds the source, the routes and the pipeline; see README.md \
            ("Running the sidecar", "Operating the sidecar") for every key and its default. 'brokers: mock' runs against \
            a Kafka mock cluster inside the process.

            Operations: /healthz, /readyz (503 with the reason while a broker is unreachable) and \
            Prometheus /metrics are served on http.address (default 127.0.0.1:9473). Logs go to \
            standard error: text on a terminal, JSON lines otherwise (logging.format), with one \
            rate-limited line per quarantined message.

            SIGTERM or SIGINT stops it gracefully: consumption stops, in-flight writes are awaited \
            (shutdownTimeout), what is confirmed is committed or acknowledged, exit 0; a second \
            signal exits at once. SIGHUP reloads the schemas: the new registry replaces the old \
            one only if it compiles, keeps every binding and adds no break 'tollgate schemas \
            check' would report. A \
            Kafka write that fails for good stops its partition (never skipped) and is reported; \
            the exit status is then 1. Lost RabbitMQ connections are retried with backoff.

            Examples:
              tollgate run --config tollgate.yaml
              tollgate run --config deploy/tollgate-mock.yaml --stop-when-idle 2
              tollgate run --config deploy/tollgate-rabbitmq.yaml --status-interval 5
              tollgate run --config tollgate.yaml --check-config
              TOLLGATE__HTTP__ADDRESS=0.0.0.0:9473 tollgate run --config tollgate.yaml
              curl -s localhost:9473/readyz
              curl -s localhost:9473/metrics | grep tollgate_messages
              kill -HUP <pid>     # reload the schemas
            """
    )

    @Option(help: ArgumentHelp("The configuration file.", valueName: "file"))
    var config: String

    @Flag(help: "Check the configuration file, the schemas, the bindings and the broker settings, print what would run, and exit without connecting (0: fine, 2: an error, named).")
    var checkConfig = false

    @Option(help: ArgumentHelp("Print counters every n seconds (0: only at the end).", valueName: "n"))
    var statusInterval: Int = 10

    @Option(help: ArgumentHelp("Stop gracefully once every consumed message is confirmed and nothing new came for n seconds (at least 10 s when nothing came at all): to drain a topic or queue in a batch job, and for benchmarks.", valueName: "n"))
    var stopWhenIdle: Double?

    func run() async throws {
        // A SIGHUP (a reload) before the reloader listens must not end the process, which is
        // SIGHUP's default; the schemas are loaded fresh here anyway.
        signal(SIGHUP, SIG_IGN)
        let settings: SidecarConfiguration
        let pipeline: Pipeline
        do {
            settings = try SidecarConfiguration.load(file: config)
            pipeline = try settings.pipeline.makePipeline()
        } catch {
            throw CommandFailure(message: "\(error)")
        }
        if checkConfig {
            try Self.check(settings, pipeline: pipeline, file: config)
            return
        }
        TollgateLogHandler.bootstrap(settings.logging)
        let operations = Operations(settings: settings, logger: Logger(label: "tollgate"))
        let kafka: SidecarConfiguration.KafkaSource
        switch settings.source {
        case .kafka(let source): kafka = source
        case .rabbitMQ(let source):
            try await driveRabbitMQ(settings: settings, source: source, pipeline: pipeline, operations: operations)
            return
        }
        let logger = operations.logger

        var mock: KafkaMockCluster?
        var brokers = kafka.brokers
        if kafka.usesMockCluster {
            do {
                let cluster = try KafkaMockCluster(brokers: 1)
                var outputs: [String] = []
                for case .sameBroker(let topic) in [settings.approvedDestination, settings.quarantineDestination] { outputs.append(topic) }
                for topic in kafka.topics + outputs {
                    try cluster.createTopic(topic, partitions: kafka.mockPartitions)
                }
                brokers = cluster.bootstrapServers
                mock = cluster
            } catch {
                throw CommandFailure(message: "cannot start the mock cluster: \(error)")
            }
            logger.info("mock cluster at \(brokers) (produce to it with: kcat -b \(brokers) -t \(kafka.topics[0]) -P)")
            for file in kafka.mockPreload {
                let count = try Self.preload(file, into: kafka.topics, partitions: kafka.mockPartitions, brokers: brokers)
                logger.info("preloaded \(count) message\(count == 1 ? "" : "s") from \(file)")
            }
        }

        // The router's clients go before the mock cluster they talk to.
        try await drive(settings: settings, kafka: kafka, brokers: brokers, pipeline: pipeline, onMock: mock != nil, operations: operations)
        withExtendedLifetime(mock) {}
    }

    private func drive(settings: SidecarConfiguration, kafka: SidecarConfiguration.KafkaSource, brokers: String,
                       pipeline: Pipeline, onMock: Bool, operations: Operations) async throws
    {
        let router: any KafkaSidecar
        let routerConfiguration = KafkaRouter.Configuration(
            brokers: brokers, group: kafka.group, topics: kafka.topics,
            approvedTopic: settings.approvedRoute, quarantineTopic: settings.quarantineRoute,
            properties: kafka.properties, consumerProperties: kafka.consumerProperties,
            producerProperties: kafka.producerProperties, maxInFlight: settings.maxInFlight,
            quarantine: settings.quarantine, shutdownTimeout: settings.shutdownTimeout)
        // Both routes on the source's cluster: the router's own producer. Otherwise a sink per broker.
        var sink: (any OutputSink)?
        if case .sameBroker = settings.approvedDestination, case .sameBroker = settings.quarantineDestination {} else {
            sink = try Self.outputSink(settings, source: .kafka(brokers: brokers, properties: kafka.properties.merging(kafka.producerProperties) { $1 }),
                                       config: config)
        }
        if sink != nil, settings.guarantee == .exactlyOnce {
            throw CommandFailure(message: "\(config): 'guarantee: exactly-once' needs both routes on the source's Kafka cluster (a transaction cannot span brokers)")
        }
        let pipelines = ReloadablePipeline(pipeline)
        let telemetry = operations.telemetry(broker: "kafka")
        do {
            switch settings.guarantee {
            case .atLeastOnce:
                router = try KafkaRouter(pipeline: pipelines, configuration: routerConfiguration, sink: sink, telemetry: telemetry)
            case .exactlyOnce:
                let id = kafka.transactionalId ?? "tollgate-\(kafka.group)-\(ProcessInfo.processInfo.hostName)"
                router = try KafkaTransactionalRouter(pipeline: pipelines, configuration: routerConfiguration, transactionalId: id, telemetry: telemetry)
                operations.logger.info("exactly-once, transactional id \(id)")
            }
        } catch {
            throw CommandFailure(message: "\(config): \(error)")
        }
        operations.logger.info("consuming \(kafka.topics.joined(separator: ", ")) as group \(kafka.group); approved -> \(Self.describe(settings.approvedDestination)), quarantine -> \(Self.describe(settings.quarantineDestination))")

        let gauges = SidecarGauges()
        let sidecar = RunningSidecar(
            threadName: "tollgate-kafka-router", runBlocking: { try router.runBlocking() }, stop: { router.stop() },
            probe: SidecarProbe(notReadyReason: { router.health.status.notReadyReason },
                                sample: { gauges.update(inFlight: router.statistics.inFlight, lag: router.health.status.lag) }),
            summary: { Self.summary(router.statistics) },
            progress: { let s = router.statistics; return (s.consumed, s.inFlight) },
            pipelines: pipelines)
        let failure = await supervise(sidecar, settings: settings, operations: operations)
        let s = router.statistics
        operations.logger.info("stopped: \(Self.summary(s))")
        if onMock, sink == nil, failure == nil { Self.showOutputs(settings, brokers: brokers, statistics: s, operations: operations) }
        if let failure { throw CommandFailure(message: "\(failure)", exitStatus: 1) }
        if !s.stoppedPartitions.isEmpty {
            throw CommandFailure(message: "writes failed for \(s.stoppedPartitions.map(\.description).joined(separator: ", ")); their offsets were not committed past the failure", exitStatus: 1)
        }
    }

    /// Runs a router with what every `tollgate run` has, as one service group: the router; the
    /// HTTP endpoint (`/healthz`, `/readyz`, `/metrics`); schema reloads on SIGHUP; SIGTERM and
    /// SIGINT stopping it gracefully, a second one at once; counters every --status-interval
    /// seconds; --stop-when-idle. Returns the error the router ended with, if any.
    func supervise(_ sidecar: RunningSidecar, settings: SidecarConfiguration, operations: Operations) async -> Error? {
        let logger = operations.logger
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            // Shut down last to first: the router drains while the endpoint still answers.
            .init(service: SignalEscalationService(deadline: settings.shutdownTimeout, logger: logger)),
        ]
        if let registry = operations.registry {
            let endpoint = OperationsEndpoint.make(settings: settings.http, registry: registry, probe: sidecar.probe, logger: logger) { address in
                operations.endpointAddress.withLock { $0 = address }
                logger.info("metrics at \(address)/metrics, probes at \(address)/healthz and \(address)/readyz")
            }
            services.append(.init(service: endpoint, successTerminationBehavior: .gracefullyShutdownGroup,
                                  failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        services.append(.init(service: SchemaReloadService(pipelines: sidecar.pipelines, directory: settings.pipeline.schemaDirectory,
                                                           options: settings.pipeline.registryOptions, settings: settings.reload, logger: logger)))
        services.append(.init(service: RouterService(sidecar: sidecar), successTerminationBehavior: .gracefullyShutdownGroup,
                              failureTerminationBehavior: .gracefullyShutdownGroup))
        var groupLogger = logger
        groupLogger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: groupLogger))

        let reporter = statusInterval > 0 ? StatusReporter(every: statusInterval, logger: logger, summary: sidecar.summary) : nil
        let idleWatcher = stopWhenIdle.map { IdleWatcher(after: $0, logger: logger, counters: sidecar.progress, stop: sidecar.stop) }
        var failure: Error?
        do {
            try await group.run()
        } catch {
            failure = error
        }
        reporter?.cancel()
        idleWatcher?.cancel()
        return failure
    }

    /// Produces a capture file's messages into the (mock) source topics: each into its own topic
    /// when that is a source, else the first; partition kept modulo `partitions`.
    static func preload(_ file: String, into topics: [String], partitions: Int, brokers: String) throws -> Int {
        let reader: CaptureReader
        do { reader = try CaptureReader(path: file) } catch { throw CommandFailure(message: "\(error)") }
        let done = DispatchSemaphore(value: 0)
        let failures = AtomicCount()
        let producer: KafkaProducerClient
        do {
            producer = try KafkaProducerClient(properties: ["bootstrap.servers": brokers]) { _, result in
                if case .failure = result { failures.add() }
                done.signal()
            }
        } catch { throw CommandFailure(message: "cannot preload \(file): \(error)") }
        var count = 0
        for case .success(let captured) in reader {
            var topic = topics[0]
            var partition: Int32 = 0
            if case .kafka(let t, let p, _, _) = captured.message.origin {
                if topics.contains(t) { topic = t }
                partition = p % Int32(partitions)
            }
            count += 1
            do {
                try producer.produce(topic: topic, key: captured.message.key, value: captured.message.value,
                                     headers: captured.message.headers, partition: partition,
                                     timestamp: captured.message.timestamp, token: UInt64(count))
            } catch { throw CommandFailure(message: "cannot preload \(file): \(error)") }
        }
        for _ in 0..<count { done.wait() }
        if failures.value > 0 { throw CommandFailure(message: "cannot preload \(file): \(failures.value) writes failed") }
        return count
    }

    /// After a run on the mock cluster, on standard output: what landed in each output, the
    /// quarantined messages with their reasons and first error, the metrics' totals, and where
    /// `/metrics` was.
    static func showOutputs(_ settings: SidecarConfiguration, brokers: String, statistics s: KafkaRouter.Statistics,
                            operations: Operations)
    {
        let out = StandardOutput()
        out.writeLine("Summary: consumed \(s.consumed), approved \(s.approved), quarantined \(s.quarantined)")
        var quarantined: [(partition: Int, offset: Int, text: String)] = []
        var reasons: [String: Int] = [:]
        for topic in [settings.approvedRoute, settings.quarantineRoute] {
            let count = (try? KafkaCapture.read(.init(brokers: brokers, topic: topic)) { record in
                guard topic == settings.quarantineRoute, let decoded = DecodedQuarantine(headers: record.headers) else { return }
                reasons["\(decoded.reason)", default: 0] += 1
                var text = "  \(decoded.origin.coordinates ?? "(none)") \(decoded.reason)"
                if let schema = decoded.schema { text += " [\(schema)]" }
                if let first = decoded.errors.first {
                    text += ": \(first.instanceLocation.isEmpty ? "" : first.instanceLocation + " ")\(first.message)"
                    let more = decoded.errors.count - 1 + decoded.omittedErrorCount
                    if more > 0 { text += " (+\(more) more)" }
                }
                if case .kafka(_, let partition, let offset, _) = decoded.origin {
                    quarantined.append((Int(partition), Int(offset), text))
                } else {
                    quarantined.append((-1, -1, text))
                }
            }) ?? 0
            var line = "  \(topic): \(count) message\(count == 1 ? "" : "s")"
            if topic == settings.quarantineRoute, !reasons.isEmpty {
                line += " (" + reasons.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
            }
            out.writeLine(line)
        }
        if !quarantined.isEmpty {
            out.writeLine("Quarantined, with the reason and the first error:")
            for line in quarantined.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) { out.writeLine(line.text) }
        }
        if let registry = operations.registry {
            let wanted = [TollgateMetric.approved, TollgateMetric.quarantined, TollgateMetric.ruleRejections]
            let lines = registry.emitToString().split(separator: "\n").filter { line in
                !line.hasPrefix("#") && wanted.contains { line.hasPrefix($0 + "{") || line.hasPrefix($0 + " ") }
            }
            if let address = operations.endpointAddress.withLock({ $0 }) {
                out.writeLine("Metrics were served at \(address)/metrics while it ran (run without --stop-when-idle to keep it up); its totals:")
            }
            for line in lines.sorted() { out.writeLine("  \(line)") }
        }
    }

    static func summary(_ s: KafkaRouter.Statistics) -> String {
        var text = "consumed \(s.consumed), approved \(s.approved), quarantined \(s.quarantined), confirmed \(s.confirmed), failed \(s.failed)"
        if let rate = s.messagesPerSecond { text += ", \(Int(rate)) messages/s" }
        if let peak = peakResidentMiB() { text += ", peak RSS \(peak) MiB" }
        return text
    }

    /// VmHWM from /proc/self/status, in MiB.
    static func peakResidentMiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kib / 1024
    }
}

/// Prints the router's counters every few seconds on standard error.
final class StatusReporter: @unchecked Sendable {
    private let timer: DispatchSourceTimer

    init(every seconds: Int, logger: Logger, summary: @escaping @Sendable () -> String) {
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + .seconds(seconds), repeating: .seconds(seconds))
        timer.setEventHandler {
            logger.info("\(summary())")
        }
        timer.resume()
    }

    func cancel() { timer.cancel() }
}

/// Stops the router once it has drained: everything consumed is settled and nothing new arrived
/// for a while.
final class IdleWatcher: @unchecked Sendable {
    private let timer: DispatchSourceTimer

    /// - Parameter counters: messages consumed so far, and how many of them are still in flight.
    init(after seconds: Double, logger: Logger, counters: @escaping @Sendable () -> (consumed: Int, inFlight: Int), stop: @escaping @Sendable () -> Void) {
        timer = DispatchSource.makeTimerSource(queue: .global())
        var lastConsumed = -1
        var idleSince = ContinuousClock.now
        var stopped = false
        let started = ContinuousClock.now
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler {
            let s = counters()
            if s.consumed != lastConsumed || s.inFlight > 0 {
                lastConsumed = s.consumed
                idleSince = .now
            } else if !stopped, ContinuousClock.now - idleSince >= .milliseconds(Int(seconds * 1000)),
                      s.consumed > 0 || ContinuousClock.now - started >= .milliseconds(Int(max(seconds, 10) * 1000)) {
                // Nothing at all is given longer (at least 10 s): joining a group takes a few seconds.
                stopped = true
                logger.info(s.consumed > 0 ? "idle for \(seconds) s: stopping" : "nothing to consume: stopping")
                stop()
            }
        }
        timer.resume()
    }

    func cancel() { timer.cancel() }
}

final class AtomicCount: Sendable {
    private let count = Atomic<Int>(0)
    func add() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
