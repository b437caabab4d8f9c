/// The schema documents `$ref` may resolve to, by URI. Tollgate never fetches a schema over the network:
/// a reference resolves only to a document added here (by its retrieval URI or its `$id`), to one the
/// optional `loader` supplies, or to a built-in meta-schema of a supported draft.
public struct JSONSchemaStore: Sendable {
    var documents: [String: JSONValue] = [:]

    /// Called with an absolute URI (no fragment) that no added document has; returns the document, or
    /// `nil`. Use it to load `file://` URIs from disk on demand. It must not reach the network.
    public var loader: (@Sendable (String) -> JSONValue?)?

    public init() {}

    /// Adds a document under `uri` and, when its root has one, under its `$id` (or draft-4 `id`)
    /// resolved against `uri`.
    public mutating func add(_ document: JSONValue, uri: String) {
        let retrieval = URIReference(uri).withoutFragment
        documents[retrieval.description] = document
        if case .object(let object) = document {
            for key in ["$id", "id"] {
                if case .string(let id)? = object[key], !id.hasPrefix("#") {
                    let resolved = URIReference(id).resolved(against: retrieval).withoutFragment.description
                    if documents[resolved] == nil { documents[resolved] = document }
                }
            }
        }
    }

    /// Parses and adds a document.
    public mutating func add(parsing bytes: some Collection<UInt8>, uri: String) throws(SchemaError) {
        do {
            add(try JSONValue(parsing: bytes, limits: .schemaDocuments), uri: uri)
        } catch {
            throw SchemaError(code: .malformedDocument, message: "not valid JSON: \(error)", documentURI: uri, pointer: "")
        }
    }

    /// Every URI a document was added under, sorted.
    public var uris: [String] { documents.keys.sorted() }

    /// The document for an absolute URI without fragment: added, loaded, or built in.
    func document(for uri: String) -> JSONValue? {
        if let d = documents[uri] { return d }
        if let d = loader?(uri) { return d }
        return MetaSchemas.document(for: uri)
    }
}
