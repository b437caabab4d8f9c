import Foundation
import Logging
import Synchronization
import Tollgate
import TollgateSchema

/// swift-log's handler for `tollgate run`, on standard error: `tollgate: message (key=value, ...)`
/// for people, or one JSON object a line for log collectors (`logging.format`).
struct TollgateLogHandler: LogHandler {
    enum Style: Sendable { case text, json }

    let label: String
    let style: Style
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// One write per line, so lines from several threads never interleave.
    private static let lock = Mutex(())

    /// Bootstraps swift-log for the process with `settings`; `auto` means text when standard error
    /// is a terminal.
    static func bootstrap(_ settings: LoggingSettings) {
        let style: Style = switch settings.format {
        case .text: .text
        case .json: .json
        case .auto: isatty(STDERR_FILENO) == 1 ? .text : .json
        }
        let level = Logger.Level(rawValue: settings.level) ?? .info
        LoggingSystem.bootstrap { label in TollgateLogHandler(label: label, style: style, logLevel: level) }
        bootstrapped.store(true, ordering: .releasing)
    }

    /// Whether ``bootstrap(_:)`` ran: a command's final error then goes through the logger too, so
    /// a JSON log stays JSON to its last line.
    static let bootstrapped = Atomic<Bool>(false)

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let line: String = switch style {
        case .text: Self.text(level: event.level, message: "\(event.message)", metadata: merged)
        case .json: Self.json(level: event.level, message: "\(event.message)", metadata: merged, label: label,
                              source: event.source)
        }
        Self.lock.withLock { _ in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    static func text(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var line = "tollgate: "
        if level >= .warning { line += "\(level): " }
        line += message
        if !metadata.isEmpty {
            line += " (" + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        }
        return line
    }

    static func json(level: Logger.Level, message: String, metadata: Logger.Metadata, label: String, source: String) -> String {
        var line = "{\"time\":\"\(RFC3339Time.format(milliseconds: RFC3339Time.nowMilliseconds()))\",\"level\":\"\(level)\",\"logger\":"
        appendQuoted(label, to: &line)
        line += ",\"message\":"
        appendQuoted(message, to: &line)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where !["time", "level", "logger", "message"].contains(key) {
            line += ","
            appendQuoted(key, to: &line)
            line += ":"
            appendQuoted("\(value)", to: &line)
        }
        return line + "}"
    }

    /// Appends `text` as a JSON string.
    static func appendQuoted(_ text: String, to out: inout String) {
        out += JSONValue.string(text).serialized()
    }
}
