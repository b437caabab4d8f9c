/// A parsed JSON document: the original bytes plus a compact tape index over them.
///
/// Parse once, then validate against any number of schemas without parsing again. Building a
/// ``JSONValue`` tree (``root``) is optional and costs allocations the validator does not need.
public struct JSONDocument: Sendable {
    @usableFromInline let bytes: [UInt8]
    @usableFromInline let tape: JSONTape

    /// Parses `bytes` (strict RFC 8259, UTF-8) within `limits`.
    public init(parsing bytes: some Collection<UInt8>, limits: JSONParseLimits = .default) throws(JSONParseError) {
        let owned = Array(bytes)
        self.bytes = owned
        do {
            self.tape = try owned.withUnsafeBufferPointer { buffer throws(JSONParseError) in
                try JSONParser.parse(buffer, limits: limits)
            }
        } catch {
            throw error
        }
    }

    /// Parses JSON text.
    public init(parsing text: String, limits: JSONParseLimits = .default) throws(JSONParseError) {
        try self.init(parsing: Array(text.utf8), limits: limits)
    }

    /// The size of the document in bytes.
    public var byteCount: Int { bytes.count }

    /// Runs `body` with an unsafe view of the tape. Do not escape the view.
    func withView<R>(_ body: (TapeView) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { buffer in
            try body(TapeView(nodes: tape.nodes, count: tape.count, input: buffer.baseAddress ?? emptyInputBase,
                              arena: tape.arena.map { UnsafePointer($0) }))
        }
    }

    /// Tape index of member `name` of the object at `index`.
    func memberIndex(_ index: Int, _ name: String) -> Int? {
        withView { view in
            guard view[index].kind == .object else { return nil }
            var i = index + 1
            while i < Int(view[index].a) {
                if String(decoding: view.string(i), as: UTF8.self) == name { return i + 1 }
                i = view.next(after: i + 1)
            }
            return nil
        }
    }

    /// Tape indices of the elements of the array at `index`.
    func elementIndices(_ index: Int) -> [Int] {
        withView { view in
            guard view[index].kind == .array else { return [] }
            var out: [Int] = []
            var i = index + 1
            while i < Int(view[index].a) {
                out.append(i)
                i = view.next(after: i)
            }
            return out
        }
    }

    /// The value an RFC 6901 JSON Pointer (`/order/schemaVersion`) names, built as a tree; `nil` when
    /// the pointer is malformed or names nothing. Only the named subtree is built.
    public func value(atPointer pointer: String) -> JSONValue? {
        guard let tokens = JSONPointer.tokens(pointer) else { return nil }
        return withView { view -> JSONValue? in
            var index = 0
            for token in tokens {
                let node = view[index]
                switch node.kind {
                case .object:
                    var i = index + 1
                    var found: Int?
                    var target = token
                    target.withUTF8 { name in
                        while i < Int(node.a) {
                            if memoryEqual(view.string(i), name) { found = i + 1 }
                            i = view.next(after: i + 1)
                        }
                    }
                    guard let found else { return nil }
                    index = found
                case .array:
                    guard let position = JSONPointer.arrayIndex(token), position < Int(node.b) else { return nil }
                    var i = index + 1
                    for _ in 0..<position { i = view.next(after: i) }
                    index = i
                default:
                    return nil
                }
            }
            return JSONValue(view, index)
        }
    }

    /// The value at tape entry `index` as a tree.
    func value(at index: Int) -> JSONValue {
        withView { view in JSONValue(view, index) }
    }

    /// The document as a ``JSONValue`` tree.
    public var root: JSONValue {
        withView { view in JSONValue(view, 0) }
    }
}

extension JSONValue {
    /// Builds the tree for the tape entry at `index`.
    init(_ view: TapeView, _ index: Int) {
        let node = view[index]
        switch node.kind {
        case .null: self = .null
        case .falseValue: self = .bool(false)
        case .trueValue: self = .bool(true)
        case .int, .decimal, .bignum: self = .number(view.number(index))
        case .string: self = .string(String(decoding: view.string(index), as: UTF8.self))
        case .array:
            var items: [JSONValue] = []
            items.reserveCapacity(Int(node.b))
            var i = index + 1
            while i < Int(node.a) {
                items.append(JSONValue(view, i))
                i = view.next(after: i)
            }
            self = .array(items)
        case .object:
            var object = JSONObject()
            var i = index + 1
            while i < Int(node.a) {
                let key = String(decoding: view.string(i), as: UTF8.self)
                object[key] = JSONValue(view, i + 1)
                i = view.next(after: i + 1)
            }
            self = .object(object)
        }
    }
}

/// RFC 6901 JSON Pointer helpers.
public enum JSONPointer {
    /// Escapes one reference token (`~` → `~0`, `/` → `~1`).
    public static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        var token = token
        var out: [UInt8] = []
        token.withUTF8 { appendEscaped($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends one reference token's UTF-8 bytes, escaped, to a pointer being written as bytes.
    static func appendEscaped(_ token: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        for b in token {
            switch b {
            case UInt8(ascii: "~"): out.append(UInt8(ascii: "~")); out.append(UInt8(ascii: "0"))
            case UInt8(ascii: "/"): out.append(UInt8(ascii: "~")); out.append(UInt8(ascii: "1"))
            default: out.append(b)
            }
        }
    }

    /// Joins tokens into a pointer (`""` for the whole document).
    public static func make(_ tokens: some Sequence<String>) -> String {
        tokens.reduce(into: "") { $0 += "/" + escape($1) }
    }

    /// Splits a pointer into unescaped tokens; `nil` if it is not a valid pointer.
    public static func tokens(_ pointer: String) -> [String]? {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        var result: [String] = []
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var it = raw.unicodeScalars.makeIterator()
            while let c = it.next() {
                if c == "~" {
                    switch it.next() {
                    case "0": token += "~"
                    case "1": token += "/"
                    default: return nil
                    }
                } else {
                    token.unicodeScalars.append(c)
                }
            }
            result.append(token)
        }
        return result
    }

    /// The array index a token denotes: decimal digits without leading zeros.
    public static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        if token.utf8.count > 1 && token.utf8.first == UInt8(ascii: "0") { return nil }
        return Int(token)
    }
}
