extension CompatibilityChecker {
    /// How a schema constrains one property name.
    enum PropertySlot {
        /// Listed in `properties`.
        case declared(Node)
        /// Listed in the `properties` of an `allOf` branch or of an in-place `$ref` target.
        case applicator(Node)
        /// Listed only under `anyOf`, `oneOf`, `if`/`then`/`else` or `dependentSchemas`, or matched by
        /// several `patternProperties`: too conditional to compare.
        case uncertain
        /// Not listed: governed by a matching pattern, `additionalProperties`, `unevaluatedProperties`,
        /// or nothing (an open object).
        case fallback(Node, FallbackKind)
    }

    enum FallbackKind: Equatable {
        case open
        case keyword(String)
        case pattern(String)

        var keywordName: String {
            switch self {
            case .open: return "additionalProperties"
            case .keyword(let k): return k
            case .pattern(let source): return "patternProperties \(JSONValue.string(source))"
            }
        }

        var isUnevaluated: Bool { self == .keyword("unevaluatedProperties") }
    }

    func compareObjects(_ p: Pair) -> [Raw] {
        var out: [Raw] = []
        out += compareMinimum(p, "minProperties")
        out += compareMaximum(p, "maxProperties")
        out += compareRequired(p)
        out += compareProperties(p)
        out += comparePatternProperties(p)
        out += compareFallbacks(p)
        if p.oDraft >= .draft6 || p.nDraft >= .draft6 { out += compareChild(p.oChild("propertyNames"), p.nChild("propertyNames")) }
        out += compareDependentRequired(p)
        return out
    }

    /// The first few changes of a nested comparison, for a message that stands for all of them.
    static func summary(_ raws: [Raw], limit: Int = 3) -> String {
        let shown = raws.prefix(limit).map(\.change).joined(separator: "; ")
        return raws.count > limit ? shown + "; and \(raws.count - limit) more" : shown
    }

