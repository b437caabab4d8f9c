#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value of a capture line, with strings as the bytes they stand for.
enum CaptureValue {
    case string([UInt8])
    /// An integer, as sign and magnitude so both `Int64` and `UInt64` fields can be read.
    case integer(negative: Bool, magnitude: UInt64)
    /// A number that is not an integer, or does not fit 64 bits.
    case otherNumber
    case bool(Bool)
    case null
    case array([CaptureValue])
    case object([(key: String, value: CaptureValue)])

    var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer, .otherNumber: return "a number"
        case .bool: return "a boolean"
        case .null: return "null"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// Why a capture line could not be read, and the 1-based byte column where that was noticed.
struct CaptureLineError: Error {
    var message: String
    var column: Int?
}

/// A tolerant reader for one capture line: a JSON object whose strings may hold raw bytes.
///
/// kcat writes keys, payloads and header values into JSON strings with yajl's generator, which
/// escapes `"` `\` and the bytes below 0x20 (`\r` `\n` `\t` `\b` `\f`, the rest as `\u00XX` with
/// upper-case hex) but copies every other byte as it is, without checking UTF-8. So a line may hold
/// invalid UTF-8 (and, from other writers, raw control bytes). This reader takes the bytes between
/// the quotes and undoes the escapes, so a string yields exactly the bytes that were written; it is
/// strict about the structure (one object, quoted names, commas, nothing after it).
struct CaptureLineParser {
    /// The members a capture record may have. Any other member is skipped (kcat's `tstype`,
    /// `value_schema_id`, ...), so names are matched on bytes without building a string or a
    /// dictionary per line.
    enum Name: Int, CaseIterable {
        case topic, partition, offset, group, ts, headers, key, keyB64, payload, payloadB64, broker
        case exchange, routingKey, queue, deliveryTag

        var text: String {
            switch self {
            case .topic: return "topic"
            case .partition: return "partition"
            case .offset: return "offset"
            case .group: return "group"
            case .ts: return "ts"
            case .headers: return "headers"
            case .key: return "key"
            case .keyB64: return "key_b64"
            case .payload: return "payload"
            case .payloadB64: return "payload_b64"
            case .broker: return "broker"
            case .exchange: return "exchange"
            case .routingKey: return "routing_key"
            case .queue: return "queue"
            case .deliveryTag: return "delivery_tag"
            }
        }

        /// The member called `name`, if a record may have it: its bytes, at most twelve, and its length
        /// packed into two words and compared with each member's at once, since every line names nine
        /// or so members.
        static func matching(_ name: UnsafeBufferPointer<UInt8>) -> Name? {
            matching(name, readableBytes: name.count)
        }

        /// ``matching(_:)``, where `readableBytes` (at least the name's length) may be read from
        /// the name's start: with 16, the name is loaded a word at a time.
        @inline(__always)
        static func matching(_ name: UnsafeBufferPointer<UInt8>, readableBytes: Int) -> Name? {
            let n = name.count
            guard n >= 2 && n <= 12, let base = name.baseAddress else { return nil }
            var low: UInt64 = 0
            var high = UInt64(n) << 56
            if readableBytes >= 16 {
                let raw = UnsafeRawPointer(base)
                let first = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
                low = n >= 8 ? first : first & ((1 << UInt64(8 * n)) &- 1)
                if n > 8 {
                    let second = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                    high |= second & ((1 << UInt64(8 * (n - 8))) &- 1)
                }
            } else {
                for i in 0..<min(n, 8) { low |= UInt64(base[i]) << (8 * i) }
                for i in min(n, 8)..<n { high |= UInt64(base[i]) << (8 * (i - 8)) }
            }
            // Generated from `text`; the test `memberNames` checks every one.
            switch (low, high) {
            case (0x6369706f74, 0x500000000000000): return .topic
            case (0x6f69746974726170, 0x90000000000006e): return .partition
            case (0x74657366666f, 0x600000000000000): return .offset
            case (0x70756f7267, 0x500000000000000): return .group
            case (0x7374, 0x200000000000000): return .ts
            case (0x73726564616568, 0x700000000000000): return .headers
            case (0x79656b, 0x300000000000000): return .key
            case (0x3436625f79656b, 0x700000000000000): return .keyB64
            case (0x64616f6c796170, 0x700000000000000): return .payload
            case (0x5f64616f6c796170, 0xb00000000343662): return .payloadB64
            case (0x72656b6f7262, 0x600000000000000): return .broker
            case (0x65676e6168637865, 0x800000000000000): return .exchange
            case (0x5f676e6974756f72, 0xb0000000079656b): return .routingKey
            case (0x6575657571, 0x500000000000000): return .queue
            case (0x79726576696c6564, 0xc0000006761745f): return .deliveryTag
            default: return nil
            }
        }
    }

