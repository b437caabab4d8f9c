/// Compiles a schema, and every schema it references, into a ``SchemaProgram``.
///
/// Work proceeds in two phases per document: a scan that finds schema resources (`$id`), anchors and
/// the dialect in force at every schema location, following only the keywords of that dialect that
/// hold subschemas; then node compilation, driven by a worklist so reference cycles and deep schemas
/// need no recursion. Nodes are created on demand, so a `$ref` may point anywhere a JSON Pointer can.
final class SchemaCompiler {
    /// A place in a loaded document. Tokens compare by code points, not by Swift's canonical
    /// equivalence, so `#/$defs/%C3%A9` and `#/$defs/e%CC%81` stay different places.
    struct Location: Hashable {
        var document: Int
        var pointer: [String]

        static func == (a: Location, b: Location) -> Bool {
            a.document == b.document && a.pointer.count == b.pointer.count
                && zip(a.pointer, b.pointer).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(document)
            for token in pointer { ScalarKey(token).hash(into: &hasher) }
        }
    }

    struct LocationInfo {
        var base: URIReference
        var dialect: Dialect
        var resource: Int
    }

    struct Anchor {
        var location: Location
        var dynamic: Bool
    }

    private let options: JSONSchemaOptions
    private let store: JSONSchemaStore
    private var documents: [(uri: String, value: JSONValue)] = []
    private var documentIndex: [String: Int] = [:]
    private var resourceLocations: [String: Location] = [:]
    private var anchors: [String: Anchor] = [:]
    private var infos: [Location: LocationInfo] = [:]
    private var resources: [SchemaResourceInfo] = []
    private var resourceRoots: [Location] = []
    private var resourceIndex: [String: Int] = [:]
    private var dynamicAnchorLocations: [Int: [String: Location]] = [:]
    private var nodes: [SchemaNode] = []
    private var nodeLocations: [Location] = []
    private var nodeIndex: [Location: Int] = [:]
    private var worklist: [Int] = []
    private var usesDynamicScope = false
    private var dialectCache: [String: Dialect] = [:]
    /// Things a user should know that do not stop compilation.
    private(set) var warnings: [SchemaWarning] = []

    init(options: JSONSchemaOptions, store: JSONSchemaStore) {
        self.options = options
        self.store = store
    }

    /// Compiles `schema`, whose retrieval URI is `uri`.
    func compile(_ schema: JSONValue, uri: String) throws(SchemaError) -> SchemaProgram {
        let base = URIReference(uri).withoutFragment.description
        let doc = try addDocument(schema, uri: base, defaultDialect: Dialect(draft: options.defaultDraft))
        let root = try node(for: Location(document: doc, pointer: []))
        try drain()
        return SchemaProgram(nodes: nodes, root: root, resources: resources, usesDynamicScope: usesDynamicScope, warnings: warnings,
                             maxEvaluationDepth: options.maxEvaluationDepth,
                             maxEvaluationStackBytes: options.maxEvaluationStackBytes,
                             maxEvaluationStepsPerValue: options.maxEvaluationStepsPerValue)
    }

    /// Compiles nodes until the worklist is empty; then, if `$dynamicRef` is used, materializes the
    /// dynamic anchors of every resource evaluation can enter, and repeats until nothing is new.
    private func drain() throws(SchemaError) {
        while true {
            while let index = worklist.popLast() {
                try compileNode(index)
            }
            guard usesDynamicScope else { return }
            var added = false
            for resource in Set(nodes.map(\.resource)) {
                guard let pending = dynamicAnchorLocations.removeValue(forKey: resource) else { continue }
                for (name, location) in pending.sorted(by: { $0.key < $1.key }) {
                    resources[resource].dynamicAnchors[name] = try node(for: location)
                    added = true
                }
            }
            if !added && worklist.isEmpty { return }
        }
    }

    // MARK: Errors

    private func error(_ code: SchemaError.Code, _ message: String, at location: Location, _ extra: [String] = []) -> SchemaError {
        SchemaError(code: code, message: message, documentURI: documents[location.document].uri,
                    pointer: JSONPointer.make(location.pointer + extra))
    }

    // MARK: Documents and scanning

