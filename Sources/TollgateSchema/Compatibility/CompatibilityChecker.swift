/// Walks an old and a new schema in parallel and collects the changes that break a direction.
///
/// `compare` takes one node of each side, follows `$ref`s that stand for their target, and compares
/// the two locations keyword by keyword; subschemas recurse through `compare` again. Results are
/// memoized per pair of locations, and a pair already being compared further up (a `$ref` cycle)
/// counts as compatible, so recursive schemas terminate. Findings are raw (side, location, text)
/// until `run` sorts them into document order and makes them public values.
final class CompatibilityChecker {
    enum Side { case old, new }

    struct Raw {
        var side: Side
        var location: CompatibilityLocation
        var change: String
        var breaks: Set<CompatibilityDirection>
        var undecidable: Bool
        /// Set on the finding for a changed `type`, which a type-by-type split of `anyOf` accounts for.
        var isTypeChange = false
        /// The changed `$ref`s that led to this finding, outermost first, for the message.
        var referenceContext: String?
        /// Set on a property added to or removed from an open object. A schema that applies in place
        /// (through `allOf` or `$ref`) and closes the same object with `unevaluatedProperties: false`
        /// can make it moot; `compareChild` clears it when a comparison moves to another instance.
        var openObjectProperty: String?
    }

    /// A schema on one side: a real one at `location`, or a stand-in for an absent keyword
    /// (`present == false`, at the location the keyword would have).
    struct Node {
        var location: CompatibilityLocation
        var value: JSONValue
        var present: Bool
        /// Set when the node is a `$ref` whose target could not be found (the URI, for messages), or a
        /// cycle of `$ref`s that leads nowhere.
        var unresolved: String?
        /// The `$ref` strings followed to reach this node, as written.
        var refs: [String] = []

        /// Stand-ins are keyed by value alone: one for an absent keyword anywhere compares the same,
        /// and its findings point into the other side. Keying them by location would let a recursive
        /// schema compared against a stand-in descend forever through ever longer stand-in locations.
        var key: NodeKey {
            present ? NodeKey(location: location, synthetic: nil, unresolved: unresolved)
                    : NodeKey(location: CompatibilityLocation(document: -1, pointer: []), synthetic: value, unresolved: unresolved)
        }
    }

    struct NodeKey: Hashable {
        var location: CompatibilityLocation
        var synthetic: JSONValue?
        var unresolved: String?
    }

    struct PairKey: Hashable {
        var old: NodeKey
        var new: NodeKey
    }

    /// Both sides of one comparison, after `$ref`s were followed, with helpers for finding locations.
    struct Pair {
        let o: Node
        let n: Node
        let oObject: JSONObject
        let nObject: JSONObject
        let oDraft: JSONSchemaDraft
        let nDraft: JSONSchemaDraft

        /// `path` under the new node, or under the old one when the new node is a stand-in.
        func newPlace(_ path: [String]) -> (Side, CompatibilityLocation) {
            if n.present || !o.present { return (.new, n.location.appending(path)) }
            return (.old, o.location.appending(path))
        }

        /// `path` under the old node, or under the new one when the old node is a stand-in.
        func oldPlace(_ path: [String]) -> (Side, CompatibilityLocation) {
            if o.present || !n.present { return (.old, o.location.appending(path)) }
            return (.new, n.location.appending(path))
        }

        /// Where `keyword` is: in the new schema when it is there, else in the old one.
        func place(_ keyword: String) -> (Side, CompatibilityLocation) {
            if nObject[keyword] != nil || oObject[keyword] == nil { return newPlace([keyword]) }
            return oldPlace([keyword])
        }

        func oChild(_ path: String..., absent: JSONValue = true) -> Node {
            CompatibilityChecker.child(of: o, path, absent: absent)
        }

        func nChild(_ path: String..., absent: JSONValue = true) -> Node {
            CompatibilityChecker.child(of: n, path, absent: absent)
        }
    }

