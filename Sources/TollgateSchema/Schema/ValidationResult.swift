/// One reason an instance failed its schema, in the shape of the specification's "basic" output unit.
public struct ValidationError: Sendable, Hashable, Codable, CustomStringConvertible {
    /// JSON Pointer to the offending part of the instance (`""` for the whole document).
    public var instanceLocation: String
    /// JSON Pointer to the failing keyword along the evaluation path, `$ref`s included.
    public var keywordLocation: String
    /// Absolute URI of the failing keyword in its schema resource.
    public var absoluteKeywordLocation: String
    /// What was wrong, for people.
    public var message: String

    public init(instanceLocation: String, keywordLocation: String, absoluteKeywordLocation: String, message: String) {
        self.instanceLocation = instanceLocation
        self.keywordLocation = keywordLocation
        self.absoluteKeywordLocation = absoluteKeywordLocation
        self.message = message
    }

    /// `instanceLocation: message (keywordLocation)`, with `/` for the document root.
    public var description: String {
        "\(instanceLocation.isEmpty ? "/" : instanceLocation): \(message) (\(keywordLocation.isEmpty ? "/" : keywordLocation))"
    }

    /// The error as a JSON object with the four fields.
    public var jsonValue: JSONValue {
        .object(JSONObject([
            ("instanceLocation", .string(instanceLocation)),
            ("keywordLocation", .string(keywordLocation)),
            ("absoluteKeywordLocation", .string(absoluteKeywordLocation)),
            ("message", .string(message)),
        ]))
    }
}

/// The verdict on one instance: valid or not, and every error in a deterministic order (the order in
/// which the schema's keywords are evaluated, depth first). A value, not an error: it can be stored,
/// compared, and attached to a quarantined message.
public struct ValidationResult: Sendable, Hashable, Codable {
    public var isValid: Bool
    public var errors: [ValidationError]

    public init(isValid: Bool, errors: [ValidationError]) {
        self.isValid = isValid
        self.errors = errors
    }

    public static let valid = ValidationResult(isValid: true, errors: [])

    /// `{"valid": ..., "errors": [...]}` in the specification's basic output shape.
    public var jsonValue: JSONValue {
        .object(JSONObject([
            ("valid", .bool(isValid)),
            ("errors", .array(errors.map(\.jsonValue))),
        ]))
    }
}
