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
final class Annotations {
    var allProperties = false
    var properties = IndexSet64()
    var allItems = false
    var items = IndexSet64()

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
    var count: Int { errors.count }
}

/// A step of the instance path, kept only while collecting errors.
enum InstanceToken {
    case key(UnsafeBufferPointer<UInt8>)
    case index(Int)
}

/// One evaluation of a compiled schema against one parsed instance.
struct Evaluator<Mode: EvaluationMode>: ~Copyable {
    let program: SchemaProgram
    let view: TapeView
    let stopAtFirstError: Bool
    var depth = 0
    var scope: [Int] = []
    let log: ErrorLog?
    var keywordPath: [String] = []
    var instancePath: [InstanceToken] = []

    init(program: SchemaProgram, view: TapeView, stopAtFirstError: Bool) {
        self.program = program
        self.view = view
        self.stopAtFirstError = stopAtFirstError
        self.log = Mode.collectsErrors ? ErrorLog() : nil
    }

    /// The errors recorded so far (always empty in verdict mode).
    var errors: [ValidationError] { log?.errors ?? [] }

    @inline(__always)
    var errorCount: Int { Mode.collectsErrors ? log.unsafelyUnwrapped.count : 0 }

    /// Evaluates the root schema against the root value.
    mutating func run(instance: Int = 0) -> Bool {
        evaluate(program.root, instance, nil)
    }

    /// Whether to keep going after a failed keyword.
    @inline(__always)
    var continuesAfterFailure: Bool { Mode.collectsErrors && !stopAtFirstError }

    // MARK: Error reporting (only in ErrorsMode)

    func pointer(_ tokens: [InstanceToken]) -> String {
        var out = ""
        for t in tokens {
            switch t {
            case .key(let k): out += "/" + JSONPointer.escape(String(decoding: k, as: UTF8.self))
            case .index(let i): out += "/" + String(i)
            }
        }
        return out
    }

    func report(_ node: Int, _ keyword: [String], _ message: @autoclosure () -> String) {
        guard Mode.collectsErrors, let log else { return }
        var keywordLocation = ""
        for segment in keywordPath { keywordLocation += "/" + JSONPointer.escape(segment) }
        var relative = ""
        for segment in keyword { relative += "/" + JSONPointer.escape(segment) }
        keywordLocation += relative
        let absolute = program.nodes[node].absoluteLocation + URIReference.fragmentEncode(relative)
        log.errors.append(ValidationError(instanceLocation: pointer(instancePath), keywordLocation: keywordLocation,
                                      absoluteKeywordLocation: absolute, message: message()))
    }

    /// A short JSON rendering of the instance at `i`, for messages.
    func show(_ i: Int) -> String {
        let text = JSONValue(view, i).serialized()
        if text.count <= 64 { return text }
        return String(text.prefix(61)) + "..."
    }

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
    mutating func descend(_ node: Int, _ instance: Int, _ annotations: Annotations?,
                          keyword: [String], token: InstanceToken?) -> Bool
    {
        if Mode.collectsErrors {
            keywordPath.append(contentsOf: keyword)
            if let token { instancePath.append(token) }
        }
        let ok = evaluate(node, instance, annotations)
        if Mode.collectsErrors {
            keywordPath.removeLast(keyword.count)
            if token != nil { instancePath.removeLast() }
        }
        return ok
    }

    /// Evaluates a subschema whose errors are only provisional (a branch of `anyOf`, the `if`, ...):
    /// returns the verdict and drops the errors it recorded when `keepErrors` says so.
    @inline(__always)
    mutating func trial(_ node: Int, _ instance: Int, _ annotations: Annotations?, keyword: [String],
                        token: InstanceToken? = nil) -> (ok: Bool, errorStart: Int)
    {
        let start = errorCount
        let ok = descend(node, instance, annotations, keyword: keyword, token: token)
        return (ok, start)
    }

    @inline(__always)
    mutating func dropErrors(from start: Int) {
        if Mode.collectsErrors, let log, log.count > start { log.errors.removeSubrange(start...) }
    }

    // MARK: Evaluation