    let old: CompatibilityDocuments
    let new: CompatibilityDocuments
    private var memo: [PairKey: [Raw]] = [:]
    private var inProgress: Set<PairKey> = []
    private var depth = 0
    private var refFreeCache: [NodeKey: Bool] = [:]
    private var regexCache: [String: ECMARegex?] = [:]

    /// Nesting beyond this many compared pairs is reported as undecidable instead of recursing further.
    static let maxDepth = 200

    /// Keywords that may stand next to `$ref` without changing what the schema accepts, so such an
    /// object is its target (from 2019-09 on, other siblings apply alongside the target).
    static let referenceOnlyKeywords: Set<String> = annotationKeywords.union(["$ref"])

    init(old: CompatibilityDocuments, new: CompatibilityDocuments) {
        self.old = old
        self.new = new
    }

    func run() -> [CompatibilityFinding] {
        let root = CompatibilityLocation(document: 0, pointer: [])
        let raws = compare(Node(location: root, value: old.documents[0].value, present: true),
                           Node(location: root, value: new.documents[0].value, present: true))
        return finish(raws)
    }

    // MARK: Results

    func raw(_ place: (Side, CompatibilityLocation), _ change: String, _ breaks: Set<CompatibilityDirection>,
             undecidable: Bool = false) -> Raw
    {
        Raw(side: place.0, location: place.1, change: change, breaks: breaks, undecidable: undecidable)
    }

    /// Public findings: pointers into the compared documents, duplicates removed, in document order of
    /// the new schema, then of the old one.
    private func finish(_ raws: [Raw]) -> [CompatibilityFinding] {
        let newOrder = CompatibilityChecker.documentOrder(new.documents[0].value)
        let oldOrder = CompatibilityChecker.documentOrder(old.documents[0].value)
        var seen: Set<CompatibilityFinding> = []
        var keyed: [(isOld: Bool, position: Int, sequence: Int, finding: CompatibilityFinding)] = []
        for r in raws where !r.breaks.isEmpty {
            let documents = r.side == .old ? old : new
            let (tokens, prefix) = documents.reportable(r.location)
            let pointer = JSONPointer.make(tokens)
            let context = r.referenceContext.map { $0 + ": " } ?? ""
            let finding = CompatibilityFinding(pointer: pointer, change: context + prefix + r.change, breaks: r.breaks,
                                               isUndecidable: r.undecidable, pointerIsInOldSchema: r.side == .old)
            guard seen.insert(finding).inserted else { continue }
            let order = r.side == .old ? oldOrder : newOrder
            keyed.append((r.side == .old, CompatibilityChecker.position(of: tokens, in: order), keyed.count, finding))
        }
        keyed.sort { a, b in
            if a.isOld != b.isOld { return !a.isOld }
            if a.position != b.position { return a.position < b.position }
            return a.sequence < b.sequence
        }
        return keyed.map(\.finding)
    }

    /// The pre-order position of every location in a document, keyed by its pointer.
    private static func documentOrder(_ value: JSONValue) -> [String: Int] {
        var order: [String: Int] = [:]
        var stack: [(String, JSONValue)] = [("", value)]
        while let (pointer, v) = stack.popLast() {
            if order[pointer] == nil { order[pointer] = order.count }
            switch v {
            case .object(let o):
                for (k, child) in o.members.reversed() { stack.append((pointer + "/" + JSONPointer.escape(k), child)) }
            case .array(let a):
                for (i, child) in a.enumerated().reversed() { stack.append((pointer + "/" + String(i), child)) }
            default:
                break
            }
        }
        return order
    }

    /// The position of the deepest existing ancestor of `tokens` (a finding may name a keyword the
    /// document lacks, such as a bound that was only in the other version).
    private static func position(of tokens: [String], in order: [String: Int]) -> Int {
        var tokens = tokens
        while true {
            if let p = order[JSONPointer.make(tokens)] { return p }
            if tokens.isEmpty { return Int.max }
            tokens.removeLast()
        }
    }

