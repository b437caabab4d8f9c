/// Whether an evaluation builds error details. The verdict-only mode compiles to a separate,
/// branch-free specialization of the evaluator.
protocol EvaluationMode {
    static var collectsErrors: Bool { get }
}

enum VerdictMode: EvaluationMode {
    @inline(__always) static var collectsErrors: Bool { false }
}

enum ErrorsMode: EvaluationMode {
    @inline(__always) static var collectsErrors: Bool { true }
}

/// Which members/items of the current instance were evaluated, for `unevaluatedProperties` and
/// `unevaluatedItems`. Allocated only for schemas that use those keywords.
/// A handle to heap storage, so passing it down the evaluation costs no reference counting; the
/// evaluation that makes one frees it.
struct Annotations: Equatable {
    struct Storage {
        var allProperties = false
        var properties = IndexSet64()
        var allItems = false
        var items = IndexSet64()
    }

    private let storage: UnsafeMutablePointer<Storage>

    static func make() -> Annotations {
        let storage = UnsafeMutablePointer<Storage>.allocate(capacity: 1)
        storage.initialize(to: Storage())
        return Annotations(storage: storage)
    }

    func free() {
        storage.deinitialize(count: 1)
        storage.deallocate()
    }

    var allProperties: Bool {
        get { storage.pointee.allProperties }
        nonmutating set { storage.pointee.allProperties = newValue }
    }

    var properties: IndexSet64 {
        unsafeAddress { UnsafePointer(storage).pointer(to: \.properties)! }
        nonmutating unsafeMutableAddress { storage.pointer(to: \.properties)! }
    }

    var allItems: Bool {
        get { storage.pointee.allItems }
        nonmutating set { storage.pointee.allItems = newValue }
    }

    var items: IndexSet64 {
        unsafeAddress { UnsafePointer(storage).pointer(to: \.items)! }
        nonmutating unsafeMutableAddress { storage.pointer(to: \.items)! }
    }

    func merge(_ other: Annotations) {
        allProperties = allProperties || other.allProperties
        properties.formUnion(other.properties)
        allItems = allItems || other.allItems
        items.formUnion(other.items)
    }
}

/// A set of small non-negative integers; inline up to 64.
struct IndexSet64 {
    var low: UInt64 = 0
    var high: [UInt64] = []

    @inline(__always)
    mutating func insert(_ i: Int) {
        if i < 64 {
            low |= 1 << UInt64(i)
        } else {
            let w = i / 64 - 1
            if high.count <= w { high += [UInt64](repeating: 0, count: w + 1 - high.count) }
            high[w] |= 1 << UInt64(i % 64)
        }
    }

    @inline(__always)
    func contains(_ i: Int) -> Bool {
        if i < 64 { return low & (1 << UInt64(i)) != 0 }
        let w = i / 64 - 1
        return w < high.count && high[w] & (1 << UInt64(i % 64)) != 0
    }

    mutating func formUnion(_ o: IndexSet64) {
        low |= o.low
        if high.count < o.high.count { high += [UInt64](repeating: 0, count: o.high.count - high.count) }
        for (i, w) in o.high.enumerated() { high[i] |= w }
    }
}

/// The errors of one evaluation, kept by reference so reporting does not contend with the
/// evaluator's own mutation.
final class ErrorLog {
    var errors: [ValidationError] = []
    /// The limit that ended the evaluation, if one did. Kept apart so that no branch (an `anyOf`
    /// alternative, a `contains` trial) can drop it; `run` appends it last.
    var limitError: ValidationError?
    var count: Int { errors.count }
}

/// The keyword or instance path of an error-collecting evaluation: a stack of plain values (steps
/// and tokens hold no references), allocated at the first push, so a verdict-only evaluation never
/// allocates one and pushing and popping cost a few instructions. `Element` must be a trivial type:
/// popped elements are not deinitialized.
struct PathStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>?
    private var capacity = 0
    private(set) var count = 0

    init() {}

    deinit { base?.deallocate() }

    var elements: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    @inline(__always)
    mutating func push(_ element: Element) {
        if count == capacity { grow() }
        (base.unsafelyUnwrapped + count).initialize(to: element)
        count &+= 1
    }

    @inline(__always)
    mutating func pop() {
        count &-= 1
    }

    @inline(never)
    private mutating func grow() {
        assert(_isPOD(Element.self), "PathStack holds trivial values only")
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: max(capacity * 2, 32))
        if let base {
            bigger.moveInitialize(from: base, count: count)
            base.deallocate()
        }
        base = bigger
        capacity = max(capacity * 2, 32)
    }
}

/// A step of the instance path, kept only while collecting errors.
enum InstanceToken {
    case key(UnsafeBufferPointer<UInt8>)
    case index(Int)
}

/// Why a keyword failed, as plain data: the message is built from it only when errors are collected.
enum Failure {
    case falseSchema
    case tooDeep(Int)
    case stackBudget(Int)
    case stepBudget(Int)
    case enumeration(op: Int, instance: Int)
    case multipleOf(number: Int32, instance: Int)
    case bound(op: Int, instance: Int)
    case minLength(Int, instance: Int)
    case maxLength(Int, instance: Int)
    case pattern(Int32, instance: Int)
    case patternLimit(Int32, instance: Int)
    case format(JSONSchemaFormat, instance: Int)
    case minItems(Int, instance: Int)
    case maxItems(Int, instance: Int)
    case uniqueItems(Int, Int)
    case minProperties(Int, instance: Int)
    case maxProperties(Int, instance: Int)
    case anyOf(count: Int32, instance: Int)
    case oneOfNone(count: Int32, instance: Int)
    case oneOfMany(matched: Int, first: Int32, second: Int32, instance: Int)
    case not(instance: Int)
    case unevaluatedProperty(key: Int)
    case unevaluatedItem(Int)
    case type(TypeSet, instance: Int)
    case contentEncoding(instance: Int)
    case contentMediaType(instance: Int)
    case additionalProperty(key: Int)
    case required(name: Int)
    case itemsBeyond(count: Int, allowed: Int, keyword: StaticString)
    case minContains(Int, matches: Int)
    case maxContains(Int, matches: Int)
}

/// One step of the keyword path, kept only while collecting errors. Plain data: names live in the
/// program's `names` table.
enum PathStep {
    case keyword(StaticString)
    case indexed(StaticString, Int32)
    case named(StaticString, Int32)
}