    mutating func evaluate(_ nodeIndex: Int, _ instance: Int, _ parentAnnotations: Annotations?) -> Bool {
        let node = program.nodes[nodeIndex]
        if let constant = node.constant {
            if !constant { report(nodeIndex, [], "no value is allowed here (the schema is false)") }
            return constant
        }
        depth &+= 1
        defer { depth &-= 1 }
        if depth > program.maxEvaluationDepth {
            report(nodeIndex, [], "schema evaluation is nested more than \(program.maxEvaluationDepth) levels deep (a $ref cycle that does not consume the instance?)")
            return false
        }
        var pushedScope = false
        if program.usesDynamicScope && scope.last != node.resource {
            scope.append(node.resource)
            pushedScope = true
        }
        defer { if pushedScope { scope.removeLast() } }

        let annotations = node.collectsAnnotations ? Annotations() : parentAnnotations
        var valid = true
        for keyword in node.keywords {
            if !evaluateKeyword(keyword, nodeIndex, instance, annotations) {
                valid = false
                if !continuesAfterFailure { return false }
            }
        }
        if node.collectsAnnotations, valid, let parentAnnotations, let annotations {
            parentAnnotations.merge(annotations)
        }
        return valid
    }

    @inline(__always)
    mutating func evaluateKeyword(_ keyword: Keyword, _ nodeIndex: Int, _ instance: Int, _ annotations: Annotations?) -> Bool {
        let kind = view[instance].kind
        switch keyword {
        case .type(let types, let lexicalIntegers):
            return checkType(types, lexicalIntegers, nodeIndex, instance)

        case .const(let value):
            if equals(instance, value) { return true }
            report(nodeIndex, ["const"], "\(show(instance)) is not the constant \(JSONValue.shortText(value))")
            return false

        case .enumeration(let e):
            if kind == .string {
                if e.strings.index(of: view.string(instance)) != nil { return true }
            } else {
                for v in e.others where equals(instance, v) { return true }
            }
            report(nodeIndex, ["enum"], "\(show(instance)) is not one of \(JSONValue.shortText(.array(e.values)))")
            return false

        case .multipleOf(let m):
            guard kind.isNumber else { return true }
            let ok: Bool
            if kind == .int, let p = m.intModulus {
                ok = Int64(bitPattern: view[instance].b) % p == 0
            } else {
                ok = view.number(instance).isMultiple(of: m.divisor)
            }
            if !ok { report(nodeIndex, ["multipleOf"], "\(show(instance)) is not a multiple of \(m.divisor)") }
            return ok

        case .bound(let b):
            guard kind.isNumber else { return true }
            let ok = kind == .int ? b.check(int: Int64(bitPattern: view[instance].b)) : b.check(view.number(instance))
            if !ok { report(nodeIndex, [b.keyword], "\(show(instance)) is not \(b.symbol) \(b.value)") }
            return ok

        case .minLength(let n):
            guard kind == .string else { return true }
            // Byte length bounds the scalar count from above; skip counting when it decides.
            if Int(view[instance].b) < n || view.scalarCount(instance) < n {
                report(nodeIndex, ["minLength"], "\(show(instance)) is shorter than \(n) characters")
                return false
            }
            return true

        case .maxLength(let n):
            guard kind == .string else { return true }
            if Int(view[instance].b) > n && view.scalarCount(instance) > n {
                report(nodeIndex, ["maxLength"], "\(show(instance)) is longer than \(n) characters")
                return false
            }
            return true

        case .pattern(let regex, let source):
            guard kind == .string else { return true }
            switch regex.test(view.string(instance)) {
            case .match: return true
            case .noMatch:
                report(nodeIndex, ["pattern"], "\(show(instance)) does not match the pattern \(JSONValue.shortText(.string(source)))")
            case .limitExceeded:
                report(nodeIndex, ["pattern"], "matching the pattern \(JSONValue.shortText(.string(source))) exceeded the limit of \(ECMARegex.backtrackingStepLimit) backtracking steps; the value is treated as not matching")
            }
            return false

        case .format(let format):
            guard kind == .string else { return true }
            if format.isValid(view.string(instance)) { return true }
            report(nodeIndex, ["format"], "\(show(instance)) is not a valid \(format.rawValue)")
            return false

        case .content(let base64, let json):
            guard kind == .string else { return true }
            var bytes = Array(view.string(instance))
            if base64 {
                guard let decoded = Base64.decode(bytes) else {
                    report(nodeIndex, ["contentEncoding"], "\(show(instance)) is not valid base64")
                    return false
                }
                bytes = decoded
            }
            if json, (try? JSONDocument(parsing: bytes)) == nil {
                report(nodeIndex, ["contentMediaType"], "\(show(instance)) is not a valid application/json document")
                return false
            }
            return true

        case .minItems(let n):
            guard kind == .array else { return true }
            if Int(view[instance].b) >= n { return true }
            report(nodeIndex, ["minItems"], "the array has \(view[instance].b) items, fewer than \(n)")
            return false

        case .maxItems(let n):
            guard kind == .array else { return true }
            if Int(view[instance].b) <= n { return true }
            report(nodeIndex, ["maxItems"], "the array has \(view[instance].b) items, more than \(n)")
            return false

        case .uniqueItems:
            guard kind == .array else { return true }
            if let (i, j) = firstDuplicate(instance) {
                report(nodeIndex, ["uniqueItems"], "items \(i) and \(j) are equal; items must be unique")
                return false
            }
            return true

        case .minProperties(let n):
            guard kind == .object else { return true }
            if Int(view[instance].b) >= n { return true }
            report(nodeIndex, ["minProperties"], "the object has \(view[instance].b) properties, fewer than \(n)")
            return false

        case .maxProperties(let n):
            guard kind == .object else { return true }
            if Int(view[instance].b) <= n { return true }
            report(nodeIndex, ["maxProperties"], "the object has \(view[instance].b) properties, more than \(n)")
            return false

        case .members(let m):
            guard kind == .object else { return true }
            return evaluateMembers(m, nodeIndex, instance, annotations)

        case .dependentRequired(let list, let keywordName):
            guard kind == .object else { return true }
            var ok = true
            for (name, requires) in list where member(instance, named: name) != nil {
                for r in requires where member(instance, named: r) == nil {
                    report(nodeIndex, [keywordName, name], "property \(JSONValue.shortText(.string(r))) is required when \(JSONValue.shortText(.string(name))) is present")
                    ok = false
                    if !continuesAfterFailure { return false }
                }
            }
            return ok

        case .dependentSchemas(let list, let keywordName):
            guard kind == .object else { return true }
            var ok = true
            for (name, node) in list where member(instance, named: name) != nil {
                if !descend(node, instance, annotations, keyword: [keywordName, name], token: nil) {
                    ok = false
                    if !continuesAfterFailure { return false }
                }
            }
            return ok

        case .propertyNames(let node):
            guard kind == .object else { return true }
            var ok = true
            var i = instance &+ 1
            let end = Int(view[instance].a)
            while i < end {
                if !descend(node, i, nil, keyword: ["propertyNames"], token: nil) {
                    ok = false
                    if !continuesAfterFailure { return false }
                }
                i = view.next(after: i &+ 1)
            }
            return ok

        case .items(let items):
            guard kind == .array else { return true }
            return evaluateItems(items, nodeIndex, instance, annotations)

        case .contains(let c):
            guard kind == .array else { return true }
            return evaluateContains(c, nodeIndex, instance, annotations)

        case .allOf(let list):
            var ok = true
            for (i, node) in list.enumerated() {
                if !descend(node, instance, annotations, keyword: ["allOf", String(i)], token: nil) {
                    ok = false
                    if !continuesAfterFailure { return false }
                }
            }
            return ok

        case .anyOf(let list):
            let start = errorCount
            var any = false
            for (i, node) in list.enumerated() {
                let branch = annotations == nil ? nil : Annotations()
                if descend(node, instance, branch, keyword: ["anyOf", String(i)], token: nil) {
                    any = true
                    if let branch { annotations?.merge(branch) } else { break }
                }
            }
            if any {
                dropErrors(from: start)
                return true
            }
            if Mode.collectsErrors, let log {
                let details = Array(log.errors[start...])
                log.errors.removeSubrange(start...)
                report(nodeIndex, ["anyOf"], "\(show(instance)) does not match any of the \(list.count) schemas in anyOf")
                log.errors += details
            }
            return false

        case .oneOf(let list):
            let start = errorCount
            var matched: [Int] = []
            for (i, node) in list.enumerated() {
                let branch = annotations == nil ? nil : Annotations()
                if descend(node, instance, branch, keyword: ["oneOf", String(i)], token: nil) {
                    matched.append(i)
                    if let branch, matched.count == 1 { annotations?.merge(branch) }
                    if matched.count > 1 && !Mode.collectsErrors { break }
                }
            }
            if matched.count == 1 {
                dropErrors(from: start)
                return true
            }
            if Mode.collectsErrors, let log {
                let details = Array(log.errors[start...])
                log.errors.removeSubrange(start...)
                if matched.isEmpty {
                    report(nodeIndex, ["oneOf"], "\(show(instance)) does not match any of the \(list.count) schemas in oneOf")
                    log.errors += details
                } else {
                    report(nodeIndex, ["oneOf"], "\(show(instance)) matches \(matched.count) schemas in oneOf (\(matched.map(String.init).joined(separator: ", "))), but must match exactly one")
                }
            }
            return false

        case .not(let node):
            let (ok, start) = trial(node, instance, nil, keyword: ["not"])
            dropErrors(from: start)
            if ok { report(nodeIndex, ["not"], "\(show(instance)) must not match the schema in not") }
            return !ok

        case .conditional(let condition, let thenNode, let elseNode):
            if thenNode == nil && elseNode == nil && annotations == nil { return true }
            let branch = annotations == nil ? nil : Annotations()
            let (ok, start) = trial(condition, instance, branch, keyword: ["if"])
            dropErrors(from: start)
            if ok {
                if let branch { annotations?.merge(branch) }
                if let thenNode { return descend(thenNode, instance, annotations, keyword: ["then"], token: nil) }
            } else if let elseNode {
                return descend(elseNode, instance, annotations, keyword: ["else"], token: nil)
            }
            return true

        case .ref(let target):
            return descend(target, instance, annotations, keyword: ["$ref"], token: nil)

        case .dynamicRef(let d):
            var target = d.target
            if let name = d.anchor {
                for resource in scope {
                    if let n = program.resources[resource].dynamicAnchors[name] {
                        target = n
                        break
                    }
                }
            }
            return descend(target, instance, annotations, keyword: ["$dynamicRef"], token: nil)

        case .recursiveRef(let staticTarget):
            var target = staticTarget
            if program.resources[program.nodes[staticTarget].resource].recursiveAnchor {
                for resource in scope where program.resources[resource].recursiveAnchor {
                    let root = program.resources[resource].rootNode
                    if root >= 0 {
                        target = root
                        break
                    }
                }
            }
            return descend(target, instance, annotations, keyword: ["$recursiveRef"], token: nil)

        case .unevaluatedProperties(let node):
            guard kind == .object, let annotations, !annotations.allProperties else { return true }
            var ok = true
            var i = instance &+ 1
            var index = 0
            let end = Int(view[instance].a)
            let isFalse = program.nodes[node].constant == false
            while i < end {
                if !annotations.properties.contains(index) {
                    if isFalse {
                        report(nodeIndex, ["unevaluatedProperties"], "property \(show(i)) is not allowed here (unevaluatedProperties is false)")
                        ok = false
                        if !continuesAfterFailure { return false }
                    } else if descend(node, i &+ 1, nil, keyword: ["unevaluatedProperties"], token: .key(view.string(i))) {
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

        case .unevaluatedItems(let node):
            guard kind == .array, let annotations, !annotations.allItems else { return true }
            var ok = true
            var i = instance &+ 1
            var index = 0
            let end = Int(view[instance].a)
            let isFalse = program.nodes[node].constant == false
            while i < end {
                if !annotations.items.contains(index) {
                    if isFalse {
                        report(nodeIndex, ["unevaluatedItems"], "item \(index) is not allowed here (unevaluatedItems is false)")
                        ok = false
                        if !continuesAfterFailure { return false }
                    } else if descend(node, i, nil, keyword: ["unevaluatedItems"], token: .index(index)) {
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
    }

    // MARK: Keyword helpers

    mutating func checkType(_ types: TypeSet, _ lexicalIntegers: Bool, _ nodeIndex: Int, _ instance: Int) -> Bool {
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
            let names = types.names
            report(nodeIndex, ["type"], "expected \(names.count == 1 ? names[0] : "one of " + names.joined(separator: ", ")), found \(typeName(instance))")
        }
        return ok
    }

    mutating func evaluateMembers(_ m: MembersKeyword, _ nodeIndex: Int, _ instance: Int, _ annotations: Annotations?) -> Bool {
        var ok = true
        var seen = IndexSet64()
        var i = instance &+ 1
        var index = 0
        let end = Int(view[instance].a)
        let additionalIsFalse = m.additional.map { program.nodes[$0].constant == false } ?? false
        while i < end {
            let key = view.string(i)
            let value = i &+ 1
            var matched = false
            if let e = m.names.index(of: key) {
                seen.insert(e)
                let node = m.propertyNodes[e]
                if node >= 0 {
                    matched = true
                    if !descend(node, value, nil, keyword: ["properties", m.names.strings[e]], token: .key(key)) {
                        ok = false
                        if !continuesAfterFailure { return false }
                    }
                }
            }
            for (regex, source, node) in m.patterns {
                switch regex.test(key) {
                case .match:
                    matched = true
                    if !descend(node, value, nil, keyword: ["patternProperties", source], token: .key(key)) {
                        ok = false
                        if !continuesAfterFailure { return false }
                    }
                case .noMatch:
                    break
                case .limitExceeded:
                    if Mode.collectsErrors { instancePath.append(.key(key)) }
                    report(nodeIndex, ["patternProperties", source], "matching the property name against the pattern exceeded the limit of \(ECMARegex.backtrackingStepLimit) backtracking steps")
                    if Mode.collectsErrors { instancePath.removeLast() }
                    ok = false
                    if !continuesAfterFailure { return false }
                }
            }
            if !matched, let additional = m.additional {
                if additionalIsFalse {
                    report(nodeIndex, ["additionalProperties"], "property \(show(i)) is not allowed (additionalProperties is false)")
                    ok = false
                    if !continuesAfterFailure { return false }
                } else if !descend(additional, value, nil, keyword: ["additionalProperties"], token: .key(key)) {
                    ok = false
                    if !continuesAfterFailure { return false }
                }
                matched = true
            }
            if matched, let annotations { annotations.properties.insert(index) }
            i = view.next(after: value)
            index &+= 1
        }
        for r in m.required where !seen.contains(r) {
            report(nodeIndex, [m.requiredKeyword], "missing required property \(JSONValue.shortText(.string(m.names.strings[r])))")
            ok = false
            if !continuesAfterFailure { return false }
        }
        return ok
    }

    mutating func evaluateItems(_ items: ItemsKeyword, _ nodeIndex: Int, _ instance: Int, _ annotations: Annotations?) -> Bool {
        var ok = true
        var i = instance &+ 1
        var index = 0
        let end = Int(view[instance].a)
        let count = Int(view[instance].b)
        while i < end && index < items.prefix.count {
            if !descend(items.prefix[index], i, nil, keyword: [items.prefixKeyword, String(index)], token: .index(index)) {
                ok = false
                if !continuesAfterFailure { return false }
            }
            i = view.next(after: i)
            index &+= 1
        }
        if let annotations {
            for k in 0..<min(items.prefix.count, count) { annotations.items.insert(k) }
        }
        guard let rest = items.rest, i < end else { return ok }
        if program.nodes[rest].constant == false {
            report(nodeIndex, [items.restKeyword], "the array has \(count) items, but only \(items.prefix.count) are allowed (\(items.restKeyword) is false)")
            return false
        }
        while i < end {
            if !descend(rest, i, nil, keyword: [items.restKeyword], token: .index(index)) {
                ok = false
                if !continuesAfterFailure { return false }
            }
            i = view.next(after: i)
            index &+= 1
        }
        if let annotations { annotations.allItems = true }
        return ok
    }

    mutating func evaluateContains(_ c: ContainsKeyword, _ nodeIndex: Int, _ instance: Int, _ annotations: Annotations?) -> Bool {
        var matches = 0
        var i = instance &+ 1
        var index = 0
        let end = Int(view[instance].a)
        let start = errorCount
        let mustCountAll = c.maxContains != nil || (c.annotates && annotations != nil)
        while i < end {
            if descend(c.node, i, nil, keyword: ["contains"], token: .index(index)) {
                matches &+= 1
                if c.annotates, let annotations { annotations.items.insert(index) }
                if !mustCountAll && matches >= c.minContains { break }
            }
            i = view.next(after: i)
            index &+= 1
        }
        dropErrors(from: start)
        if matches < c.minContains {
            report(nodeIndex, [c.minContains == 1 ? "contains" : "minContains"],
                   c.minContains == 1 ? "the array does not contain an item that matches contains"
                                      : "the array contains \(matches) matching items, fewer than minContains \(c.minContains)")
            return false
        }
        if let max = c.maxContains, matches > max {
            report(nodeIndex, ["maxContains"], "the array contains \(matches) matching items, more than maxContains \(max)")
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
        var positions: [Int] = []
        positions.reserveCapacity(Int(view[instance].b))
        var i = instance &+ 1
        let end = Int(view[instance].a)
        while i < end {
            positions.append(i)
            i = view.next(after: i)
        }
        if positions.count <= 32 {
            for a in 0..<positions.count {
                for b in (a + 1)..<positions.count where equals(positions[a], positions[b]) {
                    return (a, b)
                }
            }
            return nil
        }
        // Larger arrays: bucket by a hash consistent with JSON equality.
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
        let text = v.serialized()
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
