/// A strict RFC 8259 parser from bytes to a tape.
///
/// Strict means: one value surrounded only by JSON whitespace, no comments, no trailing commas, no
/// leading zeros, no `NaN`/`Infinity`, no control characters in strings, only the escapes RFC 8259
/// defines, valid UTF-8 (no overlong forms, no encoded surrogates) and no unpaired `\u` surrogates.
/// Nesting is iterative, so no input can exhaust the stack; `JSONParseLimits` bounds depth and size.
struct JSONParser: ~Copyable {
    private let input: UnsafeBufferPointer<UInt8>
    private let base: UnsafePointer<UInt8>
    private let end: Int
    private var pos: Int = 0
    private let limits: JSONParseLimits
    /// The tape being built, in `buffers`' memory.
    private var nodes: UnsafeMutablePointer<TapeNode>
    private var count = 0
    private var capacity: Int
    private var arena: UnsafeMutablePointer<UInt8>?
    private var arenaCount = 0
    private var arenaCapacity = 0
    private var stack: UnsafeMutablePointer<UInt64>
    private var stackCapacity: Int
    private var keys: UnsafeMutablePointer<KeyPrint>
    private var keyCapacity: Int

    /// Parses `input` into a tape of its own.
    static func parse(_ input: UnsafeBufferPointer<UInt8>, limits: JSONParseLimits = .default) throws(JSONParseError) -> JSONTape {
        // Small documents rarely need more than one entry per 6 bytes; the tape grows when they do.
        var buffers = ParseBuffers(nodeCapacity: input.count / 6 + 8)
        let (count, _) = try parse(input, limits: limits, into: &buffers)
        return buffers.takeTape(count: count)
    }

    /// Parses `input` into `buffers`, growing them as needed, and returns the number of tape
    /// entries and arena bytes used. The tape is valid until the buffers are used again.
    static func parse(_ input: UnsafeBufferPointer<UInt8>, limits: JSONParseLimits,
                      into buffers: inout ParseBuffers) throws(JSONParseError) -> (count: Int, arenaCount: Int)
    {
        if input.count > limits.maxBytes {
            throw JSONParseError(code: .sizeLimitExceeded,
                                 message: "document is \(input.count) bytes, more than the limit of \(limits.maxBytes) bytes",
                                 offset: limits.maxBytes, line: 0, column: 0)
        }
        var parser = JSONParser(input: input, limits: limits, buffers: buffers)
        defer { parser.store(into: &buffers) }
        try parser.run(PlainText.self)
        return (parser.count, parser.arenaCount)
    }

    /// Parses a document written as the content of a JSON string literal (``StringLiteralText``) into
    /// `buffers`: `input` starts just after the literal's opening quote and may go on past its closing
    /// one. Returns the number of tape entries and the offset of the closing quote. Strings on the tape
    /// point into `input`. Throws for anything that form does not take as well as for a document that
    /// is not valid; only parsing the unescaped bytes tells which, and gives the exact error.
    static func parseStringLiteralContent(_ input: UnsafeBufferPointer<UInt8>, limits: JSONParseLimits,
                                          into buffers: inout ParseBuffers) throws(JSONParseError) -> (count: Int, end: Int)
    {
        var parser = JSONParser(input: input, limits: limits, buffers: buffers)
        defer { parser.store(into: &buffers) }
        try parser.run(StringLiteralText.self)
        return (parser.count, parser.pos)
    }

    private init(input: UnsafeBufferPointer<UInt8>, limits: JSONParseLimits, buffers: borrowing ParseBuffers) {
        self.input = input
        // An empty buffer may have no base address; point at a valid dummy byte instead.
        self.base = input.baseAddress.map { UnsafePointer($0) } ?? emptyInputBase
        self.end = input.count
        self.limits = limits
        self.nodes = buffers.nodes
        self.capacity = buffers.nodeCapacity
        self.arena = buffers.arena
        self.arenaCapacity = buffers.arenaCapacity
        self.stack = buffers.stack
        self.stackCapacity = buffers.stackCapacity
        self.keys = buffers.keys
        self.keyCapacity = buffers.keyCapacity
    }

    /// Hands the (possibly grown) buffers back to their owner.
    private func store(into buffers: inout ParseBuffers) {
        buffers.nodes = nodes
        buffers.nodeCapacity = capacity
        buffers.arena = arena
        buffers.arenaCapacity = arenaCapacity
        buffers.stack = stack
        buffers.stackCapacity = stackCapacity
        buffers.keys = keys
        buffers.keyCapacity = keyCapacity
    }

