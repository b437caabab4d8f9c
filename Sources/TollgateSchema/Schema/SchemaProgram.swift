/// The compiled form of a schema and everything it references: a flat array of nodes, each a list of
/// keywords in evaluation order, with subschemas and `$ref` targets as node indices. Immutable.
///
/// `@unchecked Sendable`: besides immutable values it holds pointers into `memory`, written only in
/// `init` and read-only afterwards, and freed with the program.
final class SchemaProgram: @unchecked Sendable {
    let nodes: [SchemaNode]
    let root: Int
    /// Resources (schemas with their own URI), for `$dynamicRef` / `$recursiveRef`.
    let resources: [SchemaResourceInfo]
    /// Whether any keyword needs the dynamic scope, so evaluation can skip tracking it otherwise.
    let usesDynamicScope: Bool
    /// Evaluation depth at which a result is "invalid: recursion too deep" rather than a stack overflow.
    let maxEvaluationDepth: Int
    /// Stack an evaluation may use before its result is "invalid: too deep".
    let maxEvaluationStackBytes: Int
    /// Schema nodes an evaluation may enter per JSON value of the instance.
    let maxEvaluationStepsPerValue: Int

    // The plain-data tables the evaluator runs on (see ExecutableProgram.swift).
    let memory = ProgramMemory()
    let nodeRecords: UnsafeMutablePointer<NodeRecord>
    let ops: UnsafeMutablePointer<Op>
    let children: UnsafeMutablePointer<Int32>
    let membersRecords: UnsafeMutablePointer<MembersRecord>
    let itemsRecords: UnsafeMutablePointer<ItemsRecord>
    let enumRecords: UnsafeMutablePointer<EnumRecord>
    let dependentRecords: UnsafeMutablePointer<DependentSchemasRecord>
    let regexes: UnsafeMutablePointer<ECMARegex>
    /// Per regex, its DFA unretained (`regexes` keeps it alive), or nil when it runs another matcher.
    let regexDFAs: UnsafeMutablePointer<Unmanaged<RegexDFA>?>
    let numbers: UnsafeMutablePointer<JSONNumber>
    let values: UnsafeMutablePointer<JSONValue>
    /// Property names and pattern sources, for error paths.
    let names: [String]

    /// Compile-time notes, such as an unknown `$schema` validated as the default draft.
    let warnings: [SchemaWarning]

