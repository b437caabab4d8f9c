/// The hot-path form of a compiled schema: plain-data records in memory the program owns, so
/// evaluation reads keywords without reference counting, copying or allocating.
///
/// The rich form (``SchemaNode`` / ``Keyword``) stays the source of truth for error messages; every
/// node's operations correspond one to one to its keywords.

/// One schema node.
struct NodeRecord {
    var opStart: Int32
    var opCount: Int32
    /// -1 for an ordinary schema, 0 for `false`, 1 for `true` (or a schema without assertions).
    var constant: Int8
    var collectsAnnotations: Bool
    var resource: Int32
    /// Whether no operation evaluates a subschema, so evaluation needs no depth or scope tracking.
    var isLeaf: Bool = false
    /// For a schema that is only a `$ref`: the node it finally resolves to, which verdict-only
    /// evaluation jumps to directly. -1 otherwise.
    var forward: Int32 = -1
}

/// A keyword, with only plain-data operands (indices into the program's tables).
enum Op {
    case type(TypeSet, lexicalIntegers: Bool)
    /// `enum` and `const`: an ``EnumRecord``.
    case enumeration(Int32)
    /// `intModulus` 0 means no integer fast path.
    case multipleOf(number: Int32, intModulus: Int64)
    case bound(NumericBound.Kind, number: Int32, intThreshold: Int64, intAlways: Int8)
    case minLength(Int)
    case maxLength(Int)
    case pattern(Int32)
    case format(JSONSchemaFormat)
    case content(base64: Bool, json: Bool)
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    case minProperties(Int)
    case maxProperties(Int)
    case members(Int32)
    case dependentRequired
    case dependentSchemas(Int32)
    case propertyNames(Int32)
    case items(Int32)
    case contains(node: Int32, min: Int32, max: Int32, annotates: Bool)
    case allOf(start: Int32, count: Int32)
    case anyOf(start: Int32, count: Int32)
    case oneOf(start: Int32, count: Int32)
    case not(Int32)
    case conditional(Int32, then: Int32, else: Int32)
    case ref(Int32)
    case dynamicRef
    case recursiveRef(Int32)
    case unevaluatedProperties(Int32)
    case unevaluatedItems(Int32)
}

/// An immutable set of byte strings in program memory, matched against instance bytes.
struct ByteStringSet {
    let bytes: UnsafePointer<UInt8>
    /// `count + 1` prefix offsets: entry i is `bytes[offsets[i] ..< offsets[i+1]]`.
    let offsets: UnsafePointer<Int32>
    let count: Int
    /// Open-addressing slots (entry + 1, 0 = empty) when `count` is above `linearLimit`.
    let slots: UnsafePointer<Int32>?
    let mask: Int

    static let linearLimit = 8

    /// A cheap hash from the length and three bytes; collisions are settled by comparing bytes.
    @inline(__always)
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        let n = key.count
        guard n > 0 else { return 0 }
        var h = UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(key[0]) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= UInt64(key[n >> 1]) &* 0x1656_67B1_9E37_79F9
        h ^= UInt64(key[n &- 1]) &* 0x85EB_CA77_C2B2_AE63
        return Int(truncatingIfNeeded: h ^ (h >> 31))
    }

    /// Whether entry `i` equals `key`.
    @inline(__always)
    func entryEquals(_ i: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = Int(offsets[i])
        let n = key.count
        return Int(offsets[i &+ 1]) &- start == n && memoryEqual(UnsafeBufferPointer(start: bytes + start, count: n), key)
    }

    @inline(__always)
    func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = key.count
        if let slots {
            var h = ByteStringSet.hash(key) & mask
            while true {
                let e = Int(slots[h])
                if e == 0 { return nil }
                let i = e &- 1
                let start = Int(offsets[i])
                if Int(offsets[i &+ 1]) &- start == n && memoryEqual(UnsafeBufferPointer(start: bytes + start, count: n), key) {
                    return i
                }
                h = (h &+ 1) & mask
            }
        }
        var i = 0
        while i < count {
            let start = Int(offsets[i])
            if Int(offsets[i &+ 1]) &- start == n && memoryEqual(UnsafeBufferPointer(start: bytes + start, count: n), key) {
                return i
            }
            i &+= 1
        }
        return nil
    }
}

struct PatternEntry {
    var regex: Int32
    var node: Int32
    /// Index into the program's `names` (the pattern source), for error paths.
    var name: Int32
}

struct MembersRecord {
    var names: ByteStringSet
    /// `names` index of entry 0 in the program's `names` table.
    var nameBase: Int32
    /// Per entry: the `properties` subschema, or -1.
    var propertyNodes: UnsafePointer<Int32>
    var required: UnsafePointer<Int32>
    var requiredCount: Int32
    var patterns: UnsafePointer<PatternEntry>
    var patternCount: Int32
    var additional: Int32
    var additionalIsFalse: Bool
}

struct ItemsRecord {
    var prefix: UnsafePointer<Int32>
    var prefixCount: Int32
    var rest: Int32
    var restIsFalse: Bool
    var prefixKeyword: StaticString
    var restKeyword: StaticString
}

/// `dependentSchemas` (or the schema form of `dependencies`).
struct DependentSchemasRecord {
    var names: ByteStringSet
    var nameBase: Int32
    var nodes: UnsafePointer<Int32>
    var keyword: StaticString
}

struct EnumRecord {
    var strings: ByteStringSet
    /// Non-string values, in the program's `values` table.
    var othersStart: Int32
    var othersCount: Int32
}

/// Owns the memory of the plain-data tables; frees it with the program.
final class ProgramMemory: @unchecked Sendable {
    // `@unchecked Sendable`: written only while the program is built, read-only afterwards.
    private var releases: [() -> Void] = []

    /// Copies `values` into memory owned by this object, deinitialized and freed with it.
    func store<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let count = values.count
        let p = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
        p.initialize(from: values, count: count)
        releases.append {
            p.deinitialize(count: count)
            p.deallocate()
        }
        return p
    }

    func makeSet(_ strings: [String]) -> ByteStringSet {
        var bytes: [UInt8] = []
        var offsets: [Int32] = [0]
        for s in strings {
            bytes += Array(s.utf8)
            offsets.append(Int32(bytes.count))
        }
        let bytesPointer = store(bytes)
        let offsetsPointer = store(offsets)
        var slotsPointer: UnsafePointer<Int32>?
        var mask = 0
        if strings.count > ByteStringSet.linearLimit {
            var size = 16
            while size < strings.count * 2 { size *= 2 }
            var slots = [Int32](repeating: 0, count: size)
            for i in strings.indices {
                let key = UnsafeBufferPointer(start: bytesPointer + Int(offsets[i]), count: Int(offsets[i + 1] - offsets[i]))
                var h = ByteStringSet.hash(key) & (size - 1)
                while slots[h] != 0 { h = (h + 1) & (size - 1) }
                slots[h] = Int32(i + 1)
            }
            slotsPointer = UnsafePointer(store(slots))
            mask = size - 1
        }
        return ByteStringSet(bytes: bytesPointer, offsets: offsetsPointer, count: strings.count, slots: slotsPointer, mask: mask)
    }

    deinit {
        for release in releases { release() }
    }
}
