import ArgumentParser
import Foundation
import Tollgate
import TollgateKafka

/// `tollgate run`: the sidecar.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Consume, validate and route: the sidecar.",
        discussion: """
            Joins a Kafka consumer group on the source topics, runs every message through the \
            pipeline (limits, parse, schema selection, validation, rules) and writes approved \
            messages to the approved topic and rejected ones to the quarantine topic, with the \
            reason in tollgate.* headers. An input offset is committed only once its output write \
            is confirmed, contiguously per partition: at-least-once, nothing lost. With \
            'guarantee: exactly-once', each batch's outputs and input offsets are committed in \
            one Kafka transaction instead, so read_committed readers see every input once.

            The configuration file holds the source, the routes and the pipeline; see README.md \
            ("Running the sidecar") for every key and its default. 'brokers: mock' runs against \
            a mock cluster inside the process.

            SIGTERM or SIGINT stops it gracefully: fetching stops, in-flight writes are awaited \
            (shutdownTimeout), confirmed offsets are committed, the group is left, exit 0. A \
            write that fails for good stops its partition (never skipped) and is reported; the \
            exit status is then 1.

            Examples:
              tollgate run --config tollgate.yaml
              tollgate run --config deploy/tollgate-mock.yaml
            """
    )

    @Option(help: ArgumentHelp("The configuration file.", valueName: "file"))
    var config: String

    @Option(help: ArgumentHelp("Print counters every n seconds (0: only at the end).", valueName: "n"))
    var statusInterval: Int = 10

    @Option(help: ArgumentHelp("Stop gracefully once every consumed message is confirmed and nothing new came for n seconds: to drain a topic in a batch job (and for benchmarks).", valueName: "n"))
    var stopWhenIdle: Double?

    func run() throws {
        let settings: SidecarConfiguration
        let pipeline: Pipeline
        do {
            settings = try SidecarConfiguration.load(file: config)
            pipeline = try settings.pipeline.makePipeline()
        } catch {
            throw CommandFailure(message: "\(error)")
        }
        guard case .kafka(let kafka) = settings.source else { throw CommandFailure(message: "\(config): no Kafka source") }

        var mock: KafkaMockCluster?
        var brokers = kafka.brokers
        if kafka.usesMockCluster {
            do {
                let cluster = try KafkaMockCluster(brokers: 1)
                brokers = cluster.bootstrapServers
                mock = cluster
            } catch {
                throw CommandFailure(message: "cannot start the mock cluster: \(error)")
            }
            StandardError.write("tollgate: mock cluster at \(brokers) (produce to it with: kcat -b \(brokers) -t \(kafka.topics[0]) -P)")
        }

        let router: any KafkaSidecar
        let routerConfiguration = KafkaRouter.Configuration(
            brokers: brokers, group: kafka.group, topics: kafka.topics,
            approvedTopic: settings.approvedRoute, quarantineTopic: settings.quarantineRoute,
            properties: kafka.properties, consumerProperties: kafka.consumerProperties,
            producerProperties: kafka.producerProperties, maxInFlight: settings.maxInFlight,
            quarantine: settings.quarantine, shutdownTimeout: settings.shutdownTimeout)
        do {
            switch settings.guarantee {
            case .atLeastOnce:
                router = try KafkaRouter(pipeline: pipeline, configuration: routerConfiguration)
            case .exactlyOnce:
                let id = kafka.transactionalId ?? "tollgate-\(kafka.group)-\(ProcessInfo.processInfo.hostName)"
                router = try KafkaTransactionalRouter(pipeline: pipeline, configuration: routerConfiguration, transactionalId: id)
                StandardError.write("tollgate: exactly-once, transactional id \(id)")
            }
        } catch {
            throw CommandFailure(message: "\(config): \(error)")
        }
        StandardError.write("tollgate: consuming \(kafka.topics.joined(separator: ", ")) as group \(kafka.group); approved -> \(settings.approvedRoute), quarantine -> \(settings.quarantineRoute)")

        let signals = SignalWatcher { signalNumber in
            StandardError.write("tollgate: \(signalNumber == SIGTERM ? "SIGTERM" : "SIGINT"): stopping")
            router.stop()
        }
        let reporter = statusInterval > 0 ? StatusReporter(router: router, every: statusInterval) : nil
        let idleWatcher = stopWhenIdle.map { IdleWatcher(router: router, after: $0) }
        var failure: Error?
        do {
            try router.runBlocking()
        } catch {
            failure = error
        }
        reporter?.cancel()
        idleWatcher?.cancel()
        withExtendedLifetime((signals, mock)) {}
        let s = router.statistics
        StandardError.write("tollgate: stopped: \(Self.summary(s))")
        if let failure { throw CommandFailure(message: "\(failure)", exitStatus: 1) }
        if !s.stoppedPartitions.isEmpty {
            throw CommandFailure(message: "writes failed for \(s.stoppedPartitions.map(\.description).joined(separator: ", ")); their offsets were not committed past the failure", exitStatus: 1)
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

    init(router: any KafkaSidecar, every seconds: Int) {
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + .seconds(seconds), repeating: .seconds(seconds))
        timer.setEventHandler { StandardError.write("tollgate: \(RunCommand.summary(router.statistics))") }
        timer.resume()
    }

    func cancel() { timer.cancel() }
}

/// Stops the router once it has drained: everything consumed is settled and nothing new arrived
/// for a while.
final class IdleWatcher: @unchecked Sendable {
    private let timer: DispatchSourceTimer

    init(router: any KafkaSidecar, after seconds: Double) {
        timer = DispatchSource.makeTimerSource(queue: .global())
        var lastConsumed = -1
        var idleSince = ContinuousClock.now
        timer.schedule(deadline: .now() + .milliseconds(100), repeating: .milliseconds(100))
        timer.setEventHandler {
            let s = router.statistics
            if s.consumed != lastConsumed || s.confirmed + s.failed < s.consumed {
                lastConsumed = s.consumed
                idleSince = .now
            } else if s.consumed > 0 && ContinuousClock.now - idleSince >= .milliseconds(Int(seconds * 1000)) {
                StandardError.write("tollgate: idle for \(seconds) s: stopping")
                router.stop()
            }
        }
        timer.resume()
    }

    func cancel() { timer.cancel() }
}
