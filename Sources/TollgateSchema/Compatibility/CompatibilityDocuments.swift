/// A place in one side's documents; tokens compare by code points, like schema locations elsewhere.
struct CompatibilityLocation: Hashable {
    var document: Int
    var pointer: [String]

    func appending(_ tokens: String...) -> CompatibilityLocation {
        CompatibilityLocation(document: document, pointer: pointer + tokens)
    }

    func appending(_ tokens: [String]) -> CompatibilityLocation {
        CompatibilityLocation(document: document, pointer: pointer + tokens)
    }

    static func == (a: CompatibilityLocation, b: CompatibilityLocation) -> Bool {
        a.document == b.document && a.pointer.count == b.pointer.count
            && zip(a.pointer, b.pointer).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(document)
        for token in pointer { ScalarKey(token).hash(into: &hasher) }
    }
}

/// One side of a comparison: its schema document, the documents its `$ref`s pulled in, and what a
/// scan found in them (resource `$id`s, anchors, the base URI and draft at each schema location).
///
/// Lives for one `SchemaCompatibility.compare` call; not shared across threads.
final class CompatibilityDocuments {
    struct Document {
        /// The absolute base URI of the document (no fragment).
        var uri: String
        var value: JSONValue
        /// The full URI the document was requested by, for messages.
        var label: String
        /// The `$ref` keyword that first pulled the document in; `nil` for the compared document.
        var site: CompatibilityLocation?
    }

    struct Info {
        var base: URIReference
        var draft: JSONSchemaDraft
    }

    enum Target {
        case location(CompatibilityLocation)
        /// The absolute URI that could not be resolved.
        case unresolved(String)
    }

    private(set) var documents: [Document] = []
    private var resourceLocations: [String: CompatibilityLocation] = [:]
    private var anchors: [String: CompatibilityLocation] = [:]
    private var infos: [CompatibilityLocation: Info] = [:]
    private var externalTargets: [String: Target] = [:]
    /// External documents (absolute URIs, no fragment) already asked for as a whole.
    private var requestedDocuments: Set<String> = []
    /// Every schema with `$dynamicAnchor` (by name) or `"$recursiveAnchor": true`, in scan order: the
    /// places a dynamic reference may land.
    private(set) var dynamicAnchors: [String: [CompatibilityLocation]] = [:]
    private(set) var recursiveAnchors: [CompatibilityLocation] = []
    private let resolveExternal: (String) -> JSONValue?

    init(root: JSONValue, uri: String, resolve: @escaping (String) -> JSONValue?) {
        resolveExternal = resolve
        let base = URIReference(uri).withoutFragment.description
        addDocument(root, uri: base, label: base, site: nil, draft: .default, isResource: true)
    }

    func value(at location: CompatibilityLocation) -> JSONValue? {
        documents[location.document].value.value(at: location.pointer)
    }

    /// Base URI and draft at `location`, inherited from the nearest scanned ancestor.
    func info(for location: CompatibilityLocation) -> Info {
        var pointer = location.pointer
        while true {
            if let info = infos[CompatibilityLocation(document: location.document, pointer: pointer)] { return info }
            if pointer.isEmpty { break }
            pointer.removeLast()
        }
        return Info(base: URIReference(documents[location.document].uri), draft: .default)
    }

    func draft(at location: CompatibilityLocation) -> JSONSchemaDraft { info(for: location).draft }

    /// Resolves the reference string found in the schema object at `location`.
    func resolve(_ reference: String, from location: CompatibilityLocation) -> Target {
        let info = self.info(for: location)
        let target = URIReference(reference).resolved(against: info.base)
        let absolute = target.withoutFragment.description
        let fragment = URIReference.percentDecode(target.fragment ?? "")
        if resourceLocations[absolute] == nil, !fragment.isEmpty, requestedDocuments.insert(absolute).inserted,
           let whole = resolveExternal(absolute), whole.isSchemaShaped
        {
            // Load the whole document once, so its pointers and anchors resolve like local ones.
            addDocument(whole, uri: absolute, label: absolute, site: location.appending("$ref"), draft: info.draft,
                        isResource: true)
        }
        if let root = resourceLocations[absolute] {
            if fragment.isEmpty { return .location(root) }
            if fragment.hasPrefix("/") {
                guard let tokens = JSONPointer.tokens(fragment) else { return .unresolved(target.description) }
                let found = root.appending(tokens)
                guard let value = value(at: found), value.isSchemaShaped else { return .unresolved(target.description) }
                return .location(found)
            }
            if let anchored = anchors[absolute + "#" + fragment] { return .location(anchored) }
            // The anchor may live in the part of an external document that was not loaded.
            if documents[root.document].site == nil { return .unresolved(target.description) }
        }
        let key = fragment.isEmpty ? absolute : absolute + "#" + (target.fragment ?? "")
        if let known = externalTargets[key] { return known }
        var result = Target.unresolved(key)
        if let value = resolveExternal(key), value.isSchemaShaped {
            let index = addDocument(value, uri: absolute, label: key, site: location.appending("$ref"),
                                    draft: info.draft, isResource: fragment.isEmpty)
            result = .location(CompatibilityLocation(document: index, pointer: []))
        }
        externalTargets[key] = result
        return result
    }