    // MARK: Nodes

    static func child(of node: Node, _ path: [String], absent: JSONValue = true) -> Node {
        let location = node.location.appending(path)
        if node.present, let value = node.value.value(at: path) {
            return Node(location: location, value: value, present: true)
        }
        return Node(location: location, value: absent, present: false)
    }

    /// `true`, `{}`, or an object of annotations only: a schema every value satisfies.
    static func acceptsEverything(_ v: JSONValue) -> Bool {
        switch v {
        case .bool(let b): return b
        case .object(let o): return o.keys.allSatisfy(annotationKeywords.contains)
        default: return false
        }
    }

    /// `false`, `{"not": {}}` and the like: a schema no value satisfies, recognizably at a glance.
    static func acceptsNothing(_ v: JSONValue) -> Bool {
        switch v {
        case .bool(let b): return !b
        case .object(let o):
            if let not = o["not"], acceptsEverything(not) { return true }
            if let e = o["enum"]?.arrayValue, e.isEmpty { return true }
            if let t = o["type"]?.arrayValue, t.isEmpty { return true }
            return false
        default: return false
        }
    }

    /// Keywords that never make a schema reject a value.
    static let annotationKeywords: Set<String> = [
        "$schema", "$id", "$anchor", "$dynamicAnchor", "$comment", "$defs", "definitions", "$vocabulary",
        "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
    ]

    static func isScalar(_ v: JSONValue) -> Bool {
        switch v {
        case .array, .object: return false
        default: return true
        }
    }

    /// Follows `$ref`s that stand for their whole target.
    private func normalize(_ node: Node, in side: CompatibilityDocuments) -> Node {
        var current = node
        var seen: Set<CompatibilityLocation> = []
        while current.present, current.unresolved == nil,
              case .object(let object) = current.value, case .string(let reference)? = object["$ref"]
        {
            let draft = side.draft(at: current.location)
            guard draft <= .draft7 || object.keys.allSatisfy(CompatibilityChecker.referenceOnlyKeywords.contains) else { break }
            guard seen.insert(current.location).inserted else {
                current.unresolved = "a cycle of $refs through \"\(reference)\""
                break
            }
            current.refs.append(reference)
            switch side.resolve(reference, from: current.location) {
            case .location(let target):
                guard let value = side.value(at: target) else {
                    current.unresolved = reference
                    break
                }
                current = Node(location: target, value: value, present: true, refs: current.refs)
            case .unresolved(let uri):
                current.unresolved = uri
            }
        }
        return current
    }

    /// The schema a node stands for with its `$ref`s followed (for looking into combinator branches).
    func resolved(_ node: Node, side: Side) -> Node {
        normalize(node, in: side == .old ? old : new)
    }

    func draft(of node: Node, side: Side) -> JSONSchemaDraft {
        (side == .old ? old : new).draft(at: node.location)
    }

    /// Whether no reference occurs in the subschema, so JSON equality means equal meaning.
    private func isReferenceFree(_ node: Node) -> Bool {
        if let known = refFreeCache[node.key] { return known }
        var free = true
        var stack = [node.value]
        while free, let v = stack.popLast() {
            switch v {
            case .object(let o):
                for (k, child) in o {
                    if k == "$ref" || k == "$dynamicRef" || k == "$recursiveRef" {
                        free = false
                        break
                    }
                    stack.append(child)
                }
            case .array(let a):
                stack.append(contentsOf: a)
            default:
                break
            }
        }
        refFreeCache[node.key] = free
        return free
    }

    func regex(_ source: String) -> ECMARegex? {
        if let cached = regexCache[source] { return cached }
        let compiled = try? ECMARegex(source)
        regexCache[source] = compiled
        return compiled
    }

    // MARK: Comparing

