/// The JSON types a schema location admits, with integers and other numbers apart.
struct CompatibilityTypes: OptionSet, Hashable {
    let rawValue: UInt8

    static let null = CompatibilityTypes(rawValue: 1 << 0)
    static let boolean = CompatibilityTypes(rawValue: 1 << 1)
    static let object = CompatibilityTypes(rawValue: 1 << 2)
    static let array = CompatibilityTypes(rawValue: 1 << 3)
    static let string = CompatibilityTypes(rawValue: 1 << 4)
    static let integer = CompatibilityTypes(rawValue: 1 << 5)
    /// Numbers with a fractional part.
    static let fractional = CompatibilityTypes(rawValue: 1 << 6)
    static let number: CompatibilityTypes = [.integer, .fractional]
    static let all: CompatibilityTypes = [.null, .boolean, .object, .array, .string, .integer, .fractional]

    static func named(_ name: String) -> CompatibilityTypes? {
        switch name {
        case "null": return .null
        case "boolean": return .boolean
        case "object": return .object
        case "array": return .array
        case "string": return .string
        case "integer": return .integer
        case "number": return .number
        default: return nil
        }
    }

    static func of(_ value: JSONValue) -> CompatibilityTypes {
        switch value {
        case .null: return .null
        case .bool: return .boolean
        case .object: return .object
        case .array: return .array
        case .string: return .string
        case .number(let n): return n.isInteger ? .integer : .fractional
        }
    }

    /// Plural words for messages: "strings and null", "non-integer numbers".
    var words: String {
        var parts: [String] = []
        if contains(.null) { parts.append("null") }
        if contains(.boolean) { parts.append("booleans") }
        if contains(.object) { parts.append("objects") }
        if contains(.array) { parts.append("arrays") }
        if contains(.string) { parts.append("strings") }
        if isSuperset(of: .number) {
            parts.append("numbers")
        } else if contains(.integer) {
            parts.append("integers")
        } else if contains(.fractional) {
            parts.append("non-integer numbers")
        }
        if parts.count <= 1 { return parts.first ?? "nothing" }
        return parts.dropLast().joined(separator: ", ") + " and " + parts.last!
    }
}

/// The values `enum` and `const` allow at a location, each with the path of the keyword that lists it.
struct CompatibilityValueSet {
    var values: [(value: JSONValue, path: [String])]
    /// `const` or `enum`; `type` for the values of a finite type (booleans, null). For messages.
    var keyword: String

    var isScalar: Bool { values.allSatisfy { CompatibilityChecker.isScalar($0.value) } }

    func contains(_ v: JSONValue) -> Bool { values.contains { $0.value == v } }

    var rendered: String {
        keyword == "const" && values.count == 1 ? values[0].value.description : "[" + values.map(\.value.description).joined(separator: ",") + "]"
    }
}

/// A numeric bound: the tightest of `minimum`/`exclusiveMinimum` (or of the maxima).
struct CompatibilityBound {
    var value: JSONNumber
    var exclusive: Bool
    /// The keyword it comes from, which is also where it is.
    var keyword: String
    /// As a message names it: `maximum 100`, `exclusiveMaximum 100`.
    var rendered: String { "\(exclusive && keyword != "exclusiveMinimum" && keyword != "exclusiveMaximum" ? keyword + " (exclusive)" : keyword) \(value)" }
}

extension CompatibilityChecker {
    // MARK: Types and values

    static func declaredTypes(_ object: JSONObject) -> CompatibilityTypes? {
        guard let v = object["type"] else { return nil }
        var set: CompatibilityTypes = []
        switch v {
        case .string(let s): set = CompatibilityTypes.named(s) ?? .all
        case .array(let names):
            for name in names {
                guard let s = name.stringValue, let t = CompatibilityTypes.named(s) else { return .all }
                set.formUnion(t)
            }
        default: return .all
        }
        return set
    }