    static func strings(_ v: JSONValue?) -> [String] {
        v?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    static func contains(_ list: [String], _ name: String) -> Bool {
        list.contains { $0.utf8.elementsEqual(name.utf8) }
    }

    private func compareRequired(_ p: Pair) -> [Raw] {
        var out: [Raw] = []
        let o = CompatibilityChecker.strings(p.oObject["required"])
        let n = CompatibilityChecker.strings(p.nObject["required"])
        for (i, name) in n.enumerated() where !CompatibilityChecker.contains(o, name) {
            out.append(raw(p.newPlace(["required", String(i)]), "property \(JSONValue.string(name)) became required", [.backward]))
        }
        for (i, name) in o.enumerated() where !CompatibilityChecker.contains(n, name) {
            out.append(raw(p.oldPlace(["required", String(i)]), "property \(JSONValue.string(name)) is no longer required", [.forward]))
        }
        return out
    }

    // MARK: Properties

    private func propertySlot(_ name: String, _ node: Node, _ object: JSONObject, draft: JSONSchemaDraft, side: Side) -> PropertySlot {
        if object["properties"]?.objectValue?[name] != nil { return .declared(CompatibilityChecker.child(of: node, ["properties", name])) }
        var matching: [String] = []
        for (source, _) in object["patternProperties"]?.objectValue ?? JSONObject() {
            if let r = regex(source), r.test(name) == .match { matching.append(source) }
        }
        if matching.count > 1 { return .uncertain }
        if let source = matching.first {
            return .fallback(CompatibilityChecker.child(of: node, ["patternProperties", source]), .pattern(source))
        }
        if object["additionalProperties"] != nil {
            return .fallback(CompatibilityChecker.child(of: node, ["additionalProperties"]), .keyword("additionalProperties"))
        }
        switch declaration(of: name, in: node, object, draft: draft, side: side, depth: 0) {
        case .some(.some(let found)): return .applicator(found)
        case .some(.none): return .uncertain
        case .none: break
        }
        if draft >= .draft2019_09, object["unevaluatedProperties"] != nil {
            return .fallback(CompatibilityChecker.child(of: node, ["unevaluatedProperties"]), .keyword("unevaluatedProperties"))
        }
        return .fallback(CompatibilityChecker.child(of: node, ["additionalProperties"]), .open)
    }

    /// Where an in-place applicator of `node` lists property `name`: `.some(node)` under `allOf` or an
    /// in-place `$ref`, `.some(nil)` only under a conditional applicator, `nil` nowhere.
    private func declaration(of name: String, in node: Node, _ object: JSONObject, draft: JSONSchemaDraft, side: Side,
                             depth: Int) -> Node??
    {
        guard depth < 4 else { return nil }
        var conjuncts: [Node] = []
        for i in (object["allOf"]?.arrayValue ?? []).indices { conjuncts.append(CompatibilityChecker.child(of: node, ["allOf", String(i)])) }
        if draft >= .draft2019_09, let reference = object["$ref"]?.stringValue {
            conjuncts.append(referenceTarget(node, reference, side: side))
        }
        var uncertain = false
        for conjunct in conjuncts {
            let target = resolved(conjunct, side: side)
            guard target.unresolved == nil, let inner = target.value.objectValue else { continue }
            if inner["properties"]?.objectValue?[name] != nil {
                return .some(CompatibilityChecker.child(of: target, ["properties", name]))
            }
            switch declaration(of: name, in: target, inner, draft: self.draft(of: target, side: side), side: side, depth: depth + 1) {
            case .some(.some(let found)): return .some(found)
            case .some(.none): uncertain = true
            case .none: break
            }
        }
        var conditional: [Node] = []
        for keyword in ["anyOf", "oneOf"] {
            for i in (object[keyword]?.arrayValue ?? []).indices { conditional.append(CompatibilityChecker.child(of: node, [keyword, String(i)])) }
        }
        for keyword in ["then", "else"] where object[keyword] != nil { conditional.append(CompatibilityChecker.child(of: node, [keyword])) }
        for (trigger, _) in object["dependentSchemas"]?.objectValue ?? JSONObject() {
            conditional.append(CompatibilityChecker.child(of: node, ["dependentSchemas", trigger]))
        }
        for branch in conditional {
            let target = resolved(branch, side: side)
            if target.value.objectValue?["properties"]?.objectValue?[name] != nil { uncertain = true }
        }
        return uncertain ? .some(nil) : nil
    }

    private func compareProperties(_ p: Pair) -> [Raw] {
        var out: [Raw] = []
        var names = p.nObject["properties"]?.objectValue?.keys ?? []
        func add(_ more: [String]) {
            for name in more where !CompatibilityChecker.contains(names, name) { names.append(name) }
        }
        add(p.oObject["properties"]?.objectValue?.keys ?? [])
        // Under unevaluatedProperties, a name the applicators evaluate on one side only falls to it on the other.
        if usesUnevaluatedProperties(p) {
            add(applicatorNames(p.n, p.nObject, draft: p.nDraft, side: .new, depth: 0))
            add(applicatorNames(p.o, p.oObject, draft: p.oDraft, side: .old, depth: 0))
        }
        for name in names {
            let oSlot = propertySlot(name, p.o, p.oObject, draft: p.oDraft, side: .old)
            let nSlot = propertySlot(name, p.n, p.nObject, draft: p.nDraft, side: .new)
            let quoted = JSONValue.string(name).description
            let nDeclares = p.nObject["properties"]?.objectValue?[name] != nil
            let place = nDeclares ? p.newPlace(["properties", name]) : p.oldPlace(["properties", name])

            func removed(_ a: Node, _ f: Node, _ kind: FallbackKind) {
                let sub = compareChild(a, f)
                guard !sub.isEmpty else { return }
                let text: String
                if CompatibilityChecker.acceptsNothing(f.value) {
                    text = "property \(quoted) removed, and the new schema rejects undeclared properties (\(kind.keywordName): false): old data carrying \(quoted) is now rejected"
                } else if case .open = kind {
                    text = "property \(quoted) removed from an open object: new data may carry \(quoted) with values the old schema rejects ("
                        + CompatibilityChecker.summary(sub) + ")"
                } else {
                    text = "property \(quoted) removed; the new schema governs it by \(kind.keywordName): " + CompatibilityChecker.summary(sub)
                }
                let at = p.oObject["properties"]?.objectValue?[name] != nil ? p.oldPlace(["properties", name]) : (Side.old, a.location)
                var r = raw(at, text, CompatibilityChecker.union(sub), undecidable: sub.allSatisfy(\.undecidable))
                if case .open = kind { r.openObjectProperty = name }
                out.append(r)
            }
            func added(_ f: Node, _ kind: FallbackKind, _ b: Node) {
                let sub = compareChild(f, b)
                guard !sub.isEmpty else { return }
                let text: String
                if CompatibilityChecker.acceptsNothing(f.value) {
                    text = "property \(quoted) added, but the old schema rejects undeclared properties (\(kind.keywordName): false): new data carrying \(quoted) fails the old schema"
                } else if case .open = kind {
                    text = "property \(quoted) added to an open object: old data may carry \(quoted) with values the new schema rejects ("
                        + CompatibilityChecker.summary(sub) + ")"
                } else {
                    text = "property \(quoted) added; the old schema governed it by \(kind.keywordName): " + CompatibilityChecker.summary(sub)
                }
                let at = nDeclares ? p.newPlace(["properties", name]) : (Side.new, b.location)
                var r = raw(at, text, CompatibilityChecker.union(sub), undecidable: sub.allSatisfy(\.undecidable))
                if case .open = kind { r.openObjectProperty = name }
                out.append(r)
            }

            switch (oSlot, nSlot) {
            case (.declared(let a), .declared(let b)), (.declared(let a), .applicator(let b)), (.applicator(let a), .declared(let b)):
                out += compareChild(a, b)
            case (.declared, .uncertain), (.uncertain, .declared):
                out.append(raw(place,
                               "property \(quoted) moved between properties and a conditional subschema (anyOf, oneOf, if/then/else, dependentSchemas or overlapping patternProperties)",
                               [.backward, .forward], undecidable: true))
            case (.declared(let a), .fallback(let f, let kind)):
                removed(a, f, kind)
            case (.applicator(let a), .fallback(let f, let kind)) where kind.isUnevaluated:
                removed(a, f, kind)
            case (.fallback(let f, let kind), .declared(let b)):
                added(f, kind, b)
            case (.fallback(let f, let kind), .applicator(let b)) where kind.isUnevaluated:
                added(f, kind, b)
            case (.uncertain, .fallback(let f, let kind)) where kind.isUnevaluated && !CompatibilityChecker.acceptsEverything(f.value),
                 (.fallback(let f, let kind), .uncertain) where kind.isUnevaluated && !CompatibilityChecker.acceptsEverything(f.value):
                out.append(raw(place,
                               "property \(quoted) is evaluated only conditionally (anyOf, oneOf, if/then/else, dependentSchemas) in one version and falls to unevaluatedProperties in the other",
                               [.backward, .forward], undecidable: true))
            default:
                // Governed the same way on both sides, or by applicators compared where they are.
                continue
            }
        }
        return out
    }

    /// Whether a schema evaluates property `name` itself: `properties`, a matching pattern, or its
    /// in-place applicators.
    func evaluates(_ name: String, _ node: Node, _ object: JSONObject, draft: JSONSchemaDraft, side: Side) -> Bool {
        if object["properties"]?.objectValue?[name] != nil { return true }
        for (source, _) in object["patternProperties"]?.objectValue ?? JSONObject() {
            if let r = regex(source), r.test(name) == .match { return true }
        }
        return CompatibilityChecker.contains(applicatorNames(node, object, draft: draft, side: side, depth: 0), name)
    }

    private func usesUnevaluatedProperties(_ p: Pair) -> Bool {
        (p.oDraft >= .draft2019_09 && p.oObject["unevaluatedProperties"] != nil)
            || (p.nDraft >= .draft2019_09 && p.nObject["unevaluatedProperties"] != nil)
    }

    /// The names the in-place applicators of a schema list in `properties`, in document order.
    private func applicatorNames(_ node: Node, _ object: JSONObject, draft: JSONSchemaDraft, side: Side, depth: Int) -> [String] {
        guard depth < 4 else { return [] }
        var branches: [Node] = []
        for keyword in ["allOf", "anyOf", "oneOf"] { branches += CompatibilityChecker.branches(node, object, keyword) }
        for keyword in ["if", "then", "else"] where object[keyword] != nil { branches.append(CompatibilityChecker.child(of: node, [keyword])) }
        for (trigger, _) in object["dependentSchemas"]?.objectValue ?? JSONObject() {
            branches.append(CompatibilityChecker.child(of: node, ["dependentSchemas", trigger]))
        }
        if draft >= .draft2019_09, let reference = object["$ref"]?.stringValue { branches.append(referenceTarget(node, reference, side: side)) }
        var names: [String] = []
        for branch in branches {
            let target = resolved(branch, side: side)
            guard target.unresolved == nil, let inner = target.value.objectValue else { continue }
            for name in (inner["properties"]?.objectValue?.keys ?? [])
                + applicatorNames(target, inner, draft: self.draft(of: target, side: side), side: side, depth: depth + 1)
                where !CompatibilityChecker.contains(names, name) { names.append(name) }
        }
        return names
    }

    /// The in-place applicators of a schema, whose evaluation decides what `unevaluated*` sees.
    static func inPlaceApplicators(_ object: JSONObject, includingContains: Bool = false) -> JSONValue {
        var keywords = ["allOf", "anyOf", "oneOf", "if", "then", "else", "dependentSchemas", "$ref", "$dynamicRef", "$recursiveRef"]
        if includingContains { keywords.append("contains") }
        return .object(JSONObject(keywords.compactMap { k in object[k].map { (key: k, value: $0) } }))
    }

    /// What governs names no `properties` entry lists, on one side.
    private func fallback(_ node: Node, _ object: JSONObject, draft: JSONSchemaDraft) -> (Node, FallbackKind) {
        if object["additionalProperties"] != nil {
            return (CompatibilityChecker.child(of: node, ["additionalProperties"]), .keyword("additionalProperties"))
        }
        if draft >= .draft2019_09, object["unevaluatedProperties"] != nil {
            return (CompatibilityChecker.child(of: node, ["unevaluatedProperties"]), .keyword("unevaluatedProperties"))
        }
        return (CompatibilityChecker.child(of: node, ["additionalProperties"]), .open)
    }

    private func comparePatternProperties(_ p: Pair) -> [Raw] {
        var out: [Raw] = []
        let o = p.oObject["patternProperties"]?.objectValue ?? JSONObject()
        let n = p.nObject["patternProperties"]?.objectValue ?? JSONObject()
        for (source, _) in n {
            let quoted = JSONValue.string(source).description
            if o[source] != nil {
                out += compareChild(p.oChild("patternProperties", source), p.nChild("patternProperties", source))
                continue
            }
            let (f, kind) = fallback(p.o, p.oObject, draft: p.oDraft)
            let sub = compareChild(f, p.nChild("patternProperties", source))
            guard !sub.isEmpty else { continue }
            let place = p.newPlace(["patternProperties", source])
            if !o.isEmpty {
                out.append(raw(place, "patternProperties \(quoted) added; it may overlap the old schema's patterns, so its effect cannot be judged statically",
                               CompatibilityChecker.union(sub), undecidable: true))
            } else if CompatibilityChecker.acceptsNothing(f.value) {
                out.append(raw(place, "patternProperties \(quoted) added, but the old schema rejects undeclared properties (\(kind.keywordName): false): new data with matching names fails the old schema",
                               CompatibilityChecker.union(sub)))
            } else {
                out += sub.map {
                    var r = $0
                    r.change = "patternProperties \(quoted) added: " + r.change
                    return r
                }
            }
        }
        for (source, _) in o where n[source] == nil {
            let quoted = JSONValue.string(source).description
            let (f, kind) = fallback(p.n, p.nObject, draft: p.nDraft)
            let sub = compareChild(p.oChild("patternProperties", source), f)
            guard !sub.isEmpty else { continue }
            let place = p.oldPlace(["patternProperties", source])
            if !n.isEmpty {
                out.append(raw(place, "patternProperties \(quoted) removed; the new schema's patterns may cover it, so the effect cannot be judged statically",
                               CompatibilityChecker.union(sub), undecidable: true))
            } else if CompatibilityChecker.acceptsNothing(f.value) {
                out.append(raw(place, "patternProperties \(quoted) removed, and the new schema rejects undeclared properties (\(kind.keywordName): false): old data with matching names is now rejected",
                               CompatibilityChecker.union(sub)))
            } else {
                out += sub.map {
                    var r = $0
                    r.change = "patternProperties \(quoted) removed: " + r.change
                    return r
                }
            }
        }
        return out
    }

    /// What governs the names neither version declares: `additionalProperties`, else
    /// `unevaluatedProperties`, else nothing (an open object). Closing and opening the object are
    /// named as such; other changes are compared as schemas.
    private func compareFallbacks(_ p: Pair) -> [Raw] {
        let (o, oKind) = fallback(p.o, p.oObject, draft: p.oDraft)
        let (n, nKind) = fallback(p.n, p.nObject, draft: p.nDraft)
        if oKind == .open && nKind == .open { return [] }
        let oFalse = CompatibilityChecker.acceptsNothing(o.value)
        let nFalse = CompatibilityChecker.acceptsNothing(n.value)
        var found: [Raw]
        if nFalse && !oFalse {
            let what = oKind == .open ? "\(nKind.keywordName): false added" : "\(nKind.keywordName) became false"
            found = [raw(p.newPlace([nKind.keywordName]), "\(what): properties the new schema does not declare are now rejected", [.backward])]
        } else if oFalse && !nFalse {
            let what = nKind == .open ? "\(oKind.keywordName): false removed" : "\(nKind.keywordName) is no longer false"
            let place = nKind == .open ? p.oldPlace([oKind.keywordName]) : p.newPlace([nKind.keywordName])
            found = [raw(place, "\(what): properties the old schema did not declare are now accepted", [.forward])]
        } else {
            found = compareChild(o, n)
        }
        if (oKind.isUnevaluated || nKind.isUnevaluated),
           !(CompatibilityChecker.acceptsEverything(o.value) && CompatibilityChecker.acceptsEverything(n.value)),
           CompatibilityChecker.inPlaceApplicators(p.oObject) != CompatibilityChecker.inPlaceApplicators(p.nObject)
        {
            let note = "the allOf/anyOf/oneOf/if/$ref next to unevaluatedProperties changed, and they decide which properties it sees"
            found = found.map {
                var r = $0
                r.breaks = [.backward, .forward]
                r.undecidable = true
                r.change += " (\(note))"
                return r
            }
            if found.isEmpty {
                let kind = nKind.isUnevaluated ? nKind : oKind
                let place = nKind.isUnevaluated ? p.newPlace([kind.keywordName]) : p.oldPlace([kind.keywordName])
                found = [raw(place, "\(note): the effect cannot be judged statically",
                             [.backward, .forward], undecidable: true)]
            }
        }
        return found
    }

    // MARK: Dependencies

    /// `dependentRequired` entries, and `dependencies` entries that list names.
    private static func dependentRequired(_ object: JSONObject, draft: JSONSchemaDraft) -> [(trigger: String, names: [String], path: [String])] {
        var out: [(trigger: String, names: [String], path: [String])] = []
        if draft >= .draft2019_09, let map = object["dependentRequired"]?.objectValue {
            for (trigger, names) in map { out.append((trigger, strings(names), ["dependentRequired", trigger])) }
        }
        for (trigger, value) in object["dependencies"]?.objectValue ?? JSONObject() {
            if case .array = value { out.append((trigger, strings(value), ["dependencies", trigger])) }
        }
        return out
    }

    /// `dependentSchemas` entries, and `dependencies` entries that are schemas.
    private static func dependentSchemas(_ object: JSONObject, draft: JSONSchemaDraft) -> [(trigger: String, path: [String])] {
        var out: [(trigger: String, path: [String])] = []
        if draft >= .draft2019_09, let map = object["dependentSchemas"]?.objectValue {
            for (trigger, _) in map { out.append((trigger, ["dependentSchemas", trigger])) }
        }
        for (trigger, value) in object["dependencies"]?.objectValue ?? JSONObject() where value.isSchemaShaped {
            out.append((trigger, ["dependencies", trigger]))
        }
        return out
    }

    private func compareDependentRequired(_ p: Pair) -> [Raw] {
        var out: [Raw] = []
        let o = CompatibilityChecker.dependentRequired(p.oObject, draft: p.oDraft)
        let n = CompatibilityChecker.dependentRequired(p.nObject, draft: p.nDraft)
        func names(_ list: [(trigger: String, names: [String], path: [String])], _ trigger: String) -> [String] {
            list.filter { $0.trigger.utf8.elementsEqual(trigger.utf8) }.flatMap(\.names)
        }
        for entry in n {
            let before = names(o, entry.trigger)
            for name in entry.names where !CompatibilityChecker.contains(before, name) {
                out.append(raw(p.newPlace(entry.path),
                               "property \(JSONValue.string(name)) became required when \(JSONValue.string(entry.trigger)) is present", [.backward]))
            }
        }
        for entry in o {
            let after = names(n, entry.trigger)
            for name in entry.names where !CompatibilityChecker.contains(after, name) {
                let place = n.contains(where: { $0.trigger.utf8.elementsEqual(entry.trigger.utf8) }) ? p.newPlace(entry.path) : p.oldPlace(entry.path)
                out.append(raw(place, "property \(JSONValue.string(name)) is no longer required when \(JSONValue.string(entry.trigger)) is present",
                               [.forward]))
            }
        }
        return out
    }

    /// `dependentSchemas` apply in place, like `allOf` branches that depend on a property.
    func compareDependentSchemas(_ p: Pair) -> [Raw] {
        var out: [Raw] = []
        let o = CompatibilityChecker.dependentSchemas(p.oObject, draft: p.oDraft)
        let n = CompatibilityChecker.dependentSchemas(p.nObject, draft: p.nDraft)
        for entry in n {
            let quoted = JSONValue.string(entry.trigger).description
            let nNode = CompatibilityChecker.child(of: p.n, entry.path)
            if let before = o.first(where: { $0.trigger.utf8.elementsEqual(entry.trigger.utf8) }) {
                out += compare(CompatibilityChecker.child(of: p.o, before.path), nNode)
            } else {
                // An added conditional conjunct: old data with the trigger must satisfy it.
                out += CompatibilityChecker.only(.backward, compare(p.o, nNode)).map {
                    var r = $0
                    r.change = "dependent schema for \(quoted) added: " + r.change
                    return r
                }
            }
        }
        for entry in o where !n.contains(where: { $0.trigger.utf8.elementsEqual(entry.trigger.utf8) }) {
            let quoted = JSONValue.string(entry.trigger).description
            out += CompatibilityChecker.only(.forward, compare(CompatibilityChecker.child(of: p.o, entry.path), p.n)).map {
                var r = $0
                r.change = "dependent schema for \(quoted) removed: " + r.change
                return r
            }
        }
        return out
    }
}