    /// Compares an old and a new subschema; the findings say how `n` differs from `o`.
    func compare(_ o: Node, _ n: Node) -> [Raw] {
        let o2 = normalize(o, in: old)
        let n2 = normalize(n, in: new)
        var result = compareNormalized(o2, n2)
        if !result.isEmpty, !o2.refs.elementsEqual(n2.refs, by: { $0.utf8.elementsEqual($1.utf8) }) {
            let site = n.present ? JSONPointer.make(new.reportable(n.location).pointer)
                                 : JSONPointer.make(old.reportable(o.location).pointer)
            let what: String
            switch (o2.refs.first, n2.refs.first) {
            case (let a?, let b?): what = "$ref at \(site.isEmpty ? "the root" : site) changed from \"\(a)\" to \"\(b)\""
            case (nil, let b?): what = "the schema at \(site.isEmpty ? "the root" : site) became a $ref to \"\(b)\""
            case (let a?, nil): what = "the $ref \"\(a)\" at \(site.isEmpty ? "the root" : site) was replaced by an inline schema"
            case (nil, nil): what = ""
            }
            if !what.isEmpty {
                for i in result.indices { result[i].referenceContext = what + (result[i].referenceContext.map { ": " + $0 } ?? "") }
            }
        }
        return result
    }

    private func compareNormalized(_ o: Node, _ n: Node) -> [Raw] {
        let key = PairKey(old: o.key, new: n.key)
        if let known = memo[key] { return known }
        if inProgress.contains(key) { return [] }
        if depth >= CompatibilityChecker.maxDepth {
            return [raw(n.present || !o.present ? (.new, n.location) : (.old, o.location), "schemas nested too deeply to compare",
                        [.backward, .forward], undecidable: true)]
        }
        inProgress.insert(key)
        depth += 1
        let result = body(o, n)
        depth -= 1
        inProgress.remove(key)
        memo[key] = result
        return result
    }

    private func body(_ o: Node, _ n: Node) -> [Raw] {
        // The `$ref`s followed to get here were judged by the caller; comparisons from here on start afresh.
        var o = o
        var n = n
        o.refs = []
        n.refs = []
        let oDraft = old.draft(at: o.location)
        let nDraft = new.draft(at: n.location)
        if o.unresolved != nil || n.unresolved != nil {
            if let a = o.unresolved, let b = n.unresolved, a.utf8.elementsEqual(b.utf8) { return [] }
            let reason: String
            switch (o.unresolved, n.unresolved) {
            case (let a?, let b?): reason = "$ref target changed from \(a) to \(b), and neither can be resolved"
            case (nil, let b?): reason = "$ref target \(b) cannot be resolved, so it cannot be compared with the old schema"
            case (let a?, nil): reason = "old $ref target \(a) cannot be resolved, so it cannot be compared with the new schema"
            case (nil, nil): reason = ""
            }
            let place: (Side, CompatibilityLocation) = n.unresolved != nil || !o.present
                ? (.new, n.location.appending(n.present && n.value["$ref"] != nil ? ["$ref"] : []))
                : (.old, o.location.appending(o.value["$ref"] != nil ? ["$ref"] : []))
            return [raw(place, reason, [.backward, .forward], undecidable: true)]
        }
        if CompatibilityChecker.acceptsEverything(o.value) && CompatibilityChecker.acceptsEverything(n.value) { return [] }
        if oDraft == nDraft, o.value == n.value, isReferenceFree(o), isReferenceFree(n) { return [] }
        let oFalse = CompatibilityChecker.acceptsNothing(o.value)
        let nFalse = CompatibilityChecker.acceptsNothing(n.value)
        if oFalse && nFalse { return [] }
        let pair = Pair(o: o, n: n, oObject: o.value.objectValue ?? JSONObject(), nObject: n.value.objectValue ?? JSONObject(),
                        oDraft: oDraft, nDraft: nDraft)
        if nFalse {
            return [raw(pair.newPlace([]), "schema became false: every value here is now rejected", [.backward])]
        }
        if oFalse {
            return [raw(pair.newPlace([]), "schema was false (rejected every value) and now accepts values", [.forward])]
        }

        var out: [Raw] = []
        let (oTypes, nTypes) = effectiveTypes(pair)
        let common = oTypes.intersection(nTypes)
        var inPlace = compareReferences(pair)
        out += compareAssertions(pair)
        if common.contains(.array) { out += compareArrays(pair) }
        if common.contains(.object) { out += compareObjects(pair) }
        inPlace += compareCombinators(pair)
        if common.contains(.object) {
            inPlace += compareDependentSchemas(pair)
            inPlace = withoutMootProperties(inPlace, pair)
        }
        return out + inPlace
    }