/// One evaluation of a compiled schema against one parsed instance.
struct Evaluator<Mode: EvaluationMode>: ~Copyable {
    let program: SchemaProgram
    let view: TapeView
    let stopAtFirstError: Bool
    let log: ErrorLog?
    // The program's plain-data tables, copied here so the hot path reads them without indirection.
    let nodes: UnsafeMutablePointer<NodeRecord>
    let ops: UnsafeMutablePointer<Op>
    let children: UnsafeMutablePointer<Int32>
    let membersRecords: UnsafeMutablePointer<MembersRecord>
    let itemsRecords: UnsafeMutablePointer<ItemsRecord>
    let enumRecords: UnsafeMutablePointer<EnumRecord>
    let dependentRecords: UnsafeMutablePointer<DependentSchemasRecord>
    let regexes: UnsafeMutablePointer<ECMARegex>
    let regexDFAs: UnsafeMutablePointer<Unmanaged<RegexDFA>?>
    let numbers: UnsafeMutablePointer<JSONNumber>
    let values: UnsafeMutablePointer<JSONValue>
    let usesDynamicScope: Bool
    let maxDepth: Int
    var depth = 0
    /// Address of the evaluation's first frame, and the deepest address it may reach.
    var stackFloor: UInt = 0
    let stackBudget: UInt
    /// Deepest stack use seen, for tests that measure frame sizes.
    var deepestStackUse: UInt = 0
    /// Schema nodes this evaluation may still enter; see `JSONSchemaOptions.maxEvaluationStepsPerValue`.
    var stepsLeft: Int
    /// Set when a limit (depth, stack, steps) ended the evaluation: every level then answers
    /// "invalid" at once, so branching schemas cannot multiply the work.
    var aborted = false
    var scope: [Int32] = []
    var keywordPath = PathStack<PathStep>()
    var instancePath = PathStack<InstanceToken>()

    init(program: SchemaProgram, view: TapeView, stopAtFirstError: Bool) {
        self.program = program
        self.view = view
        self.stopAtFirstError = stopAtFirstError
        self.log = Mode.collectsErrors ? ErrorLog() : nil
        self.nodes = program.nodeRecords
        self.ops = program.ops
        self.children = program.children
        self.membersRecords = program.membersRecords
        self.itemsRecords = program.itemsRecords
        self.enumRecords = program.enumRecords
        self.dependentRecords = program.dependentRecords
        self.regexes = program.regexes
        self.regexDFAs = program.regexDFAs
        self.numbers = program.numbers
        self.values = program.values
        self.usesDynamicScope = program.usesDynamicScope
        self.maxDepth = program.maxEvaluationDepth
        self.stackBudget = UInt(program.maxEvaluationStackBytes)
        let (perValue, overflow) = program.maxEvaluationStepsPerValue.multipliedReportingOverflow(by: max(view.count, 1))
        self.stepsLeft = overflow ? Int.max : perValue &+ 10_000
    }

    /// An address in the current stack frame.
    @inline(__always)
    static func stackAddress() -> UInt {
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }

    /// Evaluates the root schema against the value at tape entry `instance`.
    mutating func run(instance: Int = 0) -> Bool {
        stackFloor = Evaluator.stackAddress()
        let valid = evaluate(Int32(program.root), instance, nil)
        if let log, let limit = log.limitError { log.errors.append(limit) }
        return valid && !aborted
    }

    /// The errors recorded so far (always empty in verdict mode).
    var errors: [ValidationError] { log?.errors ?? [] }

    @inline(__always)
    var errorCount: Int { Mode.collectsErrors ? log.unsafelyUnwrapped.count : 0 }

    /// Whether to keep going after a failed keyword.
    @inline(__always)
    var continuesAfterFailure: Bool { Mode.collectsErrors && !stopAtFirstError && !aborted }

    // MARK: Error reporting (only in ErrorsMode)

