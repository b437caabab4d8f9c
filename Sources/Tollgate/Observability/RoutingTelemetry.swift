import Foundation
import Logging
import Metrics
import Synchronization

/// The names of the metrics Tollgate reports through swift-metrics. Bootstrap a backend
/// (`tollgate run` uses swift-prometheus) to export them; without one they cost next to nothing.
///
/// Labels are bounded: `source` (a topic or queue consumed), `subject`, `version`, `reason`,
/// `rule`, `mode`, `route`, `broker`, `topic`, `partition`. Never a key, an offset or a message id.
public enum TollgateMetric {
    /// Counter {source}: messages consumed and decided.
    public static let consumed = "tollgate_messages_consumed_total"
    /// Counter {source, subject, version}: messages approved.
    public static let approved = "tollgate_messages_approved_total"
    /// Counter {source, subject, version, reason}: messages quarantined, by `tollgate.reason`.
    public static let quarantined = "tollgate_messages_quarantined_total"
    /// Counter {rule, mode}: messages a rule rejected; `mode` is `enforced` or `shadow` (counted,
    /// not enforced).
    public static let ruleRejections = "tollgate_rule_rejections_total"
    /// Histogram {source}: time to decide a message (limits, parse, selection, validation, rules).
    public static let validationDuration = "tollgate_validation_duration_seconds"
    /// Histogram {source}: from the message's timestamp (producer or broker time) to its output
    /// being confirmed.
    public static let endToEndLatency = "tollgate_end_to_end_latency_seconds"
    /// Gauge {subject, version}: when a message selecting that schema version was last seen, in
    /// seconds since the epoch. An old version still seen recently is a stale producer.
    public static let schemaVersionLastSeen = "tollgate_schema_version_last_seen_timestamp_seconds"
    /// Counter {route}: output writes that failed (`route`: `approved` or `quarantine`); the input
    /// stays unsettled and the write is retried, or its partition stops.
    public static let outputWriteFailures = "tollgate_output_write_failures_total"
    /// Counter {broker}: connections to the source's broker re-established after being lost.
    public static let reconnections = "tollgate_reconnections_total"
    /// Gauge {source}: messages consumed whose output is not confirmed yet.
    public static let inFlight = "tollgate_in_flight_messages"
    /// Gauge {topic, partition}: the Kafka consumer group's lag, from librdkafka's statistics.
    public static let consumerLag = "tollgate_kafka_consumer_lag"
    /// Gauge: 1 while `/readyz` answers ready.
    public static let ready = "tollgate_ready"
    /// Counter {result}: schema reloads (`success` or `failure`).
    public static let schemaReloads = "tollgate_schema_reloads_total"
    /// Gauge: schema versions in the registry in use.
    public static let schemaVersionsLoaded = "tollgate_schema_versions_loaded"
    /// Counter: quarantine log lines left out by the rate limit.
    public static let quarantineLogSuppressed = "tollgate_quarantine_log_lines_suppressed_total"

    /// Every metric, for documentation and tests.
    public static let all = [consumed, approved, quarantined, ruleRejections, validationDuration, endToEndLatency,
                             schemaVersionLastSeen, outputWriteFailures, reconnections, inFlight, consumerLag, ready,
                             schemaReloads, schemaVersionsLoaded, quarantineLogSuppressed]
}

/// What a router reports about the messages it decides and writes: metrics through swift-metrics
/// and a rate-limited log line per quarantined message through swift-log. One per router; each
/// thread that decides messages takes a ``Recorder`` of its own.
public final class RoutingTelemetry: Sendable {
    /// `kafka` or `rabbitmq`.
    public let broker: String
    let logger: Logger
    /// Quarantine log lines per second; 0: none.
    let quarantineLinesPerSecond: Int
    private let approvedWriteFailures: Counter
    private let quarantineWriteFailures: Counter
    private let reconnectionCounter: Counter
    private let suppressedCounter: Counter

    let factory: any MetricsFactory

