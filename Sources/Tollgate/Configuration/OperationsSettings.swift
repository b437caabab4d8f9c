import Yams

/// The sidecar's HTTP endpoint: `/healthz`, `/readyz`, `/metrics`.
public struct HTTPSettings: Sendable, Hashable {
    /// Off: no endpoint at all.
    public var enabled = true
    /// The address to bind. Default: loopback only; `0.0.0.0` for a pod's probes and scrapes.
    public var host = "127.0.0.1"
    /// Default 9473; 0 picks a free port (logged at start).
    public var port = 9473

    public init() {}

    /// `host:port`, `[v6]:port` or `:port` (all interfaces).
    static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        return (host, port)
    }
}

/// How `tollgate run` logs.
public struct LoggingSettings: Sendable, Hashable {
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// Text on a terminal, JSON lines otherwise.
        case auto
        case text
        case json
    }

    public var format = Format.auto
    /// `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`. Default: info.
    public var level = "info"
    /// Log lines per second for quarantined messages (one each, with the reason); the others are
    /// counted in `tollgate_quarantine_log_lines_suppressed_total`. 0: none. Default: 10.
    public var quarantineLinesPerSecond = 10

    public init() {}

    static let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
}

/// Schema reloads without a restart: always on SIGHUP; optionally when a schema file changes.
public struct ReloadSettings: Sendable, Hashable {
    /// Also reload when a file under the schema directory changes (checked every `interval`).
    public var watch = false
    public var interval: Duration = .seconds(2)

    public init() {}
}

extension SidecarConfiguration {
    static func parseHTTP(_ node: Node, reader: YAMLReader) throws(TollgateError) -> HTTPSettings {
        var settings = HTTPSettings()
        for (key, value, line) in try reader.members(of: try reader.mapping(node, key: "http"), path: "http", allowed: ["enabled", "address"]) {
            switch key {
            case "enabled": settings.enabled = try reader.bool(value, key: "http.enabled")
            default:
                let text = try reader.string(value, key: "http.address")
                guard let (host, port) = HTTPSettings.parseAddress(text) else {
                    throw TollgateError(.invalidConfiguration, "'http.address' must be host:port (127.0.0.1:9473, 0.0.0.0:9473, [::1]:9473), not '\(text)'",
                                        file: reader.file, line: line)
                }
                settings.host = host
                settings.port = port
            }
        }
        return settings
    }

    static func parseLogging(_ node: Node, reader: YAMLReader) throws(TollgateError) -> LoggingSettings {
        var settings = LoggingSettings()
        for (key, value, line) in try reader.members(of: try reader.mapping(node, key: "logging"), path: "logging",
                                                     allowed: ["format", "level", "quarantineLinesPerSecond"]) {
            switch key {
            case "format":
                let text = try reader.string(value, key: "logging.format")
                guard let format = LoggingSettings.Format(rawValue: text) else {
                    throw TollgateError(.invalidConfiguration, "'logging.format' must be auto, text or json, not '\(text)'", file: reader.file, line: line)
                }
                settings.format = format
            case "level":
                let text = try reader.string(value, key: "logging.level")
                guard LoggingSettings.levels.contains(text) else {
                    throw TollgateError(.invalidConfiguration, "'logging.level' must be one of \(LoggingSettings.levels.joined(separator: ", ")), not '\(text)'",
                                        file: reader.file, line: line)
                }
                settings.level = text
            default:
                settings.quarantineLinesPerSecond = try reader.int(value, key: "logging.quarantineLinesPerSecond", minimum: 0)
            }
        }
        return settings
    }

    static func parseReload(_ node: Node, reader: YAMLReader) throws(TollgateError) -> ReloadSettings {
        var settings = ReloadSettings()
        for (key, value, _) in try reader.members(of: try reader.mapping(node, key: "reload"), path: "reload", allowed: ["watch", "interval"]) {
            switch key {
            case "watch": settings.watch = try reader.bool(value, key: "reload.watch")
            default: settings.interval = .seconds(try reader.int(value, key: "reload.interval", minimum: 1))
            }
        }
        return settings
    }
}
