/// A schema that cannot be compiled: a malformed keyword value, an unresolvable `$ref`, an invalid
/// regular expression, an unknown meta-schema.
///
/// Validation failures are not errors (see ``ValidationResult``); this is thrown only when compiling.
public struct SchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// A keyword's value has the wrong type or range.
        case invalidKeywordValue = "invalid-keyword-value"
        /// A `$ref`/`$dynamicRef`/`$recursiveRef` names a schema that is not loaded.
        case unresolvableReference = "unresolvable-reference"
        /// A `pattern` or `patternProperties` key is not an ECMA-262 regular expression.
        case invalidRegularExpression = "invalid-regular-expression"
        /// `$schema` names a meta-schema that is neither a known draft nor loaded.
        case unknownMetaSchema = "unknown-meta-schema"
        /// The meta-schema requires a vocabulary this implementation does not know.
        case unsupportedVocabulary = "unsupported-vocabulary"
        /// A schema is neither an object nor a boolean, or identifiers conflict.
        case invalidSchema = "invalid-schema"
        /// A schema document is not valid JSON.
        case malformedDocument = "malformed-document"
    }

    public var code: Code
    public var message: String
    /// The URI of the schema document at fault (a `file://` URI for schemas loaded from files).
    public var documentURI: String
    /// JSON Pointer to the culprit within that document.
    public var pointer: String

    public init(code: Code, message: String, documentURI: String, pointer: String) {
        self.code = code
        self.message = message
        self.documentURI = documentURI
        self.pointer = pointer
    }

    /// `uri#pointer: message`.
    public var description: String {
        "\(documentURI)#\(pointer): \(message)"
    }
}

/// Something about a schema a user should know that does not stop it from compiling, such as a
/// `$schema` naming a meta-schema Tollgate does not have (validated as the default draft instead).
public struct SchemaWarning: Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var documentURI: String
    public var pointer: String

    public init(message: String, documentURI: String, pointer: String) {
        self.message = message
        self.documentURI = documentURI
        self.pointer = pointer
    }

    /// `uri#pointer: message`.
    public var description: String { "\(documentURI)#\(pointer): \(message)" }
}