    static func valueSet(_ object: JSONObject, draft: JSONSchemaDraft) -> CompatibilityValueSet? {
        let constant = draft >= .draft6 ? object["const"] : nil
        let enumeration = object["enum"]?.arrayValue
        switch (constant, enumeration) {
        case (let c?, nil):
            return CompatibilityValueSet(values: [(c, ["const"])], keyword: "const")
        case (let c?, let e?):
            return CompatibilityValueSet(values: e.contains(c) ? [(c, ["const"])] : [], keyword: "const")
        case (nil, let e?):
            var values: [(value: JSONValue, path: [String])] = []
            for (i, v) in e.enumerated() where !values.contains(where: { $0.value == v }) {
                values.append((v, ["enum", String(i)]))
            }
            return CompatibilityValueSet(values: values, keyword: "enum")
        case (nil, nil):
            return nil
        }
    }

    /// The types each side admits.
    func effectiveTypes(_ p: Pair) -> (CompatibilityTypes, CompatibilityTypes) {
        (impliedTypes(p.o, side: .old), impliedTypes(p.n, side: .new))
    }

    /// The types a schema admits, from `type`, the values `enum`/`const` list, and the types its
    /// `allOf`, `anyOf`, `oneOf` branches and in-place `$ref` admit.
    func impliedTypes(_ node: Node, side: Side, depth: Int = 0) -> CompatibilityTypes {
        let target = depth == 0 ? node : resolved(node, side: side)
        guard target.unresolved == nil else { return .all }
        switch target.value {
        case .bool(let b): return b ? .all : []
        case .object(let object):
            let draft = self.draft(of: target, side: side)
            var t = CompatibilityChecker.declaredTypes(object) ?? .all
            if let values = CompatibilityChecker.valueSet(object, draft: draft) {
                t.formIntersection(values.values.reduce(into: CompatibilityTypes()) { $0.formUnion(.of($1.value)) })
            }
            guard depth < 4 else { return t }
            for branch in CompatibilityChecker.branches(target, object, "allOf") {
                t.formIntersection(impliedTypes(branch, side: side, depth: depth + 1))
            }
            for keyword in ["anyOf", "oneOf"] {
                let branches = CompatibilityChecker.branches(target, object, keyword)
                if !branches.isEmpty {
                    t.formIntersection(branches.reduce(into: CompatibilityTypes()) { $0.formUnion(impliedTypes($1, side: side, depth: depth + 1)) })
                }
            }
            if draft >= .draft2019_09, let reference = object["$ref"]?.stringValue {
                t.formIntersection(impliedTypes(referenceTarget(target, reference, side: side), side: side, depth: depth + 1))
            }
            return t
        default:
            return .all
        }
    }

    /// The first keyword among `type`, the numeric, length and pattern keywords and the array and
    /// object counts that rejects `value`; `nil` when none does. `format` and the applicators are
    /// not consulted.
    func localRejection(of value: JSONValue, by object: JSONObject, draft: JSONSchemaDraft) -> String? {
        if let t = CompatibilityChecker.declaredTypes(object), !t.contains(.of(value)) { return "type" }
        switch value {
        case .number(let x):
            if let lower = CompatibilityChecker.lowerBound(object, draft: draft) {
                let c = JSONNumber.compare(x, lower.value)
                if c < 0 || (c == 0 && lower.exclusive) { return lower.keyword }
            }
            if let upper = CompatibilityChecker.upperBound(object, draft: draft) {
                let c = JSONNumber.compare(x, upper.value)
                if c > 0 || (c == 0 && upper.exclusive) { return upper.keyword }
            }
            if let m = object["multipleOf"]?.numberValue, !m.isZero, !m.isNegative, !x.isMultiple(of: m) { return "multipleOf" }
        case .string(let s):
            let length = s.unicodeScalars.count
            if let min = CompatibilityChecker.count(object, "minLength"), JSONNumber.compare(JSONNumber(length), min) < 0 { return "minLength" }
            if let max = CompatibilityChecker.count(object, "maxLength"), JSONNumber.compare(JSONNumber(length), max) > 0 { return "maxLength" }
            if let source = object["pattern"]?.stringValue, let r = regex(source), r.test(s) == .noMatch { return "pattern" }
        case .array(let items):
            if let min = CompatibilityChecker.count(object, "minItems"), JSONNumber.compare(JSONNumber(items.count), min) < 0 { return "minItems" }
            if let max = CompatibilityChecker.count(object, "maxItems"), JSONNumber.compare(JSONNumber(items.count), max) > 0 { return "maxItems" }
            if object["uniqueItems"] == .bool(true), Set(items).count != items.count { return "uniqueItems" }
        case .object(let members):
            if let required = object["required"]?.arrayValue,
               required.contains(where: { name in name.stringValue.map { members[$0] == nil } ?? false }) { return "required" }
            if let min = CompatibilityChecker.count(object, "minProperties"), JSONNumber.compare(JSONNumber(members.count), min) < 0 { return "minProperties" }
            if let max = CompatibilityChecker.count(object, "maxProperties"), JSONNumber.compare(JSONNumber(members.count), max) > 0 { return "maxProperties" }
        default:
            break
        }
        return nil
    }

