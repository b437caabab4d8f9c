/// Why a byte sequence is not an acceptable JSON document, and where.
///
/// Thrown by the parser; `line` and `column` are 1-based, `column` counts Unicode scalars, and `offset` is
/// the byte offset of the problem in the input.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem, for programs that branch on it.
    public enum Code: String, Sendable, Hashable {
        case emptyInput = "empty-input"
        case unexpectedCharacter = "unexpected-character"
        case unexpectedEnd = "unexpected-end"
        case invalidUTF8 = "invalid-utf8"
        case invalidString = "invalid-string"
        case invalidNumber = "invalid-number"
        case numberOutOfRange = "number-out-of-range"
        case duplicateKey = "duplicate-key"
        case trailingContent = "trailing-content"
        case depthLimitExceeded = "depth-limit-exceeded"
        case sizeLimitExceeded = "size-limit-exceeded"
    }

    public var code: Code
    /// What was wrong, in words, without the position.
    public var message: String
    public var offset: Int
    public var line: Int
    public var column: Int

    public init(code: Code, message: String, offset: Int, line: Int, column: Int) {
        self.code = code
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// `line L, column C: message`.
    public var description: String { "line \(line), column \(column): \(message)" }

    /// Builds an error, computing line and column for `offset` in `input`.
    static func at(_ offset: Int, in input: UnsafeBufferPointer<UInt8>, _ code: Code, _ message: String) -> JSONParseError {
        let end = min(offset, input.count)
        var line = 1
        var lineStart = 0
        var i = 0
        while i < end {
            if input[i] == UInt8(ascii: "\n") { line += 1; lineStart = i + 1 }
            i += 1
        }
        var column = 1
        i = lineStart
        while i < end {
            // Count scalars: every byte that is not a UTF-8 continuation byte starts one.
            if input[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        return JSONParseError(code: code, message: message, offset: offset, line: line, column: column)
    }
}

/// Limits applied while parsing untrusted input, so hostile documents fail with an error instead of
/// exhausting memory or stack.
public struct JSONParseLimits: Sendable, Hashable {
    /// Maximum nesting of arrays and objects. Default: 128.
    public var maxDepth: Int
    /// Maximum document size in bytes. Default: 16 MiB. At most 4 GiB - 1.
    public var maxBytes: Int
    /// Whether an object may repeat a member name. Default: `false`, because parsers disagree about
    /// which duplicate wins, and a validator that checks one while a consumer reads the other is bypassed.
    public var allowsDuplicateKeys: Bool
    /// Whether a leading UTF-8 byte order mark is skipped (RFC 8259 §8.1 allows ignoring it).
    /// Default: `false`, because a consumer downstream may choke on it.
    public var allowsByteOrderMark: Bool

    public init(maxDepth: Int = 128, maxBytes: Int = 16 * 1024 * 1024, allowsDuplicateKeys: Bool = false,
                allowsByteOrderMark: Bool = false)
    {
        self.maxDepth = maxDepth
        self.maxBytes = min(maxBytes, Int(UInt32.max) - 1)
        self.allowsDuplicateKeys = allowsDuplicateKeys
        self.allowsByteOrderMark = allowsByteOrderMark
    }

    /// The defaults, for messages.
    public static let `default` = JSONParseLimits()

    /// For schema documents, which are trusted configuration written by people: deeper nesting,
    /// larger files and a byte order mark are accepted; duplicate keys are still an error, since
    /// which copy a schema means would be a guess.
    public static let schemaDocuments = JSONParseLimits(maxDepth: 1024, maxBytes: 64 * 1024 * 1024,
                                                        allowsByteOrderMark: true)
}