    private static let maxDepth = 64

    /// The bytes holding the line; the caller keeps them alive while the parser is in use.
    private let bytes: UnsafeBufferPointer<UInt8>
    private let lineStart: Int
    private let end: Int
    private var i: Int
    private var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>) {
        self.bytes = bytes
        lineStart = range.lowerBound
        end = range.upperBound
        i = range.lowerBound
    }

    /// The raw bytes of `range`: a payload that kcat wrote as verbatim JSON, a string's content
    /// without escapes.
    func slice(_ range: Range<Int>) -> [UInt8] { Array(UnsafeBufferPointer(rebasing: bytes[range])) }

    /// Reads the line's top-level object, handing each member a record may have to `member`, with
    /// the parser at the member's value: `member` reads it with one of the `read` methods below.
    /// Other members are skipped (kcat's `tstype`, `value_schema_id`, ...), so each value is read
    /// once, straight into what the record needs.
    mutating func parseMembers(_ member: (Name, inout CaptureLineParser) throws(CaptureLineError) -> Void) throws(CaptureLineError) {
        skipWhitespace()
        guard i < end, bytes[i] == UInt8(ascii: "{") else {
            throw error(i < end ? "expected '{' to start a JSON object" : "the line is empty")
        }
        i += 1
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            i += 1
        } else {
            while true {
                skipWhitespace()
                guard peek(UInt8(ascii: "\"")) else { throw error("expected a quoted member name") }
                let nameStart = i + 1
                let (nameEnd, escaped) = try scanString()
                let name = escaped ? try decodeString(nameStart..<nameEnd).withUnsafeBufferPointer { Name.matching($0) }
                    : Name.matching(UnsafeBufferPointer(rebasing: bytes[nameStart..<nameEnd]), readableBytes: end - nameStart)
                skipWhitespace()
                guard peek(UInt8(ascii: ":")) else {
                    throw error("expected ':' after the member name \"\(String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self))\"")
                }
                i += 1
                skipWhitespace()
                guard i < end else { throw error("the line ends where a value was expected") }
                if let name {
                    try member(name, &self)
                } else if bytes[i] == UInt8(ascii: "\"") {
                    _ = try scanString()
                } else {
                    _ = try parseValue()
                }
                skipWhitespace()
                if peek(UInt8(ascii: ",")) { i += 1; continue }
                if peek(UInt8(ascii: "}")) { i += 1; break }
                let shown = String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
                throw error(i < end ? "expected ',' or '}' after the value of \"\(shown)\"" : "the line ends inside the object")
            }
        }
        skipWhitespace()
        guard i == end else { throw error("unexpected text after the JSON object") }
    }

    // MARK: Reading a member's value

    /// What the value here is, for messages: "a string", "a number", ...
    var valueTypeName: StaticString {
        switch bytes[i] {
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "n"): return "null"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        default: return "a number"
        }
    }

    /// Whether the value here is `null`, which is then read.
    mutating func readNull() throws(CaptureLineError) -> Bool {
        guard bytes[i] == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// Whether the value here is a string.
    var atString: Bool { bytes[i] == UInt8(ascii: "\"") }

    /// The bytes of the string here.
    mutating func readStringBytes() throws(CaptureLineError) -> [UInt8] {
        try parseString()
    }

    /// The string here as text (a topic, a queue, a header name): no array in between when it has
    /// no escapes.
    mutating func readText() throws(CaptureLineError) -> String {
        let open = i
        let (close, escaped) = try scanString()
        if !escaped { return String(decoding: UnsafeBufferPointer(rebasing: bytes[(open + 1)..<close]), as: UTF8.self) }
        return String(decoding: try decodeString((open + 1)..<close), as: UTF8.self)
    }

    /// The content of the string here, and whether it holds escapes, which are checked: read it with
    /// ``text(_:escaped:)``.
    mutating func readTextSpan() throws(CaptureLineError) -> (content: Range<Int>, escaped: Bool) {
        let open = i
        let (close, escaped) = try scanString()
        if escaped { _ = try decodeString((open + 1)..<close) }
        return ((open + 1)..<close, escaped)
    }

    /// The content of the string here when it holds no escapes (read with ``slice(_:)``); nil, with
    /// nothing read, when it does.
    mutating func readUnescapedStringSpan() throws(CaptureLineError) -> Range<Int>? {
        let open = i
        let (close, escaped) = try scanString()
        if escaped {
            i = open
            return nil
        }
        return (open + 1)..<close
    }

    /// Reads `text` when the line goes on with exactly those bytes.
    mutating func readExactly(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard i + count <= end, memcmp(bytes.baseAddress! + i, text.utf8Start, count) == 0 else { return false }
        i += count
        return true
    }

    /// Whether the line has been read to its end, trailing whitespace aside.
    mutating func atLineEnd() -> Bool {
        skipWhitespace()
        return i == end
    }

    /// The bytes of `range` of the line, in place.
    func span(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[range]) }

    /// The text of a string's content read with ``readTextSpan()``.
    func text(_ content: Range<Int>, escaped: Bool) -> String {
        if !escaped { return String(decoding: UnsafeBufferPointer(rebasing: bytes[content]), as: UTF8.self) }
        return String(decoding: (try? decodeString(content)) ?? [], as: UTF8.self)
    }

    /// The value here, whatever it is, and the range of its text.
    mutating func readValue() throws(CaptureLineError) -> (value: CaptureValue, raw: Range<Int>) {
        let start = i
        let value = try parseValue()
        return (value, start..<i)
    }

    /// Skips the value here.
    mutating func skipValue() throws(CaptureLineError) {
        if atString { _ = try scanString() } else { _ = try parseValue() }
    }

    /// Hands `body` the line from just after the opening quote of the string here to the line's end,
    /// for a reader that finds the string's end itself (a payload checked where it stands); when
    /// `body` returns the offset there of the closing quote, the parser moves past the string.
    mutating func readStringInPlace<R>(_ body: (UnsafeRawBufferPointer) -> (R, end: Int)?) -> R? {
        let content = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[(i + 1)..<end])
        guard let (result, close) = body(content), close < content.count,
              content[close] == UInt8(ascii: "\"") else { return nil }
        i += 1 + close + 1
        return result
    }

    /// The position of the value here, to come back to it with ``rewind(to:)``.
    var position: Int { i }

    /// Goes back to a value read before, to read it another way.
    mutating func rewind(to position: Int) { i = position }

    /// Reads `[` (true) or `]` (false) and the whitespace after it, for arrays read element by
    /// element; nil when neither is here.
    mutating func readArrayBracket() -> Bool? {
        guard i < end else { return nil }
        let c = bytes[i]
        guard c == UInt8(ascii: "[") || c == UInt8(ascii: "]") else { return nil }
        i += 1
        skipWhitespace()
        return c == UInt8(ascii: "[")
    }

    /// Reads a `,` between array elements and the whitespace around it; false when there is none.
    mutating func readComma() -> Bool {
        skipWhitespace()
        guard peek(UInt8(ascii: ",")) else { return false }
        i += 1
        skipWhitespace()
        return true
    }

    /// The number here: sign and magnitude of an integer, or nil for any other number.
    mutating func readInteger() throws(CaptureLineError) -> (negative: Bool, magnitude: UInt64)? {
        if case .integer(let negative, let magnitude) = try parseNumber() { return (negative, magnitude) }
        return nil
    }

    /// Whether the value here is a number.
    var atNumber: Bool {
        let c = bytes[i]
        return c == UInt8(ascii: "-") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    private mutating func parseName() throws(CaptureLineError) -> String {
        guard peek(UInt8(ascii: "\"")) else { throw error("expected a quoted member name") }
        let name = String(decoding: try parseString(), as: UTF8.self)
        skipWhitespace()
        guard peek(UInt8(ascii: ":")) else { throw error("expected ':' after the member name \"\(name)\"") }
        i += 1
        skipWhitespace()
        return name
    }

    private mutating func parseValue() throws(CaptureLineError) -> CaptureValue {
        guard i < end else { throw error("the line ends where a value was expected") }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "{"):
            return try nested { (p: inout CaptureLineParser) throws(CaptureLineError) in
                var members: [(key: String, value: CaptureValue)] = []
                p.skipWhitespace()
                if p.peek(UInt8(ascii: "}")) { p.i += 1; return .object(members) }
                while true {
                    p.skipWhitespace()
                    let name = try p.parseName()
                    members.append((name, try p.parseValue()))
                    p.skipWhitespace()
                    if p.peek(UInt8(ascii: ",")) { p.i += 1; continue }
                    if p.peek(UInt8(ascii: "}")) { p.i += 1; return .object(members) }
                    throw p.error("expected ',' or '}' in an object")
                }
            }
        case UInt8(ascii: "["):
            return try nested { (p: inout CaptureLineParser) throws(CaptureLineError) in
                var elements: [CaptureValue] = []
                p.skipWhitespace()
                if p.peek(UInt8(ascii: "]")) { p.i += 1; return .array(elements) }
                while true {
                    p.skipWhitespace()
                    elements.append(try p.parseValue())
                    p.skipWhitespace()
                    if p.peek(UInt8(ascii: ",")) { p.i += 1; continue }
                    if p.peek(UInt8(ascii: "]")) { p.i += 1; return .array(elements) }
                    throw p.error("expected ',' or ']' in an array")
                }
            }
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw error("expected a value")
        }
    }

    /// Runs `body` one nesting level down (after the opening bracket), bounding the depth so a hostile
    /// line cannot exhaust the stack.
    private mutating func nested(_ body: (inout CaptureLineParser) throws(CaptureLineError) -> CaptureValue)
        throws(CaptureLineError) -> CaptureValue
    {
        depth += 1
        guard depth <= Self.maxDepth else { throw error("nested more than \(Self.maxDepth) levels deep") }
        i += 1
        let value = try body(&self)
        depth -= 1
        return value
    }

    private mutating func literal(_ word: String) throws(CaptureLineError) {
        let count = word.utf8.count
        guard i + count <= end, bytes[i..<(i + count)].elementsEqual(word.utf8) else { throw error("expected a value") }
        i += count
    }

    private mutating func parseNumber() throws(CaptureLineError) -> CaptureValue {
        let start = i
        var negative = false
        if bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var magnitude: UInt64 = 0
        var overflow = false
        var digits = 0
        while i < end, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
            let digit = UInt64(bytes[i] &- UInt8(ascii: "0"))
            if digits < 19 {
                magnitude = magnitude &* 10 &+ digit   // 19 digits always fit 64 bits
            } else {
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(digit)
                overflow = overflow || o1 || o2
                magnitude = sum
            }
            digits &+= 1
            i &+= 1
        }
        guard digits > 0 else { i = start; throw error("expected digits in a number") }
        var integral = !overflow
        // A fraction or exponent: skipped, since no capture field needs a non-integral number.
        while i < end {
            let c = bytes[i]
            let continues = c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
                || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
            guard continues else { break }
            integral = false
            i += 1
        }
        return integral ? .integer(negative: negative, magnitude: magnitude) : .otherNumber
    }

    /// Reads a string starting at its opening quote and returns the bytes it stands for: raw bytes as
    /// they are, escapes undone (`\uXXXX` as UTF-8, surrogate pairs combined).
    ///
    /// A string without escapes (a topic, a key, a header value) is copied once into an array of its
    /// own size. From the first escape on, one pass, eight bytes at a time: each word is stored to the
    /// output before it is checked for a quote or a backslash, so runs between escapes (in a kcat
    /// payload, a `\"` every few bytes) cost no call and no second scan.
    private mutating func parseString() throws(CaptureLineError) -> [UInt8] {
        let open = i
        let limit = end
        let firstStop = Self.firstQuoteOrBackslash(bytes.baseAddress!, from: open + 1, limit: limit)
        guard firstStop < limit else { throw error("the string that starts here is not closed on this line", at: open) }
        if bytes[firstStop] == UInt8(ascii: "\"") {
            i = firstStop + 1
            return Array(UnsafeBufferPointer(rebasing: bytes[(open + 1)..<firstStop]))
        }
        var failure: CaptureLineError?
        var close = -1
        // Decoding never lengthens, so the rest of the line is room enough; 8 more bytes let every
        // word be stored whole.
        let decoded = [UInt8](unsafeUninitializedCapacity: limit - open + 8) { out, count in
            let base = bytes.baseAddress!
            let target = out.baseAddress!
            var n = firstStop - open - 1
            target.update(from: base + open + 1, count: n)
            var p = firstStop
            while true {
                // Runs and `\"` escapes in bulk; then, byte by byte, whatever stopped it: the
                // closing quote, another escape, or a byte of the line's last ten.
                Self.copyQuoteEscaped(base, at: &p, limit: limit, into: target, at: &n)
                guard p < limit else { break }
                let c = base[p]
                if c == UInt8(ascii: "\"") {
                    close = p
                    break
                }
                guard c == UInt8(ascii: "\\") else {
                    target[n] = c
                    n += 1
                    p += 1
                    continue
                }
                guard p + 1 < limit else { break }
                do throws(CaptureLineError) {
                    try decodeEscape(base, at: &p, limit: limit, into: target, at: &n)
                } catch {
                    failure = error
                    break
                }
            }
            count = n
        }
        if let failure { throw failure }
        guard close >= 0 else { throw error("the string that starts here is not closed on this line", at: open) }
        i = close + 1
        // A short string early in a long line gets an array of its own size.
        return decoded.capacity > 2 * decoded.count + 64 ? decoded.withUnsafeBufferPointer { Array($0) } : decoded
    }

    /// The index of the first `"` or `\` at or after `from`, or `limit` when there is none.
    @inline(__always)
    private static func firstQuoteOrBackslash(_ base: UnsafePointer<UInt8>, from: Int, limit: Int) -> Int {
        var p = from
        while p + 8 <= limit {
            let mask = quoteOrBackslashMask(UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self)))
            if mask != 0 { return p + mask.trailingZeroBitCount >> 3 }
            p += 8
        }
        while p < limit, base[p] != UInt8(ascii: "\""), base[p] != UInt8(ascii: "\\") { p += 1 }
        return p
    }

    /// The hot loop of ``parseString()``: copies string content from `p` to `n` eight bytes at a
    /// time, undoing `\"` and `\\\\` on the way (a JSON payload in a kcat line holds little else), and
    /// stops at anything else: the closing quote, another escape, or the last 10 bytes of the line.
    /// Kept apart, with wrapping arithmetic, so the positions stay in registers.
    @inline(__always)
    private static func copyQuoteEscaped(_ base: UnsafePointer<UInt8>, at p: inout Int, limit: Int,
                                         into target: UnsafeMutablePointer<UInt8>, at n: inout Int)
    {
        var from = p
        var to = n
        while from &+ 10 <= limit {
            let word = UnsafeRawPointer(base + from).loadUnaligned(as: UInt64.self)
            UnsafeMutableRawPointer(target + to).storeBytes(of: word, as: UInt64.self)
            let mask = quoteOrBackslashMask(UInt64(littleEndian: word))
            if mask == 0 {
                from &+= 8
                to &+= 8
                continue
            }
            let run = mask.trailingZeroBitCount &>> 3
            from &+= run
            to &+= run
            guard base[from] == UInt8(ascii: "\\") else { break }
            let escaped = base[from &+ 1]
            guard escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\") else { break }
            target[to] = escaped
            to &+= 1
            from &+= 2
        }
        p = from
        n = to
    }

    /// Moves past a string starting at its opening quote; returns where its content ends (the closing
    /// quote) and whether it holds escapes.
    private mutating func scanString() throws(CaptureLineError) -> (contentEnd: Int, escaped: Bool) {
        let open = i
        let end = self.end
        let base = bytes.baseAddress!
        var p = open + 1
        var escaped = false
        var found: Int?
        while true {
            p = Self.firstQuoteOrBackslash(base, from: p, limit: end)
            guard p < end else { break }
            if base[p] == UInt8(ascii: "\"") {
                found = p
                break
            }
            escaped = true
            p += 2
        }
        guard let found else { throw error("the string that starts here is not closed on this line", at: open) }
        i = found + 1
        return (found, escaped)
    }

    /// High bit set in each byte of `word` that is `"` or `\`. Borrows can only mark bytes above a
    /// real match, so the lowest set bit is always exact.
    @inline(__always)
    private static func quoteOrBackslashMask(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        return ((quotes &- ones) & ~quotes | (backslashes &- ones) & ~backslashes) & highs
    }

    /// Decodes the escape at `p` (its backslash; a byte follows it) into `target` at `n`, moving
    /// both past it. Shared by the fused scan-and-decode of values and by member names.
    @inline(__always)
    private func decodeEscape(_ base: UnsafePointer<UInt8>, at p: inout Int, limit: Int,
                              into target: UnsafeMutablePointer<UInt8>, at n: inout Int) throws(CaptureLineError)
    {
        let escape = base[p + 1]
        p += 2
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): target[n] = escape
        case UInt8(ascii: "b"): target[n] = 0x08
        case UInt8(ascii: "f"): target[n] = 0x0C
        case UInt8(ascii: "n"): target[n] = 0x0A
        case UInt8(ascii: "r"): target[n] = 0x0D
        case UInt8(ascii: "t"): target[n] = 0x09
        case UInt8(ascii: "u"):
            let scalar = try unicodeEscape(at: &p, limit: limit)
            n += Self.writeUTF8(scalar, to: target + n)
            return
        default:
            throw self.error("unknown escape '\\\(String(decoding: [escape], as: UTF8.self))' in a string", at: p - 2)
        }
        n += 1
    }

    /// The bytes a string's content with escapes stands for.
    private func decodeString(_ content: Range<Int>) throws(CaptureLineError) -> [UInt8] {
        var failure: CaptureLineError?
        // Decoding never lengthens a string, so its length is enough room; runs between escapes are
        // copied whole.
        let decoded = [UInt8](unsafeUninitializedCapacity: content.count) { out, count in
            let base = bytes.baseAddress!
            let target = out.baseAddress!
            var i = content.lowerBound
            var n = 0
            while i < content.upperBound {
                let hit = memchr(base + i, Int32(UInt8(ascii: "\\")), content.upperBound - i)
                let next = hit.map { UnsafeRawPointer(base).distance(to: UnsafeRawPointer($0)) } ?? content.upperBound
                if next > i {
                    (target + n).update(from: base + i, count: next - i)
                    n += next - i
                    i = next
                }
                guard i < content.upperBound else { break }
                // scanString guarantees a byte after a backslash.
                do throws(CaptureLineError) {
                    try decodeEscape(base, at: &i, limit: content.upperBound, into: target, at: &n)
                } catch {
                    failure = error
                    break
                }
            }
            count = n
        }
        if let failure { throw failure }
        return decoded
    }

    /// The scalar of a `\uXXXX` escape whose hex digits start at `i`, combining a surrogate pair.
    private func unicodeEscape(at i: inout Int, limit: Int) throws(CaptureLineError) -> UInt32 {
        let scalar = try hex4(at: &i, limit: limit)
        if (0xDC00..<0xE000).contains(scalar) {
            throw error("a \\u escape of a lone low surrogate", at: i - 6)
        }
        guard (0xD800..<0xDC00).contains(scalar) else { return scalar }
        guard i + 1 < limit, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
            throw error("a \\u escape of a high surrogate is not followed by a low one", at: i - 6)
        }
        i += 2
        let low = try hex4(at: &i, limit: limit)
        guard (0xDC00..<0xE000).contains(low) else {
            throw error("a \\u escape of a high surrogate is not followed by a low one", at: i - 6)
        }
        return 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
    }

    private func hex4(at i: inout Int, limit: Int) throws(CaptureLineError) -> UInt32 {
        guard i + 4 <= limit else { throw error("a \\u escape needs four hex digits", at: i - 2) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw error("a \\u escape needs four hex digits", at: i)
            }
            value = value << 4 | UInt32(digit)
            i += 1
        }
        return value
    }

    /// Writes `scalar` as UTF-8 (at most 4 bytes, never more than its `\u` escape took) and returns
    /// the byte count.
    private static func writeUTF8(_ scalar: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        switch scalar {
        case 0..<0x80:
            out[0] = UInt8(scalar)
            return 1
        case 0x80..<0x800:
            out[0] = UInt8(0xC0 | scalar >> 6)
            out[1] = UInt8(0x80 | scalar & 0x3F)
            return 2
        case 0x800..<0x10000:
            out[0] = UInt8(0xE0 | scalar >> 12)
            out[1] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[2] = UInt8(0x80 | scalar & 0x3F)
            return 3
        default:
            out[0] = UInt8(0xF0 | scalar >> 18)
            out[1] = UInt8(0x80 | scalar >> 12 & 0x3F)
            out[2] = UInt8(0x80 | scalar >> 6 & 0x3F)
            out[3] = UInt8(0x80 | scalar & 0x3F)
            return 4
        }
    }

    private func peek(_ byte: UInt8) -> Bool { i < end && bytes[i] == byte }

    @inline(__always)
    private mutating func skipWhitespace() {
        // Most often there is none.
        if i < end && bytes[i] > 0x20 { return }
        while i < end {
            switch bytes[i] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n"): i += 1
            default: return
            }
        }
    }

    func error(_ message: String, at position: Int? = nil) -> CaptureLineError {
        CaptureLineError(message: message, column: (position ?? i) - lineStart + 1)
    }
}
