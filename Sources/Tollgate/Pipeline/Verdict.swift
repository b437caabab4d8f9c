import TollgateSchema

/// Why a message was quarantined: the `tollgate.reason` header's values.
public enum QuarantineReason: Sendable, Hashable, CustomStringConvertible {
    /// The payload is not valid JSON (including invalid UTF-8).
    case malformedJSON
    /// No accepted schema version could be selected for the message.
    case unknownSchema
    /// The payload failed its schema.
    case schemaViolation
    /// The payload is larger than the size limit.
    case tooLarge
    /// The payload nests deeper than the depth limit.
    case tooDeep
    /// A rule rejected the message.
    case rule(String)

    /// The header value: `schema-violation`, `malformed-json`, `unknown-schema`, `too-large`,
    /// `too-deep` or `rule:<name>`.
    public var description: String {
        switch self {
        case .malformedJSON: return "malformed-json"
        case .unknownSchema: return "unknown-schema"
        case .schemaViolation: return "schema-violation"
        case .tooLarge: return "too-large"
        case .tooDeep: return "too-deep"
        case .rule(let name): return "rule:\(name)"
        }
    }

    /// Parses a header value.
    public init?(headerValue: String) {
        switch headerValue {
        case "malformed-json": self = .malformedJSON
        case "unknown-schema": self = .unknownSchema
        case "schema-violation": self = .schemaViolation
        case "too-large": self = .tooLarge
        case "too-deep": self = .tooDeep
        default:
            guard headerValue.hasPrefix("rule:"), headerValue.count > 5 else { return nil }
            self = .rule(String(headerValue.dropFirst(5)))
        }
    }
}

/// One reason a message was rejected, as the `tollgate.errors` header lists it.
public struct RejectionDetail: Sendable, Hashable {
    /// JSON Pointer into the payload ("" for the whole message or for reasons that have no location).
    public var instanceLocation: String
    /// JSON Pointer of the failing keyword, or the rule or limit that failed.
    public var keywordLocation: String
    public var message: String

    public init(instanceLocation: String, keywordLocation: String, message: String) {
        self.instanceLocation = instanceLocation
        self.keywordLocation = keywordLocation
        self.message = message
    }

    public init(_ error: ValidationError) {
        self.init(instanceLocation: error.instanceLocation, keywordLocation: error.keywordLocation, message: error.message)
    }
}

/// The decision on one message, with what the quarantine record and the metrics need.
public struct Verdict: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        case approved
        case quarantined(QuarantineReason)
    }

    public var outcome: Outcome
    /// `subject/version` of the schema applied, when one was selected.
    public var schema: String?
    /// Why the message was rejected (empty when approved).
    public var details: [RejectionDetail]
    /// Rules run in shadow mode that would have rejected the message: counted, not enforced.
    public var shadowRejections: [String]

    public init(outcome: Outcome, schema: String? = nil, details: [RejectionDetail] = [], shadowRejections: [String] = []) {
        self.outcome = outcome
        self.schema = schema
        self.details = details
        self.shadowRejections = shadowRejections
    }

    public var isApproved: Bool { outcome == .approved }

    /// The quarantine reason, when the message was rejected.
    public var reason: QuarantineReason? {
        if case .quarantined(let reason) = outcome { return reason }
        return nil
    }
}