    /// Compares the schemas of a child instance (a property, an item): what they report about open
    /// objects concerns that child, not the object being compared here.
    func compareChild(_ o: Node, _ n: Node) -> [Raw] {
        compare(o, n).map {
            var r = $0
            r.openObjectProperty = nil
            return r
        }
    }

    /// Drops what subschemas applied in place report about a property of an open object when this
    /// schema closes the object with `unevaluatedProperties: false` and does not evaluate that
    /// property itself: data on that side cannot carry it, so adding or removing it breaks nothing there.
    private func withoutMootProperties(_ raws: [Raw], _ p: Pair) -> [Raw] {
        let oClosed = closesWithUnevaluated(p.oObject, p.oDraft)
        let nClosed = closesWithUnevaluated(p.nObject, p.nDraft)
        guard oClosed || nClosed else { return raws }
        return raws.compactMap { r in
            guard let name = r.openObjectProperty else { return r }
            var copy = r
            if oClosed && !evaluates(name, p.o, p.oObject, draft: p.oDraft, side: .old) { copy.breaks.remove(.backward) }
            if nClosed && !evaluates(name, p.n, p.nObject, draft: p.nDraft, side: .new) { copy.breaks.remove(.forward) }
            return copy.breaks.isEmpty ? nil : copy
        }
    }

    private func closesWithUnevaluated(_ object: JSONObject, _ draft: JSONSchemaDraft) -> Bool {
        draft >= .draft2019_09 && object["additionalProperties"] == nil
            && object["unevaluatedProperties"].map(CompatibilityChecker.acceptsNothing) == true
    }

    // MARK: In-place references

