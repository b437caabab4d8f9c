/// A JSON value as a Swift tree, for schemas, configuration and tests.
///
/// Messages are validated from bytes without building this tree; use ``JSONDocument`` for that.
/// Equality is JSON equality: numbers compare by exact value, objects ignore member order, and
/// strings (member names included) compare code point by code point, as JSON Schema requires;
/// unlike Swift's `String ==`, "é" and "e\u{301}" are different strings.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// Parses one JSON document (strict RFC 8259).
    public init(parsing bytes: some Collection<UInt8>, limits: JSONParseLimits = .default) throws(JSONParseError) {
        let document = try JSONDocument(parsing: bytes, limits: limits)
        self = document.root
    }

    /// Parses one JSON document from text.
    public init(parsing text: String, limits: JSONParseLimits = .default) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8), limits: limits)
    }

    /// The JSON type name, as JSON Schema's `type` keyword spells it ("integer" for integral numbers).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let n): return n.isInteger ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var numberValue: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)): return x == y
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .number(let n): hasher.combine(n)
        case .string(let s): ScalarKey(s).hash(into: &hasher)
        case .array(let a): hasher.combine(a)
        case .object(let o): hasher.combine(o)
        }
    }

    /// Member lookup for objects; `nil` for other values.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// Resolves an RFC 6901 JSON Pointer (already split into unescaped tokens) against this value.
    public func value(at tokens: some Sequence<String>) -> JSONValue? {
        var current = self
        for token in tokens {
            switch current {
            case .object(let o):
                guard let next = o[token] else { return nil }
                current = next
            case .array(let a):
                guard let i = JSONPointer.arrayIndex(token), i < a.count else { return nil }
                current = a[i]
            default:
                return nil
            }
        }
        return current
    }
}

/// A JSON object: members in document order, with lookup by name.
public struct JSONObject: Sendable, Hashable, Sequence {
    public private(set) var members: [(key: String, value: JSONValue)]
    /// Each member's position by name, kept only for objects of more than `indexedCount` members:
    /// smaller ones (most of them) are searched in place, which is faster than hashing.
    private var index: [ScalarKey: Int]?

    static let indexedCount = 8

    public init() {
        members = []
    }

    public init(_ members: [(key: String, value: JSONValue)]) {
        self.init()
        self.members.reserveCapacity(members.count)
        for (k, v) in members { self[k] = v }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    private func position(of key: String) -> Int? {
        if let index { return index[ScalarKey(key)] }
        let wanted = ScalarKey(key)
        return members.firstIndex { ScalarKey($0.key) == wanted }
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            if let i = position(of: key) {
                if let newValue {
                    members[i].value = newValue
                } else {
                    members.remove(at: i)
                    if index != nil {
                        index![ScalarKey(key)] = nil
                        for j in i..<members.count { index![ScalarKey(members[j].key)] = j }
                    }
                }
            } else if let newValue {
                members.append((key, newValue))
                if index != nil {
                    index![ScalarKey(key)] = members.count - 1
                } else if members.count > JSONObject.indexedCount {
                    var built: [ScalarKey: Int] = [:]
                    built.reserveCapacity(members.count * 2)
                    for (j, member) in members.enumerated() { built[ScalarKey(member.key)] = j }
                    index = built
                }
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> {
        members.makeIterator()
    }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.count == b.count else { return false }
        for (k, v) in a.members {
            guard let w = b[k], w == v else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine member hashes commutatively.
        var acc = 0
        for (k, v) in members {
            var h = Hasher()
            ScalarKey(k).hash(into: &h)
            h.combine(v)
            acc ^= h.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(acc)
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { serialized() }

    /// Serializes to JSON text: compact, or indented by two spaces when `pretty`.
    public func serialized(pretty: Bool = false) -> String {
        String(decoding: serializedBytes(pretty: pretty), as: UTF8.self)
    }

    /// The JSON text of this value as UTF-8 bytes: what ``serialized(pretty:)`` returns, without
    /// building a `String`.
    public func serializedBytes(pretty: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out, pretty: pretty, indent: 0)
        return out
    }

    private func write(to out: inout [UInt8], pretty: Bool, indent: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): n.write(to: &out)
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let a):
            if a.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { JSONValue.newline(indent + 1, to: &out) }
                v.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { JSONValue.newline(indent, to: &out) }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in o.members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { JSONValue.newline(indent + 1, to: &out) }
                JSONValue.writeString(k, to: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                v.write(to: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { JSONValue.newline(indent, to: &out) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ indent: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<(indent * 2) { out.append(UInt8(ascii: " ")) }
    }

    /// Appends `s` as a JSON string: quotes, backslashes and control characters escaped, everything
    /// else copied as UTF-8 in runs; as ``serializedBytes(pretty:)`` writes strings. For writers of
    /// large documents that do not build a ``JSONValue`` first.
    public static func writeString(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { writeString(utf8: $0, to: &out) }
    }

    static func writeString(utf8: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        guard let base = utf8.baseAddress else {
            out.append(UInt8(ascii: "\""))
            return
        }
        let count = utf8.count
        var run = 0   // start of the bytes not yet copied
        var i = 0
        while true {
            // Most strings need no escape: find that out eight bytes at a time, then byte by byte.
            while i + 8 <= count && escapeMask(UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))) == 0 { i += 8 }
            while i < count {
                let byte = base[i]
                if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
                i += 1
            }
            guard i < count else { break }
            if i > run { out.append(contentsOf: UnsafeBufferPointer(start: base + run, count: i - run)) }
            let byte = base[i]
            i += 1
            run = i
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 6) { escape in
                let start = escape.baseAddress!
                out.append(contentsOf: UnsafeBufferPointer(start: start, count: JSONTextBuffer.writeEscape(byte, at: start) - start))
            }
        }
        if count > run { out.append(contentsOf: UnsafeBufferPointer(start: base + run, count: count - run)) }
        out.append(UInt8(ascii: "\""))
    }

    /// The high bit of each byte of `word` (little-endian) that a JSON string must escape: a quote,
    /// a backslash or a byte below 0x20. The lowest set bit marks the first such byte exactly
    /// (borrows may mark bytes above it, never below), and a word without one has none.
    @inline(__always)
    static func escapeMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word   // high bit where a byte is below 0x20
        return ((quotes &- ones) & ~quotes | (backslashes &- ones) & ~backslashes | control) & highs
    }
}

/// A string that compares and hashes by its Unicode scalars (UTF-8 bytes), not by Swift's
/// canonical equivalence: JSON member names "é" and "e\u{301}" are different names.
struct ScalarKey: Hashable, Sendable {
    let string: String

    init(_ string: String) { self.string = string }

    static func == (a: ScalarKey, b: ScalarKey) -> Bool {
        let x = a.string.utf8, y = b.string.utf8
        guard x.count == y.count else { return false }
        if let equal = x.withContiguousStorageIfAvailable({ p in y.withContiguousStorageIfAvailable { q in p.elementsEqual(q) } }),
           let equal
        {
            return equal
        }
        return x.elementsEqual(y)
    }

    func hash(into hasher: inout Hasher) {
        let utf8 = string.utf8
        if utf8.withContiguousStorageIfAvailable({ hasher.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            for byte in utf8 { hasher.combine(byte) }
        }
        hasher.combine(utf8.count)
    }
}