    // MARK: Tape and arena

    @inline(__always)
    private mutating func append(_ node: TapeNode) {
        if count == capacity { grow() }
        (nodes + count).initialize(to: node)
        count &+= 1
    }

    @inline(never)
    private mutating func grow() {
        let newCapacity = capacity * 2
        let newNodes = UnsafeMutablePointer<TapeNode>.allocate(capacity: newCapacity)
        newNodes.moveInitialize(from: nodes, count: count)
        nodes.deallocate()
        nodes = newNodes
        capacity = newCapacity
    }

    /// Appends bytes to the arena, returning their offset there.
    private mutating func appendToArena(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        reserveArena(bytes.count)
        let offset = arenaCount
        if let base = bytes.baseAddress, bytes.count > 0 {
            (arena.unsafelyUnwrapped + arenaCount).update(from: base, count: bytes.count)
        }
        arenaCount &+= bytes.count
        return offset
    }

    @inline(__always)
    private mutating func appendToArena(byte: UInt8) {
        if arenaCount == arenaCapacity { reserveArena(1) }
        arena.unsafelyUnwrapped[arenaCount] = byte
        arenaCount &+= 1
    }

    @inline(never)
    private mutating func reserveArena(_ extra: Int) {
        guard arenaCount + extra > arenaCapacity else { return }
        let newCapacity = max(arenaCapacity * 2, arenaCount + extra, 256)
        let newArena = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        if let old = arena {
            newArena.update(from: old, count: arenaCount)
            old.deallocate()
        }
        arena = newArena
        arenaCapacity = newCapacity
    }

    // MARK: Errors

    private func fail(_ code: JSONParseError.Code, _ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError.at(offset ?? pos, in: input, code, message)
    }

    private func describeByte(at offset: Int) -> String {
        guard offset < end else { return "end of input" }
        let b = base[offset]
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(String(b, radix: 16, uppercase: true))"
    }

    private func unexpected(_ expectation: String) -> JSONParseError {
        if pos >= end {
            return fail(.unexpectedEnd, "unexpected end of input, expected \(expectation)")
        }
        return fail(.unexpectedCharacter, "expected \(expectation), found \(describeByte(at: pos))")
    }

    // MARK: Driver

    @inline(__always)
    private mutating func skipWhitespace<Form: JSONTextForm>(_ form: Form.Type) {
        Form.skipSpace(base, &pos, end)
    }

