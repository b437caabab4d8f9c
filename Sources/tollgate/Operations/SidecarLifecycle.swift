import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Tollgate
import UnixSignals

/// A running router, either kind, as the lifecycle drives it.
struct RunningSidecar: Sendable {
    /// The name of the thread its blocking loop runs on.
    var threadName: String
    var runBlocking: @Sendable () throws -> Void
    /// Stops gracefully: no new input, in-flight writes awaited (shutdownTimeout), what is
    /// confirmed committed or acknowledged. From any thread.
    var stop: @Sendable () -> Void
    var probe: SidecarProbe
    /// The counters in one line.
    var summary: @Sendable () -> String
    /// Consumed so far and still in flight, for --stop-when-idle.
    var progress: @Sendable () -> (consumed: Int, inFlight: Int)
    var pipelines: ReloadablePipeline
}

/// The router's blocking loop on a thread of its own; a graceful shutdown stops it.
struct RouterService: Service {
    let sidecar: RunningSidecar

    func run() async throws {
        let sidecar = sidecar
        try await withGracefulShutdownHandler {
            try await runOnDedicatedThread(named: sidecar.threadName) { try sidecar.runBlocking() }
        } onGracefulShutdown: {
            sidecar.stop()
        }
    }
}

/// Rebuilds the schema registry on SIGHUP and, with `reload.watch`, when a file under the schema
/// directory changes. A registry that loads, compiles, keeps every binding and passes `schemas
/// check` is swapped in atomically; otherwise the old one stays, and the error is logged and
/// counted (`tollgate_schema_reloads_total{result="failure"}`).
struct SchemaReloadService: Service {
    let pipelines: ReloadablePipeline
    let directory: String
    let options: SchemaRegistry.Options
    let settings: ReloadSettings
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        Self.versions.record(pipelines.current.registry.versionCount)
        // Both series from the start, at 0, so an alert on failures has something to compare.
        Self.successes.increment(by: 0)
        Self.failures.increment(by: 0)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in signals.cancelOnGracefulShutdown() { reload(because: "SIGHUP") }
            }
            if settings.watch {
                group.addTask { await watch() }
            }
        }
    }

    private static let successes = Counter(label: TollgateMetric.schemaReloads, dimensions: [("result", "success")])
    private static let failures = Counter(label: TollgateMetric.schemaReloads, dimensions: [("result", "failure")])
    private static let versions = Gauge(label: TollgateMetric.schemaVersionsLoaded)

    func reload(because trigger: String) {
        do {
            let registry = try pipelines.reload(directory: directory, options: options)
            Self.successes.increment()
            Self.versions.record(registry.versionCount)
            logger.notice("schemas reloaded", metadata: ["trigger": "\(trigger)", "directory": "\(directory)",
                                                         "subjects": "\(registry.subjects.count)", "versions": "\(registry.versionCount)"])
        } catch {
            Self.failures.increment()
            logger.error("schema reload failed; the schemas in use stay", metadata: ["trigger": "\(trigger)", "error": "\(error)"])
        }
    }

    /// Polls the directory's files (paths, sizes, modification times) every `interval`.
    private func watch() async {
        var last = Self.fingerprint(directory)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: settings.interval) }
            } catch {
                return
            }
            let now = Self.fingerprint(directory)
            if now != last {
                last = now
                reload(because: "file change")
            }
        }
    }

    static func fingerprint(_ directory: String) -> [String: String] {
        var files: [String: String] = [:]
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: directory) else { return files }
        while let path = walker.nextObject() as? String {
            guard let attributes = try? manager.attributesOfItem(atPath: (directory as NSString).appendingPathComponent(path)),
                  attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            files[path] = "\(attributes[.size] ?? 0) \(modified)"
        }
        return files
    }
}

/// What the service group leaves to us: the first SIGTERM or SIGINT is a graceful shutdown (the
/// group's), and this says so; a second one exits at once. A graceful shutdown that overruns
/// `deadline` exits with status 1.
struct SignalEscalationService: Service {
    let deadline: Duration
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        var first = true
        for await signal in signals.cancelOnGracefulShutdown() {
            let name = signal == .sigterm ? "SIGTERM" : "SIGINT"
            guard first else {
                logger.warning("\(name) again: exiting at once; unconfirmed inputs are consumed again after a restart")
                _exit(signal == .sigterm ? 143 : 130)
            }
            first = false
            logger.info("\(name): stopping (draining in-flight work, up to \(deadline); \(name) again exits at once)")
            let deadline = deadline
            let logger = logger
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: Double(deadline.components.seconds) + 15)
                logger.error("still not stopped \(deadline) + 15 s after \(name): exiting")
                _exit(1)
            }
        }
    }
}

extension SchemaRegistry {
    var versionCount: Int { subjects.reduce(0) { $0 + $1.versions.count } }
}