    /// The pointer and message prefix for a location: locations inside external documents are reported
    /// at the `$ref` in the compared document that led there.
    func reportable(_ location: CompatibilityLocation) -> (pointer: [String], prefix: String) {
        var current = location
        var prefix = ""
        var hops = 0
        while current.document != 0, let site = documents[current.document].site, hops < 64 {
            let inner = JSONPointer.make(current.pointer)
            prefix = "in \(documents[current.document].label)\(inner.isEmpty ? "" : " at \(inner)"): " + prefix
            current = site
            hops += 1
        }
        return (current.pointer, prefix)
    }

    // MARK: Scanning

    @discardableResult
    private func addDocument(_ value: JSONValue, uri: String, label: String, site: CompatibilityLocation?,
                             draft: JSONSchemaDraft, isResource: Bool) -> Int
    {
        let index = documents.count
        documents.append(Document(uri: uri, value: value, label: label, site: site))
        let root = CompatibilityLocation(document: index, pointer: [])
        if isResource, resourceLocations[uri] == nil { resourceLocations[uri] = root }
        scan(value, at: root, base: URIReference(uri), draft: draft)
        return index
    }

    private func scan(_ value: JSONValue, at location: CompatibilityLocation, base inheritedBase: URIReference,
                      draft inheritedDraft: JSONSchemaDraft)
    {
        var base = inheritedBase.withoutFragment
        var draft = inheritedDraft
        guard case .object(let object) = value else {
            infos[location] = Info(base: base, draft: draft)
            return
        }
        if case .string(let meta)? = object["$schema"], location.pointer.isEmpty || object["$id"] != nil || object["id"] != nil {
            draft = CompatibilityDocuments.draft(forMetaSchema: meta) ?? draft
        }
        let refHidesSiblings = draft <= .draft7 && object["$ref"] != nil
        if !refHidesSiblings, case .string(let id)? = object[draft.idKeyword] {
            if draft <= .draft7 && id.hasPrefix("#") {
                let name = String(id.dropFirst())
                if !name.isEmpty { register(anchor: name, in: base, at: location) }
            } else {
                let resolved = URIReference(id).resolved(against: base)
                base = resolved.withoutFragment
                if resourceLocations[base.description] == nil { resourceLocations[base.description] = location }
                if let fragment = resolved.fragment, !fragment.isEmpty { register(anchor: fragment, in: base, at: location) }
            }
        }
        if draft >= .draft2019_09 {
            if case .string(let name)? = object["$anchor"] { register(anchor: name, in: base, at: location) }
            if draft >= .draft2020_12, case .string(let name)? = object["$dynamicAnchor"] {
                register(anchor: name, in: base, at: location)
                dynamicAnchors[name, default: []].append(location)
            }
            if draft == .draft2019_09, object["$recursiveAnchor"] == .bool(true) { recursiveAnchors.append(location) }
        }
        infos[location] = Info(base: base, draft: draft)
        for (keyword, shape) in SchemaCompiler.subschemaKeywords(draft) {
            guard let child = object[keyword] else { continue }
            switch (shape, child) {
            case (.single, _), (.singleOrArray, .object), (.singleOrArray, .bool):
                scan(child, at: location.appending(keyword), base: base, draft: draft)
            case (.array, .array(let items)), (.singleOrArray, .array(let items)):
                for (i, item) in items.enumerated() {
                    scan(item, at: location.appending(keyword, String(i)), base: base, draft: draft)
                }
            case (.map, .object(let members)):
                for (name, item) in members where item.isSchemaShaped {
                    scan(item, at: location.appending(keyword, name), base: base, draft: draft)
                }
            default:
                continue
            }
        }
    }

    private func register(anchor name: String, in base: URIReference, at location: CompatibilityLocation) {
        let key = base.withoutFragment.description + "#" + name
        if anchors[key] == nil { anchors[key] = location }
    }

    /// The draft a `$schema` value names; `nil` for a meta-schema that is not a standard draft.
    static func draft(forMetaSchema uri: String) -> JSONSchemaDraft? {
        if let draft = JSONSchemaDraft(metaSchemaURI: uri) { return draft }
        let trimmed = uri.hasSuffix("#") ? String(uri.dropLast()) : uri
        if trimmed == "http://json-schema.org/schema" || trimmed == "https://json-schema.org/schema" { return .default }
        return nil
    }
}