    /// The parse loop. Position, tape and stack live in locals so they stay in registers; slow
    /// paths (escaped or non-ASCII strings, errors) sync them back to `self` first. Specialised for
    /// each form of text, so plain JSON pays nothing for the string-literal form.
    private mutating func run<Form: JSONTextForm>(_ form: Form.Type) throws(JSONParseError) {
        if end >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF {
            guard limits.allowsByteOrderMark else {
                throw fail(.unexpectedCharacter, "unexpected UTF-8 byte order mark at the start of the document", at: 0)
            }
            pos = 3
        }
        skipWhitespace(Form.self)
        if pos >= end {
            throw fail(.emptyInput, end == 0 ? "empty input, expected a JSON value" : "input holds only whitespace, expected a JSON value")
        }
        let base = self.base
        let end = self.end
        let maxDepth = limits.maxDepth
        let checkDuplicates = !limits.allowsDuplicateKeys
        var p = pos
        // The tape in locals; `sync()` before any call that uses `self`'s copy, `reload()` after.
        var n = count
        var out = nodes
        var cap = capacity
        @inline(__always) func push(_ node: TapeNode) {
            if n == cap {
                count = n
                grow()
                out = nodes
                cap = capacity
            }
            (out + n).initialize(to: node)
            n &+= 1
        }
        @inline(__always) func sync() { count = n; pos = p }
        @inline(__always) func reload() {
            n = count
            out = nodes
            cap = capacity
            p = pos
        }
        // Open containers, innermost last, three words each: tape index in the high 32 bits and
        // element count in the low 32 of the first; for objects, where their keys start in `keys`
        // and a 64-bit Bloom filter of their key fingerprints.
        var stackCapacity = self.stackCapacity
        var stack = self.stack
        defer {
            self.stack = stack
            self.stackCapacity = stackCapacity
        }
        // Fingerprints of the keys of open objects, for duplicate detection at each object's end.
        var keyCapacity = self.keyCapacity
        var keys = self.keys
        defer {
            self.keys = keys
            self.keyCapacity = keyCapacity
        }
        var keyTop = 0
        var depth = 0
        var inObject = false
        var expectKey = false

        let quote = Form.quoteWidth

        parseValue: while true {
            if expectKey {
                expectKey = false
                Form.skipSpace(base, &p, end)
                var print: UInt64 = 0
                var keyParsed = false
                let keyOffset = p
                // Keys are almost always plain ASCII: take them without leaving the loop.
                if Form.isQuote(base, p, end) {
                    let close = Form.scanPlainString(base, p &+ quote, end)
                    if close >= 0 {
                        var q = close &+ quote
                        Form.skipSpace(base, &q, end)
                        if q < end && base[q] == UInt8(ascii: ":") {
                            let length = close &- p &- quote
                            push(TapeNode(kind: .string, a: UInt32(p &+ quote), b: UInt64(length)))
                            print = length == 0 ? 0
                                : UInt64(truncatingIfNeeded: length) << 16 | UInt64(base[p &+ quote]) << 8 | UInt64(base[close &- 1])
                            p = q &+ 1
                            keyParsed = true
                        }
                    }
                }
                if !keyParsed {
                    sync()
                    try parseKey(Form.self)
                    reload()
                    print = JSONParser.fingerprint(TapeView(nodes: out, count: n, input: base, arena: arena.map { UnsafePointer($0) }).string(n &- 1))
                }
                if checkDuplicates {
                    if keyTop == keyCapacity {
                        let bigger = UnsafeMutablePointer<KeyPrint>.allocate(capacity: keyCapacity &* 2)
                        bigger.moveInitialize(from: keys, count: keyTop)
                        keys.deallocate()
                        keys = bigger
                        keyCapacity &*= 2
                    }
                    // A key whose Bloom bit is new cannot repeat an earlier key of this object;
                    // only the rare others are compared against the object's keys.
                    // Objects with many keys are checked once, when they close (sorting keeps
                    // that O(n log n)).
                    let bit: UInt64 = 1 &<< ((print &* 0x9E37_79B9_7F4A_7C15) >> 58)
                    let bloom = 3 &* depth &- 1
                    if stack[bloom] & bit != 0 && keyTop &- Int(stack[bloom &- 1]) < JSONParser.pairwiseKeyLimit {
                        sync()
                        try checkDuplicate(KeyPrint(print: print, index: n &- 1, offset: keyOffset),
                                           among: UnsafeBufferPointer(start: keys + Int(stack[bloom &- 1]), count: keyTop &- Int(stack[bloom &- 1])))
                    }
                    stack[bloom] |= bit
                    keys[keyTop] = KeyPrint(print: print, index: n &- 1, offset: keyOffset)
                    keyTop &+= 1
                }
            }
            Form.skipSpace(base, &p, end)
            guard p < end else { pos = p; throw unexpected("a value") }
            let c = base[p]
            if Form.isQuote(base, p, end) {
                let close = Form.scanPlainString(base, p &+ quote, end)
                if close >= 0 {
                    push(TapeNode(kind: .string, a: UInt32(p &+ quote), b: UInt64(close &- p &- quote)))
                    p = close &+ quote
                } else {
                    sync()
                    try parseString(Form.self)
                    reload()
                }
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                if depth >= maxDepth {
                    pos = p
                    throw fail(.depthLimitExceeded, "nesting is deeper than the limit of \(maxDepth)")
                }
                if depth == stackCapacity {
                    let bigger = UnsafeMutablePointer<UInt64>.allocate(capacity: 6 &* stackCapacity)
                    bigger.moveInitialize(from: stack, count: 3 &* depth)
                    stack.deallocate()
                    stack = bigger
                    stackCapacity &*= 2
                }
                let isObject = c == UInt8(ascii: "{")
                stack[3 &* depth] = UInt64(n) << 32
                stack[3 &* depth &+ 1] = UInt64(keyTop)
                stack[3 &* depth &+ 2] = 0
                depth &+= 1
                inObject = isObject
                push(TapeNode(kind: isObject ? .object : .array))
                p &+= 1
                Form.skipSpace(base, &p, end)
                if p < end && base[p] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    p &+= 1
                    depth &-= 1
                    let index = Int(stack[3 &* depth] >> 32)
                    out[index].a = UInt32(n)
                    if depth > 0 { inObject = out[Int(stack[3 &* depth &- 3] >> 32)].kind == .object }
                } else {
                    expectKey = isObject
                    continue parseValue
                }
            } else if c == UInt8(ascii: "-") || c &- UInt8(ascii: "0") < 10 {
                // Integers of up to 18 digits inline; everything else through `parseNumber`.
                var q = c == UInt8(ascii: "-") ? p &+ 1 : p
                let digitsStart = q
                var value: Int64 = 0
                while q < end {
                    let d = base[q] &- UInt8(ascii: "0")
                    if d >= 10 || q &- digitsStart >= 18 { break }
                    value = value &* 10 &+ Int64(d)
                    q &+= 1
                }
                let digits = q &- digitsStart
                if digits > 0 && (digits == 1 || base[digitsStart] != UInt8(ascii: "0"))
                    && (q >= end || (base[q] &- UInt8(ascii: "0") >= 10 && base[q] != UInt8(ascii: ".") && base[q] | 0x20 != UInt8(ascii: "e")))
                {
                    push(TapeNode(kind: .int, b: UInt64(bitPattern: c == UInt8(ascii: "-") ? -value : value)))
                    p = q
                } else {
                    sync()
                    try parseNumber()
                    reload()
                }
            } else if c == UInt8(ascii: "t") {
                sync()
                try literal("true", .trueValue)
                reload()
            } else if c == UInt8(ascii: "f") {
                sync()
                try literal("false", .falseValue)
                reload()
            } else if c == UInt8(ascii: "n") {
                sync()
                try literal("null", .null)
                reload()
            } else {
                pos = p
                throw unexpected("a value")
            }
            // After a value: continue the innermost container, or finish.
            while true {
                if depth == 0 {
                    Form.skipSpace(base, &p, end)
                    sync()
                    if Form.isStringLiteralContent {
                        // The document ends where the literal does, at a quote that is not escaped.
                        guard p < end && base[p] == UInt8(ascii: "\"") else { throw JSONParser.notTaken }
                        return
                    }
                    if p < end {
                        throw fail(.trailingContent, "unexpected \(describeByte(at: p)) after the JSON value")
                    }
                    return
                }
                stack[3 &* depth &- 3] &+= 1
                Form.skipSpace(base, &p, end)
                guard p < end else {
                    pos = p
                    throw unexpected(inObject ? "',' or '}'" : "',' or ']'")
                }
                let d = base[p]
                if d == UInt8(ascii: ",") {
                    p &+= 1
                    expectKey = inObject
                    continue parseValue
                }
                if d == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    p &+= 1
                    depth &-= 1
                    let entry = stack[3 &* depth]
                    let index = Int(entry >> 32)
                    let elements = entry & 0xFFFF_FFFF
                    out[index].a = UInt32(n)
                    out[index].b = elements
                    if inObject {
                        let keyBase = Int(stack[3 &* depth &+ 1])
                        if checkDuplicates && keyTop &- keyBase > JSONParser.pairwiseKeyLimit {
                            sync()
                            try checkDuplicateKeys(UnsafeMutableBufferPointer(start: keys + keyBase, count: keyTop &- keyBase))
                        }
                        keyTop = keyBase
                    }
                    if depth > 0 { inObject = out[Int(stack[3 &* depth &- 3] >> 32)].kind == .object }
                    continue
                }
                pos = p
                throw unexpected(inObject ? "',' or '}' after an object member" : "',' or ']' after an array element")
            }
        }
    }

    /// Scans a string body that starts at `start` (just after the opening quote) and needs no
    /// decoding: returns the index of the closing quote, or -1 when the string has an escape, a
    /// control character or non-ASCII bytes, or is unterminated (the slow path handles those).
    /// ``firstSpecial(_:_:_:)`` and a check of the byte it finds would do the same; written that way,
    /// this hottest loop of plain parsing costs raw validation 3% more instructions (callgrind).
    @inline(__always)
    static func scanPlainString(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var p = start
        while p &+ 8 <= end {
            let word = UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self))
            let m = specialMask(word)
            if m != 0 {
                p &+= m.trailingZeroBitCount >> 3
                return base[p] == UInt8(ascii: "\"") ? p : -1
            }
            p &+= 8
        }
        while p < end {
            let c = base[p]
            if c == UInt8(ascii: "\"") { return p }
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { return -1 }
            p &+= 1
        }
        return -1
    }

    /// The offset of the first byte at or after `start` that ends a string's plain run: `"`, `\\`, a
    /// control character or a non-ASCII byte; `end` when there is none. Eight bytes at a time.
    @inline(__always)
    static func firstSpecial(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var p = start
        while p &+ 8 <= end {
            let m = specialMask(UInt64(littleEndian: UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self)))
            if m != 0 { return p &+ m.trailingZeroBitCount >> 3 }
            p &+= 8
        }
        while p < end {
            let c = base[p]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { return p }
            p &+= 1
        }
        return end
    }

    /// Parses `"name"` and the `:` after it.
    private mutating func parseKey<Form: JSONTextForm>(_ form: Form.Type) throws(JSONParseError) {
        guard Form.isQuote(base, pos, end) else {
            throw unexpected("a string key")
        }
        try parseString(Form.self)
        skipWhitespace(Form.self)
        guard pos < end, base[pos] == UInt8(ascii: ":") else {
            throw unexpected("':' after an object key")
        }
        pos &+= 1
    }

    /// Objects with more keys than this are checked for duplicates when they close.
    static let pairwiseKeyLimit = 64

    /// Rejects an object with many keys that repeats a member name: sorting the fingerprints makes
    /// candidates neighbours.
    private func checkDuplicateKeys(_ keyRange: UnsafeMutableBufferPointer<KeyPrint>) throws(JSONParseError) {
        var keys = keyRange
        let view = TapeView(nodes: nodes, count: count, input: base, arena: arena.map { UnsafePointer($0) })
        // By fingerprint, then by bytes: equal names end up next to each other.
        keys.sort { a, b in
            if a.print != b.print { return a.print < b.print }
            return JSONParser.lexicographicallyPrecedes(view.string(a.index), view.string(b.index))
        }
        var i = 1
        while i < keys.count {
            if keys[i].print == keys[i &- 1].print && memoryEqual(view.string(keys[i].index), view.string(keys[i &- 1].index)) {
                let later = keys[i].index > keys[i &- 1].index ? keys[i] : keys[i &- 1]
                throw duplicate(view.string(later.index), at: later.offset)
            }
            i &+= 1
        }
    }

    static func lexicographicallyPrecedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = min(a.count, b.count)
        var i = 0
        while i < n {
            if a[i] != b[i] { return a[i] < b[i] }
            i &+= 1
        }
        return a.count < b.count
    }

    /// Rejects `key` if an earlier key of the same object has the same name.
    private func checkDuplicate(_ key: KeyPrint, among earlier: UnsafeBufferPointer<KeyPrint>) throws(JSONParseError) {
        let view = TapeView(nodes: nodes, count: count, input: base, arena: arena.map { UnsafePointer($0) })
        let name = view.string(key.index)
        for other in earlier where other.print == key.print && memoryEqual(view.string(other.index), name) {
            throw duplicate(name, at: key.offset)
        }
    }

    /// Length, first and last byte of a key: equal keys have equal fingerprints.
    @inline(__always)
    static func fingerprint(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let n = key.count
        guard n > 0 else { return 0 }
        return UInt64(truncatingIfNeeded: n) << 16 | UInt64(key[0]) << 8 | UInt64(key[n &- 1])
    }

    private func duplicate(_ key: UnsafeBufferPointer<UInt8>, at offset: Int) -> JSONParseError {
        fail(.duplicateKey, "duplicate object key \"\(String(decoding: key, as: UTF8.self))\"", at: offset)
    }

    private mutating func literal(_ word: StaticString, _ kind: TapeKind) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        var i = 0
        while i < n {
            guard pos &+ i < end, base[pos &+ i] == w[i] else {
                pos &+= i
                throw unexpected("'\(word)'")
            }
            i &+= 1
        }
        pos &+= n
        append(TapeNode(kind: kind))
    }

    // MARK: Numbers

    private mutating func parseNumber() throws(JSONParseError) {
        let start = pos
        var negative = false
        if base[pos] == UInt8(ascii: "-") {
            negative = true
            pos &+= 1
        }
        guard pos < end else { throw unexpected("a digit") }
        var significand: UInt64 = 0
        var digits = 0          // significant digits accumulated (leading zeros skipped)
        var overflow = false    // more than 19 significant digits
        var exponent = 0
        let first = base[pos]
        if first == UInt8(ascii: "0") {
            pos &+= 1
            if pos < end, base[pos] &- UInt8(ascii: "0") < 10 {
                throw fail(.invalidNumber, "leading zeros are not allowed in numbers", at: pos)
            }
        } else if first &- UInt8(ascii: "0") < 10 {
            while pos < end {
                let d = base[pos] &- UInt8(ascii: "0")
                if d >= 10 { break }
                if digits < 19 {
                    significand = significand &* 10 &+ UInt64(d)
                    digits &+= 1
                } else {
                    overflow = true
                    exponent &+= 1
                }
                pos &+= 1
            }
        } else {
            throw unexpected("a digit")
        }
        var isInteger = true
        if pos < end && base[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos &+= 1
            let fracStart = pos
            while pos < end {
                let d = base[pos] &- UInt8(ascii: "0")
                if d >= 10 { break }
                if digits < 19 {
                    if digits > 0 || d != 0 {
                        significand = significand &* 10 &+ UInt64(d)
                        digits &+= 1
                    }
                    exponent &-= 1
                } else if d != 0 {
                    overflow = true
                }
                pos &+= 1
            }
            if pos == fracStart { throw unexpected("a digit after the decimal point") }
        }
        if pos < end && base[pos] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            pos &+= 1
            var expNegative = false
            if pos < end && (base[pos] == UInt8(ascii: "+") || base[pos] == UInt8(ascii: "-")) {
                expNegative = base[pos] == UInt8(ascii: "-")
                pos &+= 1
            }
            let expStart = pos
            var e = 0
            while pos < end {
                let d = base[pos] &- UInt8(ascii: "0")
                if d >= 10 { break }
                if e < 100_000_000 { e = e &* 10 &+ Int(d) }
                pos &+= 1
            }
            if pos == expStart { throw unexpected("a digit in the exponent") }
            exponent &+= expNegative ? -e : e
        }
        if isInteger && !overflow && digits <= 18 {
            let v = Int64(significand)
            append(TapeNode(kind: .int, b: UInt64(bitPattern: negative ? -v : v)))
            return
        }
        // Range check on the magnitude of the most significant digit.
        if digits > 0 {
            let adjusted = exponent + digits - 1
            if abs(adjusted) > JSONNumber.maxExponentMagnitude {
                let text = String(decoding: UnsafeBufferPointer(start: base + start, count: min(pos - start, 40)), as: UTF8.self)
                throw fail(.numberOutOfRange,
                           "number \(text)\(pos - start > 40 ? "..." : "") is outside the supported range (magnitudes 1e-\(JSONNumber.maxExponentMagnitude) to 1e\(JSONNumber.maxExponentMagnitude))",
                           at: start)
            }
        }
        if !overflow {
            if digits == 0 {
                append(TapeNode(kind: .int, b: 0))
            } else {
                append(TapeNode(kind: .decimal, flags: negative ? TapeNode.negative : 0,
                                     a: UInt32(bitPattern: Int32(exponent)), b: significand))
            }
            return
        }
        append(TapeNode(kind: .bignum, a: UInt32(start), b: UInt64(pos - start)))
    }

    // MARK: Strings

    /// Parses a string starting at the opening quote.
    private mutating func parseString<Form: JSONTextForm>(_ form: Form.Type) throws(JSONParseError) {
        pos &+= Form.quoteWidth
        let start = pos
        var flags: UInt8 = 0
        while true {
            pos = JSONParser.firstSpecial(base, pos, end)
            guard pos < end else { throw fail(.invalidString, "unterminated string", at: start - 1) }
            let c = base[pos]
            if Form.isStringLiteralContent {
                // Only `\"` (the string's end) is taken; a string with escapes of its own, or a quote
                // that ends the literal, is left to the unescaped document's parse.
                if c == UInt8(ascii: "\"") { throw JSONParser.notTaken }
                if c == UInt8(ascii: "\\") {
                    guard pos &+ 1 < end && base[pos &+ 1] == UInt8(ascii: "\"") else { throw JSONParser.notTaken }
                    append(TapeNode(kind: .string, flags: flags, a: UInt32(start), b: UInt64(pos &- start)))
                    pos &+= 2
                    return
                }
            }
            if c == UInt8(ascii: "\"") {
                append(TapeNode(kind: .string, flags: flags, a: UInt32(start), b: UInt64(pos &- start)))
                pos &+= 1
                return
            }
            if c == UInt8(ascii: "\\") {
                try parseEscapedString(start: start, flags: flags)
                return
            }
            if c < 0x20 {
                throw fail(.invalidString, "control character 0x\(String(c, radix: 16, uppercase: true)) must be escaped in a string")
            }
            // What is left: the first byte of a UTF-8 sequence.
            flags |= TapeNode.nonASCII
            try skipUTF8Sequence()
        }
    }

    /// Finds bytes that end the fast path: `"`, `\`, control characters (``JSONValue/escapeMask(_:)``)
    /// and non-ASCII. The lowest set high bit marks the first such byte exactly (higher ones may be
    /// false positives, never lower ones).
    @inline(__always)
    static func specialMask(_ x: UInt64) -> UInt64 {
        JSONValue.escapeMask(x) | (x & 0x8080_8080_8080_8080)
    }

    /// Validates one multi-byte UTF-8 sequence at `pos` and moves past it.
    @inline(__always)
    private mutating func skipUTF8Sequence() throws(JSONParseError) {
        let c = base[pos]
        let need: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; upper = 0x9F   // no encoded surrogates
        case 0xF0: need = 3; lower = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; upper = 0x8F   // nothing above U+10FFFF
        default:
            throw fail(.invalidUTF8, "invalid UTF-8 byte 0x\(String(c, radix: 16, uppercase: true)) in a string")
        }
        guard pos &+ need < end else {
            throw fail(.invalidUTF8, "truncated UTF-8 sequence in a string")
        }
        let c1 = base[pos &+ 1]
        guard c1 >= lower && c1 <= upper else {
            throw fail(.invalidUTF8, "invalid UTF-8 sequence in a string")
        }
        var i = 2
        while i <= need {
            guard base[pos &+ i] & 0xC0 == 0x80 else {
                throw fail(.invalidUTF8, "invalid UTF-8 sequence in a string")
            }
            i &+= 1
        }
        pos &+= need &+ 1
    }

    /// Continues a string that contains escapes, decoding it into the arena.
    private mutating func parseEscapedString(start: Int, flags initialFlags: UInt8) throws(JSONParseError) {
        var flags = initialFlags | TapeNode.inArena
        let arenaStart = appendToArena(UnsafeBufferPointer(start: base + start, count: pos - start))
        while true {
            guard pos < end else { throw fail(.invalidString, "unterminated string", at: start - 1) }
            let c = base[pos]
            if c == UInt8(ascii: "\"") {
                pos &+= 1
                append(TapeNode(kind: .string, flags: flags, a: UInt32(arenaStart),
                                     b: UInt64(arenaCount - arenaStart)))
                return
            }
            if c == UInt8(ascii: "\\") {
                pos &+= 1
                guard pos < end else { throw fail(.invalidString, "unterminated escape sequence") }
                let e = base[pos]
                pos &+= 1
                switch e {
                case UInt8(ascii: "\""): appendToArena(byte: 0x22)
                case UInt8(ascii: "\\"): appendToArena(byte: 0x5C)
                case UInt8(ascii: "/"): appendToArena(byte: 0x2F)
                case UInt8(ascii: "b"): appendToArena(byte: 0x08)
                case UInt8(ascii: "f"): appendToArena(byte: 0x0C)
                case UInt8(ascii: "n"): appendToArena(byte: 0x0A)
                case UInt8(ascii: "r"): appendToArena(byte: 0x0D)
                case UInt8(ascii: "t"): appendToArena(byte: 0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if scalar >= 0xD800 && scalar <= 0xDBFF {
                        guard pos &+ 1 < end, base[pos] == UInt8(ascii: "\\"), base[pos &+ 1] == UInt8(ascii: "u") else {
                            throw fail(.invalidString, "unpaired surrogate \\u\(hex(scalar)) in a string", at: pos - 6)
                        }
                        pos &+= 2
                        let low = try hex4()
                        guard low >= 0xDC00 && low <= 0xDFFF else {
                            throw fail(.invalidString, "unpaired surrogate \\u\(hex(scalar)) in a string", at: pos - 12)
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                        throw fail(.invalidString, "unpaired surrogate \\u\(hex(scalar)) in a string", at: pos - 6)
                    }
                    if scalar >= 0x80 { flags |= TapeNode.nonASCII }
                    appendUTF8(scalar)
                default:
                    throw fail(.invalidString, "invalid escape sequence '\\\(Character(Unicode.Scalar(e)))' in a string", at: pos - 2)
                }
                continue
            }
            if c < 0x20 {
                throw fail(.invalidString, "control character 0x\(String(c, radix: 16, uppercase: true)) must be escaped in a string")
            }
            if c >= 0x80 {
                flags |= TapeNode.nonASCII
                let from = pos
                try skipUTF8Sequence()
                _ = appendToArena(UnsafeBufferPointer(start: base + from, count: pos - from))
            } else {
                appendToArena(byte: c)
                pos &+= 1
            }
        }
    }

    private func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard pos &+ 4 <= end else { throw fail(.invalidString, "incomplete \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = base[pos]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 48)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 87)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - 55)
            default: throw fail(.invalidString, "invalid hex digit \(describeByte(at: pos)) in a \\u escape")
            }
            v = v << 4 | d
            pos &+= 1
        }
        return v
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        if scalar < 0x80 {
            appendToArena(byte: UInt8(scalar))
        } else if scalar < 0x800 {
            appendToArena(byte: UInt8(0xC0 | (scalar >> 6)))
            appendToArena(byte: UInt8(0x80 | (scalar & 0x3F)))
        } else if scalar < 0x10000 {
            appendToArena(byte: UInt8(0xE0 | (scalar >> 12)))
            appendToArena(byte: UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            appendToArena(byte: UInt8(0x80 | (scalar & 0x3F)))
        } else {
            appendToArena(byte: UInt8(0xF0 | (scalar >> 18)))
            appendToArena(byte: UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            appendToArena(byte: UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            appendToArena(byte: UInt8(0x80 | (scalar & 0x3F)))
        }
    }
}

/// The memory a parse works in: the tape, the arena of unescaped strings, the container stack and
/// the key fingerprints. A one-off parse hands tape and arena to a `JSONTape`; a
/// `JSONSchema.Validator` keeps one set and reuses it, so steady-state parsing allocates nothing.
struct ParseBuffers: ~Copyable {
    var nodes: UnsafeMutablePointer<TapeNode>
    var nodeCapacity: Int
    var arena: UnsafeMutablePointer<UInt8>?
    var arenaCapacity = 0
    /// Three words per open container.
    var stack: UnsafeMutablePointer<UInt64>
    var stackCapacity = 64
    var keys: UnsafeMutablePointer<KeyPrint>
    var keyCapacity = 64

    init(nodeCapacity: Int) {
        self.nodeCapacity = max(nodeCapacity, 4)
        nodes = .allocate(capacity: self.nodeCapacity)
        stack = .allocate(capacity: 3 * 64)
        keys = .allocate(capacity: 64)
    }

    /// Moves tape and arena into a `JSONTape` and frees the rest.
    consuming func takeTape(count: Int) -> JSONTape {
        let tape = JSONTape(nodes: nodes, count: count, arena: arena)
        stack.deallocate()
        keys.deallocate()
        discard self
        return tape
    }

    deinit {
        nodes.deallocate()
        arena?.deallocate()
        stack.deallocate()
        keys.deallocate()
    }
}

/// A member name's fingerprint and tape index, for duplicate detection.
struct KeyPrint {
    var print: UInt64
    /// Tape index of the key.
    var index: Int
    /// Input offset of the key's opening quote, for the error message.
    var offset: Int
}

/// Byte-wise equality of two buffers.
@inline(__always)
func memoryEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    let n = a.count
    guard n == b.count else { return false }
    guard n > 0 else { return true }
    let pa = UnsafeRawPointer(a.baseAddress.unsafelyUnwrapped)
    let pb = UnsafeRawPointer(b.baseAddress.unsafelyUnwrapped)
    // Short strings (most member names) with two overlapping loads, never past either end.
    if n <= 16 {
        if n >= 8 {
            return pa.loadUnaligned(as: UInt64.self) == pb.loadUnaligned(as: UInt64.self)
                && pa.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) == pb.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
        }
        if n >= 4 {
            return pa.loadUnaligned(as: UInt32.self) == pb.loadUnaligned(as: UInt32.self)
                && pa.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self) == pb.loadUnaligned(fromByteOffset: n &- 4, as: UInt32.self)
        }
        let a8 = pa.assumingMemoryBound(to: UInt8.self)
        let b8 = pb.assumingMemoryBound(to: UInt8.self)
        return a8[0] == b8[0] && a8[n >> 1] == b8[n >> 1] && a8[n &- 1] == b8[n &- 1]
    }
    var i = 0
    while i &+ 8 <= n {
        if pa.loadUnaligned(fromByteOffset: i, as: UInt64.self) != pb.loadUnaligned(fromByteOffset: i, as: UInt64.self) {
            return false
        }
        i &+= 8
    }
    return pa.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self) == pb.loadUnaligned(fromByteOffset: n &- 8, as: UInt64.self)
}

