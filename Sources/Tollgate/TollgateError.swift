/// The error type of the `Tollgate` module: a schema directory, subject configuration or binding
/// that cannot be used. Each says what is wrong and where: a file with a line, or a file with a
/// JSON Pointer.
///
/// Messages that fail validation are not errors; they are verdicts.
public struct TollgateError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The schema directory, a subject directory or a schema file cannot be read.
        case unreadable
        /// A file or directory name does not follow `schemas/<subject>/<version>.json`.
        case layout
        /// A schema file is not JSON, or does not compile (bad keyword, unresolvable `$ref`, ...).
        case invalidSchema
        /// A `subject.yaml` is not valid YAML, has an unknown key or a wrong value.
        case invalidSubjectConfiguration
        /// A capture file line is neither a kcat `-J` record nor a Tollgate capture record.
        case invalidCapture
        /// A binding names a subject, version or wire-format id the registry does not have.
        case invalidBinding
        /// A configuration file is not valid YAML, has an unknown key or a wrong value.
        case invalidConfiguration
    }

    public var code: Code
    public var message: String
    /// The file at fault, as a path.
    public var file: String?
    /// 1-based line in `file`, when known.
    public var line: Int?
    /// JSON Pointer into `file`, when the problem is inside a schema.
    public var pointer: String?

    public init(_ code: Code, _ message: String, file: String? = nil, line: Int? = nil, pointer: String? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.pointer = pointer
    }

    /// `file:line: message`, `file#pointer: message` or just the message.
    public var description: String {
        guard let file else { return message }
        if let line { return "\(file):\(line): \(message)" }
        if let pointer, !pointer.isEmpty { return "\(file)#\(pointer): \(message)" }
        return "\(file): \(message)"
    }
}
