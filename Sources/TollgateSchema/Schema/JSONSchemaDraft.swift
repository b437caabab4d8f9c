/// A JSON Schema specification version (a "dialect" in 2019-09 and later terms).
public enum JSONSchemaDraft: String, Sendable, CaseIterable, Hashable, Comparable, CustomStringConvertible {
    case draft4 = "4"
    case draft6 = "6"
    case draft7 = "7"
    case draft2019_09 = "2019-09"
    case draft2020_12 = "2020-12"

    /// The draft the command line and the API use when a schema has no `$schema`.
    public static let `default`: JSONSchemaDraft = .draft2020_12

    /// Parses the spellings a user may type: `2020-12`, `draft2020-12`, `7`, `draft-07`, `draft7`, ...
    public init?(userInput raw: String) {
        var s = raw.lowercased()
        if s.hasPrefix("draft") { s.removeFirst(5) }
        if s.hasPrefix("-") { s.removeFirst() }
        if s.hasPrefix("0") && s.count == 2 { s.removeFirst() }
        switch s {
        case "4": self = .draft4
        case "6": self = .draft6
        case "7": self = .draft7
        case "2019-09", "201909": self = .draft2019_09
        case "2020-12", "202012": self = .draft2020_12
        default: return nil
        }
    }

    /// The meta-schema URI `$schema` uses for this draft.
    public var metaSchemaURI: String {
        switch self {
        case .draft4: return "http://json-schema.org/draft-04/schema#"
        case .draft6: return "http://json-schema.org/draft-06/schema#"
        case .draft7: return "http://json-schema.org/draft-07/schema#"
        case .draft2019_09: return "https://json-schema.org/draft/2019-09/schema"
        case .draft2020_12: return "https://json-schema.org/draft/2020-12/schema"
        }
    }

    /// The draft whose meta-schema `uri` names, accepting `http`/`https` and an empty fragment.
    init?(metaSchemaURI uri: String) {
        var s = uri
        if s.hasSuffix("#") { s.removeLast() }
        if s.hasPrefix("https://") { s = "http://" + s.dropFirst(8) }
        for draft in JSONSchemaDraft.allCases {
            var m = draft.metaSchemaURI
            if m.hasSuffix("#") { m.removeLast() }
            if m.hasPrefix("https://") { m = "http://" + m.dropFirst(8) }
            if s == m {
                self = draft
                return
            }
        }
        return nil
    }

    public var description: String {
        switch self {
        case .draft4, .draft6, .draft7: return "draft-0\(rawValue)"
        default: return "draft \(rawValue)"
        }
    }

    public static func < (a: JSONSchemaDraft, b: JSONSchemaDraft) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The keyword that names a schema resource.
    var idKeyword: String { self == .draft4 ? "id" : "$id" }
}

/// The vocabularies of 2019-09 and 2020-12, as a set of flags. Earlier drafts use every keyword.
struct Vocabularies: OptionSet, Sendable, Hashable {
    let rawValue: UInt16

    static let core = Vocabularies(rawValue: 1 << 0)
    static let applicator = Vocabularies(rawValue: 1 << 1)
    static let unevaluated = Vocabularies(rawValue: 1 << 2)
    static let validation = Vocabularies(rawValue: 1 << 3)
    static let metaData = Vocabularies(rawValue: 1 << 4)
    static let formatAnnotation = Vocabularies(rawValue: 1 << 5)
    static let formatAssertion = Vocabularies(rawValue: 1 << 6)
    static let content = Vocabularies(rawValue: 1 << 7)

    static let all: Vocabularies = [.core, .applicator, .unevaluated, .validation, .metaData, .formatAnnotation, .content]

    /// The vocabulary a `$vocabulary` URI names, for the given draft.
    static func named(_ uri: String, draft: JSONSchemaDraft) -> Vocabularies? {
        let prefix = draft == .draft2019_09 ? "https://json-schema.org/draft/2019-09/vocab/"
                                            : "https://json-schema.org/draft/2020-12/vocab/"
        guard uri.hasPrefix(prefix) else { return nil }
        switch uri.dropFirst(prefix.count) {
        case "core": return .core
        case "applicator": return draft == .draft2019_09 ? [.applicator, .unevaluated] : .applicator
        case "unevaluated": return draft == .draft2020_12 ? .unevaluated : nil
        case "validation": return .validation
        case "meta-data": return .metaData
        case "format": return draft == .draft2019_09 ? .formatAnnotation : nil
        case "format-annotation": return draft == .draft2020_12 ? .formatAnnotation : nil
        case "format-assertion": return draft == .draft2020_12 ? .formatAssertion : nil
        case "content": return .content
        default: return nil
        }
    }
}

/// A draft plus the vocabularies its meta-schema enables.
struct Dialect: Sendable, Hashable {
    var draft: JSONSchemaDraft
    var vocabularies: Vocabularies

    init(draft: JSONSchemaDraft, vocabularies: Vocabularies = .all) {
        self.draft = draft
        self.vocabularies = vocabularies
    }

    func has(_ v: Vocabularies) -> Bool { vocabularies.contains(v) }
}