    /// `type`, `enum`/`const`, numbers, strings, `format` and draft 7's content keywords.
    func compareAssertions(_ p: Pair) -> [Raw] {
        var out: [Raw] = []
        var oValues = CompatibilityChecker.valueSet(p.oObject, draft: p.oDraft)
        var nValues = CompatibilityChecker.valueSet(p.nObject, draft: p.nDraft)
        let (oTypes, nTypes) = effectiveTypes(p)
        // Booleans and null are finite: `"type": "boolean"` against `"enum": [true, false]` compares values.
        func finite(_ types: CompatibilityTypes) -> CompatibilityValueSet? {
            guard !types.isEmpty, types.isSubset(of: [.null, .boolean]) else { return nil }
            var values: [(value: JSONValue, path: [String])] = []
            if types.contains(.boolean) { values += [(.bool(true), ["type"]), (.bool(false), ["type"])] }
            if types.contains(.null) { values.append((.null, ["type"])) }
            return CompatibilityValueSet(values: values, keyword: "type")
        }
        if oValues == nil, nValues != nil { oValues = finite(oTypes) }
        if nValues == nil, oValues != nil { nValues = finite(nTypes) }
        // Where a side lists scalar values, checking those values one by one (below) decides its
        // direction exactly, so keyword-by-keyword findings for that direction would only add noise.
        var settled: Set<CompatibilityDirection> = []
        if let oValues, oValues.isScalar { settled.insert(.backward) }
        if let nValues, nValues.isScalar { settled.insert(.forward) }

        var keywordFindings: [Raw] = []
        keywordFindings += compareType(p)
        let common = oTypes.intersection(nTypes)
        if !common.intersection(.number).isEmpty { keywordFindings += compareNumbers(p, integersOnly: !common.contains(.fractional)) }
        if common.contains(.string) { keywordFindings += compareStrings(p) }
        for r in keywordFindings {
            var copy = r
            copy.breaks.subtract(settled)
            if !copy.breaks.isEmpty { out.append(copy) }
        }
        out += compareValues(p, oValues, nValues)
        return out
    }

