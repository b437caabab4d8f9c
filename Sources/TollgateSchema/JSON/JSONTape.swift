/// The kinds of entries on a tape.
@usableFromInline
enum TapeKind: UInt8, Sendable {
    case null, falseValue, trueValue
    /// An integer of at most 18 digits; `b` holds its `Int64` bit pattern.
    case int
    /// A number of at most 19 significant digits: `b` is the significand, `a` the exponent's
    /// `Int32` bit pattern, `flags & TapeNode.negative` the sign.
    case decimal
    /// Any other number: `a`/`b` are the offset and length of its text in the input.
    case bignum
    /// `a`/`b` are offset and byte length, in the input or (`flags & TapeNode.inArena`) in the arena
    /// of unescaped strings. The bytes are always valid UTF-8.
    case string
    /// `a` is the index just past the container's last descendant, `b` its element count.
    case array
    /// `a` is the index just past the container's last descendant, `b` its member count. Members
    /// follow as key (a string entry) then value.
    case object
}

/// One entry of a parsed document: a flat, pointer-free encoding of the JSON tree in document order,
/// so a document parses with a handful of allocations and validation walks memory linearly.
@usableFromInline
struct TapeNode {
    @usableFromInline var kind: TapeKind
    @usableFromInline var flags: UInt8
    @usableFromInline var a: UInt32
    @usableFromInline var b: UInt64

    @usableFromInline static let negative: UInt8 = 1
    @usableFromInline static let inArena: UInt8 = 2
    @usableFromInline static let nonASCII: UInt8 = 4

    @inlinable
    init(kind: TapeKind, flags: UInt8 = 0, a: UInt32 = 0, b: UInt64 = 0) {
        self.kind = kind
        self.flags = flags
        self.a = a
        self.b = b
    }
}

/// The tape of one parsed document. Immutable: the parser builds the buffers and hands them over.
///
/// `@unchecked Sendable`: the buffers are never written after `init` and are freed only in `deinit`.
@usableFromInline
final class JSONTape: @unchecked Sendable {
    @usableFromInline let nodes: UnsafeMutablePointer<TapeNode>
    @usableFromInline let count: Int
    @usableFromInline let arena: UnsafeMutablePointer<UInt8>?

    /// Takes ownership of `nodes` and `arena`.
    init(nodes: UnsafeMutablePointer<TapeNode>, count: Int, arena: UnsafeMutablePointer<UInt8>?) {
        self.nodes = nodes
        self.count = count
        self.arena = arena
    }

    deinit {
        nodes.deallocate()
        arena?.deallocate()
    }
}

/// A valid address to stand in for an empty input, which has no base address. Nothing ever reads it,
/// so sharing it is safe.
nonisolated(unsafe) let emptyInputBase: UnsafePointer<UInt8> = {
    let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    p.initialize(to: 0)
    return UnsafePointer(p)
}()

/// A borrowed, unsafe view of a tape and the input it points into, valid only while both are alive.
/// The validator's hot path works on this.
@usableFromInline
struct TapeView {
    @usableFromInline let nodes: UnsafePointer<TapeNode>
    @usableFromInline let input: UnsafePointer<UInt8>
    @usableFromInline let arena: UnsafePointer<UInt8>?
    /// Number of entries (JSON values and member names) on the tape.
    @usableFromInline let count: Int

    @inlinable
    init(nodes: UnsafePointer<TapeNode>, count: Int, input: UnsafePointer<UInt8>, arena: UnsafePointer<UInt8>?) {
        self.nodes = nodes
        self.count = count
        self.input = input
        self.arena = arena
    }

    @inlinable
    subscript(_ i: Int) -> TapeNode { nodes[i] }

    /// Index of the entry after `i` and all its descendants.
    @inlinable
    func next(after i: Int) -> Int {
        let n = nodes[i]
        return n.kind.rawValue >= TapeKind.array.rawValue ? Int(n.a) : i &+ 1
    }

    /// The UTF-8 bytes of the string entry at `i`.
    @inlinable
    func string(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let n = nodes[i]
        let base = n.flags & TapeNode.inArena != 0 ? arena.unsafelyUnwrapped : input
        return UnsafeBufferPointer(start: base + Int(n.a), count: Int(n.b))
    }

    /// The text of a `bignum` entry.
    @inlinable
    func numberText(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let n = nodes[i]
        return UnsafeBufferPointer(start: input + Int(n.a), count: Int(n.b))
    }

    /// The exact value of a number entry.
    func number(_ i: Int) -> JSONNumber {
        let n = nodes[i]
        switch n.kind {
        case .int:
            return JSONNumber(Int64(bitPattern: n.b))
        case .decimal:
            return JSONNumber(negative: n.flags & TapeNode.negative != 0, significand: n.b,
                              exponent: Int(Int32(bitPattern: n.a)))
        default:
            // The parser has checked the text and its range.
            return JSONNumber.parse(numberText(i)) ?? .zero
        }
    }

    /// Appends the compact JSON text of entry `i`, exactly as its ``JSONValue`` serializes, until
    /// `out` holds more than `limit` bytes; whether it got to the end.
    func writeCompact(_ i: Int, to out: inout [UInt8], limit: Int) -> Bool {
        let n = nodes[i]
        switch n.kind {
        case .null: out.append(contentsOf: "null".utf8)
        case .falseValue: out.append(contentsOf: "false".utf8)
        case .trueValue: out.append(contentsOf: "true".utf8)
        case .int, .decimal, .bignum: number(i).write(to: &out)
        case .string: JSONValue.writeString(utf8: string(i), to: &out)
        case .array, .object:
            let isObject = n.kind == .object
            out.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
            var child = i &+ 1
            var first = true
            while child < Int(n.a) {
                if out.count > limit { return false }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                if isObject {
                    JSONValue.writeString(utf8: string(child), to: &out)
                    out.append(UInt8(ascii: ":"))
                    child &+= 1
                }
                guard writeCompact(child, to: &out, limit: limit) else { return false }
                child = next(after: child)
            }
            out.append(isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
        return out.count <= limit
    }

    /// Number of Unicode scalars in the string entry at `i`.
    @inlinable
    func scalarCount(_ i: Int) -> Int {
        let n = nodes[i]
        if n.flags & TapeNode.nonASCII == 0 { return Int(n.b) }
        let s = string(i)
        var count = 0
        for byte in s where byte & 0xC0 != 0x80 { count &+= 1 }
        return count
    }
}