    /// Appends `step` to a JSON Pointer being written as bytes.
    func append(_ step: PathStep, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "/"))
        switch step {
        case .keyword(let k):
            out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        case .indexed(let k, let i):
            out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            out.append(UInt8(ascii: "/"))
            out.append(contentsOf: String(i).utf8)
        case .named(let k, let n):
            out.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
            out.append(UInt8(ascii: "/"))
            var name = program.names[Int(n)]
            name.withUTF8 { JSONPointer.appendEscaped($0, to: &out) }
        }
    }

    func instancePointer() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for t in instancePath.elements {
            out.append(UInt8(ascii: "/"))
            switch t {
            case .key(let k): JSONPointer.appendEscaped(k, to: &out)
            case .index(let i): out.append(contentsOf: String(i).utf8)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Records an error of the keyword at `step` of node `node` (`nil`: the schema itself). Never
    /// inlined: messages are built only here, so the hot evaluation frames stay small.
    @inline(never)
    func record(_ node: Int32, _ step: PathStep?, _ failure: Failure) {
        guard Mode.collectsErrors, let log else { return }
        var keyword: [UInt8] = []
        keyword.reserveCapacity(128)
        for s in keywordPath.elements { append(s, to: &keyword) }
        var resolvedStep = step
        if resolvedStep == nil, case .enumeration(let op, _) = failure {
            if case .const = program.keyword(node: Int(node), op: op) { resolvedStep = .keyword("const") } else { resolvedStep = .keyword("enum") }
        }
        if resolvedStep == nil, case .bound(let op, _) = failure, case .bound(let b) = program.keyword(node: Int(node), op: op) {
            resolvedStep = .keyword(b.keywordName)
        }
        let relativeStart = keyword.count
        if let resolvedStep { append(resolvedStep, to: &keyword) }
        let relative = String(decoding: keyword[relativeStart...], as: UTF8.self)
        let absolute = program.nodes[Int(node)].absoluteLocation + URIReference.fragmentEncode(relative)
        let error = ValidationError(instanceLocation: instancePointer(), keywordLocation: String(decoding: keyword, as: UTF8.self),
                                    absoluteKeywordLocation: absolute, message: message(failure, node: Int(node)))
        switch failure {
        case .tooDeep, .stackBudget, .stepBudget:
            if log.limitError == nil { log.limitError = error }
        default:
            log.errors.append(error)
        }
    }

    /// The human message for a failure.
    func message(_ failure: Failure, node: Int) -> String {
        switch failure {
        case .falseSchema:
            return "no value is allowed here (the schema is false)"
        case .tooDeep(let depth):
            return "schema evaluation is nested more than \(depth - 1) levels deep (a $ref cycle that does not consume the instance?)"
        case .stepBudget(let perValue):
            return "schema evaluation exceeded its budget of \(perValue) steps per JSON value (a schema whose alternatives re-evaluate the same values many times?); the instance is treated as invalid"
        case .stackBudget(let depth):
            return "schema evaluation needs more than \(stackBudget / 1024) KiB of stack at nesting level \(depth); the instance is treated as invalid"
        case .enumeration(let op, let instance):
            switch program.keyword(node: node, op: op) {
            case .const(let v): return "\(show(instance)) is not the constant \(JSONValue.shortText(v))"
            case .enumeration(let e): return "\(show(instance)) is not one of \(JSONValue.shortText(.array(e.values)))"
            default: return "\(show(instance)) is not an allowed value"
            }
        case .multipleOf(let number, let instance):
            return "\(show(instance)) is not a multiple of \(numbers[Int(number)])"
        case .bound(let op, let instance):
            guard case .bound(let b) = program.keyword(node: node, op: op) else { return "\(show(instance)) is out of range" }
            return "\(show(instance)) is not \(b.symbol) \(b.value)"
        case .minLength(let n, let instance):
            return "\(show(instance)) is shorter than \(n) characters"
        case .maxLength(let n, let instance):
            return "\(show(instance)) is longer than \(n) characters"
        case .pattern(let r, let instance):
            return "\(show(instance)) does not match the pattern \(JSONValue.shortText(.string(regexes[Int(r)].pattern)))"
        case .patternLimit(let r, let instance):
            let length = Int(view[instance].b)
            return "matching the pattern \(JSONValue.shortText(.string(regexes[Int(r)].pattern))) against \(length) bytes exceeded its budget of \(ECMARegex.backtrackingStepLimit(forInputLength: length)) backtracking steps; the value is treated as not matching"
        case .format(let format, let instance):
            return "\(show(instance)) is not a valid \(format.rawValue)"
        case .minItems(let n, let instance):
            return "the array has \(view[instance].b) items, fewer than \(n)"
        case .maxItems(let n, let instance):
            return "the array has \(view[instance].b) items, more than \(n)"
        case .uniqueItems(let i, let j):
            return "items \(i) and \(j) are equal; items must be unique"
        case .minProperties(let n, let instance):
            return "the object has \(view[instance].b) properties, fewer than \(n)"
        case .maxProperties(let n, let instance):
            return "the object has \(view[instance].b) properties, more than \(n)"
        case .anyOf(let count, let instance):
            return "\(show(instance)) does not match any of the \(count) schemas in anyOf"
        case .oneOfNone(let count, let instance):
            return "\(show(instance)) does not match any of the \(count) schemas in oneOf"
        case .oneOfMany(let matched, let first, let second, let instance):
            return "\(show(instance)) matches \(matched) schemas in oneOf (\(first), \(second)\(matched > 2 ? ", ..." : "")), but must match exactly one"
        case .not(let instance):
            return "\(show(instance)) must not match the schema in not"
        case .unevaluatedProperty(let key):
            return "property \(show(key)) is not allowed here (unevaluatedProperties is false)"
        case .unevaluatedItem(let index):
            return "item \(index) is not allowed here (unevaluatedItems is false)"
        case .type(let types, let instance):
            let names = types.names
            return "expected \(names.count == 1 ? names[0] : "one of " + names.joined(separator: ", ")), found \(typeName(instance))"
        case .contentEncoding(let instance):
            return "\(show(instance)) is not valid base64"
        case .contentMediaType(let instance):
            return "\(show(instance)) is not a valid application/json document"
        case .additionalProperty(let key):
            return "property \(show(key)) is not allowed (additionalProperties is false)"
        case .required(let name):
            return "missing required property \(JSONValue.shortText(.string(program.names[name])))"
        case .itemsBeyond(let count, let allowed, let keyword):
            return "the array has \(count) items, but only \(allowed) are allowed (\(keyword) is false)"
        case .minContains(let minimum, let matches):
            return minimum == 1 ? "the array does not contain an item that matches contains"
                                : "the array contains \(matches) matching items, fewer than minContains \(minimum)"
        case .maxContains(let maximum, let matches):
            return "the array contains \(matches) matching items, more than maxContains \(maximum)"
        }
    }

    /// A short JSON rendering of the instance at `i`, for messages: ``JSONValue/shortText(_:)`` of
    /// it, written from the tape, so that a large instance
    /// (an object that has a property too many) is written only as far as the message shows it.
    func show(_ i: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128)
        let whole = view.writeCompact(i, to: &bytes, limit: Evaluator.shownBytes)
        if whole { return JSONValue.shortened(String(decoding: bytes, as: UTF8.self)) }
        // Cut: the first 82 characters are whole, and the message shows 77 of them, unless
        // characters of many bytes each leave fewer in the bytes written.
        let head = String(decoding: bytes, as: UTF8.self)
        if head.count >= 82 { return String(head.prefix(77)) + "..." }
        return JSONValue.shortText(JSONValue(view, i))
    }

    /// Bytes of an instance written for a message before the rest is left out.
    static var shownBytes: Int { 1024 }

    func typeName(_ i: Int) -> String {
        switch view[i].kind {
        case .null: return "null"
        case .falseValue, .trueValue: return "boolean"
        case .int: return "integer"
        case .decimal, .bignum: return view.number(i).isInteger ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    // MARK: Descending

    @inline(__always)
    mutating func descend(_ node: Int32, _ instance: Int, _ annotations: Annotations?, _ step: PathStep) -> Bool {
        if Mode.collectsErrors { push(step, nil) }
        let ok = evaluate(node, instance, annotations)
        if Mode.collectsErrors { pop(token: false) }
        return ok
    }

    // Path bookkeeping out of line: growing a stack inline would enlarge every evaluation frame.
    @inline(never)
    mutating func push(_ step: PathStep, _ token: InstanceToken?) {
        keywordPath.push(step)
        if let token { instancePath.push(token) }
    }

    @inline(never)
    mutating func pop(token: Bool) {
        keywordPath.pop()
        if token { instancePath.pop() }
    }

    @inline(__always)
    mutating func descend(_ node: Int32, _ instance: Int, _ annotations: Annotations?, _ step: PathStep,
                          _ token: InstanceToken) -> Bool
    {
        if Mode.collectsErrors { push(step, token) }
        let ok = evaluate(node, instance, annotations)
        if Mode.collectsErrors { pop(token: true) }
        return ok
    }

    @inline(__always)
    func dropErrors(from start: Int) {
        if Mode.collectsErrors, let log, log.count > start { log.errors.removeSubrange(start...) }
    }

    // MARK: Evaluation

    mutating func evaluate(_ requestedNode: Int32, _ instance: Int, _ parentAnnotations: Annotations?) -> Bool {
        var nodeIndex = requestedNode
        var node = nodes[Int(nodeIndex)]
        if !Mode.collectsErrors && node.forward >= 0 {
            nodeIndex = node.forward
            node = nodes[Int(nodeIndex)]
        }
        if node.constant >= 0 {
            if node.constant == 0 { record(nodeIndex, nil, .falseSchema) }
            return node.constant == 1
        }
        stepsLeft &-= 1
        if stepsLeft < 0 || aborted {
            if !aborted {
                aborted = true
                record(nodeIndex, nil, .stepBudget(program.maxEvaluationStepsPerValue))
            }
            return false
        }
        if node.isLeaf { return evaluateLeaf(node, nodeIndex, instance) }
        depth &+= 1
        defer { depth &-= 1 }
        // Stacks grow down; the distance from the first frame is what this evaluation has used.
        let used = stackFloor &- Evaluator.stackAddress()
        if depth > maxDepth || used > stackBudget {
            aborted = true
            record(nodeIndex, nil, depth > maxDepth ? .tooDeep(depth) : .stackBudget(depth))
            return false
        }
        if used > deepestStackUse { deepestStackUse = used }
        var pushedScope = false
        if usesDynamicScope && scope.last != node.resource {
            scope.append(node.resource)
            pushedScope = true
        }
        defer { if pushedScope { scope.removeLast() } }

        let annotations = node.collectsAnnotations ? Annotations.make() : parentAnnotations
        defer { if node.collectsAnnotations { annotations?.free() } }
        var valid = true
        var k = Int(node.opStart)
        let end = k &+ Int(node.opCount)
        while k < end {
            if !evaluateOp(k, nodeIndex, instance, annotations) {
                valid = false
                if !continuesAfterFailure { return false }
            }
            k &+= 1
        }
        if node.collectsAnnotations, valid, let parentAnnotations, let annotations {
            parentAnnotations.merge(annotations)
        }
        return valid
    }

    /// Evaluates a node whose keywords are all checks (no subschemas). Out of line, so `evaluate`'s
    /// frame, which every level of a deep evaluation pays for, stays small.
    @inline(never)
    mutating func evaluateLeaf(_ node: NodeRecord, _ nodeIndex: Int32, _ instance: Int) -> Bool {
        var valid = true
        var k = Int(node.opStart)
        let end = k &+ Int(node.opCount)
        let kind = view[instance].kind
        while k < end {
            if !evaluateLeafOp(k, nodeIndex, instance, kind) {
                valid = false
                if !continuesAfterFailure { return false }
            }
            k &+= 1
        }
        return valid
    }

    /// The checks a leaf node holds, with the common ones inline; the rest go through `evaluateOp`.
    @inline(__always)
    mutating func evaluateLeafOp(_ k: Int, _ nodeIndex: Int32, _ instance: Int, _ kind: TapeKind) -> Bool {
        switch ops[k] {
        case .type(let types, let lexicalIntegers):
            // The common answers without a call: the instance's kind maps straight to a type bit.
            switch kind {
            case .string: if types.contains(.string) { return true }
            case .object: if types.contains(.object) { return true }
            case .array: if types.contains(.array) { return true }
            case .int: if types.contains(.integer) || types.contains(.number) { return true }
            default: break
            }
            return checkType(types, lexicalIntegers, nodeIndex, instance)
        case .pattern(let r):
            guard kind == .string else { return true }
            switch testRegex(r, view.string(instance)) {
            case .match: return true
            case .noMatch: record(nodeIndex, .keyword("pattern"), .pattern(r, instance: instance))
            case .limitExceeded: record(nodeIndex, .keyword("pattern"), .patternLimit(r, instance: instance))
            }
            return false
        case .format(let format):
            guard kind == .string else { return true }
            if format.isValid(view.string(instance)) { return true }
            return evaluateCheck(k, nodeIndex, instance)
        case .minLength(let n):
            guard kind == .string else { return true }
            if Int(view[instance].b) >= n && (view[instance].flags & TapeNode.nonASCII == 0 || view.scalarCount(instance) >= n) {
                return true
            }
            return evaluateCheck(k, nodeIndex, instance)
        case .maxLength(let n):
            guard kind == .string else { return true }
            if Int(view[instance].b) <= n { return true }
            return evaluateCheck(k, nodeIndex, instance)
        case .bound(let boundKind, _, let threshold, let always):
            guard kind == .int, always < 0 else { return evaluateCheck(k, nodeIndex, instance) }
            let x = Int64(bitPattern: view[instance].b)
            if boundKind == .minimum || boundKind == .exclusiveMinimum ? x >= threshold : x <= threshold { return true }
            return evaluateCheck(k, nodeIndex, instance)
        case .enumeration(let e):
            if kind == .string && enumRecords[Int(e)].strings.index(of: view.string(instance)) != nil { return true }
            return evaluateCheck(k, nodeIndex, instance)
        default:
            return evaluateCheck(k, nodeIndex, instance)
        }
    }

    /// Dispatches one operation. Recursive keywords go to their own functions, checks to
    /// `evaluateLeafOp`, so this frame (on every level of a deep evaluation) stays small.
    @inline(__always)
    mutating func evaluateOp(_ k: Int, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        let kind = view[instance].kind
        switch ops[k] {
        case .members(let m):
            guard kind == .object else { return true }
            return evaluateMembers(membersRecords[Int(m)], nodeIndex, instance, annotations)

        case .dependentSchemas:
            return applyDependentSchemas(k, nodeIndex, instance, annotations)

        case .propertyNames:
            return applyPropertyNames(k, nodeIndex, instance, annotations)

        case .items(let r):
            guard kind == .array else { return true }
            return evaluateItems(itemsRecords[Int(r)], nodeIndex, instance, annotations)

        case .contains(let node, let min, let max, let annotates):
            guard kind == .array else { return true }
            return evaluateContains(node, Int(min), Int(max), annotates, nodeIndex, instance, annotations)

        case .allOf:
            return applyAllOf(k, nodeIndex, instance, annotations)

        case .anyOf:
            return applyAnyOf(k, nodeIndex, instance, annotations)

        case .oneOf:
            return applyOneOf(k, nodeIndex, instance, annotations)

        case .not:
            return applyNot(k, nodeIndex, instance, annotations)

        case .conditional:
            return applyConditional(k, nodeIndex, instance, annotations)

        case .ref(let target):
            return descend(target, instance, annotations, .keyword("$ref"))

        case .dynamicRef:
            return applyDynamicRef(k, nodeIndex, instance, annotations)

        case .recursiveRef:
            return applyRecursiveRef(k, nodeIndex, instance, annotations)

        case .unevaluatedProperties:
            return applyUnevaluatedProperties(k, nodeIndex, instance, annotations)

        case .unevaluatedItems:
            return applyUnevaluatedItems(k, nodeIndex, instance, annotations)

        default:
            return evaluateCheck(k, nodeIndex, instance)
        }
    }

    /// The checks that evaluate no subschema, with their error reporting.
    @inline(never)
    mutating func evaluateCheck(_ k: Int, _ nodeIndex: Int32, _ instance: Int) -> Bool {
        let kind = view[instance].kind
        switch ops[k] {
        case .type(let types, let lexicalIntegers):
            return checkType(types, lexicalIntegers, nodeIndex, instance)

        case .enumeration(let e):
            let allowed = enumRecords[Int(e)]
            if kind == .string {
                if allowed.strings.index(of: view.string(instance)) != nil { return true }
            } else {
                var i = Int(allowed.othersStart)
                let end = i &+ Int(allowed.othersCount)
                while i < end {
                    if equals(instance, values[i]) { return true }
                    i &+= 1
                }
            }
            record(nodeIndex, nil, .enumeration(op: k, instance: instance))
            return false

        case .multipleOf(let number, let intModulus):
            guard kind.isNumber else { return true }
            let ok: Bool
            if kind == .int && intModulus != 0 {
                ok = Int64(bitPattern: view[instance].b) % intModulus == 0
            } else {
                ok = view.number(instance).isMultiple(of: numbers[Int(number)])
            }
            if !ok { record(nodeIndex, .keyword("multipleOf"), .multipleOf(number: number, instance: instance)) }
            return ok

        case .bound(let boundKind, let number, let threshold, let always):
            guard kind.isNumber else { return true }
            let ok: Bool
            if kind == .int {
                if always >= 0 {
                    ok = always == 1
                } else {
                    let x = Int64(bitPattern: view[instance].b)
                    ok = boundKind == .minimum || boundKind == .exclusiveMinimum ? x >= threshold : x <= threshold
                }
            } else {
                let c = JSONNumber.compare(view.number(instance), numbers[Int(number)])
                switch boundKind {
                case .minimum: ok = c >= 0
                case .exclusiveMinimum: ok = c > 0
                case .maximum: ok = c <= 0
                case .exclusiveMaximum: ok = c < 0
                }
            }
            if !ok { record(nodeIndex, nil, .bound(op: k, instance: instance)) }
            return ok

        case .minLength(let n):
            guard kind == .string else { return true }
            // The byte length bounds the character count from above; count only when it must.
            if Int(view[instance].b) < n || view.scalarCount(instance) < n {
                record(nodeIndex, .keyword("minLength"), .minLength(n, instance: instance))
                return false
            }
            return true

        case .maxLength(let n):
            guard kind == .string else { return true }
            if Int(view[instance].b) > n && view.scalarCount(instance) > n {
                record(nodeIndex, .keyword("maxLength"), .maxLength(n, instance: instance))
                return false
            }
            return true

        case .pattern(let r):
            guard kind == .string else { return true }
            switch testRegex(r, view.string(instance)) {
            case .match: return true
            case .noMatch:
                record(nodeIndex, .keyword("pattern"), .pattern(r, instance: instance))
            case .limitExceeded:
                record(nodeIndex, .keyword("pattern"), .patternLimit(r, instance: instance))
            }
            return false

        case .format(let format):
            guard kind == .string else { return true }
            if format.isValid(view.string(instance)) { return true }
            record(nodeIndex, .keyword("format"), .format(format, instance: instance))
            return false

        case .content(let base64, let json):
            guard kind == .string else { return true }
            return checkContent(base64: base64, json: json, nodeIndex, instance)

        case .minItems(let n):
            guard kind == .array else { return true }
            if Int(view[instance].b) >= n { return true }
            record(nodeIndex, .keyword("minItems"), .minItems(n, instance: instance))
            return false

        case .maxItems(let n):
            guard kind == .array else { return true }
            if Int(view[instance].b) <= n { return true }
            record(nodeIndex, .keyword("maxItems"), .maxItems(n, instance: instance))
            return false

        case .uniqueItems:
            guard kind == .array else { return true }
            if let (i, j) = firstDuplicate(instance) {
                record(nodeIndex, .keyword("uniqueItems"), .uniqueItems(i, j))
                return false
            }
            return true

        case .minProperties(let n):
            guard kind == .object else { return true }
            if Int(view[instance].b) >= n { return true }
            record(nodeIndex, .keyword("minProperties"), .minProperties(n, instance: instance))
            return false

        case .maxProperties(let n):
            guard kind == .object else { return true }
            if Int(view[instance].b) <= n { return true }
            record(nodeIndex, .keyword("maxProperties"), .maxProperties(n, instance: instance))
            return false

        case .dependentRequired:
            guard kind == .object, case .dependentRequired(let list, let keywordName) = program.keyword(node: Int(nodeIndex), op: k) else { return true }
            var ok = true
            for (name, requires) in list where member(instance, named: name) != nil {
                for r in requires where member(instance, named: r) == nil {
                    if Mode.collectsErrors {
                        reportNamed(nodeIndex, keywordName, name, "property \(JSONValue.shortText(.string(r))) is required when \(JSONValue.shortText(.string(name))) is present")
                    }
                    ok = false
                    if !continuesAfterFailure { return false }
                }
            }
            return ok

        default:
            return true
        }
    }

    /// `dependentSchemas`: off the inline path, so the recursive evaluation frames stay small.
    @inline(never)
    mutating func applyDependentSchemas(_ k: Int, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        let kind = view[instance].kind
        guard case .dependentSchemas(let r) = ops[k] else { return true }
            guard kind == .object else { return true }
        let record = dependentRecords[Int(r)]
        var present: UInt64 = 0
        var presentHigh = IndexSet64()
        var i = instance &+ 1
        let end = Int(view[instance].a)
        while i < end {
            if let e = record.names.index(of: view.string(i)) {
                if e < 64 { present |= 1 &<< UInt64(e) } else { presentHigh.insert(e) }
            }
            i = view.next(after: i &+ 1)
        }
        var ok = true
        var e = 0
        while e < record.names.count {
            if e < 64 ? present & (1 &<< UInt64(e)) != 0 : presentHigh.contains(e) {
                if !descend(record.nodes[e], instance, annotations, .named(record.keyword, record.nameBase &+ Int32(e))) {
                    ok = false
                    if !continuesAfterFailure { return false }
                }
            }
            e &+= 1
        }
        return ok
    }

    /// `propertyNames`: off the inline path, so the recursive evaluation frames stay small.
    @inline(never)
    mutating func applyPropertyNames(_ k: Int, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        let kind = view[instance].kind
        guard case .propertyNames(let node) = ops[k] else { return true }
            guard kind == .object else { return true }
        var ok = true
        var i = instance &+ 1
        let end = Int(view[instance].a)
        while i < end {
            if !descend(node, i, nil, .keyword("propertyNames")) {
                ok = false
                if !continuesAfterFailure { return false }
            }
            i = view.next(after: i &+ 1)
        }
        return ok
    }

    /// `allOf`: off the inline path, so the recursive evaluation frames stay small.
    @inline(never)
    mutating func applyAllOf(_ k: Int, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        guard case .allOf(let start, let count) = ops[k] else { return true }
            var ok = true
        var i: Int32 = 0
        while i < count {
            if !descend(children[Int(start &+ i)], instance, annotations, .indexed("allOf", i)) {
                ok = false
                if !continuesAfterFailure { return false }
            }
            i &+= 1
        }
        return ok
    }

    /// `anyOf`: off the inline path, so the recursive evaluation frames stay small.
    @inline(never)
    mutating func applyAnyOf(_ k: Int, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        guard case .anyOf(let start, let count) = ops[k] else { return true }
            let errorStart = errorCount
        var any = false
        var i: Int32 = 0
        while i < count {
            let branch = annotations == nil ? nil : Annotations.make()
            defer { branch?.free() }
            if descend(children[Int(start &+ i)], instance, branch, .indexed("anyOf", i)) {
                any = true
                if let branch { annotations?.merge(branch) } else { break }
            }
            i &+= 1
        }
        if any {
            dropErrors(from: errorStart)
            return true
        }
        if Mode.collectsErrors, let log {
            let details = Array(log.errors[errorStart...])
            log.errors.removeSubrange(errorStart...)
            record(nodeIndex, .keyword("anyOf"), .anyOf(count: count, instance: instance))
            log.errors += details
        }
        return false
    }

    /// `oneOf`: off the inline path, so the recursive evaluation frames stay small.
    @inline(never)
    mutating func applyOneOf(_ k: Int, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        guard case .oneOf(let start, let count) = ops[k] else { return true }
            let errorStart = errorCount
        var matched = 0
        var firstMatch: Int32 = -1
        var secondMatch: Int32 = -1
        var i: Int32 = 0
        while i < count {
            let branch = annotations == nil ? nil : Annotations.make()
            defer { branch?.free() }
            if descend(children[Int(start &+ i)], instance, branch, .indexed("oneOf", i)) {
                matched &+= 1
                if matched == 1 {
                    firstMatch = i
                    if let branch { annotations?.merge(branch) }
                } else if matched == 2 {
                    secondMatch = i
                    if !Mode.collectsErrors { break }
                }
            }
            i &+= 1
        }
        if matched == 1 {
            dropErrors(from: errorStart)
            return true
        }
        if Mode.collectsErrors, let log {
            let details = Array(log.errors[errorStart...])
            log.errors.removeSubrange(errorStart...)
            if matched == 0 {
                record(nodeIndex, .keyword("oneOf"), .oneOfNone(count: count, instance: instance))
                log.errors += details
            } else {
                record(nodeIndex, .keyword("oneOf"), .oneOfMany(matched: matched, first: firstMatch, second: secondMatch, instance: instance))
            }
        }
        return false
    }

    /// `not`: off the inline path, so the recursive evaluation frames stay small.
    @inline(never)
    mutating func applyNot(_ k: Int, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        guard case .not(let node) = ops[k] else { return true }
            let errorStart = errorCount
        let ok = descend(node, instance, nil, .keyword("not"))
        dropErrors(from: errorStart)
        if ok { record(nodeIndex, .keyword("not"), .not(instance: instance)) }
        return !ok
    }

    /// `conditional`: off the inline path, so the recursive evaluation frames stay small.
    @inline(never)
    mutating func applyConditional(_ k: Int, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        guard case .conditional(let condition, let thenNode, let elseNode) = ops[k] else { return true }
            if thenNode < 0 && elseNode < 0 && annotations == nil { return true }
        let branch = annotations == nil ? nil : Annotations.make()
        defer { branch?.free() }
        let errorStart = errorCount
        let ok = descend(condition, instance, branch, .keyword("if"))
        dropErrors(from: errorStart)
        if ok {
            if let branch { annotations?.merge(branch) }
            if thenNode >= 0 { return descend(thenNode, instance, annotations, .keyword("then")) }
        } else if elseNode >= 0 {
            return descend(elseNode, instance, annotations, .keyword("else"))
        }
        return true
    }

    /// `dynamicRef`: off the inline path, so the recursive evaluation frames stay small.
    @inline(never)
    mutating func applyDynamicRef(_ k: Int, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        guard case .dynamicRef = ops[k] else { return true }
            guard case .dynamicRef(let d) = program.keyword(node: Int(nodeIndex), op: k) else { return true }
        var target = d.target
        if let name = d.anchor {
            for resource in scope {
                if let n = program.resources[Int(resource)].dynamicAnchors[name] {
                    target = n
                    break
                }
            }
        }
        return descend(Int32(target), instance, annotations, .keyword("$dynamicRef"))
    }

    /// `recursiveRef`: off the inline path, so the recursive evaluation frames stay small.
    @inline(never)
    mutating func applyRecursiveRef(_ k: Int, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        guard case .recursiveRef(let staticTarget) = ops[k] else { return true }
            var target = Int(staticTarget)
        if program.resources[Int(nodes[target].resource)].recursiveAnchor {
            for resource in scope where program.resources[Int(resource)].recursiveAnchor {
                let root = program.resources[Int(resource)].rootNode
                if root >= 0 {
                    target = root
                    break
                }
            }
        }
        return descend(Int32(target), instance, annotations, .keyword("$recursiveRef"))
    }

    /// `unevaluatedProperties`: off the inline path, so the recursive evaluation frames stay small.
    @inline(never)
    mutating func applyUnevaluatedProperties(_ k: Int, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        let kind = view[instance].kind
        guard case .unevaluatedProperties(let node) = ops[k] else { return true }
            guard kind == .object, let annotations, !annotations.allProperties else { return true }
        var ok = true
        var i = instance &+ 1
        var index = 0
        let end = Int(view[instance].a)
        let isFalse = nodes[Int(node)].constant == 0
        while i < end {
            if !annotations.properties.contains(index) {
                if isFalse {
                    record(nodeIndex, .keyword("unevaluatedProperties"), .unevaluatedProperty(key: i))
                    ok = false
                    if !continuesAfterFailure { return false }
                } else if descend(node, i &+ 1, nil, .keyword("unevaluatedProperties"), .key(view.string(i))) {
                    annotations.properties.insert(index)
                } else {
                    ok = false
                    if !continuesAfterFailure { return false }
                }
            }
            i = view.next(after: i &+ 1)
            index &+= 1
        }
        return ok
    }

    /// `unevaluatedItems`: off the inline path, so the recursive evaluation frames stay small.
    @inline(never)
    mutating func applyUnevaluatedItems(_ k: Int, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        let kind = view[instance].kind
        guard case .unevaluatedItems(let node) = ops[k] else { return true }
            guard kind == .array, let annotations, !annotations.allItems else { return true }
        var ok = true
        var i = instance &+ 1
        var index = 0
        let end = Int(view[instance].a)
        let isFalse = nodes[Int(node)].constant == 0
        while i < end {
            if !annotations.items.contains(index) {
                if isFalse {
                    record(nodeIndex, .keyword("unevaluatedItems"), .unevaluatedItem(index))
                    ok = false
                    if !continuesAfterFailure { return false }
                } else if descend(node, i, nil, .keyword("unevaluatedItems"), .index(index)) {
                    annotations.items.insert(index)
                } else {
                    ok = false
                    if !continuesAfterFailure { return false }
                }
            }
            i = view.next(after: i)
            index &+= 1
        }
        return ok
    }

    // MARK: Keyword helpers

    /// Runs regex `r`; DFA patterns are called without reference counting.
    @inline(__always)
    func testRegex(_ r: Int32, _ bytes: UnsafeBufferPointer<UInt8>) -> ECMARegex.Outcome {
        if let dfa = regexDFAs[Int(r)] {
            return dfa._withUnsafeGuaranteedRef { $0.test(bytes) }
        }
        return regexes[Int(r)].test(bytes)
    }

    /// Records an error at `keyword/name` where `name` is not in the names table.
    func reportNamed(_ node: Int32, _ keyword: String, _ name: String, _ message: String) {
        guard Mode.collectsErrors, let log else { return }
        var path: [UInt8] = []
        for s in keywordPath.elements { append(s, to: &path) }
        let relative = "/" + keyword + "/" + JSONPointer.escape(name)
        let keywordLocation = String(decoding: path, as: UTF8.self) + relative
        log.errors.append(ValidationError(instanceLocation: instancePointer(), keywordLocation: keywordLocation,
                                          absoluteKeywordLocation: program.nodes[Int(node)].absoluteLocation + URIReference.fragmentEncode(relative),
                                          message: message))
    }

    mutating func checkType(_ types: TypeSet, _ lexicalIntegers: Bool, _ nodeIndex: Int32, _ instance: Int) -> Bool {
        let ok: Bool
        switch view[instance].kind {
        case .null: ok = types.contains(.null)
        case .falseValue, .trueValue: ok = types.contains(.boolean)
        case .string: ok = types.contains(.string)
        case .array: ok = types.contains(.array)
        case .object: ok = types.contains(.object)
        case .int: ok = types.contains(.number) || types.contains(.integer)
        case .decimal:
            if types.contains(.number) {
                ok = true
            } else if types.contains(.integer) && !lexicalIntegers {
                ok = view.number(instance).isInteger
            } else {
                ok = false
            }
        case .bignum:
            if types.contains(.number) {
                ok = true
            } else if types.contains(.integer) {
                ok = lexicalIntegers ? !view.numberText(instance).contains(where: { $0 == 0x2E || $0 | 0x20 == 0x65 })
                                     : view.number(instance).isInteger
            } else {
                ok = false
            }
        }
        if !ok {
            record(nodeIndex, .keyword("type"), .type(types, instance: instance))
        }
        return ok
    }

    func checkContent(base64: Bool, json: Bool, _ nodeIndex: Int32, _ instance: Int) -> Bool {
        var bytes = Array(view.string(instance))
        if base64 {
            guard let decoded = Base64.decode(bytes) else {
                record(nodeIndex, .keyword("contentEncoding"), .contentEncoding(instance: instance))
                return false
            }
            bytes = decoded
        }
        if json, (try? JSONDocument(parsing: bytes)) == nil {
            record(nodeIndex, .keyword("contentMediaType"), .contentMediaType(instance: instance))
            return false
        }
        return true
    }

    @inline(never)
    mutating func evaluateMembers(_ m: MembersRecord, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        var ok = true
        var guess = 0
        var seen: UInt64 = 0
        var seenHigh = IndexSet64()
        var i = instance &+ 1
        var index = 0
        let end = Int(view[instance].a)
        while i < end {
            let key = view.string(i)
            let value = i &+ 1
            var matched = false
            // Producers usually write members in the schema's order: try the entry after the last
            // match before searching.
            var found: Int? = nil
            if guess < m.names.count && m.names.entryEquals(guess, key) {
                found = guess
            } else if guess &+ 1 < m.names.count && m.names.entryEquals(guess &+ 1, key) {
                found = guess &+ 1   // an optional member was left out
            } else {
                found = m.names.index(of: key)
            }
            if let e = found {
                guess = e &+ 1
                if e < 64 { seen |= 1 &<< UInt64(e) } else { seenHigh.insert(e) }
                let node = m.propertyNodes[e]
                if node >= 0 {
                    matched = true
                    if !Mode.collectsErrors && nodes[Int(node)].isLeaf {
                        // Most property schemas are leaves: check them here, without a call.
                        let leaf = nodes[Int(node)]
                        var k = Int(leaf.opStart)
                        let end = k &+ Int(leaf.opCount)
                        let kind = view[value].kind
                        while k < end {
                            if !evaluateLeafOp(k, node, value, kind) { return false }
                            k &+= 1
                        }
                    } else if !descend(node, value, nil, .named("properties", m.nameBase &+ Int32(e)), .key(key)) {
                        ok = false
                        if !continuesAfterFailure { return false }
                    }
                }
            }
            var p = 0
            while p < Int(m.patternCount) {
                let entry = m.patterns[p]
                switch testRegex(entry.regex, key) {
                case .match:
                    matched = true
                    if !descend(entry.node, value, nil, .named("patternProperties", entry.name), .key(key)) {
                        ok = false
                        if !continuesAfterFailure { return false }
                    }
                case .noMatch:
                    break
                case .limitExceeded:
                    if Mode.collectsErrors { instancePath.push(.key(key)) }
                    record(nodeIndex, .named("patternProperties", entry.name), .patternLimit(entry.regex, instance: i))
                    if Mode.collectsErrors { instancePath.pop() }
                    ok = false
                    if !continuesAfterFailure { return false }
                }
                p &+= 1
            }
            if !matched && m.additional >= 0 {
                if m.additionalIsFalse {
                    record(nodeIndex, .keyword("additionalProperties"), .additionalProperty(key: i))
                    ok = false
                    if !continuesAfterFailure { return false }
                } else if !descend(m.additional, value, nil, .keyword("additionalProperties"), .key(key)) {
                    ok = false
                    if !continuesAfterFailure { return false }
                }
                matched = true
            }
            if matched, let annotations { annotations.properties.insert(index) }
            i = view.next(after: value)
            index &+= 1
        }
        var r = 0
        while r < Int(m.requiredCount) {
            let e = Int(m.required[r])
            let present = e < 64 ? seen & (1 &<< UInt64(e)) != 0 : seenHigh.contains(e)
            if !present {
                record(nodeIndex, .keyword("required"), .required(name: Int(m.nameBase) + e))
                ok = false
                if !continuesAfterFailure { return false }
            }
            r &+= 1
        }
        return ok
    }

    @inline(never)
    mutating func evaluateItems(_ items: ItemsRecord, _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool {
        var ok = true
        var i = instance &+ 1
        var index = 0
        let end = Int(view[instance].a)
        let count = Int(view[instance].b)
        let prefixCount = Int(items.prefixCount)
        while i < end && index < prefixCount {
            if !descend(items.prefix[index], i, nil, .indexed(items.prefixKeyword, Int32(index)), .index(index)) {
                ok = false
                if !continuesAfterFailure { return false }
            }
            i = view.next(after: i)
            index &+= 1
        }
        if let annotations {
            for j in 0..<min(prefixCount, count) { annotations.items.insert(j) }
        }
        guard items.rest >= 0, i < end else { return ok }
        if items.restIsFalse {
            record(nodeIndex, .keyword(items.restKeyword), .itemsBeyond(count: count, allowed: prefixCount, keyword: items.restKeyword))
            return false
        }
        while i < end {
            if !descend(items.rest, i, nil, .keyword(items.restKeyword), .index(index)) {
                ok = false
                if !continuesAfterFailure { return false }
            }
            i = view.next(after: i)
            index &+= 1
        }
        if let annotations { annotations.allItems = true }
        return ok
    }

    @inline(never)
    mutating func evaluateContains(_ node: Int32, _ minContains: Int, _ maxContains: Int, _ annotates: Bool,
                                   _ nodeIndex: Int32, _ instance: Int, _ annotations: Annotations?) -> Bool
    {
        var matches = 0
        var i = instance &+ 1
        var index = 0
        let end = Int(view[instance].a)
        let errorStart = errorCount
        let mustCountAll = maxContains >= 0 || (annotates && annotations != nil)
        while i < end {
            if descend(node, i, nil, .keyword("contains"), .index(index)) {
                matches &+= 1
                if annotates, let annotations { annotations.items.insert(index) }
                if !mustCountAll && matches >= minContains { break }
            }
            i = view.next(after: i)
            index &+= 1
        }
        dropErrors(from: errorStart)
        if matches < minContains {
            record(nodeIndex, .keyword(minContains == 1 ? "contains" : "minContains"), .minContains(minContains, matches: matches))
            return false
        }
        if maxContains >= 0 && matches > maxContains {
            record(nodeIndex, .keyword("maxContains"), .maxContains(maxContains, matches: matches))
            return false
        }
        return true
    }

    /// The value index of member `name` of the object at `instance`.
    func member(_ instance: Int, named name: String) -> Int? {
        var name = name
        return name.withUTF8 { target in
            var i = instance &+ 1
            let end = Int(view[instance].a)
            while i < end {
                if memoryEqual(view.string(i), target) { return i &+ 1 }
                i = view.next(after: i &+ 1)
            }
            return nil
        }
    }

    // MARK: Equality

    /// JSON equality between the instance at `i` and `value` (numbers by exact value).
    func equals(_ i: Int, _ value: JSONValue) -> Bool {
        let n = view[i]
        switch (n.kind, value) {
        case (.null, .null): return true
        case (.trueValue, .bool(true)), (.falseValue, .bool(false)): return true
        case (.int, .number(let v)):
            if let x = v.int64Value { return x == Int64(bitPattern: n.b) }
            return false
        case (.decimal, .number(let v)), (.bignum, .number(let v)):
            return view.number(i) == v
        case (.string, .string(let s)):
            var s = s
            return s.withUTF8 { memoryEqual(view.string(i), $0) }
        case (.array, .array(let items)):
            guard Int(n.b) == items.count else { return false }
            var j = i &+ 1
            for item in items {
                if !equals(j, item) { return false }
                j = view.next(after: j)
            }
            return true
        case (.object, .object(let object)):
            guard Int(n.b) == object.count else { return false }
            var j = i &+ 1
            let end = Int(n.a)
            while j < end {
                let key = String(decoding: view.string(j), as: UTF8.self)
                guard let other = object[key], equals(j &+ 1, other) else { return false }
                j = view.next(after: j &+ 1)
            }
            return true
        default:
            return false
        }
    }

    /// JSON equality between two instance values.
    func equals(_ i: Int, _ j: Int) -> Bool {
        let a = view[i]
        let b = view[j]
        switch (a.kind, b.kind) {
        case (.null, .null), (.trueValue, .trueValue), (.falseValue, .falseValue): return true
        case (.int, .int): return a.b == b.b
        case (.int, .decimal), (.int, .bignum), (.decimal, .int), (.decimal, .decimal), (.decimal, .bignum),
             (.bignum, .int), (.bignum, .decimal), (.bignum, .bignum):
            return view.number(i) == view.number(j)
        case (.string, .string):
            return memoryEqual(view.string(i), view.string(j))
        case (.array, .array):
            guard a.b == b.b else { return false }
            var x = i &+ 1
            var y = j &+ 1
            let end = Int(a.a)
            while x < end {
                if !equals(x, y) { return false }
                x = view.next(after: x)
                y = view.next(after: y)
            }
            return true
        case (.object, .object):
            guard a.b == b.b else { return false }
            var x = i &+ 1
            let end = Int(a.a)
            while x < end {
                // Member order does not matter: find the same key in the other object.
                let key = view.string(x)
                var y = j &+ 1
                let endB = Int(b.a)
                var found = false
                while y < endB {
                    if memoryEqual(view.string(y), key) {
                        if !equals(x &+ 1, y &+ 1) { return false }
                        found = true
                        break
                    }
                    y = view.next(after: y &+ 1)
                }
                if !found { return false }
                x = view.next(after: x &+ 1)
            }
            return true
        default:
            return false
        }
    }

    /// Indices of the first pair of equal items, if any.
    func firstDuplicate(_ instance: Int) -> (Int, Int)? {
        let count = Int(view[instance].b)
        let end = Int(view[instance].a)
        if count <= 32 {
            // Pairwise over the tape, no allocation.
            var a = instance &+ 1
            var ia = 0
            while a < end {
                var b = view.next(after: a)
                var ib = ia &+ 1
                while b < end {
                    if equals(a, b) { return (ia, ib) }
                    b = view.next(after: b)
                    ib &+= 1
                }
                a = view.next(after: a)
                ia &+= 1
            }
            return nil
        }
        // Larger arrays: bucket by a hash consistent with JSON equality.
        var positions: [Int] = []
        positions.reserveCapacity(count)
        var i = instance &+ 1
        while i < end {
            positions.append(i)
            i = view.next(after: i)
        }
        var buckets: [Int: [Int]] = [:]
        for (a, p) in positions.enumerated() {
            let h = hashValue(p)
            if let candidates = buckets[h] {
                for b in candidates where equals(positions[b], p) { return (b, a) }
            }
            buckets[h, default: []].append(a)
        }
        return nil
    }

    /// A hash consistent with `equals(_:_:)`.
    func hashValue(_ i: Int) -> Int {
        var hasher = Hasher()
        hash(i, into: &hasher)
        return hasher.finalize()
    }

    func hash(_ i: Int, into hasher: inout Hasher) {
        let n = view[i]
        switch n.kind {
        case .null: hasher.combine(0)
        case .falseValue: hasher.combine(1)
        case .trueValue: hasher.combine(2)
        case .int, .decimal, .bignum: hasher.combine(view.number(i))
        case .string: hasher.combine(bytes: UnsafeRawBufferPointer(view.string(i)))
        case .array:
            hasher.combine(Int(n.b))
            var j = i &+ 1
            while j < Int(n.a) {
                hash(j, into: &hasher)
                j = view.next(after: j)
            }
        case .object:
            hasher.combine(Int(n.b))
            var acc = 0
            var j = i &+ 1
            while j < Int(n.a) {
                var h = Hasher()
                h.combine(bytes: UnsafeRawBufferPointer(view.string(j)))
                hash(j &+ 1, into: &h)
                acc ^= h.finalize()
                j = view.next(after: j &+ 1)
            }
            hasher.combine(acc)
        }
    }
}

extension TapeKind {
    @inline(__always)
    var isNumber: Bool { self == .int || self == .decimal || self == .bignum }
}

extension JSONValue {
    /// Compact JSON text, shortened for messages.
    static func shortText(_ v: JSONValue) -> String {
        shortened(v.serialized())
    }

    /// `text`, or its first 77 characters and "..." when it has more than 80.
    static func shortened(_ text: String) -> String {
        if text.count <= 80 { return text }
        return String(text.prefix(77)) + "..."
    }
}

/// RFC 4648 base64 (standard alphabet, padding required).
enum Base64 {
    static func decode(_ input: [UInt8]) -> [UInt8]? {
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var i = 0
        while i < input.count {
            var chunk: UInt32 = 0
            var padding = 0
            for j in 0..<4 {
                let c = input[i + j]
                let v: UInt32
                switch c {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(c - 65)
                case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(c - 71)
                case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(c + 4)
                case UInt8(ascii: "+"): v = 62
                case UInt8(ascii: "/"): v = 63
                case UInt8(ascii: "="):
                    // Padding only at the end of the last quantum.
                    guard i + 4 == input.count, j >= 2 else { return nil }
                    padding += 1
                    v = 0
                default: return nil
                }
                if padding > 0 && c != UInt8(ascii: "=") { return nil }
                chunk = chunk << 6 | v
            }
            out.append(UInt8(chunk >> 16))
            if padding < 2 { out.append(UInt8((chunk >> 8) & 0xFF)) }
            if padding < 1 { out.append(UInt8(chunk & 0xFF)) }
            i += 4
        }
        return out
    }
}
