import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Tollgate

/// What the HTTP endpoint asks of the running sidecar.
struct SidecarProbe: Sendable {
    /// `nil` when ready; otherwise why not (a broker unreachable, not yet in the group, stopping).
    var notReadyReason: @Sendable () -> String?
    /// Brings the gauges sampled from the router's state (in flight, lag) up to date before a
    /// scrape.
    var sample: @Sendable () -> Void
}

/// Prometheus through swift-metrics: every metric Tollgate records lands in one registry that
/// `/metrics` prints.
enum MetricsExport {
    /// Bootstraps swift-metrics for the process; call once.
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Deciding a message takes microseconds; getting it through a broker, milliseconds to minutes.
        factory.durationHistogramBuckets = [
            TollgateMetric.validationDuration: [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 50_000].map { Duration.microseconds($0) },
            TollgateMetric.endToEndLatency: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000].map { Duration.milliseconds($0) },
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }
}

/// `/healthz`, `/readyz` and `/metrics` on Hummingbird.
enum OperationsEndpoint {
    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The server, a service to run in the sidecar's service group. `started` is told the address
    /// it listens on (the real port when the configuration asks for port 0).
    static func make(settings: HTTPSettings, registry: PrometheusCollectorRegistry, probe: SidecarProbe, logger: Logger,
                     started: @escaping @Sendable (String) -> Void) -> some Service
    {
        let ready = Metrics.Gauge(label: TollgateMetric.ready)
        let router = Router()
        router.get("healthz") { _, _ in
            plain(.ok, "ok\n")
        }
        router.get("readyz") { _, _ in
            let reason = probe.notReadyReason()
            ready.record(reason == nil ? 1 : 0)
            return reason.map { plain(.serviceUnavailable, "not ready: \($0)\n") } ?? plain(.ok, "ready\n")
        }
        router.get("metrics") { _, _ in
            probe.sample()
            ready.record(probe.notReadyReason() == nil ? 1 : 0)
            return Response(status: .ok, headers: [.contentType: prometheusContentType],
                            body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)   // Hummingbird's own start-up lines: ours say it
        let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        let application = Application(router: router, configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
                                      onServerRunning: { channel in started("http://\(host):\(channel.localAddress?.port ?? settings.port)") },
                                      logger: quiet)
        return Named(application: application, address: "\(host):\(settings.port)")
    }

    /// The server, with an error that says what could not be served where.
    struct Named<Server: Service>: Service {
        let application: Server
        let address: String

        func run() async throws {
            do {
                try await application.run()
            } catch {
                throw Failure(description: "cannot serve /healthz, /readyz and /metrics on \(address): \(error) (set http.address to another port, or http.enabled: false)")
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