    /// - Parameters:
    ///   - broker: `kafka` or `rabbitmq`, the `broker` label of reconnections.
    ///   - quarantineLinesPerSecond: quarantined messages logged per second (one line each); the
    ///     rest are counted. 0: none.
    ///   - factory: where metrics go; by default the process's, as `MetricsSystem.bootstrap` set it.
    public init(broker: String, logger: Logger = Logger(label: "tollgate"), quarantineLinesPerSecond: Int = 10,
                metrics factory: any MetricsFactory = MetricsSystem.factory)
    {
        self.broker = broker
        self.logger = logger
        self.factory = factory
        self.quarantineLinesPerSecond = max(0, quarantineLinesPerSecond)
        approvedWriteFailures = Counter(label: TollgateMetric.outputWriteFailures, dimensions: [("route", "approved")], factory: factory)
        quarantineWriteFailures = Counter(label: TollgateMetric.outputWriteFailures, dimensions: [("route", "quarantine")], factory: factory)
        reconnectionCounter = Counter(label: TollgateMetric.reconnections, dimensions: [("broker", broker)], factory: factory)
        suppressedCounter = Counter(label: TollgateMetric.quarantineLogSuppressed, factory: factory)
    }

    /// A recorder for one thread (it keeps its metric handles and its log rate limit unlocked).
    public func makeRecorder() -> Recorder { Recorder(self) }

    /// An output write failed (it is retried, or its partition stops).
    public func outputWriteFailed(approved: Bool) {
        (approved ? approvedWriteFailures : quarantineWriteFailures).increment()
    }

    /// A lost connection to the source's broker came back.
    public func reconnected() { reconnectionCounter.increment() }

    /// Logs a router's event (a connection lost or back, a write failing) at `notice`.
    public func notice(_ text: String) { logger.notice("\(text)") }

    /// Logs a problem that needs an operator (a partition stopped) at `error`.
    public func error(_ text: String) { logger.error("\(text)") }

    /// Records, for one thread, what happens to each message: its verdict and the time it took,
    /// and later its end-to-end latency. Not `Sendable`: one per consumer thread.
    public final class Recorder {
        let telemetry: RoutingTelemetry
        private var consumed: [String: Counter] = [:]
        private var outcomes: [OutcomeKey: Counter] = [:]
        private var durations: [String: Timer] = [:]
        private var latencies: [String: Timer] = [:]
        private var lastSeen: [String: Gauge] = [:]
        private var rules: [RuleKey: Counter] = [:]
        private var limiter: RateLimiter

        private struct OutcomeKey: Hashable {
            var source: String
            var schema: String?
            var reason: QuarantineReason?
        }

        private struct RuleKey: Hashable {
            var rule: String
            var shadow: Bool
        }

        init(_ telemetry: RoutingTelemetry) {
            self.telemetry = telemetry
            limiter = RateLimiter(perSecond: telemetry.quarantineLinesPerSecond)
        }

        /// Decides `message` with `evaluate`, timing it, and records the verdict as
        /// ``record(_:verdict:took:)`` does: what every router does with each message.
        public func decide(_ message: Message, by evaluate: (Message) -> Verdict) -> (verdict: Verdict, latency: EndToEndLatency) {
            let started = ContinuousClock.now
            let verdict = evaluate(message)
            return (verdict, record(message, verdict: verdict, took: ContinuousClock.now - started))
        }

        /// Records a decided message: consumed, approved or quarantined (by reason), rule
        /// rejections, the decision's duration, the schema version seen; logs it when quarantined.
        /// - Returns: the end-to-end latency for the message's source, to record once its output
        ///   is confirmed.
        public func record(_ message: Message, verdict: Verdict, took duration: Duration) -> EndToEndLatency {
            let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
            let source = message.origin.source ?? "(none)"
            let factory = telemetry.factory
            counter(&consumed, source) { Counter(label: TollgateMetric.consumed, dimensions: [("source", source)], factory: factory) }.increment()
            let (subject, version) = Self.split(verdict.schema)
            let key = OutcomeKey(source: source, schema: verdict.schema, reason: verdict.reason)
            counter(&outcomes, key) {
                if let reason = verdict.reason {
                    return Counter(label: TollgateMetric.quarantined, dimensions: [("source", source), ("subject", subject), ("version", version), ("reason", reason.description)], factory: factory)
                }
                return Counter(label: TollgateMetric.approved, dimensions: [("source", source), ("subject", subject), ("version", version)], factory: factory)
            }.increment()
            if case .rule(let name) = verdict.reason {
                counter(&rules, RuleKey(rule: name, shadow: false)) { Counter(label: TollgateMetric.ruleRejections, dimensions: [("rule", name), ("mode", "enforced")], factory: factory) }.increment()
            }
            for name in verdict.shadowRejections {
                counter(&rules, RuleKey(rule: name, shadow: true)) { Counter(label: TollgateMetric.ruleRejections, dimensions: [("rule", name), ("mode", "shadow")], factory: factory) }.increment()
            }
            timer(&durations, source, TollgateMetric.validationDuration).recordNanoseconds(nanoseconds)
            if let schema = verdict.schema {
                let gauge = lastSeen[schema] ?? {
                    let gauge = Gauge(label: TollgateMetric.schemaVersionLastSeen, dimensions: [("subject", subject), ("version", version)], factory: factory)
                    lastSeen[schema] = gauge
                    return gauge
                }()
                gauge.record(Date().timeIntervalSince1970.rounded(.down))
            }
            if verdict.reason != nil { logQuarantine(message, verdict: verdict) }
            return EndToEndLatency(timer: timer(&latencies, source, TollgateMetric.endToEndLatency), timestamp: message.timestamp)
        }