    private func addDocument(_ value: JSONValue, uri: String, defaultDialect: Dialect) throws(SchemaError) -> Int {
        let index = documents.count
        documents.append((uri, value))
        documentIndex[uri] = index
        let root = Location(document: index, pointer: [])
        try scan(value, at: root, base: URIReference(uri), dialect: defaultDialect, resource: nil)
        if resourceLocations[uri] == nil { resourceLocations[uri] = root }
        return index
    }

    private func value(at location: Location) -> JSONValue? {
        documents[location.document].value.value(at: location.pointer)
    }

    /// The dialect a `$schema` value selects.
    private func dialect(forMetaSchema uri: String, at location: Location, depth: Int = 0) throws(SchemaError) -> Dialect {
        if let cached = dialectCache[uri] { return cached }
        if let draft = JSONSchemaDraft(metaSchemaURI: uri) {
            return Dialect(draft: draft)
        }
        // "The latest draft", as older schemas say: no particular draft, so the default one.
        if ["http://json-schema.org/schema", "https://json-schema.org/schema"].contains(uri.hasSuffix("#") ? String(uri.dropLast()) : uri) {
            return Dialect(draft: options.defaultDraft)
        }
        if uri.hasPrefix("http://json-schema.org/draft-03/") || uri.hasPrefix("https://json-schema.org/draft-03/") {
            throw error(.unknownMetaSchema, "draft 3 schemas are not supported (supported: 4, 6, 7, 2019-09, 2020-12)",
                        at: location, ["$schema"])
        }
        let key = URIReference(uri).withoutFragment.description
        guard depth < 8, let meta = store.document(for: key), case .object(let object) = meta else {
            let unknown = "unknown meta-schema \"\(uri)\": it is not a supported draft (4, 6, 7, 2019-09, 2020-12) and no loaded schema has that URI"
            guard options.acceptsUnknownMetaSchemas else {
                throw error(.unknownMetaSchema, unknown, at: location, ["$schema"])
            }
            // Vendor meta-schemas (e.g. CloudFormation's provider definition) extend a standard
            // draft; validate with the default draft and say so rather than refuse the schema.
            warnings.append(SchemaWarning(
                message: "\(unknown); validating as \(options.defaultDraft) (load it with --ref to use it, or choose a draft with --draft)",
                documentURI: documents[location.document].uri, pointer: JSONPointer.make(location.pointer + ["$schema"])))
            let fallback = Dialect(draft: options.defaultDraft)
            dialectCache[uri] = fallback
            return fallback
        }
        var base = Dialect(draft: options.defaultDraft)
        if case .string(let parent)? = object["$schema"], parent != uri {
            base = try dialect(forMetaSchema: parent, at: location, depth: depth + 1)
        }
        if case .object(let vocabulary)? = object["$vocabulary"], base.draft >= .draft2019_09 {
            var enabled: Vocabularies = [.core]
            for (vocabURI, required) in vocabulary {
                if let v = Vocabularies.named(vocabURI, draft: base.draft) {
                    enabled.formUnion(v)
                } else if required == .bool(true) {
                    throw error(.unsupportedVocabulary,
                                "meta-schema \"\(uri)\" requires vocabulary \"\(vocabURI)\", which this implementation does not support",
                                at: location, ["$schema"])
                }
            }
            base.vocabularies = enabled
        }
        dialectCache[uri] = base
        return base
    }

    private func registerResource(_ uri: String, at location: Location, dialect: Dialect) -> Int {
        if let existing = resourceIndex[uri] { return existing }
        let index = resources.count
        resources.append(SchemaResourceInfo(uri: uri, dynamicAnchors: [:], recursiveAnchor: false, rootNode: -1))
        resourceRoots.append(location)
        resourceIndex[uri] = index
        if resourceLocations[uri] == nil { resourceLocations[uri] = location }
        return index
    }

