/// The official meta-schemas, built in so `$schema` and `$ref`s to them resolve without a network.
enum MetaSchemas {
    /// Parsed once, on first use.
    static let documents: [String: JSONValue] = {
        var out: [String: JSONValue] = [:]
        for (uri, text) in texts {
            // The texts are generated from the official files and parse by construction.
            if let value = try? JSONValue(parsing: text) { out[uri] = value }
        }
        return out
    }()

    /// The meta-schema for `uri` (with or without an empty fragment; `http` and `https` alike for the
    /// drafts that were published under `http`).
    static func document(for uri: String) -> JSONValue? {
        var key = uri
        if key.hasSuffix("#") { key.removeLast() }
        if let d = documents[key] { return d }
        if key.hasPrefix("https://json-schema.org/draft-0") { return documents["http://" + key.dropFirst(8)] }
        if key.hasPrefix("http://json-schema.org/draft/") { return documents["https://" + key.dropFirst(7)] }
        return nil
    }
}
