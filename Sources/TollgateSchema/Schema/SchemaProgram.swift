/// The compiled form of a schema and everything it references: a flat array of nodes, each a list of
/// keywords in evaluation order, with subschemas and `$ref` targets as node indices. Immutable.
final class SchemaProgram: Sendable {
    let nodes: [SchemaNode]
    let root: Int
    /// Resources (schemas with their own URI), for `$dynamicRef` / `$recursiveRef`.
    let resources: [SchemaResourceInfo]
    /// Whether any keyword needs the dynamic scope, so evaluation can skip tracking it otherwise.
    let usesDynamicScope: Bool
    /// Evaluation depth at which a result is "invalid: recursion too deep" rather than a stack overflow.
    let maxEvaluationDepth: Int

    init(nodes: [SchemaNode], root: Int, resources: [SchemaResourceInfo], usesDynamicScope: Bool, maxEvaluationDepth: Int) {
        self.nodes = nodes
        self.root = root
        self.resources = resources
        self.usesDynamicScope = usesDynamicScope
        self.maxEvaluationDepth = maxEvaluationDepth
    }
}

struct SchemaResourceInfo: Sendable {
    /// Absolute URI, without fragment.
    var uri: String
    /// `$dynamicAnchor` names (2020-12) to node indices.
    var dynamicAnchors: [String: Int]
    /// Whether the resource root says `"$recursiveAnchor": true` (2019-09).
    var recursiveAnchor: Bool
    /// The resource's root node.
    var rootNode: Int
}

/// One compiled schema object (or boolean schema).
struct SchemaNode: Sendable {
    var keywords: [Keyword] = []
    /// `true`/`false` schemas, and objects whose keywords all ignore the instance.
    var constant: Bool? = nil
    /// Index into `SchemaProgram.resources`.
    var resource: Int = 0
    /// `absoluteURI#pointer` of this schema, for `absoluteKeywordLocation`.
    var absoluteLocation: String = ""
    /// Whether this node has `unevaluatedProperties`/`unevaluatedItems`, so it collects annotations.
    var collectsAnnotations: Bool = false
}

/// Bit set of JSON types for `type`.
struct TypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let object = TypeSet(rawValue: 4)
    static let array = TypeSet(rawValue: 8)
    static let number = TypeSet(rawValue: 16)
    static let string = TypeSet(rawValue: 32)
    static let integer = TypeSet(rawValue: 64)

    static func named(_ name: String) -> TypeSet? {
        switch name {
        case "null": return .null
        case "boolean": return .boolean
        case "object": return .object
        case "array": return .array
        case "number": return .number
        case "string": return .string
        case "integer": return .integer
        default: return nil
        }
    }

    var names: [String] {
        var out: [String] = []
        for (t, n) in [(TypeSet.null, "null"), (.boolean, "boolean"), (.object, "object"), (.array, "array"),
                       (.number, "number"), (.string, "string"), (.integer, "integer")] where contains(t) {
            out.append(n)
        }
        return out
    }
}

/// A numeric bound, precomputed for the common integer case.
struct NumericBound: Sendable {
    enum Kind: Sendable { case minimum, exclusiveMinimum, maximum, exclusiveMaximum }
    var kind: Kind
    var value: JSONNumber
    /// For integer instances: the check is `x >= intMinimum` (minimum kinds) or `x <= intMaximum`.
    var intThreshold: Int64
    /// The keyword that carries the bound (draft 4 puts exclusivity in a boolean next to it).
    var keyword: String
    /// Whether the threshold saturated (the bound is outside Int64), so every integer passes or fails.
    var intAlways: Bool?

    init(kind: Kind, value: JSONNumber, keyword: String) {
        self.kind = kind
        self.value = value
        self.keyword = keyword
        // Integer x satisfies: x >= b ⇔ x >= ceil(b); x > b ⇔ x >= floor(b)+1;
        //                      x <= b ⇔ x <= floor(b); x < b ⇔ x <= ceil(b)-1.
        let floorValue = NumericBound.floor(value)
        let ceilValue = NumericBound.ceil(value)
        var threshold: JSONNumber
        switch kind {
        case .minimum: threshold = ceilValue
        case .exclusiveMinimum: threshold = NumericBound.add(floorValue, 1)
        case .maximum: threshold = floorValue
        case .exclusiveMaximum: threshold = NumericBound.add(ceilValue, -1)
        }
        if let t = threshold.int64Value {
            intThreshold = t
            intAlways = nil
        } else {
            intThreshold = 0
            let isMin = kind == .minimum || kind == .exclusiveMinimum
            // A huge positive minimum fails every Int64; a huge negative one passes every Int64.
            intAlways = isMin ? threshold.isNegative : !threshold.isNegative
        }
    }

    func check(_ x: JSONNumber) -> Bool {
        let c = JSONNumber.compare(x, value)
        switch kind {
        case .minimum: return c >= 0
        case .exclusiveMinimum: return c > 0
        case .maximum: return c <= 0
        case .exclusiveMaximum: return c < 0
        }
    }

    @inline(__always)
    func check(int x: Int64) -> Bool {
        if let always = intAlways { return always }
        switch kind {
        case .minimum, .exclusiveMinimum: return x >= intThreshold
        case .maximum, .exclusiveMaximum: return x <= intThreshold
        }
    }

