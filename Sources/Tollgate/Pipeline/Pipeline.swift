import TollgateSchema

/// Decides on messages: limits, parse, select the schema, validate, rules, verdict (the flow of
/// DESIGN.md). Thread-safe: call ``evaluate(_:)`` from any number of tasks.
///
/// ```swift
/// let registry = try SchemaRegistry.load(directory: "schemas")
/// let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "orders", subject: "orders")])
/// let verdict = pipeline.evaluate(message)
/// ```
public final class Pipeline: Sendable {
    /// Limits applied before anything else.
    public struct Limits: Sendable, Hashable {
        /// Largest payload, in bytes; larger ones are quarantined as `too-large`. Default: 1 MiB
        /// (Kafka's default `message.max.bytes`).
        public var maxBytes: Int
        /// Deepest nesting; deeper payloads are quarantined as `too-deep`. Default: 128.
        public var maxDepth: Int

        public init(maxBytes: Int = 1024 * 1024, maxDepth: Int = 128) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
        }
    }

    public let registry: SchemaRegistry
    public let bindings: [Binding]
    public let rules: [RuleSetting]
    public let limits: Limits
    private let parseLimits: JSONParseLimits

    /// - Throws: ``TollgateError`` when a binding names a subject or a version the registry lacks.
    public init(registry: SchemaRegistry, bindings: [Binding], rules: [RuleSetting] = [], limits: Limits = Limits()) throws(TollgateError) {
        for binding in bindings {
            guard let subject = registry.subject(binding.subject) else {
                throw TollgateError(.invalidBinding, "binding for '\(binding.source)' names subject '\(binding.subject)', which the registry in \(registry.directory) does not have")
            }
            for version in (binding.acceptedVersions ?? []).sorted() where subject.version(version) == nil {
                throw TollgateError(.invalidBinding, "binding for '\(binding.source)' accepts \(binding.subject)/\(version), which does not exist")
            }
            for selector in binding.selectors {
                switch selector {
                case .version(let v) where subject.version(v) == nil:
                    throw TollgateError(.invalidBinding, "binding for '\(binding.source)' defaults to \(binding.subject)/\(v), which does not exist")
                case .confluentWireFormat(let ids):
                    for (id, reference) in ids.sorted(by: { $0.key < $1.key }) {
                        guard reference.subject == binding.subject, subject.version(reference.version) != nil else {
                            throw TollgateError(.invalidBinding, "binding for '\(binding.source)': wire-format id \(id) maps to \(reference), which is not a version of \(binding.subject)")
                        }
                    }
                default:
                    break
                }
            }
        }
        self.registry = registry
        self.bindings = bindings
        self.rules = rules
        self.limits = limits
        self.parseLimits = JSONParseLimits(maxDepth: limits.maxDepth, maxBytes: max(limits.maxBytes, 1))
    }

    /// The first binding whose pattern matches the message's topic or queue; a message without a
    /// source (built in code) takes the first binding.
    public func binding(for message: Message) -> Binding? {
        guard let source = message.origin.source else { return bindings.first }
        return bindings.first { $0.source.matches(source) }
    }

    /// The verdict on `message`.
    public func evaluate(_ message: Message) -> Verdict {
        // 1. Limits.
        if message.value.count > limits.maxBytes {
            return Verdict(outcome: .quarantined(.tooLarge), details: [RejectionDetail(
                instanceLocation: "", keywordLocation: "",
                message: "payload is \(message.value.count) bytes, more than the limit of \(limits.maxBytes) bytes")])
        }
        guard let binding = binding(for: message) else {
            return Verdict(outcome: .quarantined(.unknownSchema), details: [RejectionDetail(
                instanceLocation: "", keywordLocation: "",
                message: "no binding matches source '\(message.origin.source ?? "")'")])
        }

        // 2. Wire format, before parsing: it decides what the JSON bytes are.
        var payload = message.value
        var selected: Selection?
        var selectorIndex = 0
        if case .confluentWireFormat(let ids)? = binding.selectors.first, payload.first == 0 {
            selectorIndex = 1
            guard payload.count >= 5 else {
                return unknown(nil, "payload starts with the wire-format magic byte but has no 4-byte schema id")
            }
            let id = UInt32(payload[1]) << 24 | UInt32(payload[2]) << 16 | UInt32(payload[3]) << 8 | UInt32(payload[4])
            guard let reference = ids[id] else { return unknown(nil, "wire-format schema id \(id) is not mapped to a subject/version") }
            selected = Selection(reference: reference, how: "wire-format schema id \(id)")
            payload = Array(payload[5...])
        } else if case .confluentWireFormat? = binding.selectors.first {
            selectorIndex = 1
        }

        // 3. Parse.
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: payload, limits: parseLimits)
        } catch {
            let reason: QuarantineReason
            switch error.code {
            case .depthLimitExceeded: reason = .tooDeep
            case .sizeLimitExceeded: reason = .tooLarge
            default: reason = .malformedJSON
            }
            return Verdict(outcome: .quarantined(reason), schema: selected?.reference.description, details: [RejectionDetail(
                instanceLocation: "", keywordLocation: "", message: "\(error)")])
        }

        // 4. Select the schema.
        if selected == nil {
            for selector in binding.selectors[selectorIndex...] {
                switch select(selector, binding: binding, message: message, document: document) {
                case .notApplicable: continue
                case .selected(let selection): selected = selection
                case .invalid(let why): return unknown(nil, why)
                }
                break
            }
        }
        guard let selected else { return unknown(nil, "no schema selector applied (binding for '\(binding.source)' has no default)") }
        guard selected.reference.subject == binding.subject else {
            return unknown(selected.reference, "\(selected.reference) (from \(selected.how)) is not a version of the bound subject '\(binding.subject)'")
        }
        guard let version = registry.version(subject: selected.reference.subject, version: selected.reference.version) else {
            return unknown(selected.reference, "\(selected.reference) (from \(selected.how)) is not in the registry")
        }
        if let accepted = binding.acceptedVersions, !accepted.contains(selected.reference.version) {
            return unknown(selected.reference, "\(selected.reference) (from \(selected.how)) is not accepted here; accepted versions: \(accepted.sorted().map(String.init).joined(separator: ", "))")
        }

        // 5. Validate.
        let schemaID = version.id
        if !version.schema.isValid(document) {
            let result = version.schema.validate(document)
            return Verdict(outcome: .quarantined(.schemaViolation), schema: schemaID, details: result.errors.map(RejectionDetail.init))
        }

        // 6. Rules.
        var shadow: [String] = []
        for setting in rules {
            guard case .reject(let why) = setting.rule.evaluate(message, document: document, schema: version) else { continue }
            switch setting.enforcement {
            case .shadow:
                shadow.append(setting.rule.name)
            case .enforce:
                return Verdict(outcome: .quarantined(.rule(setting.rule.name)), schema: schemaID, details: [RejectionDetail(
                    instanceLocation: "", keywordLocation: "rule:\(setting.rule.name)", message: why)], shadowRejections: shadow)
            }
        }
        return Verdict(outcome: .approved, schema: schemaID, shadowRejections: shadow)
    }

    // MARK: Selection

    private struct Selection {
        var reference: SchemaReference
        /// How it was found, for messages ("header tollgate-schema", "payload /schemaVersion", ...).
        var how: String
    }

    private enum SelectorResult {
        case notApplicable
        case selected(Selection)
        case invalid(String)
    }

    /// An `unknown-schema` verdict. The record names the reference that was asked for, if any,
    /// only in the message: `tollgate.schema` is for schemas that were applied.
    private func unknown(_ reference: SchemaReference?, _ why: String) -> Verdict {
        Verdict(outcome: .quarantined(.unknownSchema), schema: nil, details: [RejectionDetail(
            instanceLocation: "", keywordLocation: "", message: why)])
    }

    private func select(_ selector: SchemaSelector, binding: Binding, message: Message, document: JSONDocument) -> SelectorResult {
        switch selector {
        case .confluentWireFormat:
            return .notApplicable   // only meaningful first; handled before parsing
        case .header(let name):
            guard let header = message.header(name) else { return .notApplicable }
            guard let text = header.stringValue, let reference = reference(from: text, subject: binding.subject) else {
                return .invalid("header \(name) value \(header.stringValue.map { "\"\($0)\"" } ?? "(not UTF-8)") is neither subject/version nor a version number")
            }
            return .selected(Selection(reference: reference, how: "header \(name)"))
        case .payloadPointer(let pointer, let mapping):
            guard let value = document.value(atPointer: pointer) else { return .notApplicable }
            let text: String
            switch value {
            case .string(let s): text = s
            case .number(let n): text = n.description
            default: return .invalid("payload value at \(pointer) is \(value.typeName), not a version")
            }
            if let version = mapping[text] {
                return .selected(Selection(reference: SchemaReference(subject: binding.subject, version: version), how: "payload \(pointer)"))
            }
            guard let reference = reference(from: text, subject: binding.subject) else {
                return .invalid("payload value at \(pointer), \"\(text)\", is neither subject/version nor a version number\(mapping.isEmpty ? "" : " nor one of the mapped values")")
            }
            return .selected(Selection(reference: reference, how: "payload \(pointer)"))
        case .version(let version):
            return .selected(Selection(reference: SchemaReference(subject: binding.subject, version: version), how: "the binding's default"))
        case .latest:
            guard let subject = registry.subject(binding.subject) else { return .notApplicable }
            return .selected(Selection(reference: SchemaReference(subject: binding.subject, version: subject.latest.version), how: "the latest version"))
        }
    }

    /// `subject/version` or a bare version of `subject`.
    private func reference(from text: String, subject: String) -> SchemaReference? {
        if let version = Int(text), version > 0 { return SchemaReference(subject: subject, version: version) }
        return SchemaReference(text)
    }
}
