import TollgateSchema

/// A schema version: `subject/version`.
public struct SchemaReference: Sendable, Hashable, CustomStringConvertible {
    public var subject: String
    public var version: Int

    public init(subject: String, version: Int) {
        self.subject = subject
        self.version = version
    }

    /// Parses `subject/version`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let version = Int(parts[1]), version > 0 else { return nil }
        self.init(subject: String(parts[0]), version: version)
    }

    public var description: String { "\(subject)/\(version)" }
}

/// One way of finding a message's schema version. A binding tries its selectors in order; the
/// first that applies decides.
public enum SchemaSelector: Sendable, Hashable {
    /// Confluent's wire format: a zero byte, then a 4-byte big-endian schema id, then the JSON.
    /// Applies when the payload starts with the zero byte; the id must be in `ids`. The prefix is
    /// stripped for validation; the forwarded bytes stay as they were.
    case confluentWireFormat(ids: [UInt32: SchemaReference])
    /// A header whose value is `subject/version` or a bare version of the binding's subject.
    /// Applies when the header is present. Default header: `tollgate-schema`.
    case header(String)
    /// A value inside the payload, by JSON Pointer (e.g. `/schemaVersion`): an integer, a string of
    /// digits, or `subject/version`; `mapping` translates other values (e.g. `"1.1.5": 2`).
    /// Applies when the pointer names a value.
    case payloadPointer(String, mapping: [String: Int] = [:])
    /// A fixed version of the binding's subject. Always applies.
    case version(Int)
    /// The newest version of the binding's subject. Always applies.
    case latest

    /// The header Tollgate's own producers write.
    public static let defaultHeader = "tollgate-schema"
}

/// Which messages a binding governs: a topic or queue name, exactly or with `*` wildcards.
public struct SourcePattern: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    /// The literal parts between `*`s, split once here rather than per message.
    private let parts: [String]

    public init(_ pattern: String) {
        self.pattern = pattern
        parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
    }

    /// Whether `name` matches: `*` stands for any run of characters, everything else for itself.
    public func matches(_ name: String) -> Bool {
        if parts.count == 1 { return name == pattern }
        if parts.count == 2 && parts[0].isEmpty && parts[1].isEmpty { return true }   // "*"
        var rest = Substring(name)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for (i, part) in parts.enumerated().dropFirst() {
            if i == parts.count - 1 { return rest.hasSuffix(part) }
            guard let range = rest.firstRange(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }

    public static func == (a: SourcePattern, b: SourcePattern) -> Bool { a.pattern == b.pattern }
    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }

    public var description: String { pattern }
}

/// Binds a source (topic or queue pattern) to a subject: which versions it accepts and how each
/// message's version is found.
public struct Binding: Sendable, Hashable {
    public var source: SourcePattern
    public var subject: String
    /// Accepted versions; `nil` accepts every version of the subject. A message that selects another
    /// version is quarantined as `unknown-schema`.
    public var acceptedVersions: Set<Int>?
    /// Tried in order. Default: the `tollgate-schema` header, then the latest version.
    public var selectors: [SchemaSelector]

    public init(source: String, subject: String, acceptedVersions: Set<Int>? = nil,
                selectors: [SchemaSelector] = [.header(SchemaSelector.defaultHeader), .latest])
    {
        self.source = SourcePattern(source)
        self.subject = subject
        self.acceptedVersions = acceptedVersions
        self.selectors = selectors
    }
}
