/// A `format` value whose assertion Tollgate implements (JSON Schema 2020-12 validation, section 7.3).
///
/// Each check follows the RFC that the specification cites, read strictly, as the official
/// JSON-Schema-Test-Suite (`tests/*/optional/format`) interprets it. Only strings are checked:
/// the validator treats every other instance type as valid before it asks.
enum JSONSchemaFormat: String, CaseIterable, Sendable {
    case dateTime = "date-time"
    case date
    case time
    case duration
    case email
    case idnEmail = "idn-email"
    case hostname
    case idnHostname = "idn-hostname"
    case ipv4
    case ipv6
    case uri
    case uriReference = "uri-reference"
    case iri
    case iriReference = "iri-reference"
    case uuid
    case uriTemplate = "uri-template"
    case jsonPointer = "json-pointer"
    case relativeJSONPointer = "relative-json-pointer"
    case regex

    /// Whether `utf8` is a valid instance of this format.
    ///
    /// - Parameter utf8: the string's bytes, which must be valid UTF-8 (the JSON parser guarantees it).
    ///   They are only read, and only during the call.
    ///
    /// No check allocates or creates a `String` (`regex` aside, which `ECMARegex` answers). The
    /// formats checked per message (`uuid`, `date-time`, `date`, `email`, `hostname`, `ipv4`) take
    /// tens of nanoseconds; `idn-hostname`, `idn-email` and A-labels cost about 100 ns per non-ASCII
    /// character, mostly in the standard library's Unicode property look-ups.
    func isValid(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        switch self {
        case .dateTime: FormatDateTime.isValidDateTime(utf8)
        case .date: FormatDateTime.isValidDate(utf8)
        case .time: FormatDateTime.isValidTime(utf8)
        case .duration: FormatDateTime.isValidDuration(utf8)
        case .email: FormatEmail.isValid(utf8, international: false)
        case .idnEmail: FormatEmail.isValid(utf8, international: true)
        case .hostname: FormatHostname.isValidHostname(utf8)
        case .idnHostname: FormatHostname.isValidIDNHostname(utf8)
        case .ipv4: FormatIP.isValidIPv4(utf8)
        case .ipv6: FormatIP.isValidIPv6(utf8)
        case .uri: FormatURI.isValid(utf8, allowsRelative: false, international: false)
        case .uriReference: FormatURI.isValid(utf8, allowsRelative: true, international: false)
        case .iri: FormatURI.isValid(utf8, allowsRelative: false, international: true)
        case .iriReference: FormatURI.isValid(utf8, allowsRelative: true, international: true)
        case .uuid: FormatUUID.isValid(utf8)
        case .uriTemplate: FormatURITemplate.isValid(utf8)
        case .jsonPointer: FormatJSONPointer.isValidJSONPointer(utf8)
        case .relativeJSONPointer: FormatJSONPointer.isValidRelativeJSONPointer(utf8)
        case .regex: ECMARegex.isValidPattern(utf8)
        }
    }

    /// Whether `string` is a valid instance of this format: the same check on its UTF-8 bytes.
    func isValid(_ string: String) -> Bool {
        var string = string
        return string.withUTF8 { isValid($0) }
    }
}
