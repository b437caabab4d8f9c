import Foundation
import Synchronization
import Tollgate

/// What a Kafka router knows of its own health, for `/readyz` and the lag gauges: whether it has
/// joined its group, whether any broker is reachable, each assigned partition's lag. Fed by
/// librdkafka's statistics (every `statistics.interval.ms`, one second by default here), its
/// error events and the rebalance callbacks.
public final class KafkaHealth: Sendable {
    /// A snapshot.
    public struct Status: Sendable, Equatable {
        /// The router's loop is running and not stopping.
        public var running = false
        /// The consumer has been given an assignment (possibly empty) by the group.
        public var joined = false
        /// Brokers connected (state UP) at the last statistics, and how many the client knows.
        public var brokersUp = 0
        public var brokersKnown = 0
        /// Whether any statistics arrived yet.
        public var hasStatistics = false
        /// Connections re-established after a broker was lost, counted from the statistics.
        public var reconnections = 0
        /// Lag per assigned partition: the high watermark minus the committed offset.
        public var lag: [TopicPartition: Int64] = [:]

        /// `nil` when ready; otherwise why not.
        public var notReadyReason: String? {
            if !running { return "not consuming" }
            if hasStatistics && brokersUp == 0 { return "no Kafka broker reachable (\(brokersKnown) known)" }
            if !joined { return "not yet joined the consumer group" }
            return nil
        }
    }

    private struct State {
        var status = Status()
        /// Per broker, the `connects` seen last.
        var connects: [String: Int] = [:]
    }

    private let state = Mutex(State())
    /// Told of each reconnection.
    private let telemetry: RoutingTelemetry

    public init(telemetry: RoutingTelemetry) {
        self.telemetry = telemetry
    }

    public var status: Status { state.withLock { $0.status } }

    func setRunning(_ running: Bool) { state.withLock { $0.status.running = running } }
    func joined() { state.withLock { $0.status.joined = true } }

    /// A consumer error: `_ALL_BROKERS_DOWN` means not ready until statistics show a broker up
    /// again.
    func observe(_ error: KafkaError) {
        guard error.code == -187 else { return }
        state.withLock { $0.status.brokersUp = 0; $0.status.hasStatistics = true }
    }

    /// Reads librdkafka's statistics JSON (see its STATISTICS.md): `brokers.*.state`, `.nodeid`,
    /// `.connects`, and `topics.*.partitions.*.consumer_lag` for the partitions being fetched.
    /// Reconnections (connections to a broker after its first) are counted in the telemetry.
    @Sendable func update(statistics json: String) {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return }
        var up = 0
        var known = 0
        var newConnects: [String: Int] = [:]
        for (name, value) in root["brokers"] as? [String: Any] ?? [:] {
            // Bootstrap entries (node id -1) and logical ones (the group coordinator's handle) are
            // not brokers of their own.
            guard let broker = value as? [String: Any], (broker["nodeid"] as? Int ?? -1) >= 0,
                  broker["source"] as? String != "logical" else { continue }
            known += 1
            if broker["state"] as? String == "UP" { up += 1 }
            newConnects[name] = broker["connects"] as? Int ?? 0
        }
        var lag: [TopicPartition: Int64] = [:]
        for (topic, value) in root["topics"] as? [String: Any] ?? [:] {
            for (id, p) in (value as? [String: Any])?["partitions"] as? [String: Any] ?? [:] {
                guard let partition = Int32(id), partition >= 0, let p = p as? [String: Any],
                      p["fetch_state"] as? String ?? "none" != "none",
                      let value = (p["consumer_lag"] as? NSNumber)?.int64Value, value >= 0 else { continue }
                lag[TopicPartition(topic, partition)] = value
            }
        }
        let again = state.withLock { state -> Int in
            var again = 0
            for (name, count) in newConnects {
                // The first connection to a broker is not a reconnection.
                again += max(0, max(count, 1) - max(state.connects[name] ?? 1, 1))
            }
            state.connects.merge(newConnects) { max($0, $1) }
            state.status.hasStatistics = true
            state.status.brokersUp = up
            state.status.brokersKnown = known
            state.status.reconnections += again
            state.status.lag = lag
            return again
        }
        for _ in 0..<again { telemetry.reconnected() }
    }

    /// The librdkafka property that makes statistics arrive, unless the user set it.
    static func withStatistics(_ properties: [String: String]) -> [String: String] {
        var properties = properties
        if properties["statistics.interval.ms"] == nil { properties["statistics.interval.ms"] = "1000" }
        return properties
    }
}