    /// Reported where a side has a `type` keyword; where neither has, differences in the admitted types
    /// come from `enum`/`const` or the combinators, which are compared on their own.
    private func compareType(_ p: Pair) -> [Raw] {
        guard p.oObject["type"] != nil || p.nObject["type"] != nil else { return [] }
        let (oTypes, nTypes) = effectiveTypes(p)
        let removed = oTypes.subtracting(nTypes)
        let added = nTypes.subtracting(oTypes)
        guard !removed.isEmpty || !added.isEmpty else { return [] }
        // Name the `type` keyword as written when it alone decides, else the admitted types in words.
        func render(_ object: JSONObject, _ implied: CompatibilityTypes) -> String {
            let declared = CompatibilityChecker.declaredTypes(object) ?? .all
            if declared == implied { return object["type"]?.description ?? "any type" }
            return implied == .all ? "any type" : implied.words
        }
        var breaks: Set<CompatibilityDirection> = []
        var details: [String] = []
        if !removed.isEmpty {
            breaks.insert(.backward)
            details.append("\(removed.words) no longer accepted")
        }
        if !added.isEmpty {
            breaks.insert(.forward)
            details.append("\(added.words) now accepted")
        }
        let verb = added.isEmpty ? "narrowed" : removed.isEmpty ? "widened" : "changed"
        var r = raw(p.place("type"), "type \(verb) from \(render(p.oObject, oTypes)) to \(render(p.nObject, nTypes)) (\(details.joined(separator: "; ")))", breaks)
        r.isTypeChange = true
        return [r]
    }

    private func compareValues(_ p: Pair, _ oValues: CompatibilityValueSet?, _ nValues: CompatibilityValueSet?) -> [Raw] {
        guard oValues != nil || nValues != nil else { return [] }
        var out: [Raw] = []
        if let oValues, let nValues, !oValues.isScalar || !nValues.isScalar {
            // Structured values: compared as lists, without checking them against the other keywords.
            for v in oValues.values where !nValues.contains(v.value) {
                out.append(raw(p.place(nValues.keyword), "\(oValues.keyword) value \(v.value) removed", [.backward]))
            }
            for v in nValues.values where !oValues.contains(v.value) {
                out.append(raw(p.newPlace(v.path), "\(nValues.keyword) value \(v.value) added", [.forward]))
            }
            return out
        }
        if let oValues, let nValues, oValues.keyword == "const", nValues.keyword == "const",
           oValues.values.count == 1, nValues.values.count == 1, oValues.values[0].value != nValues.values[0].value
        {
            // One finding for a changed constant rather than a removal and an addition.
            let a = oValues.values[0].value
            let b = nValues.values[0].value
            var breaks: Set<CompatibilityDirection> = []
            if localRejection(of: a, by: p.oObject, draft: p.oDraft) == nil { breaks.insert(.backward) }
            if localRejection(of: b, by: p.nObject, draft: p.nDraft) == nil { breaks.insert(.forward) }
            if !breaks.isEmpty { out.append(raw(p.newPlace(["const"]), "const changed from \(a) to \(b)", breaks)) }
            return out
        }
        // Backward: every value the old schema lists and accepts must stay accepted.
        if let oValues, oValues.isScalar {
            for v in oValues.values where localRejection(of: v.value, by: p.oObject, draft: p.oDraft) == nil {
                if let nValues, !nValues.contains(v.value) {
                    let text = oValues.keyword == "type" ? "value \(v.value), allowed by the old type, is not in the new \(nValues.keyword)"
                        : nValues.keyword == "type" ? "value \(v.value), allowed by the old \(oValues.keyword), is now rejected by type"
                        : "\(oValues.keyword) value \(v.value) removed"
                    out.append(raw(p.place(nValues.keyword), text, [.backward]))
                } else if let keyword = localRejection(of: v.value, by: p.nObject, draft: p.nDraft) {
                    out.append(raw(p.place(keyword),
                                   "value \(v.value), allowed by the old \(oValues.keyword), is now rejected by \(keyword)", [.backward]))
                }
            }
        } else if oValues == nil, let nValues {
            let listed = nValues.keyword == "const" ? "only \(nValues.rendered) is" : "only the values \(nValues.rendered) are"
            out.append(raw(p.place(nValues.keyword), "\(nValues.keyword) added: \(listed) accepted now", [.backward]))
        }
        // Forward: every value the new schema lists and accepts must be accepted by the old one.
        if let nValues, nValues.isScalar {
            for v in nValues.values where localRejection(of: v.value, by: p.nObject, draft: p.nDraft) == nil {
                if let oValues, !oValues.contains(v.value) {
                    let text = nValues.keyword == "type" ? "value \(v.value), now allowed by the new type, is not in the old \(oValues.keyword)"
                        : oValues.keyword == "type" ? "value \(v.value), allowed by the new \(nValues.keyword), is rejected by the old schema's type"
                        : "\(nValues.keyword) value \(v.value) added"
                    out.append(raw(p.newPlace(v.path), text, [.forward]))
                } else if let keyword = localRejection(of: v.value, by: p.oObject, draft: p.oDraft) {
                    out.append(raw(p.newPlace(v.path),
                                   "value \(v.value), allowed by the new \(nValues.keyword), is rejected by the old schema's \(keyword)", [.forward]))
                }
            }
        } else if nValues == nil, let oValues {
            out.append(raw(p.place(oValues.keyword), "\(oValues.keyword) \(oValues.rendered) removed: other values are now accepted", [.forward]))
        }
        return out
    }