    init(nodes: [SchemaNode], root: Int, resources: [SchemaResourceInfo], usesDynamicScope: Bool, warnings: [SchemaWarning] = [],
         maxEvaluationDepth: Int,
         maxEvaluationStackBytes: Int, maxEvaluationStepsPerValue: Int) {
        self.nodes = nodes
        self.root = root
        self.resources = resources
        self.usesDynamicScope = usesDynamicScope
        self.warnings = warnings
        self.maxEvaluationDepth = maxEvaluationDepth
        self.maxEvaluationStackBytes = maxEvaluationStackBytes
        self.maxEvaluationStepsPerValue = maxEvaluationStepsPerValue

        var records: [NodeRecord] = []
        var ops: [Op] = []
        var children: [Int32] = []
        var members: [MembersRecord] = []
        var items: [ItemsRecord] = []
        var enums: [EnumRecord] = []
        var dependents: [DependentSchemasRecord] = []
        var regexes: [ECMARegex] = []
        var numbers: [JSONNumber] = []
        var values: [JSONValue] = []
        var names: [String] = []
        let memory = self.memory

        func list(_ nodes: [Int]) -> (Int32, Int32) {
            let start = Int32(children.count)
            children += nodes.map { Int32($0) }
            return (start, Int32(nodes.count))
        }
        func enumRecord(strings: [String], others: [JSONValue]) -> Int32 {
            enums.append(EnumRecord(strings: memory.makeSet(strings), othersStart: Int32(values.count),
                                    othersCount: Int32(others.count)))
            values += others
            return Int32(enums.count - 1)
        }
        func isFalse(_ node: Int?) -> Bool { node.map { nodes[$0].constant == false } ?? false }

        for node in nodes {
            records.append(NodeRecord(opStart: Int32(ops.count), opCount: Int32(node.keywords.count),
                                      constant: node.constant.map { $0 ? 1 : 0 } ?? -1,
                                      collectsAnnotations: node.collectsAnnotations, resource: Int32(node.resource)))
            for keyword in node.keywords {
                switch keyword {
                case .type(let t, let lexical): ops.append(.type(t, lexicalIntegers: lexical))
                case .const(let v):
                    if case .string(let s) = v {
                        ops.append(.enumeration(enumRecord(strings: [s], others: [])))
                    } else {
                        ops.append(.enumeration(enumRecord(strings: [], others: [v])))
                    }
                case .enumeration(let e):
                    ops.append(.enumeration(enumRecord(strings: e.strings, others: e.others)))
                case .multipleOf(let m):
                    numbers.append(m.divisor)
                    ops.append(.multipleOf(number: Int32(numbers.count - 1), intModulus: m.intModulus ?? 0))
                case .bound(let b):
                    numbers.append(b.value)
                    ops.append(.bound(b.kind, number: Int32(numbers.count - 1), intThreshold: b.intThreshold,
                                      intAlways: b.intAlways.map { $0 ? 1 : 0 } ?? -1))
                case .minLength(let n): ops.append(.minLength(n))
                case .maxLength(let n): ops.append(.maxLength(n))
                case .pattern(let regex, _):
                    regexes.append(regex)
                    ops.append(.pattern(Int32(regexes.count - 1)))
                case .format(let f): ops.append(.format(f))
                case .content(let base64, let json): ops.append(.content(base64: base64, json: json))
                case .minItems(let n): ops.append(.minItems(n))
                case .maxItems(let n): ops.append(.maxItems(n))
                case .uniqueItems: ops.append(.uniqueItems)
                case .minProperties(let n): ops.append(.minProperties(n))
                case .maxProperties(let n): ops.append(.maxProperties(n))
                case .members(let m):
                    let nameBase = Int32(names.count)
                    names += m.names
                    var patterns: [PatternEntry] = []
                    for p in m.patterns {
                        regexes.append(p.regex)
                        names.append(p.source)
                        patterns.append(PatternEntry(regex: Int32(regexes.count - 1), node: Int32(p.node), name: Int32(names.count - 1)))
                    }
                    members.append(MembersRecord(
                        names: memory.makeSet(m.names), nameBase: nameBase,
                        propertyNodes: UnsafePointer(memory.store(m.propertyNodes.map { Int32($0) })),
                        required: UnsafePointer(memory.store(m.required.map { Int32($0) })), requiredCount: Int32(m.required.count),
                        patterns: UnsafePointer(memory.store(patterns)), patternCount: Int32(patterns.count),
                        additional: Int32(m.additional ?? -1), additionalIsFalse: isFalse(m.additional)))
                    ops.append(.members(Int32(members.count - 1)))
                case .dependentRequired: ops.append(.dependentRequired)
                case .dependentSchemas(let list, let keywordName):
                    let nameBase = Int32(names.count)
                    names += list.map(\.name)
                    dependents.append(DependentSchemasRecord(
                        names: memory.makeSet(list.map(\.name)), nameBase: nameBase,
                        nodes: UnsafePointer(memory.store(list.map { Int32($0.node) })),
                        keyword: keywordName == "dependencies" ? "dependencies" : "dependentSchemas"))
                    ops.append(.dependentSchemas(Int32(dependents.count - 1)))
                case .propertyNames(let n): ops.append(.propertyNames(Int32(n)))
                case .items(let i):
                    items.append(ItemsRecord(
                        prefix: UnsafePointer(memory.store(i.prefix.map { Int32($0) })), prefixCount: Int32(i.prefix.count),
                        rest: Int32(i.rest ?? -1), restIsFalse: isFalse(i.rest),
                        prefixKeyword: i.prefixKeyword == "items" ? "items" : "prefixItems",
                        restKeyword: i.restKeyword == "additionalItems" ? "additionalItems" : "items"))
                    ops.append(.items(Int32(items.count - 1)))
                case .contains(let c):
                    ops.append(.contains(node: Int32(c.node), min: Int32(clamping: c.minContains),
                                         max: c.maxContains.map { Int32(clamping: $0) } ?? -1, annotates: c.annotates))
                case .allOf(let l): let (a, b) = list(l); ops.append(.allOf(start: a, count: b))
                case .anyOf(let l): let (a, b) = list(l); ops.append(.anyOf(start: a, count: b))
                case .oneOf(let l): let (a, b) = list(l); ops.append(.oneOf(start: a, count: b))
                case .not(let n): ops.append(.not(Int32(n)))
                case .conditional(let c, let t, let e):
                    ops.append(.conditional(Int32(c), then: Int32(t ?? -1), else: Int32(e ?? -1)))
                case .ref(let n): ops.append(.ref(Int32(n)))
                case .dynamicRef: ops.append(.dynamicRef)
                case .recursiveRef(let n): ops.append(.recursiveRef(Int32(n)))
                case .unevaluatedProperties(let n): ops.append(.unevaluatedProperties(Int32(n)))
                case .unevaluatedItems(let n): ops.append(.unevaluatedItems(Int32(n)))
                }
            }
        }
        // Leaves and `$ref` forwarding (only where the dynamic scope cannot observe the skipped node).
        for i in records.indices {
            let node = nodes[i]
            records[i].isLeaf = node.constant == nil && !node.collectsAnnotations && node.keywords.allSatisfy(\.isLeafCheck)
            guard !usesDynamicScope, !node.collectsAnnotations, node.keywords.count == 1,
                  case .ref(var target) = node.keywords[0] else { continue }
            var hops = 0
            while hops < nodes.count, nodes[target].keywords.count == 1, !nodes[target].collectsAnnotations,
                  case .ref(let next) = nodes[target].keywords[0] {
                target = next
                hops += 1
            }
            if hops < nodes.count { records[i].forward = Int32(target) }
        }
        self.nodeRecords = memory.store(records)
        self.ops = memory.store(ops)
        self.children = memory.store(children)
        self.membersRecords = memory.store(members)
        self.itemsRecords = memory.store(items)
        self.enumRecords = memory.store(enums)
        self.dependentRecords = memory.store(dependents)
        self.regexes = memory.store(regexes)
        self.regexDFAs = memory.store(regexes.map(\.unmanagedDFA))
        self.numbers = memory.store(numbers)
        self.values = memory.store(values)
        self.names = names
    }

    /// The rich keyword behind operation `op` of node `node`.
    func keyword(node: Int, op: Int) -> Keyword {
        nodes[node].keywords[op - Int(nodeRecords[node].opStart)]
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

    /// The keyword as a static string, for error paths.
    var keywordName: StaticString {
        switch keyword {
        case "minimum": return "minimum"
        case "maximum": return "maximum"
        case "exclusiveMinimum": return "exclusiveMinimum"
        default: return "exclusiveMaximum"
        }
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
    var names: [String]
    /// For each name, its `properties` subschema, or -1 when it is only required.
    var propertyNodes: [Int]
    /// Indices into `names` that `required` lists, in `required` order.
    var required: [Int]
    var patterns: [(regex: ECMARegex, source: String, node: Int)]
    var additional: Int?
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
    var strings: [String]
    var others: [JSONValue]
}

extension Keyword {
    /// Whether the keyword checks the instance without evaluating a subschema.
    var isLeafCheck: Bool {
        switch self {
        case .type, .const, .enumeration, .multipleOf, .bound, .minLength, .maxLength, .pattern, .format, .content,
             .minItems, .maxItems, .uniqueItems, .minProperties, .maxProperties, .dependentRequired:
            return true
        default:
            return false
        }
    }
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
