import Prometheus
import Logging
import Metrics

import Synchronization
import Tollgate
import TollgateKafka

/// What `tollgate run` sets up for operators before a router starts: the logger, the metrics
/// registry behind `/metrics` (when the endpoint is on), and the endpoint's address once bound.
final class Operations: Sendable {
    let settings: SidecarConfiguration
    let logger: Logger
    /// `nil` with `http.enabled: false`: metrics then go nowhere.
    let registry: Prometheus.PrometheusCollectorRegistry?
    let endpointAddress = Mutex<String?>(nil)

    init(settings: SidecarConfiguration, logger: Logger) {
        self.settings = settings
        self.logger = logger
        registry = settings.http.enabled ? MetricsExport.bootstrap() : nil
    }

    /// The router's telemetry, with the quarantine log's rate limit from the configuration.
    func telemetry(broker: String) -> RoutingTelemetry {
        RoutingTelemetry(broker: broker, logger: logger, quarantineLinesPerSecond: settings.logging.quarantineLinesPerSecond)
    }
}

/// The gauges sampled from a router's state when `/metrics` is scraped.
final class SidecarGauges: Sendable {
    private let inFlight = Metrics.Gauge(label: TollgateMetric.inFlight)
    private let lag = Mutex<[TopicPartition: Metrics.Gauge]>([:])

    func update(inFlight count: Int, lag current: [TopicPartition: Int64] = [:]) {
        inFlight.record(count)
        lag.withLock { gauges in
            for (partition, value) in current {
                let gauge = gauges[partition] ?? {
                    let gauge = Metrics.Gauge(label: TollgateMetric.consumerLag, dimensions: [("topic", partition.topic), ("partition", "\(partition.partition)")])
                    gauges[partition] = gauge
                    return gauge
                }()
                gauge.record(value)
            }
            // Partitions no longer assigned here are another member's to report.
            for (partition, gauge) in gauges where current[partition] == nil {
                gauge.destroy()
                gauges[partition] = nil
            }
        }
    }
}
