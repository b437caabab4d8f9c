import ArgumentParser
import Foundation
import TollgateKafka

/// `tollgate kafka-mock`: an embedded Kafka-protocol cluster for development and tests.
struct KafkaMockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-mock",
        abstract: "Run a Kafka-protocol mock cluster (librdkafka's) on loopback until interrupted.",
        discussion: """
            Starts librdkafka's mock cluster inside this process: brokers that speak the real Kafka \
            protocol over TCP on 127.0.0.1, with consumer groups, idempotent producers and \
            transactions. Any Kafka client can use it: kcat, librdkafka programs, tollgate run. \
            Prints the bootstrap servers on the first line of standard output, then runs until \
            SIGINT or SIGTERM. Data lives in memory only; a partition keeps about 5 MiB.

            Topics named with --topic are created with that many partitions; others are created \
            on first use.

            Faults, to see how clients behave (a sidecar's /readyz, say): SIGUSR1 takes every \
            broker down (connections are closed and refused), SIGUSR2 brings them back up.

            Examples:
              tollgate kafka-mock --topic orders:12
              tollgate kafka-mock --brokers 1 --topic orders:3 --topic orders.approved:3 --topic orders.quarantine:1
              kcat -b "$(head -1 bootstrap.txt)" -L
              kill -USR1 <pid>    # every broker down; kill -USR2 <pid> brings them back
            """
    )

    @Option(help: ArgumentHelp("Brokers in the cluster.", valueName: "n"))
    var brokers: Int = 3

    @Option(name: .customLong("topic"), help: ArgumentHelp("A topic to create, as name:partitions (repeatable).", valueName: "name:partitions"))
    var topics: [String] = []

    func validate() throws {
        guard (1...16).contains(brokers) else { throw ValidationError("--brokers must be between 1 and 16") }
        for topic in topics { _ = try parse(topic) }
    }

    private func parse(_ spec: String) throws -> (String, Int) {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let partitions = Int(parts[1]), partitions >= 1 else {
            throw ValidationError("--topic \(spec): expected name:partitions, e.g. orders:12")
        }
        return (String(parts[0]), partitions)
    }

    func run() throws {
        let cluster: KafkaMockCluster
        do {
            cluster = try KafkaMockCluster(brokers: brokers)
            for spec in topics {
                let (name, partitions) = try parse(spec)
                try cluster.createTopic(name, partitions: partitions, replicationFactor: min(3, brokers))
            }
        } catch {
            throw CommandFailure(message: "cannot start the mock cluster: \(error)")
        }
        FileHandle.standardOutput.write(Data((cluster.bootstrapServers + "\n").utf8))
        StandardError.write("tollgate: mock cluster of \(brokers) broker\(brokers == 1 ? "" : "s") at \(cluster.bootstrapServers)"
            + (topics.isEmpty ? "" : "; topics \(topics.joined(separator: ", "))") + "; Ctrl-C to stop")
        let stopped = DispatchSemaphore(value: 0)
        let signals = SignalWatcher { _ in stopped.signal() }
        let brokers = brokers
        let faults = SignalWatcher(signals: [SIGUSR1, SIGUSR2]) { signalNumber in
            let down = signalNumber == SIGUSR1
            for id in 1...Int32(brokers) {
                do {
                    if down { try cluster.setBrokerDown(id) } else { try cluster.setBrokerUp(id) }
                } catch {
                    StandardError.write("tollgate: broker \(id): \(error)")
                }
            }
            StandardError.write("tollgate: \(down ? "SIGUSR1: every broker down" : "SIGUSR2: every broker up")")
        }
        stopped.wait()
        withExtendedLifetime((cluster, signals, faults)) {}
        StandardError.write("tollgate: mock cluster stopped")
    }
}

/// Calls `handler` (on a background queue) for SIGINT and SIGTERM, which no longer end the process
/// by themselves while the watcher lives.
final class SignalWatcher: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    init(signals: [Int32] = [SIGINT, SIGTERM], _ handler: @escaping @Sendable (Int32) -> Void) {
        for signalNumber in signals {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { handler(signalNumber) }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}