    // MARK: Numbers

    static func number(_ object: JSONObject, _ keyword: String) -> JSONNumber? { object[keyword]?.numberValue }

    static func count(_ object: JSONObject, _ keyword: String) -> JSONNumber? { object[keyword]?.numberValue }

    static func lowerBound(_ object: JSONObject, draft: JSONSchemaDraft) -> CompatibilityBound? {
        bound(object, draft: draft, inclusive: "minimum", exclusive: "exclusiveMinimum", tighter: { $0 > 0 })
    }

    static func upperBound(_ object: JSONObject, draft: JSONSchemaDraft) -> CompatibilityBound? {
        bound(object, draft: draft, inclusive: "maximum", exclusive: "exclusiveMaximum", tighter: { $0 < 0 })
    }

    private static func bound(_ object: JSONObject, draft: JSONSchemaDraft, inclusive: String, exclusive: String,
                              tighter: (Int) -> Bool) -> CompatibilityBound?
    {
        if draft == .draft4 {
            guard let v = number(object, inclusive) else { return nil }
            return CompatibilityBound(value: v, exclusive: object[exclusive] == .bool(true), keyword: inclusive)
        }
        let a = number(object, inclusive).map { CompatibilityBound(value: $0, exclusive: false, keyword: inclusive) }
        let b = number(object, exclusive).map { CompatibilityBound(value: $0, exclusive: true, keyword: exclusive) }
        guard let a, let b else { return a ?? b }
        let c = JSONNumber.compare(b.value, a.value)
        return tighter(c) || c == 0 ? b : a
    }

    /// Whether bound `a` admits fewer numbers than bound `b`; `lower` says which end they limit.
    private static func isTighter(_ a: CompatibilityBound, than b: CompatibilityBound, lower: Bool) -> Bool {
        let c = JSONNumber.compare(a.value, b.value)
        if c != 0 { return lower ? c > 0 : c < 0 }
        return a.exclusive && !b.exclusive
    }