    static func floor(_ v: JSONNumber) -> JSONNumber {
        if v.isInteger { return v }
        let truncated = truncate(v)
        return v.isNegative ? add(truncated, -1) : truncated
    }

    static func ceil(_ v: JSONNumber) -> JSONNumber {
        if v.isInteger { return v }
        let truncated = truncate(v)
        return v.isNegative ? truncated : add(truncated, 1)
    }

    /// Drops the fractional part.
    static func truncate(_ v: JSONNumber) -> JSONNumber {
        let digits = v.digits
        let keep = digits.count + v.exponent
        if keep <= 0 { return .zero }
        return JSONNumber(negative: v.isNegative, digits: digits.prefix(keep), exponent: 0)
    }

    /// `v + delta` for small integer deltas, exactly (only for integers of moderate size; huge values
    /// are returned unchanged, which is exact enough for thresholds that saturate anyway).
    static func add(_ v: JSONNumber, _ delta: Int64) -> JSONNumber {
        guard let i = v.int64Value else { return v }
        let (r, o) = i.addingReportingOverflow(delta)
        return o ? v : JSONNumber(r)
    }

    var symbol: String {
        switch kind {
        case .minimum: return ">="
        case .exclusiveMinimum: return ">"
        case .maximum: return "<="
        case .exclusiveMaximum: return "<"
        }
    }
}

/// `multipleOf`, with a fast path for integer instances.
struct MultipleOf: Sendable {
    var divisor: JSONNumber
    /// For an integer x: x is a multiple iff x % intModulus == 0 (divisor = p/q in lowest terms with
    /// q a power of ten; then intModulus = p). `nil` when p does not fit in Int64.
    var intModulus: Int64?

    init(_ divisor: JSONNumber) {
        self.divisor = divisor
        if divisor.exponent >= 0 {
            intModulus = divisor.int64Value
        } else if case .small(let m) = divisor.significand {
            // divisor = m / 10^k; p = m / gcd(m, 10^k).
            var p = m
            var k = -divisor.exponent
            while k > 0 && p % 2 == 0 { p /= 2; k -= 1 }
            var k5 = -divisor.exponent
            while k5 > 0 && p % 5 == 0 { p /= 5; k5 -= 1 }
            intModulus = p <= UInt64(Int64.max) ? Int64(p) : nil
        } else {
            intModulus = nil
        }
    }
}

/// Property-name-keyed applicators and presence checks of one schema object, evaluated in one pass
/// over the instance's members: `properties`, `patternProperties`, `additionalProperties`, `required`.
struct MembersKeyword: Sendable {
    /// Names from `properties` and `required`.
    var names: ByteStringTable
    /// For each name, its `properties` subschema, or -1 when it is only required.
    var propertyNodes: [Int]
    /// Indices into `names` that `required` lists, in `required` order.
    var required: [Int]
    var hasProperties: Bool
    var patterns: [(regex: ECMARegex, source: String, node: Int)]
    var additional: Int?
    /// How the draft spells the required keyword's errors.
    var requiredKeyword: String = "required"
}

struct ItemsKeyword: Sendable {
    /// `prefixItems` (2020-12) or array-form `items` (earlier).
    var prefix: [Int]
    var prefixKeyword: String
    /// `items` (2020-12, or schema-form earlier) or `additionalItems`.
    var rest: Int?
    var restKeyword: String
}

struct ContainsKeyword: Sendable {
    var node: Int
    var minContains: Int
    var maxContains: Int?
    /// Whether matches are annotations for `unevaluatedItems` (2020-12).
    var annotates: Bool
}

struct DynamicRefKeyword: Sendable {
    var target: Int
    /// The `$dynamicAnchor` name to look up in the dynamic scope; `nil` behaves like `$ref`.
    var anchor: String?
}

/// The enum keyword: strings matched by bytes, other values structurally.
struct EnumKeyword: Sendable {
    var values: [JSONValue]
    var strings: ByteStringTable
    var others: [JSONValue]
}

/// A compiled keyword.
enum Keyword: Sendable {
    case type(TypeSet, lexicalIntegers: Bool)
    case const(JSONValue)
    case enumeration(EnumKeyword)
    case multipleOf(MultipleOf)
    case bound(NumericBound)
    case minLength(Int)
    case maxLength(Int)
    case pattern(ECMARegex, source: String)
    case format(JSONSchemaFormat)
    /// Draft 7 content assertion: `contentEncoding: base64` and/or `contentMediaType: application/json`.
    case content(base64: Bool, json: Bool)
    case minItems(Int)
    case maxItems(Int)
    case uniqueItems
    case minProperties(Int)
    case maxProperties(Int)
    case members(MembersKeyword)
    case dependentRequired([(name: String, requires: [String])], keyword: String)
    case dependentSchemas([(name: String, node: Int)], keyword: String)
    case propertyNames(Int)
    case items(ItemsKeyword)
    case contains(ContainsKeyword)
    case allOf([Int])
    case anyOf([Int])
    case oneOf([Int])
    case not(Int)
    case conditional(condition: Int, then: Int?, else: Int?)
    case ref(Int)
    case dynamicRef(DynamicRefKeyword)
    case recursiveRef(Int)
    case unevaluatedProperties(Int)
    case unevaluatedItems(Int)
}