    private static func anchorSyntax(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII,
              (first.properties.isAlphabetic || first == "_") else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-._".unicodeScalars.contains($0))
        }
    }

    /// Records identifiers, anchors and the dialect of every schema location under `value`.
    private func scan(_ value: JSONValue, at location: Location, base inheritedBase: URIReference,
                      dialect inheritedDialect: Dialect, resource inheritedResource: Int?) throws(SchemaError)
    {
        var base = inheritedBase.withoutFragment
        var dialect = inheritedDialect
        var resource = inheritedResource
        guard case .object(let object) = value else {
            if resource == nil { resource = registerResource(base.description, at: location, dialect: dialect) }
            infos[location] = LocationInfo(base: base, dialect: dialect, resource: resource!)
            return
        }
        let isDocumentRoot = location.pointer.isEmpty
        if case .string(let metaURI)? = object["$schema"],
           isDocumentRoot || object["$id"] != nil || object["id"] != nil {
            dialect = try self.dialect(forMetaSchema: metaURI, at: location)
        }
        let draft = dialect.draft
        // Up to draft 7, `$ref` makes every sibling keyword, `$id` included, ignored.
        let refHidesSiblings = draft <= .draft7 && object["$ref"] != nil
        if !refHidesSiblings, case .string(let id)? = object[draft.idKeyword] {
            if draft <= .draft7 && id.hasPrefix("#") {
                let name = String(id.dropFirst())
                if !name.isEmpty { registerAnchor(name, in: base, at: location, dynamic: false) }
            } else {
                let resolved = URIReference(id).resolved(against: base)
                if draft >= .draft2019_09, let fragment = resolved.fragment, !fragment.isEmpty {
                    throw error(.invalidKeywordValue, "\"$id\" must not contain a fragment; use \"$anchor\" for \"#\(fragment)\"",
                                at: location, ["$id"])
                }
                base = resolved.withoutFragment
                resource = registerResource(base.description, at: location, dialect: dialect)
                if let fragment = resolved.fragment, !fragment.isEmpty {
                    registerAnchor(fragment, in: base, at: location, dynamic: false)
                }
            }
        }
        if resource == nil { resource = registerResource(base.description, at: location, dialect: dialect) }
        if draft >= .draft2019_09 {
            if case .string(let name)? = object["$anchor"] {
                guard SchemaCompiler.anchorSyntax(name) else {
                    throw error(.invalidKeywordValue, "\"$anchor\" value \"\(name)\" is not a valid anchor name", at: location, ["$anchor"])
                }
                registerAnchor(name, in: base, at: location, dynamic: false)
            }
            if draft >= .draft2020_12, case .string(let name)? = object["$dynamicAnchor"] {
                guard SchemaCompiler.anchorSyntax(name) else {
                    throw error(.invalidKeywordValue, "\"$dynamicAnchor\" value \"\(name)\" is not a valid anchor name",
                                at: location, ["$dynamicAnchor"])
                }
                registerAnchor(name, in: base, at: location, dynamic: true)
                dynamicAnchorLocations[resource!, default: [:]][name] = location
            }
            if draft == .draft2019_09, object["$recursiveAnchor"] == .bool(true),
               resourceRoots[resource!] == location {
                resources[resource!].recursiveAnchor = true
            }
        }
        infos[location] = LocationInfo(base: base, dialect: dialect, resource: resource!)

        for (keyword, shape) in SchemaCompiler.subschemaKeywords(draft) {
            guard let child = object[keyword] else { continue }
            switch (shape, child) {
            case (.single, _), (.singleOrArray, .object), (.singleOrArray, .bool):
                try scan(child, at: Location(document: location.document, pointer: location.pointer + [keyword]),
                         base: base, dialect: dialect, resource: resource)
            case (.array, .array(let items)), (.singleOrArray, .array(let items)):
                for (i, item) in items.enumerated() {
                    try scan(item, at: Location(document: location.document, pointer: location.pointer + [keyword, String(i)]),
                             base: base, dialect: dialect, resource: resource)
                }
            case (.map, .object(let members)):
                for (name, item) in members {
                    if case .array = item { continue }   // `dependencies` with a property list
                    try scan(item, at: Location(document: location.document, pointer: location.pointer + [keyword, name]),
                             base: base, dialect: dialect, resource: resource)
                }
            default:
                continue
            }
        }
    }

    private func registerAnchor(_ name: String, in base: URIReference, at location: Location, dynamic: Bool) {
        let key = base.withoutFragment.description + "#" + name
        if let existing = anchors[key], existing.dynamic || !dynamic {
            if existing.location == location || !dynamic { return }
        }
        anchors[key] = Anchor(location: location, dynamic: dynamic)
    }

    enum SubschemaShape { case single, array, map, singleOrArray }

    /// Keywords whose values are (or contain) subschemas, per draft.
    static func subschemaKeywords(_ draft: JSONSchemaDraft) -> [(String, SubschemaShape)] {
        var list: [(String, SubschemaShape)] = [
            ("additionalProperties", .single), ("not", .single), ("allOf", .array), ("anyOf", .array),
            ("oneOf", .array), ("properties", .map), ("patternProperties", .map), ("dependencies", .map),
        ]
        if draft <= .draft2019_09 {
            list += [("items", .singleOrArray), ("additionalItems", .single)]
        } else {
            list += [("items", .single), ("prefixItems", .array)]
        }
        if draft >= .draft6 { list += [("contains", .single), ("propertyNames", .single)] }
        if draft >= .draft7 { list += [("if", .single), ("then", .single), ("else", .single)] }
        if draft <= .draft7 { list += [("definitions", .map)] }
        if draft >= .draft2019_09 {
            list += [("$defs", .map), ("dependentSchemas", .map), ("unevaluatedItems", .single),
                     ("unevaluatedProperties", .single), ("contentSchema", .single)]
        }
        return list
    }

    /// Scan information for a location; locations the scan did not visit (inside unknown keywords)
    /// inherit from their nearest scanned ancestor.
    private func info(for location: Location) -> LocationInfo {
        var pointer = location.pointer
        while true {
            if let info = infos[Location(document: location.document, pointer: pointer)] { return info }
            if pointer.isEmpty { break }
            pointer.removeLast()
        }
        // Unreachable: every document root is scanned.
        return LocationInfo(base: URIReference(documents[location.document].uri),
                            dialect: Dialect(draft: options.defaultDraft), resource: 0)
    }

    // MARK: References

    /// Resolves a reference string found at `location` to a schema location.
    private func resolve(_ reference: String, from location: Location, keyword: String) throws(SchemaError) -> (Location, Anchor?) {
        let info = self.info(for: location)
        let target = URIReference(reference).resolved(against: info.base)
        let absolute = target.withoutFragment.description
        var resourceLocation = resourceLocations[absolute]
        if resourceLocation == nil, let document = store.document(for: absolute) {
            let index = try addDocument(document, uri: absolute, defaultDialect: info.dialect)
            resourceLocation = resourceLocations[absolute] ?? Location(document: index, pointer: [])
        }
        guard let resourceLocation else {
            throw error(.unresolvableReference,
                        "cannot resolve \(keyword) \"\(reference)\": no loaded schema has the URI \"\(absolute)\" (schemas are never fetched over the network; load it with --ref or add it to the store)",
                        at: location, [keyword])
        }
        let fragment = URIReference.percentDecode(target.fragment ?? "")
        if fragment.isEmpty {
            return (resourceLocation, nil)
        }
        if fragment.hasPrefix("/") {
            guard let tokens = JSONPointer.tokens(fragment) else {
                throw error(.unresolvableReference, "cannot resolve \(keyword) \"\(reference)\": \"\(fragment)\" is not a valid JSON Pointer",
                            at: location, [keyword])
            }
            let targetLocation = Location(document: resourceLocation.document, pointer: resourceLocation.pointer + tokens)
            guard let targetValue = value(at: targetLocation) else {
                throw error(.unresolvableReference, "cannot resolve \(keyword) \"\(reference)\": nothing at \"\(fragment)\" in \"\(absolute)\"",
                            at: location, [keyword])
            }
            guard targetValue.isSchemaShaped else {
                throw error(.unresolvableReference, "\(keyword) \"\(reference)\" points at a \(targetValue.typeName), not a schema",
                            at: location, [keyword])
            }
            return (targetLocation, nil)
        }
        guard let anchor = anchors[absolute + "#" + fragment] else {
            throw error(.unresolvableReference, "cannot resolve \(keyword) \"\(reference)\": \"\(absolute)\" has no anchor \"\(fragment)\"",
                        at: location, [keyword])
        }
        return (anchor.location, anchor)
    }

    // MARK: Nodes

    private func node(for location: Location) throws(SchemaError) -> Int {
        if let existing = nodeIndex[location] { return existing }
        guard let v = value(at: location) else {
            throw error(.invalidSchema, "no schema at this location", at: location)
        }
        guard v.isSchemaShaped else {
            throw error(.invalidSchema, "a schema must be an object or a boolean, found \(v.typeName)", at: location)
        }
        let index = nodes.count
        nodes.append(SchemaNode())
        nodeLocations.append(location)
        nodeIndex[location] = index
        worklist.append(index)
        return index
    }

    private func child(_ location: Location, _ tokens: String...) throws(SchemaError) -> Int {
        try node(for: Location(document: location.document, pointer: location.pointer + tokens))
    }

    private func compileNode(_ index: Int) throws(SchemaError) {
        let location = nodeLocations[index]
        let info = self.info(for: location)
        var node = SchemaNode()
        node.resource = info.resource
        let root = resourceRoots[info.resource]
        let relative = location.document == root.document && location.pointer.starts(with: root.pointer)
            ? Array(location.pointer.dropFirst(root.pointer.count)) : location.pointer
        node.absoluteLocation = resources[info.resource].uri + "#" + URIReference.fragmentEncode(JSONPointer.make(relative))
        if resources[info.resource].rootNode < 0 && root == location { resources[info.resource].rootNode = index }

        switch value(at: location) {
        case .bool(let b)?:
            // Draft 4 has no boolean schemas, but its `additionalProperties`/`additionalItems` take
            // booleans with the same meaning, so booleans are accepted everywhere.
            node.constant = b
        case .object(let object)?:
            var builder = KeywordBuilder(compiler: self, location: location, object: object, dialect: info.dialect)
            node.keywords = try builder.build()
            node.collectsAnnotations = node.keywords.contains {
                if case .unevaluatedItems = $0 { return true }
                if case .unevaluatedProperties = $0 { return true }
                return false
            }
            if node.keywords.isEmpty { node.constant = true }
        default:
            throw error(.invalidSchema, "a schema must be an object or a boolean", at: location)
        }
        nodes[index] = node
    }

    /// Compiles the keywords of one schema object.
    private struct KeywordBuilder {
        let compiler: SchemaCompiler
        let location: Location
        let object: JSONObject
        let dialect: Dialect
        var draft: JSONSchemaDraft { dialect.draft }

        init(compiler: SchemaCompiler, location: Location, object: JSONObject, dialect: Dialect) {
            self.compiler = compiler
            self.location = location
            self.object = object
            self.dialect = dialect
        }

        func fail(_ keyword: String, _ message: String, _ extra: [String] = []) -> SchemaError {
            compiler.error(.invalidKeywordValue, message, at: location, [keyword] + extra)
        }

        func nonNegativeInteger(_ keyword: String) throws(SchemaError) -> Int? {
            guard let v = object[keyword] else { return nil }
            guard case .number(let n) = v, n.isInteger, !n.isNegative else {
                throw fail(keyword, "\"\(keyword)\" must be a non-negative integer, found \(v)")
            }
            return n.int64Value.map { Int(clamping: $0) } ?? Int.max
        }

        func number(_ keyword: String) throws(SchemaError) -> JSONNumber? {
            guard let v = object[keyword] else { return nil }
            guard case .number(let n) = v else { throw fail(keyword, "\"\(keyword)\" must be a number, found \(v)") }
            return n
        }

        func subschema(_ keyword: String) throws(SchemaError) -> Int? {
            guard object[keyword] != nil else { return nil }
            return try compiler.child(location, keyword)
        }

        func subschemaArray(_ keyword: String, nonEmpty: Bool = true) throws(SchemaError) -> [Int]? {
            guard let v = object[keyword] else { return nil }
            guard case .array(let items) = v, !nonEmpty || !items.isEmpty else {
                throw fail(keyword, "\"\(keyword)\" must be a non-empty array of schemas")
            }
            var out: [Int] = []
            for i in items.indices { out.append(try compiler.child(location, keyword, String(i))) }
            return out
        }

        func subschemaMap(_ keyword: String) throws(SchemaError) -> [(String, Int)]? {
            guard let v = object[keyword] else { return nil }
            guard case .object(let members) = v else { throw fail(keyword, "\"\(keyword)\" must be an object of schemas") }
            var out: [(String, Int)] = []
            for (name, _) in members { out.append((name, try compiler.child(location, keyword, name))) }
            return out
        }

        func stringArray(_ keyword: String, _ v: JSONValue, extra: [String] = []) throws(SchemaError) -> [String] {
            guard case .array(let items) = v else { throw fail(keyword, "\"\(keyword)\" must be an array of strings", extra) }
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw fail(keyword, "\"\(keyword)\" must be an array of strings", extra) }
                out.append(s)
            }
            return out
        }

        func regex(_ source: String, _ keyword: String, _ extra: [String] = []) throws(SchemaError) -> ECMARegex {
            do {
                return try ECMARegex(source)
            } catch {
                throw compiler.error(.invalidRegularExpression,
                                     "invalid regular expression \"\(source)\": \(error.message) (at character \(error.offset))",
                                     at: location, [keyword] + extra)
            }
        }

        func reference(_ keyword: String) throws(SchemaError) -> (Int, SchemaCompiler.Anchor?)? {
            guard let v = object[keyword] else { return nil }
            guard case .string(let ref) = v else { throw fail(keyword, "\"\(keyword)\" must be a string") }
            let (target, anchor) = try compiler.resolve(ref, from: location, keyword: keyword)
            return (try compiler.node(for: target), anchor)
        }

        func uses(_ v: Vocabularies) -> Bool { draft < .draft2019_09 || dialect.has(v) }

        mutating func build() throws(SchemaError) -> [Keyword] {
            var out: [Keyword] = []
            // Up to draft 7 a `$ref` replaces the whole schema object.
            if draft <= .draft7, object["$ref"] != nil {
                if let (target, _) = try reference("$ref") { out.append(.ref(target)) }
                return out
            }
            try buildReferences(&out)
            if uses(.validation) { try buildGeneric(&out) }
            if uses(.validation) { try buildNumeric(&out) }
            if uses(.validation) { try buildString(&out) }
            try buildFormat(&out)
            buildContent(&out)
            try buildArray(&out)
            try buildObject(&out)
            if uses(.applicator) { try buildCombinators(&out) }
            if uses(.unevaluated) {
                if draft >= .draft2019_09, let n = try subschema("unevaluatedItems") { out.append(.unevaluatedItems(n)) }
                if draft >= .draft2019_09, let n = try subschema("unevaluatedProperties") { out.append(.unevaluatedProperties(n)) }
            }
            return out
        }

        mutating func buildReferences(_ out: inout [Keyword]) throws(SchemaError) {
            if let (target, _) = try reference("$ref") { out.append(.ref(target)) }
            if draft == .draft2020_12, let v = object["$dynamicRef"] {
                guard case .string(let ref) = v else { throw fail("$dynamicRef", "\"$dynamicRef\" must be a string") }
                let (targetLocation, anchor) = try compiler.resolve(ref, from: location, keyword: "$dynamicRef")
                let target = try compiler.node(for: targetLocation)
                var name: String?
                if let anchor, anchor.dynamic, let fragment = URIReference(ref).fragment {
                    name = URIReference.percentDecode(fragment)
                }
                compiler.usesDynamicScope = true
                out.append(.dynamicRef(DynamicRefKeyword(target: target, anchor: name)))
            }
            if draft == .draft2019_09, let v = object["$recursiveRef"] {
                guard case .string(let ref) = v else { throw fail("$recursiveRef", "\"$recursiveRef\" must be a string") }
                let (targetLocation, _) = try compiler.resolve(ref, from: location, keyword: "$recursiveRef")
                compiler.usesDynamicScope = true
                out.append(.recursiveRef(try compiler.node(for: targetLocation)))
            }
        }

        func buildGeneric(_ out: inout [Keyword]) throws(SchemaError) {
            if let v = object["type"] {
                var set: TypeSet = []
                let names: [String]
                switch v {
                case .string(let s): names = [s]
                case .array:
                    names = try stringArray("type", v)
                default: throw fail("type", "\"type\" must be a type name or an array of type names")
                }
                for name in names {
                    guard let t = TypeSet.named(name) else {
                        throw fail("type", "unknown type \"\(name)\" (expected null, boolean, object, array, number, string or integer)")
                    }
                    set.insert(t)
                }
                out.append(.type(set, lexicalIntegers: draft == .draft4))
            }
            if draft >= .draft6, let v = object["const"] {
                out.append(.const(v))
            }
            if let v = object["enum"] {
                guard case .array(let values) = v else { throw fail("enum", "\"enum\" must be an array") }
                var strings: [String] = []
                var others: [JSONValue] = []
                for value in values {
                    if case .string(let s) = value { strings.append(s) } else { others.append(value) }
                }
                out.append(.enumeration(EnumKeyword(values: values, strings: strings, others: others)))
            }
        }

        func buildNumeric(_ out: inout [Keyword]) throws(SchemaError) {
            if let m = try number("multipleOf") {
                guard !m.isNegative && !m.isZero else { throw fail("multipleOf", "\"multipleOf\" must be greater than 0") }
                out.append(.multipleOf(MultipleOf(m)))
            }
            if draft == .draft4 {
                for (keyword, exclusiveKeyword, kind, exclusiveKind) in [
                    ("minimum", "exclusiveMinimum", NumericBound.Kind.minimum, NumericBound.Kind.exclusiveMinimum),
                    ("maximum", "exclusiveMaximum", .maximum, .exclusiveMaximum),
                ] {
                    var exclusive = false
                    if let e = object[exclusiveKeyword] {
                        guard case .bool(let b) = e else { throw fail(exclusiveKeyword, "\"\(exclusiveKeyword)\" must be a boolean in draft 4") }
                        exclusive = b
                    }
                    if let n = try number(keyword) {
                        out.append(.bound(NumericBound(kind: exclusive ? exclusiveKind : kind, value: n, keyword: keyword)))
                    }
                }
                return
            }
            for (keyword, kind) in [("minimum", NumericBound.Kind.minimum), ("exclusiveMinimum", .exclusiveMinimum),
                                    ("maximum", .maximum), ("exclusiveMaximum", .exclusiveMaximum)] {
                if let n = try number(keyword) { out.append(.bound(NumericBound(kind: kind, value: n, keyword: keyword))) }
            }
        }

        func buildString(_ out: inout [Keyword]) throws(SchemaError) {
            if let n = try nonNegativeInteger("minLength") { out.append(.minLength(n)) }
            if let n = try nonNegativeInteger("maxLength") { out.append(.maxLength(n)) }
            if let v = object["pattern"] {
                guard case .string(let source) = v else { throw fail("pattern", "\"pattern\" must be a string") }
                out.append(.pattern(try regex(source, "pattern"), source: source))
            }
        }

        func buildFormat(_ out: inout [Keyword]) throws(SchemaError) {
            guard let v = object["format"] else { return }
            guard case .string(let name) = v else { throw fail("format", "\"format\" must be a string") }
            let asserts = compiler.options.formatAssertion || (draft == .draft2020_12 && dialect.has(.formatAssertion))
            guard asserts, uses(.formatAnnotation) || dialect.has(.formatAssertion) else { return }
            // Unknown formats are annotations only, as the specification allows.
            if let format = JSONSchemaFormat(rawValue: name) { out.append(.format(format)) }
        }

        /// Draft 7 lets implementations assert `contentEncoding`/`contentMediaType`; later drafts make
        /// them annotations only. Tollgate asserts the ones it understands in draft 7.
        func buildContent(_ out: inout [Keyword]) {
            guard draft == .draft7 else { return }
            let base64 = object["contentEncoding"]?.stringValue?.lowercased() == "base64"
            let json = object["contentMediaType"]?.stringValue?.lowercased() == "application/json"
            if base64 || json { out.append(.content(base64: base64, json: json)) }
        }

        func buildArray(_ out: inout [Keyword]) throws(SchemaError) {
            if uses(.validation) {
                if let n = try nonNegativeInteger("minItems") { out.append(.minItems(n)) }
                if let n = try nonNegativeInteger("maxItems") { out.append(.maxItems(n)) }
                if let v = object["uniqueItems"] {
                    guard case .bool(let b) = v else { throw fail("uniqueItems", "\"uniqueItems\" must be a boolean") }
                    if b { out.append(.uniqueItems) }
                }
            }
            guard uses(.applicator) else { return }
            var items = ItemsKeyword(prefix: [], prefixKeyword: "prefixItems", rest: nil, restKeyword: "items")
            if draft >= .draft2020_12 {
                items.prefix = try subschemaArray("prefixItems") ?? []
                items.rest = try subschema("items")
            } else if let v = object["items"] {
                if case .array = v {
                    items.prefix = try subschemaArray("items", nonEmpty: false) ?? []
                    items.prefixKeyword = "items"
                    items.rest = try subschema("additionalItems")
                    items.restKeyword = "additionalItems"
                } else {
                    items.rest = try subschema("items")
                }
            }
            if !items.prefix.isEmpty || items.rest != nil { out.append(.items(items)) }
            if draft >= .draft6, let n = try subschema("contains") {
                var minContains = 1
                var maxContains: Int?
                if draft >= .draft2019_09 && uses(.validation) {
                    minContains = try nonNegativeInteger("minContains") ?? 1
                    maxContains = try nonNegativeInteger("maxContains")
                }
                out.append(.contains(ContainsKeyword(node: n, minContains: minContains, maxContains: maxContains,
                                                     annotates: draft >= .draft2020_12)))
            }
        }

        func buildObject(_ out: inout [Keyword]) throws(SchemaError) {
            let validation = uses(.validation)
            let applicator = uses(.applicator)
            if validation {
                if let n = try nonNegativeInteger("minProperties") { out.append(.minProperties(n)) }
                if let n = try nonNegativeInteger("maxProperties") { out.append(.maxProperties(n)) }
            }
            var names: [String] = []
            var nameIndex: [ScalarKey: Int] = [:]
            var propertyNodes: [Int] = []
            func intern(_ name: String) -> Int {
                if let i = nameIndex[ScalarKey(name)] { return i }
                nameIndex[ScalarKey(name)] = names.count
                names.append(name)
                propertyNodes.append(-1)
                return names.count - 1
            }
            var hasProperties = false
            var patterns: [(regex: ECMARegex, source: String, node: Int)] = []
            var additional: Int?
            if applicator {
                if let properties = try subschemaMap("properties") {
                    hasProperties = true
                    for (name, node) in properties { propertyNodes[intern(name)] = node }
                }
                if let v = object["patternProperties"] {
                    guard case .object(let members) = v else { throw fail("patternProperties", "\"patternProperties\" must be an object of schemas") }
                    for (source, _) in members {
                        let node = try compiler.child(location, "patternProperties", source)
                        patterns.append((try regex(source, "patternProperties", [source]), source, node))
                    }
                }
                additional = try subschema("additionalProperties")
            }
            var required: [Int] = []
            if validation, let v = object["required"] {
                for name in try stringArray("required", v) {
                    let i = intern(name)
                    if !required.contains(i) { required.append(i) }
                }
            }
            if hasProperties || !patterns.isEmpty || additional != nil || !required.isEmpty {
                out.append(.members(MembersKeyword(names: names, propertyNodes: propertyNodes,
                                                   required: required,
                                                   patterns: patterns, additional: additional)))
            }
            if validation && draft >= .draft2019_09, let v = object["dependentRequired"] {
                guard case .object(let members) = v else { throw fail("dependentRequired", "\"dependentRequired\" must be an object") }
                var list: [(name: String, requires: [String])] = []
                for (name, value) in members {
                    list.append((name, try stringArray("dependentRequired", value, extra: [name])))
                }
                out.append(.dependentRequired(list, keyword: "dependentRequired"))
            }
            if applicator {
                if draft >= .draft2019_09, let map = try subschemaMap("dependentSchemas") {
                    out.append(.dependentSchemas(map.map { (name: $0.0, node: $0.1) }, keyword: "dependentSchemas"))
                }
                if let v = object["dependencies"] {
                    guard case .object(let members) = v else { throw fail("dependencies", "\"dependencies\" must be an object") }
                    var requiredLists: [(name: String, requires: [String])] = []
                    var schemas: [(name: String, node: Int)] = []
                    for (name, value) in members {
                        if case .array = value {
                            requiredLists.append((name, try stringArray("dependencies", value, extra: [name])))
                        } else {
                            schemas.append((name, try compiler.child(location, "dependencies", name)))
                        }
                    }
                    if !requiredLists.isEmpty { out.append(.dependentRequired(requiredLists, keyword: "dependencies")) }
                    if !schemas.isEmpty { out.append(.dependentSchemas(schemas, keyword: "dependencies")) }
                }
                if draft >= .draft6, let n = try subschema("propertyNames") { out.append(.propertyNames(n)) }
            }
        }

        func buildCombinators(_ out: inout [Keyword]) throws(SchemaError) {
            if let list = try subschemaArray("allOf") { out.append(.allOf(list)) }
            if let list = try subschemaArray("anyOf") { out.append(.anyOf(list)) }
            if let list = try subschemaArray("oneOf") { out.append(.oneOf(list)) }
            if let n = try subschema("not") { out.append(.not(n)) }
            if draft >= .draft7, let condition = try subschema("if") {
                // Kept even without `then`/`else`: its annotations still count for `unevaluated*`.
                out.append(.conditional(condition: condition, then: try subschema("then"), else: try subschema("else")))
            }
        }
    }
}

extension JSONValue {
    /// Objects and booleans can be schemas.
    var isSchemaShaped: Bool {
        switch self {
        case .object, .bool: return true
        default: return false
        }
    }
}