    private func compareNumbers(_ p: Pair, integersOnly: Bool) -> [Raw] {
        var out: [Raw] = []
        for lower in [true, false] {
            let o = lower ? CompatibilityChecker.lowerBound(p.oObject, draft: p.oDraft) : CompatibilityChecker.upperBound(p.oObject, draft: p.oDraft)
            let n = lower ? CompatibilityChecker.lowerBound(p.nObject, draft: p.nDraft) : CompatibilityChecker.upperBound(p.nObject, draft: p.nDraft)
            let end = lower ? "lower bound" : "upper bound"
            let (tighten, loosen) = lower ? ("raised", "lowered") : ("lowered", "raised")
            switch (o, n) {
            case (nil, let n?):
                out.append(raw(p.newPlace([n.keyword]), "\(n.rendered) added", [.backward]))
            case (let o?, nil):
                out.append(raw(p.oldPlace([o.keyword]), "\(o.rendered) removed", [.forward]))
            case (let o?, let n?):
                let sameKeyword = o.keyword == n.keyword && o.exclusive == n.exclusive
                if CompatibilityChecker.isTighter(n, than: o, lower: lower) {
                    let text = sameKeyword ? "\(n.keyword) \(tighten) from \(o.value) to \(n.value)"
                                           : "\(end) tightened from \(o.rendered) to \(n.rendered)"
                    out.append(raw(p.newPlace([n.keyword]), text, [.backward]))
                } else if CompatibilityChecker.isTighter(o, than: n, lower: lower) {
                    let text = sameKeyword ? "\(n.keyword) \(loosen) from \(o.value) to \(n.value)"
                                           : "\(end) loosened from \(o.rendered) to \(n.rendered)"
                    out.append(raw(p.newPlace([n.keyword]), text, [.forward]))
                }
            case (nil, nil):
                break
            }
        }
        let om = CompatibilityChecker.number(p.oObject, "multipleOf").flatMap { $0.isZero || $0.isNegative ? nil : $0 }
        let nm = CompatibilityChecker.number(p.nObject, "multipleOf").flatMap { $0.isZero || $0.isNegative ? nil : $0 }
        // Every multiple of a divides by b when a is a multiple of b; a divisor of 1 changes nothing
        // where only integers are admitted.
        func covers(_ a: JSONNumber?, _ b: JSONNumber?) -> Bool {
            guard let b else { return true }
            if let a { return a.isMultiple(of: b) }
            return integersOnly && JSONNumber(1).isMultiple(of: b)
        }
        var breaks: Set<CompatibilityDirection> = []
        if !covers(om, nm) { breaks.insert(.backward) }
        if !covers(nm, om) { breaks.insert(.forward) }
        if !breaks.isEmpty {
            switch (om, nm) {
            case (nil, let n?): out.append(raw(p.newPlace(["multipleOf"]), "multipleOf \(n) added", breaks))
            case (let o?, nil): out.append(raw(p.oldPlace(["multipleOf"]), "multipleOf \(o) removed", breaks))
            case (let o?, let n?):
                let why = breaks.contains(.backward) ? " (\(o) is not a multiple of \(n))" : " (\(n) is not a multiple of \(o))"
                out.append(raw(p.newPlace(["multipleOf"]), "multipleOf changed from \(o) to \(n)\(breaks.count == 1 ? why : "")", breaks))
            case (nil, nil): break
            }
        }
        return out
    }

    // MARK: Counts

    /// Compares a lower count (`minLength`, `minItems`, `minProperties`, `minContains`), absent = `absent`.
    func compareMinimum(_ p: Pair, _ keyword: String, absent: JSONNumber = .zero) -> [Raw] {
        let o = CompatibilityChecker.count(p.oObject, keyword)
        let n = CompatibilityChecker.count(p.nObject, keyword)
        let c = JSONNumber.compare(n ?? absent, o ?? absent)
        func render(_ x: JSONNumber?) -> String { x.map { "\($0)" } ?? "\(absent) (the default)" }
        if c > 0 {
            if o == nil { return [raw(p.newPlace([keyword]), "\(keyword) \(render(n)) added", [.backward])] }
            return [raw(n != nil ? p.newPlace([keyword]) : p.oldPlace([keyword]),
                        "\(keyword) raised from \(render(o)) to \(render(n))", [.backward])]
        }
        if c < 0 {
            if n == nil { return [raw(p.oldPlace([keyword]), "\(keyword) \(render(o)) removed", [.forward])] }
            return [raw(p.newPlace([keyword]), "\(keyword) lowered from \(render(o)) to \(render(n))", [.forward])]
        }
        return []
    }