        private func logQuarantine(_ message: Message, verdict: Verdict) {
            switch limiter.take() {
            case .allowed(let suppressedBefore):
                var metadata: Logger.Metadata = [
                    "reason": "\(verdict.reason!)", "source": "\(message.origin.coordinates ?? "(none)")",
                ]
                if let schema = verdict.schema { metadata["schema"] = "\(schema)" }
                if let first = verdict.details.first {
                    metadata["error"] = "\(first.instanceLocation.isEmpty ? "" : first.instanceLocation + " ")\(first.message)"
                    if verdict.details.count > 1 { metadata["errors"] = "\(verdict.details.count)" }
                }
                if suppressedBefore > 0 { metadata["suppressed"] = "\(suppressedBefore)" }
                telemetry.logger.notice("quarantined", metadata: metadata)
            case .suppressed:
                telemetry.suppressedCounter.increment()
            }
        }

        private func counter<Key: Hashable>(_ cache: inout [Key: Counter], _ key: Key, make: () -> Counter) -> Counter {
            if let counter = cache[key] { return counter }
            let counter = make()
            cache[key] = counter
            return counter
        }

        private func timer(_ cache: inout [String: Timer], _ source: String, _ label: String) -> Timer {
            if let timer = cache[source] { return timer }
            let timer = Timer(label: label, dimensions: [("source", source)], factory: telemetry.factory)
            cache[source] = timer
            return timer
        }

        /// "orders/2" as ("orders", "2"); ("none", "none") without a schema.
        static func split(_ schema: String?) -> (subject: String, version: String) {
            guard let schema, let slash = schema.lastIndex(of: "/") else { return ("none", "none") }
            return (String(schema[..<slash]), String(schema[schema.index(after: slash)...]))
        }
    }
}

/// A message's end-to-end latency, to record once its output is confirmed.
public struct EndToEndLatency: Sendable {
    let timer: Timer
    /// The message's timestamp, milliseconds since the epoch.
    let timestamp: Int64?

    /// Records the time from the message's timestamp to now; nothing for a message without one or
    /// with a timestamp in the future.
    public func recordConfirmed() {
        guard let timestamp else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        guard now >= timestamp else { return }
        timer.recordMilliseconds(now - timestamp)
    }
}

/// A token bucket refilled every second: up to `perSecond` events pass each second, the rest are
/// counted as suppressed and reported with the next event that passes.
struct RateLimiter {
    enum Decision: Equatable {
        /// Passes; `suppressedBefore` events were held back since the last one that passed.
        case allowed(suppressedBefore: Int)
        case suppressed
    }

    let perSecond: Int
    private var windowStart = ContinuousClock.now
    private var used = 0
    private var suppressed = 0

    init(perSecond: Int) { self.perSecond = perSecond }

    mutating func take(now: ContinuousClock.Instant = .now) -> Decision {
        if now - windowStart >= .seconds(1) {
            windowStart = now
            used = 0
        }
        guard used < perSecond else {
            suppressed += 1
            return .suppressed
        }
        used += 1
        defer { suppressed = 0 }
        return .allowed(suppressedBefore: suppressed)
    }
}
