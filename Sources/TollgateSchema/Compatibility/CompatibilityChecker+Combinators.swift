extension CompatibilityChecker {
    /// How the branches of a combinator line up between the versions.
    enum BranchMatch {
        /// Pairs to compare, plus branches only the old (`removed`) or only the new (`added`) version has,
        /// with their indices.
        case matched(pairs: [(Node, Node)], removed: [(Int, Node)], added: [(Int, Node)])
        /// Branches were added, removed and changed at once: no pairing can be trusted.
        case restructured
    }

    func compareCombinators(_ p: Pair) -> [Raw] {
        var out: [Raw] = []
        out += compareAllOf(p)
        out += compareAlternatives(p, "anyOf")
        out += compareAlternatives(p, "oneOf")
        out += compareNot(p)
        if p.oDraft >= .draft7 || p.nDraft >= .draft7 { out += compareConditional(p) }
        return out
    }

    static func branches(_ node: Node, _ object: JSONObject, _ keyword: String) -> [Node] {
        (object[keyword]?.arrayValue ?? []).indices.map { child(of: node, [keyword, String($0)]) }
    }

    /// Pairs equal branches wherever they moved, then the rest in order when as many remain on both sides.
    static func match(_ o: [Node], _ n: [Node]) -> BranchMatch {
        var used = Array(repeating: false, count: o.count)
        var pairs: [(Node, Node)] = []
        var leftNew: [(Int, Node)] = []
        for (j, b) in n.enumerated() {
            if let i = o.indices.first(where: { !used[$0] && o[$0].value == b.value }) {
                used[i] = true
                pairs.append((o[i], b))
            } else {
                leftNew.append((j, b))
            }
        }
        let leftOld = o.indices.filter { !used[$0] }.map { ($0, o[$0]) }
        if leftOld.count == leftNew.count {
            return .matched(pairs: pairs + zip(leftOld, leftNew).map { ($0.1, $1.1) }, removed: [], added: [])
        }
        if leftOld.isEmpty || leftNew.isEmpty { return .matched(pairs: pairs, removed: leftOld, added: leftNew) }
        return .restructured
    }

    static func prefixed(_ prefix: String, _ raws: [Raw]) -> [Raw] {
        raws.map {
            var r = $0
            r.change = prefix + r.change
            return r
        }
    }

    private func compareAllOf(_ p: Pair) -> [Raw] {
        let o = CompatibilityChecker.branches(p.o, p.oObject, "allOf")
        let n = CompatibilityChecker.branches(p.n, p.nObject, "allOf")
        guard !o.isEmpty || !n.isEmpty else { return [] }
        switch CompatibilityChecker.match(o, n) {
        case .restructured:
            return [raw(p.place("allOf"), "allOf branches were added, removed and changed at once, so they cannot be matched up",
                        [.backward, .forward], undecidable: true)]
        case .matched(let pairs, let removed, let added):
            var out = pairs.flatMap { compare($0.0, $0.1) }
            // An added branch is one more constraint: old data must satisfy it. A removed one lifts a
            // constraint: new data may not satisfy it.
            for (_, b) in added {
                out += CompatibilityChecker.prefixed("allOf branch added: ", CompatibilityChecker.only(.backward, compare(p.o, b)))
            }
            for (_, a) in removed {
                out += CompatibilityChecker.prefixed("allOf branch removed: ", CompatibilityChecker.only(.forward, compare(a, p.n)))
            }
            return out
        }
    }

    /// `anyOf`, and `oneOf`, which behaves like it when its alternatives exclude one another.
    private func compareAlternatives(_ p: Pair, _ keyword: String) -> [Raw] {
        let o = CompatibilityChecker.branches(p.o, p.oObject, keyword)
        let n = CompatibilityChecker.branches(p.n, p.nObject, keyword)
        guard !o.isEmpty || !n.isEmpty else { return [] }
        let exclusive = keyword == "anyOf" || (areExclusive(o, side: .old) && areExclusive(n, side: .new))
        let one = keyword == "anyOf" ? "one" : "exactly one"

        if o.isEmpty {
            if n.count == 1 {
                return CompatibilityChecker.prefixed("\(keyword) added: ", CompatibilityChecker.only(.backward, compare(p.o, n[0])))
            }
            if exclusive, isCovered(p.o, by: n, direction: .backward) { return [] }
            return [raw(p.newPlace([keyword]), "\(keyword) added: the old schema's values may not all match \(one) of its \(n.count) alternatives",
                        [.backward], undecidable: true)]
        }
        if n.isEmpty {
            if o.count == 1 {
                return CompatibilityChecker.prefixed("\(keyword) removed: ", CompatibilityChecker.only(.forward, compare(o[0], p.n)))
            }
            if exclusive, isCovered(p.n, by: o, direction: .forward) { return [] }
            return [raw(p.oldPlace([keyword]), "\(keyword) removed: new values may not match \(one) of the old schema's \(o.count) alternatives",
                        [.forward], undecidable: true)]
        }
        switch CompatibilityChecker.match(o, n) {
        case .restructured:
            return [raw(p.place(keyword), "\(keyword) alternatives were added, removed and changed at once, so they cannot be matched up",
                        [.backward, .forward], undecidable: true)]
        case .matched(let pairs, let removed, let added):
            var out: [Raw] = []
            for (a, b) in pairs {
                var sub = compare(a, b)
                if !exclusive {
                    sub = sub.map {
                        var r = $0
                        r.breaks = [.backward, .forward]
                        r.undecidable = true
                        r.change += " (inside oneOf, whose alternatives may overlap: the effect depends on the other alternatives)"
                        return r
                    }
                }
                out += sub
            }
            for (j, b) in added {
                if !exclusive {
                    out.append(raw(p.newPlace([keyword, String(j)]), "oneOf alternative \(j) added; the alternatives may overlap, so its effect cannot be judged statically",
                                   [.backward, .forward], undecidable: true))
                } else if !isCovered(b, by: o, direction: .forward) {
                    out.append(raw(p.newPlace([keyword, String(j)]), "\(keyword) alternative \(j) added: it accepts values no old alternative accepted",
                                   [.forward]))
                }
            }
            for (i, a) in removed {
                if !exclusive {
                    out.append(raw(p.oldPlace([keyword, String(i)]), "oneOf alternative \(i) removed; the alternatives may overlap, so its effect cannot be judged statically",
                                   [.backward, .forward], undecidable: true))
                } else if !isCovered(a, by: n, direction: .backward) {
                    out.append(raw(p.oldPlace([keyword, String(i)]), "\(keyword) alternative \(i) removed: values only it accepted are now rejected",
                                   [.backward]))
                }
            }
            return out
        }
    }

    /// Whether every value `node` accepts is accepted by one of `alternatives`, as far as the structural
    /// comparison tells: one alternative covers it alone, or the alternatives split it by type (their
    /// types are disjoint and together cover the node's) and each covers its own types.
    /// For `.backward`, `node` is old and the alternatives new; for `.forward` the other way round.
    private func isCovered(_ node: Node, by alternatives: [Node], direction: CompatibilityDirection) -> Bool {
        let nodeSide: Side = direction == .backward ? .old : .new
        let alternativeSide: Side = direction == .backward ? .new : .old
        func findings(_ alternative: Node) -> [Raw] {
            CompatibilityChecker.only(direction, direction == .backward ? compare(node, alternative) : compare(alternative, node))
        }
        if alternatives.contains(where: { findings($0).isEmpty }) { return true }
        let types = alternatives.map { impliedTypes($0, side: alternativeSide, depth: 1) }
        let union = types.reduce(into: CompatibilityTypes()) { $0.formUnion($1) }
        guard CompatibilityChecker.pairwise(types.count, { types[$0].isDisjoint(with: types[$1]) }),
              union.isSuperset(of: impliedTypes(node, side: nodeSide)) else { return false }
        return alternatives.allSatisfy { alternative in
            let target = resolved(alternative, side: alternativeSide)
            return findings(alternative).allSatisfy { r in
                r.isTypeChange && ((r.side == alternativeSide && r.location == target.location.appending("type"))
                    || (r.side == nodeSide && r.location == node.location.appending("type")))
            }
        }
    }

    /// Whether no value can match two of the branches: their declared types are pairwise disjoint, or
    /// each requires a common property whose `const`/`enum` values are pairwise disjoint (a discriminator).
    private func areExclusive(_ branches: [Node], side: Side) -> Bool {
        guard branches.count > 1 else { return true }
        let targets = branches.map { resolved($0, side: side) }
        guard targets.allSatisfy({ $0.unresolved == nil }) else { return false }
        let objects = targets.map { $0.value.objectValue ?? JSONObject() }
        let types = objects.map(CompatibilityChecker.declaredTypes)
        if types.allSatisfy({ $0 != nil }) {
            let sets = types.map { $0! }
            if CompatibilityChecker.pairwise(sets.count, { sets[$0].isDisjoint(with: sets[$1]) }) { return true }
        }
        for (candidate, _) in objects[0]["properties"]?.objectValue ?? JSONObject() {
            var sets: [CompatibilityValueSet] = []
            for (target, object) in zip(targets, objects) {
                guard CompatibilityChecker.contains(CompatibilityChecker.strings(object["required"]), candidate),
                      object["properties"]?.objectValue?[candidate] != nil else { break }
                let property = resolved(CompatibilityChecker.child(of: target, ["properties", candidate]), side: side)
                guard let inner = property.value.objectValue,
                      let values = CompatibilityChecker.valueSet(inner, draft: draft(of: property, side: side)) else { break }
                sets.append(values)
            }
            guard sets.count == targets.count else { continue }
            if CompatibilityChecker.pairwise(sets.count, { i, j in !sets[i].values.contains { sets[j].contains($0.value) } }) { return true }
        }
        return false
    }

    private static func pairwise(_ count: Int, _ test: (Int, Int) -> Bool) -> Bool {
        for i in 0..<count {
            for j in (i + 1)..<count where !test(i, j) { return false }
        }
        return true
    }

    private func compareNot(_ p: Pair) -> [Raw] {
        switch (p.oObject["not"] != nil, p.nObject["not"] != nil) {
        case (true, true):
            return CompatibilityChecker.flipped(compare(p.oChild("not"), p.nChild("not")), note: " (under not, so the effect is reversed)")
        case (false, true):
            if p.nObject["not"].map(CompatibilityChecker.acceptsNothing) == true { return [] }
            return [raw(p.newPlace(["not"]), "not added: values matching its schema are now rejected", [.backward])]
        case (true, false):
            if p.oObject["not"].map(CompatibilityChecker.acceptsNothing) == true { return [] }
            return [raw(p.oldPlace(["not"]), "not removed: values matching its schema are now accepted", [.forward])]
        case (false, false):
            return []
        }
    }

    /// `if`/`then`/`else` (draft 7 and later); `then` and `else` mean nothing without `if`.
    private func compareConditional(_ p: Pair) -> [Raw] {
        let oIf = p.oDraft >= .draft7 && p.oObject["if"] != nil
        let nIf = p.nDraft >= .draft7 && p.nObject["if"] != nil
        func trivial(_ object: JSONObject) -> Bool {
            ["then", "else"].allSatisfy { object[$0] == nil || object[$0] == .bool(true) || object[$0] == .object(JSONObject()) }
        }
        switch (oIf, nIf) {
        case (true, true):
            if !compare(p.oChild("if"), p.nChild("if")).isEmpty {
                if trivial(p.oObject) && trivial(p.nObject) { return [] }
                return [raw(p.newPlace(["if"]), "if condition changed: which values must satisfy then or else cannot be judged statically",
                            [.backward, .forward], undecidable: true)]
            }
            return compare(p.oChild("then"), p.nChild("then")) + compare(p.oChild("else"), p.nChild("else"))
        case (false, true):
            return ["then", "else"].filter { p.nObject[$0] != nil }.flatMap {
                CompatibilityChecker.prefixed("if/then/else added (\($0) branch): ", CompatibilityChecker.only(.backward, compare(p.o, p.nChild($0))))
            }
        case (true, false):
            return ["then", "else"].filter { p.oObject[$0] != nil }.flatMap {
                CompatibilityChecker.prefixed("if/then/else removed (\($0) branch): ", CompatibilityChecker.only(.forward, compare(p.oChild($0), p.n)))
            }
        case (false, false):
            return []
        }
    }
}