    /// Compares an upper count (`maxLength`, `maxItems`, `maxProperties`, `maxContains`); absent = no limit.
    func compareMaximum(_ p: Pair, _ keyword: String) -> [Raw] {
        let o = CompatibilityChecker.count(p.oObject, keyword)
        let n = CompatibilityChecker.count(p.nObject, keyword)
        switch (o, n) {
        case (nil, let n?):
            return [raw(p.newPlace([keyword]), "\(keyword) \(n) added", [.backward])]
        case (let o?, nil):
            return [raw(p.oldPlace([keyword]), "\(keyword) \(o) removed", [.forward])]
        case (let o?, let n?):
            let c = JSONNumber.compare(n, o)
            if c < 0 { return [raw(p.newPlace([keyword]), "\(keyword) lowered from \(o) to \(n)", [.backward])] }
            if c > 0 { return [raw(p.newPlace([keyword]), "\(keyword) raised from \(o) to \(n)", [.forward])] }
            return []
        case (nil, nil):
            return []
        }
    }

    // MARK: Strings

    /// Formats whose valid strings are all valid for another format: a ⊆ each of the listed ones.
    static let formatInclusions: [String: Set<String>] = [
        "uri": ["uri-reference", "iri", "iri-reference"],
        "uri-reference": ["iri-reference"],
        "iri": ["iri-reference"],
        "email": ["idn-email"],
    ]

    private func compareStrings(_ p: Pair) -> [Raw] {
        var out: [Raw] = []
        out += compareMinimum(p, "minLength")
        out += compareMaximum(p, "maxLength")
        switch (p.oObject["pattern"]?.stringValue, p.nObject["pattern"]?.stringValue) {
        case (nil, let n?):
            out.append(raw(p.newPlace(["pattern"]), "pattern \(JSONValue.string(n)) added", [.backward]))
        case (let o?, nil):
            out.append(raw(p.oldPlace(["pattern"]), "pattern \(JSONValue.string(o)) removed", [.forward]))
        case (let o?, let n?) where !o.utf8.elementsEqual(n.utf8):
            out.append(raw(p.newPlace(["pattern"]),
                           "pattern changed from \(JSONValue.string(o)) to \(JSONValue.string(n)): which strings it affects cannot be judged statically",
                           [.backward, .forward], undecidable: true))
        default:
            break
        }
        let formatNote = " (this matters where formats are asserted: --format-assertion, or the format-assertion vocabulary)"
        out += compareLabels(p, keyword: "format", inclusions: CompatibilityChecker.formatInclusions, note: formatNote,
                             old: p.oObject["format"]?.stringValue, new: p.nObject["format"]?.stringValue)
        // Tollgate asserts the content keywords in draft 7 only; elsewhere they are annotations.
        for keyword in ["contentEncoding", "contentMediaType"] {
            out += compareLabels(p, keyword: keyword, inclusions: [:], note: " (asserted in draft 7 schemas)",
                                 old: p.oDraft == .draft7 ? p.oObject[keyword]?.stringValue?.lowercased() : nil,
                                 new: p.nDraft == .draft7 ? p.nObject[keyword]?.stringValue?.lowercased() : nil)
        }
        return out
    }

    /// A keyword naming a set of strings (`format`, `contentMediaType`): added, removed or changed.
    private func compareLabels(_ p: Pair, keyword: String, inclusions: [String: Set<String>], note: String,
                               old o: String?, new n: String?) -> [Raw]
    {
        switch (o, n) {
        case (nil, let n?):
            return [raw(p.newPlace([keyword]), "\(keyword) \"\(n)\" added\(note)", [.backward])]
        case (let o?, nil):
            return [raw(p.oldPlace([keyword]), "\(keyword) \"\(o)\" removed\(note)", [.forward])]
        case (let o?, let n?) where o != n:
            var breaks: Set<CompatibilityDirection> = []
            if !(inclusions[o]?.contains(n) ?? false) { breaks.insert(.backward) }
            if !(inclusions[n]?.contains(o) ?? false) { breaks.insert(.forward) }
            return [raw(p.newPlace([keyword]), "\(keyword) changed from \"\(o)\" to \"\(n)\"\(note)", breaks)]
        default:
            return []
        }
    }
}
