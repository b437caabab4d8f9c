extension CompatibilityChecker {
    /// The schema each array position must satisfy: `prefix[i]` for the first positions, then `rest`.
    /// Draft 2020-12 spells these `prefixItems` and `items`; earlier drafts `items` (an array) and
    /// `additionalItems`, or `items` alone for every position.
    struct ItemsModel {
        var prefix: [Node]
        var rest: Node

        func slot(_ i: Int) -> Node { i < prefix.count ? prefix[i] : rest }
    }

    /// The positions of an array and what governs the rest: `items` (or `additionalItems`), else
    /// `unevaluatedItems` (2019-09 and later), else nothing.
    static func itemsModel(_ node: Node, _ object: JSONObject, draft: JSONSchemaDraft) -> ItemsModel {
        func rest(_ keyword: String) -> Node {
            if object[keyword] == nil, draft >= .draft2019_09, object["unevaluatedItems"] != nil {
                return child(of: node, ["unevaluatedItems"])
            }
            return child(of: node, [keyword])
        }
        if draft >= .draft2020_12 {
            let count = object["prefixItems"]?.arrayValue?.count ?? 0
            return ItemsModel(prefix: (0..<count).map { child(of: node, ["prefixItems", String($0)]) }, rest: rest("items"))
        }
        if case .array(let items)? = object["items"] {
            return ItemsModel(prefix: items.indices.map { child(of: node, ["items", String($0)]) }, rest: rest("additionalItems"))
        }
        return ItemsModel(prefix: [], rest: rest("items"))
    }

    func compareArrays(_ p: Pair) -> [Raw] {
        var out: [Raw] = []
        out += compareMinimum(p, "minItems")
        out += compareMaximum(p, "maxItems")
        switch (p.oObject["uniqueItems"] == .bool(true), p.nObject["uniqueItems"] == .bool(true)) {
        case (false, true):
            out.append(raw(p.newPlace(["uniqueItems"]), "uniqueItems added: arrays with duplicate items are now rejected", [.backward]))
        case (true, false):
            out.append(raw(p.place("uniqueItems"), "uniqueItems removed: arrays with duplicate items are now accepted", [.forward]))
        default:
            break
        }

        let o = CompatibilityChecker.itemsModel(p.o, p.oObject, draft: p.oDraft)
        let n = CompatibilityChecker.itemsModel(p.n, p.nObject, draft: p.nDraft)
        // Positions beyond a side's maxItems hold none of that side's data.
        let oLimit = CompatibilityChecker.count(p.oObject, "maxItems")
        let nLimit = CompatibilityChecker.count(p.nObject, "maxItems")
        func reachable(_ i: Int, _ limit: JSONNumber?) -> Bool { limit.map { JSONNumber.compare(JSONNumber(i), $0) < 0 } ?? true }
        func position(_ i: Int, _ a: Node, _ b: Node) -> [Raw] {
            var found = compareChild(a, b)
            if !reachable(i, oLimit) { found = found.compactMap { CompatibilityChecker.without(.backward, $0) } }
            if !reachable(i, nLimit) { found = found.compactMap { CompatibilityChecker.without(.forward, $0) } }
            return found
        }
        var positional: [Raw] = []
        for i in 0..<max(o.prefix.count, n.prefix.count) {
            positional += CompatibilityChecker.prefixed("array item \(i): ", position(i, o.slot(i), n.slot(i)))
        }
        positional += position(max(o.prefix.count, n.prefix.count), o.rest, n.rest)
        // `unevaluatedItems` sees only the items the applicators (and 2020-12's `contains`) did not
        // evaluate; when those changed, its effect cannot be judged position by position.
        let unevaluated = o.rest.location.pointer.last == "unevaluatedItems" || n.rest.location.pointer.last == "unevaluatedItems"
        if unevaluated,
           !(CompatibilityChecker.acceptsEverything(o.rest.value) && CompatibilityChecker.acceptsEverything(n.rest.value)),
           CompatibilityChecker.inPlaceApplicators(p.oObject, includingContains: true)
            != CompatibilityChecker.inPlaceApplicators(p.nObject, includingContains: true)
        {
            let note = "the allOf/anyOf/oneOf/if/$ref/contains next to unevaluatedItems changed, and they decide which items it sees"
            positional = positional.map {
                var r = $0
                r.breaks = [.backward, .forward]
                r.undecidable = true
                r.change += " (\(note))"
                return r
            }
            if positional.isEmpty {
                let place = p.nObject["unevaluatedItems"] != nil ? p.newPlace(["unevaluatedItems"]) : p.oldPlace(["unevaluatedItems"])
                positional = [raw(place, "\(note): the effect cannot be judged statically",
                                  [.backward, .forward], undecidable: true)]
            }
        }
        out += positional

        out += compareContains(p)
        return out
    }

    private func compareContains(_ p: Pair) -> [Raw] {
        let oHas = p.oDraft >= .draft6 && p.oObject["contains"] != nil
        let nHas = p.nDraft >= .draft6 && p.nObject["contains"] != nil
        let oMin = p.oDraft >= .draft2019_09 ? CompatibilityChecker.count(p.oObject, "minContains") : nil
        let nMin = p.nDraft >= .draft2019_09 ? CompatibilityChecker.count(p.nObject, "minContains") : nil
        switch (oHas, nHas) {
        case (true, true):
            var out = compareChild(p.oChild("contains"), p.nChild("contains"))
            out += compareMinimum(p, "minContains", absent: JSONNumber(1))
            out += compareMaximum(p, "maxContains")
            return out
        case (false, true):
            if nMin?.isZero == true && CompatibilityChecker.count(p.nObject, "maxContains") == nil { return [] }
            return [raw(p.newPlace(["contains"]), "contains added: arrays must now have an item matching it", [.backward])]
        case (true, false):
            if oMin?.isZero == true && CompatibilityChecker.count(p.oObject, "maxContains") == nil { return [] }
            return [raw(p.oldPlace(["contains"]), "contains removed: arrays no longer need an item matching it", [.forward])]
        case (false, false):
            return []
        }
    }

    /// The finding without `direction`; `nil` when nothing is left.
    static func without(_ direction: CompatibilityDirection, _ r: Raw) -> Raw? {
        var copy = r
        copy.breaks.remove(direction)
        return copy.breaks.isEmpty ? nil : copy
    }
}
