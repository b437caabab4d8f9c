import TollgateSchema
import Yams

/// How versions of a subject must relate, as Confluent Schema Registry defines the modes.
public enum CompatibilityMode: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Consumers of the new version can read data written with the previous one.
    case backward
    /// Against every earlier version.
    case backwardTransitive = "backward-transitive"
    /// Consumers of the previous version can read data written with the new one.
    case forward
    case forwardTransitive = "forward-transitive"
    /// Both.
    case full
    case fullTransitive = "full-transitive"
    /// No check.
    case none

    public var description: String { rawValue }

    /// Whether a new version is checked against all earlier versions, not only the one before it.
    public var isTransitive: Bool {
        self == .backwardTransitive || self == .forwardTransitive || self == .fullTransitive
    }
}

/// A subject's `subject.yaml`: every key is optional.
///
/// ```yaml
/// compatibility: backward          # backward (default), forward, full, none, or *-transitive
/// description: Order lifecycle events
/// formatAssertion: true            # assert "format" (default: true for message validation)
/// draft: "2020-12"                 # draft for versions without $schema (default: 2020-12)
/// ```
public struct SubjectConfiguration: Sendable, Hashable {
    /// Default: `.backward`, as in Confluent Schema Registry.
    public var compatibility: CompatibilityMode = .backward
    public var description: String?
    /// Whether `format` is asserted for this subject's versions. Default: the registry's setting.
    public var formatAssertion: Bool?
    /// The draft for versions without `$schema`. Default: the registry's setting.
    public var draft: JSONSchemaDraft?

    public init(compatibility: CompatibilityMode = .backward, description: String? = nil,
                formatAssertion: Bool? = nil, draft: JSONSchemaDraft? = nil)
    {
        self.compatibility = compatibility
        self.description = description
        self.formatAssertion = formatAssertion
        self.draft = draft
    }

    /// Parses the text of a `subject.yaml`; `file` names it in errors.
    public init(yaml text: String, file: String) throws(TollgateError) {
        let reader = YAMLReader(file: file, text: text)
        let keys: Set<String> = ["compatibility", "description", "formatAssertion", "draft"]
        for (key, value, line) in try reader.members(of: try reader.root(), path: "", allowed: keys) {
            switch key {
            case "compatibility":
                let text = try reader.string(value, key: key)
                guard let mode = CompatibilityMode(rawValue: text.lowercased().replacingOccurrences(of: "_", with: "-")) else {
                    throw TollgateError(.invalidSubjectConfiguration,
                                        "compatibility '\(text)' is not one of \(CompatibilityMode.allCases.map(\.rawValue).joined(separator: ", "))",
                                        file: file, line: line)
                }
                compatibility = mode
            case "description":
                description = try reader.string(value, key: key)
            case "formatAssertion":
                formatAssertion = try reader.bool(value, key: key)
            case "draft":
                let text = try reader.string(value, key: key)
                guard let parsed = JSONSchemaDraft(userInput: text) else {
                    throw TollgateError(.invalidSubjectConfiguration, "draft '\(text)' is not one of 2020-12, 2019-09, 7, 6, 4",
                                        file: file, line: line)
                }
                draft = parsed
            default:
                break
            }
        }
    }
}