    /// `$ref` next to other keywords (2019-09 and later), `$dynamicRef` and `$recursiveRef`.
    private func compareReferences(_ p: Pair) -> [Raw] {
        var out: [Raw] = []
        let oRef = p.oDraft >= .draft2019_09 ? p.oObject["$ref"]?.stringValue : nil
        let nRef = p.nDraft >= .draft2019_09 ? p.nObject["$ref"]?.stringValue : nil
        switch (oRef, nRef) {
        case (let a?, let b?):
            out += compare(referenceTarget(p.o, a, side: .old), referenceTarget(p.n, b, side: .new))
        case (nil, let b?):
            // An added conjunct: old data must satisfy it.
            out += CompatibilityChecker.prefixed("$ref \"\(b)\" added: ",
                                                 CompatibilityChecker.only(.backward, compare(p.o, referenceTarget(p.n, b, side: .new))))
        case (let a?, nil):
            // A removed conjunct: new data need not satisfy it.
            out += CompatibilityChecker.prefixed("$ref \"\(a)\" removed: ",
                                                 CompatibilityChecker.only(.forward, compare(referenceTarget(p.o, a, side: .old), p.n)))
        case (nil, nil):
            break
        }
        for keyword in ["$dynamicRef", "$recursiveRef"] {
            let applies = keyword == "$dynamicRef" ? JSONSchemaDraft.draft2020_12 : .draft2019_09
            let a = p.oDraft == applies ? p.oObject[keyword]?.stringValue : nil
            let b = p.nDraft == applies ? p.nObject[keyword]?.stringValue : nil
            switch (a, b) {
            case (let a?, let b?) where a.utf8.elementsEqual(b.utf8):
                out += compareDynamic(p, keyword, a)
            case (nil, nil):
                break
            default:
                out.append(raw(p.place(keyword),
                               "\(keyword) changed from \(a.map { "\"\($0)\"" } ?? "nothing") to \(b.map { "\"\($0)\"" } ?? "nothing"): its target depends on the dynamic scope",
                               [.backward, .forward], undecidable: true))
            }
        }
        return out
    }

    /// An unchanged `$dynamicRef` or `$recursiveRef`. It lands on its static target or on one of the
    /// schemas carrying the matching dynamic anchor, depending on how evaluation got there. When each
    /// version has at most one such schema the static targets decide; when both have the same number,
    /// they are compared in order and any difference is reported as undecidable; otherwise the
    /// reference as a whole is.
    private func compareDynamic(_ p: Pair, _ keyword: String, _ reference: String) -> [Raw] {
        let name = URIReference.percentDecode(URIReference(reference).fragment ?? "")
        let oCandidates = keyword == "$dynamicRef" ? old.dynamicAnchors[name] ?? [] : old.recursiveAnchors
        let nCandidates = keyword == "$dynamicRef" ? new.dynamicAnchors[name] ?? [] : new.recursiveAnchors
        var found = compare(referenceTarget(p.o, reference, side: .old), referenceTarget(p.n, reference, side: .new))
        if oCandidates.count <= 1 && nCandidates.count <= 1 { return found }
        guard oCandidates.count == nCandidates.count else {
            return [raw(p.newPlace([keyword]),
                        "\(keyword) \"\(reference)\" can land on \(oCandidates.count) schemas in the old version and \(nCandidates.count) in the new one, depending on the dynamic scope",
                        [.backward, .forward], undecidable: true)]
        }
        for (a, b) in zip(oCandidates, nCandidates) {
            guard let av = old.value(at: a), let bv = new.value(at: b) else { continue }
            found += compare(Node(location: a, value: av, present: true), Node(location: b, value: bv, present: true))
        }
        return found.map {
            var r = $0
            r.breaks = [.backward, .forward]
            r.undecidable = true
            r.change += " (reached through \(keyword) \"\(reference)\", which the dynamic scope resolves)"
            return r
        }
    }

    /// The schema a reference keyword of `node` points at (statically, for the dynamic ones).
    func referenceTarget(_ node: Node, _ reference: String, side: Side) -> Node {
        let documents = side == .old ? old : new
        switch documents.resolve(reference, from: node.location) {
        case .location(let target):
            if let value = documents.value(at: target) { return Node(location: target, value: value, present: true, refs: [reference]) }
            return Node(location: node.location, value: node.value, present: true, unresolved: reference, refs: [reference])
        case .unresolved(let uri):
            return Node(location: node.location, value: node.value, present: true, unresolved: uri, refs: [reference])
        }
    }

    // MARK: Direction helpers

    /// Keeps only the part of each finding that concerns `direction`.
    static func only(_ direction: CompatibilityDirection, _ raws: [Raw]) -> [Raw] {
        raws.compactMap { r in
            guard r.breaks.contains(direction) else { return nil }
            var copy = r
            copy.breaks = [direction]
            return copy
        }
    }

    /// Swaps the directions of each finding (for subschemas under `not`).
    static func flipped(_ raws: [Raw], note: String) -> [Raw] {
        raws.map { r in
            var copy = r
            copy.breaks = Set(r.breaks.map { $0 == .backward ? .forward : .backward })
            copy.change += note
            return copy
        }
    }

    static func union(_ raws: [Raw]) -> Set<CompatibilityDirection> {
        raws.reduce(into: []) { $0.formUnion($1.breaks) }
    }
}
