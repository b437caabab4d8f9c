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
    /// Each binding's subject, looked up once.
    private let boundSubjects: [SchemaSubject]
    /// Per binding: whether screening needs the parsed document (for the rules or a payload selector).
    private let needsDocument: [Bool]
    /// Per binding and selector: what a `.version` or `.latest` selector decides, which depends on the
    /// binding alone, so it is worked out once rather than per message; `nil` for the other selectors.
    private let fixedChoices: [[Result<SchemaVersion, Rejection>?]]
    /// Per binding: the selector that applies first to a payload not in the wire format (1 after a
    /// wire-format selector, else 0).
    private let firstPayloadSelector: [Int]
    /// Per binding and selector: the header a `.header` selector reads; nil for the others.
    private let headerSelectorNames: [[String?]]

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
        boundSubjects = bindings.map { registry.subject($0.subject)! }   // checked above
        needsDocument = bindings.map { binding in
            !rules.isEmpty || binding.selectors.contains { if case .payloadPointer = $0 { true } else { false } }
        }
        fixedChoices = zip(bindings, boundSubjects).map { binding, subject in
            binding.selectors.map { selector in
                Pipeline.fixedSelection(selector, binding: binding, subject: subject).map { Pipeline.check($0, binding, subject) }
            }
        }
        headerSelectorNames = bindings.map { binding in
            binding.selectors.map { if case .header(let name) = $0 { name } else { nil } }
        }
        firstPayloadSelector = bindings.map { binding in
            if case .confluentWireFormat? = binding.selectors.first { 1 } else { 0 }
        }
        self.rules = rules
        self.limits = limits
        self.parseLimits = JSONParseLimits(maxDepth: limits.maxDepth, maxBytes: max(limits.maxBytes, 1))
    }

    /// The first binding whose pattern matches the message's topic or queue; a message without a
    /// source (built in code) takes the first binding.
    public func binding(for message: Message) -> Binding? {
        bindingIndex(for: message).map { bindings[$0] }
    }

    private func bindingIndex(for message: Message) -> Int? {
        guard let source = message.origin.source else { return bindings.isEmpty ? nil : 0 }
        return bindings.firstIndex { $0.source.matches(source) }
    }

    /// The verdict on `message`.
    ///
    /// Allocates the parsed document afresh for every message; for a stream of messages on one task,
    /// ``makeEvaluator()`` gives the same verdicts faster.
    public func evaluate(_ message: Message) -> Verdict {
        finish(screen(message), message: message)
    }

    /// Evaluates messages for one thread or task at a time, keeping parse buffers from one message to
    /// the next: the fastest way to run a stream of messages through the pipeline. Its verdicts are
    /// ``Pipeline/evaluate(_:)``'s. Make one per consumer task; it is not `Sendable`.
    ///
    /// ```swift
    /// let evaluator = pipeline.makeEvaluator()
    /// for message in batch {
    ///     let verdict = evaluator.evaluate(message)
    /// }
    /// ```
    public final class Evaluator {
        public let pipeline: Pipeline
        let workspace = JSONParseWorkspace()

        public init(_ pipeline: Pipeline) {
            self.pipeline = pipeline
        }

        /// The verdict on `message`.
        public func evaluate(_ message: Message) -> Verdict {
            pipeline.finish(pipeline.screen(message, workspace: workspace), message: message)
        }
    }

    /// An ``Evaluator`` for this pipeline, for one thread or task.
    public func makeEvaluator() -> Evaluator { Evaluator(self) }

    /// What the steps before the rules decided: a verdict, or a valid document the rules still have
    /// to see.
    enum Screening: Sendable {
        case decided(Verdict)
        case awaitingRules(document: JSONDocument, version: SchemaVersion)

        /// Approved before the rules (so there are none) with no shadow rejections: nothing about
        /// the message but its schema is left to report.
        var isPlainApproval: Bool {
            if case .decided(let verdict) = self { return verdict.isApproved && verdict.shadowRejections.isEmpty }
            return false
        }
    }

    /// Limits, parse, selection and validation: everything but the rules. It depends on nothing but
    /// the message, so messages may be screened in parallel; ``finish(_:message:)`` then runs the
    /// rules, which may keep state (duplicate detection), in message order.
    ///
    /// With a `workspace`, and when neither a rule nor a payload selector needs the parsed document,
    /// the payload is validated straight from its bytes in the workspace's buffers.
    func screen(_ message: Message, workspace: JSONParseWorkspace? = nil) -> Screening {
        // 1. Limits.
        if message.value.count > limits.maxBytes {
            return .decided(Verdict(outcome: .quarantined(.tooLarge), details: [RejectionDetail(
                instanceLocation: "", keywordLocation: "",
                message: "payload is \(message.value.count) bytes, more than the limit of \(limits.maxBytes) bytes")]))
        }
        guard let bindingIndex = bindingIndex(for: message) else {
            return .decided(Verdict(outcome: .quarantined(.unknownSchema), details: [RejectionDetail(
                instanceLocation: "", keywordLocation: "",
                message: "no binding matches source '\(message.origin.source ?? "")'")]))
        }
        // 2. Wire format, before parsing: it decides what the JSON bytes are.
        var payload = message.value
        var fromWireFormat: Selection?
        var selectorIndex = 0
        let firstSelector = bindings[bindingIndex].selectors.first
        if case .confluentWireFormat(let ids)? = firstSelector, payload.first == 0 {
            selectorIndex = 1
            guard payload.count >= 5 else {
                return .decided(Pipeline.unknown(nil, "payload starts with the wire-format magic byte but has no 4-byte schema id"))
            }
            let id = UInt32(payload[1]) << 24 | UInt32(payload[2]) << 16 | UInt32(payload[3]) << 8 | UInt32(payload[4])
            guard let reference = ids[id] else { return .decided(Pipeline.unknown(nil, "wire-format schema id \(id) is not mapped to a subject/version")) }
            fromWireFormat = Selection(reference: reference, how: "wire-format schema id \(id)")
            payload = Array(payload[5...])
        } else if case .confluentWireFormat? = firstSelector {
            selectorIndex = 1
        }

        if let workspace, !needsDocument[bindingIndex] {
            // 3-5 from the bytes: selection does not look at the payload here.
            let version: SchemaVersion
            switch choose(bindingIndex, from: selectorIndex, after: fromWireFormat, message: message, document: nil) {
            case .success(let chosen):
                version = chosen
            case .failure(let rejection):
                // A payload that is not JSON is malformed whatever the selection says, as in step 3.
                do { try workspace.checkSyntax(json: payload, limits: parseLimits) } catch {
                    return .decided(parseFailure(error, fromWireFormat))
                }
                return .decided(rejection.verdict)
            }
            let checked = payload.withUnsafeBytes { bytes in
                Result { () throws(JSONParseError) in try version.schema.check(json: bytes, limits: parseLimits, workspace: workspace) }
            }
            do {
                return .decided(Pipeline.verdict(try checked.get(), version))
            } catch {
                return .decided(parseFailure(error, fromWireFormat))
            }
        }

        // 3. Parse.
        let document: JSONDocument
        do {
            document = try JSONDocument(parsing: payload, limits: parseLimits)
        } catch {
            return .decided(parseFailure(error, fromWireFormat))
        }

        // 4. Select the schema.
        let version: SchemaVersion
        switch choose(bindingIndex, from: selectorIndex, after: fromWireFormat, message: message, document: document) {
        case .success(let chosen): version = chosen
        case .failure(let rejection): return .decided(rejection.verdict)
        }

        // 5. Validate.
        if !version.schema.isValid(document) {
            let result = version.schema.validate(document)
            return .decided(Verdict(outcome: .quarantined(.schemaViolation), schema: version.id,
                                    details: result.errors.map(RejectionDetail.init)))
        }

        if rules.isEmpty { return .decided(Verdict(outcome: .approved, schema: version.id)) }
        return .awaitingRules(document: document, version: version)
    }

    /// Whether ``screen(payloadLiteral:topic:hasHeader:headers:workspace:)`` can take any payload:
    /// not when rules or payload selectors need every message's document.
    var screensPayloadsInPlace: Bool { limits.maxBytes >= 1 && needsDocument.contains(false) }

    /// Screening of a Kafka message whose payload is still written as the content of a JSON string
    /// literal (in a `kcat -J` line), from its topic, its headers and `literal`, which starts just
    /// after the literal's opening quote and may run on past the closing one: the screening
    /// ``screen(_:workspace:)`` gives the message, and the offset in `literal` of the closing quote.
    /// The headers are asked for by name (`hasHeader`) and, only if one a header selector reads is
    /// there, all of them (`headers`).
    ///
    /// Nil when the verdict is not that of validating the payload against the version its topic and
    /// headers select (a rule or a payload selector looks at the document; no version is selected),
    /// or when the literal is not in the common form read in place (see
    /// `JSONSchema.check(stringLiteralContent:limits:workspace:)`) or not valid JSON: then unescape
    /// the payload and screen the message. A wire-format payload starts with a zero byte, written
    /// `\u0000`, which is not that form.
    func screen(payloadLiteral literal: UnsafeRawBufferPointer, topic: String, hasHeader: (String) -> Bool,
                headers: () -> [MessageHeader], workspace: JSONParseWorkspace) -> (screening: Screening, end: Int)?
    {
        guard limits.maxBytes >= 1, let index = bindings.firstIndex(where: { $0.source.matches(topic) }), !needsDocument[index] else {
            return nil
        }
        // Not in the wire format: selection starts after a wire-format selector. Header selectors
        // whose header is absent do not apply; the first fixed choice after them decides.
        var choice: Result<SchemaVersion, Rejection>?
        let selectors = fixedChoices[index]
        var i = firstPayloadSelector[index]
        while i < selectors.count {
            if let fixed = selectors[i] {
                choice = fixed
                break
            }
            guard let name = headerSelectorNames[index][i], !hasHeader(name) else { break }
            i += 1
        }
        if choice == nil {
            // What selection sees of the message: its source and headers, not its payload.
            let message = Message(value: [], headers: headers(), origin: .kafka(topic: topic, partition: 0, offset: 0, group: nil))
            choice = choose(index, from: firstPayloadSelector[index], after: nil, message: message, document: nil)
        }
        guard case .success(let version)? = choice,
              let (result, end) = version.schema.check(stringLiteralContent: literal, limits: parseLimits, workspace: workspace)
        else { return nil }
        return (.decided(Pipeline.verdict(result, version)), end)
    }

    /// The verdict of validating against `version`.
    private static func verdict(_ result: ValidationResult, _ version: SchemaVersion) -> Verdict {
        if result.isValid { return Verdict(outcome: .approved, schema: version.id) }
        return Verdict(outcome: .quarantined(.schemaViolation), schema: version.id, details: result.errors.map(RejectionDetail.init))
    }

    /// The verdict on a payload that did not parse: malformed, too deep or too large.
    private func parseFailure(_ error: JSONParseError, _ fromWireFormat: Selection?) -> Verdict {
        let reason: QuarantineReason
        switch error.code {
        case .depthLimitExceeded: reason = .tooDeep
        case .sizeLimitExceeded: reason = .tooLarge
        default: reason = .malformedJSON
        }
        return Verdict(outcome: .quarantined(reason), schema: fromWireFormat?.reference.description, details: [RejectionDetail(
            instanceLocation: "", keywordLocation: "", message: "\(error)")])
    }

    /// An `unknown-schema` verdict, as an error so selection can return it.
    private struct Rejection: Error {
        var verdict: Verdict
    }

    /// The schema version for the message: the wire format's, else the first selector (from
    /// `index` on) that applies; checked against the binding's subject and accepted versions.
    private func choose(_ bindingIndex: Int, from index: Int, after fromWireFormat: Selection?,
                        message: Message, document: JSONDocument?) -> Result<SchemaVersion, Rejection>
    {
        let binding = bindings[bindingIndex]
        let subject = boundSubjects[bindingIndex]
        if let fromWireFormat { return Pipeline.check(fromWireFormat, binding, subject) }
        for i in index..<binding.selectors.count {
            if let fixed = fixedChoices[bindingIndex][i] { return fixed }
            switch select(binding.selectors[i], binding: binding, subject: subject, message: message, document: document) {
            case .notApplicable: continue
            case .selected(let selection): return Pipeline.check(selection, binding, subject)
            case .invalid(let why): return .failure(Rejection(verdict: Pipeline.unknown(nil, why)))
            }
        }
        return .failure(Rejection(verdict: Pipeline.unknown(nil, "no schema selector applied (binding for '\(binding.source)' has no default)")))
    }

    /// The version `selected` names, if it is a version of the binding's subject that the registry has
    /// and the binding accepts.
    private static func check(_ selected: Selection, _ binding: Binding, _ subject: SchemaSubject) -> Result<SchemaVersion, Rejection> {
        guard selected.reference.subject == binding.subject else {
            return .failure(Rejection(verdict: Pipeline.unknown(selected.reference, "\(selected.reference) (from \(selected.how)) is not a version of the bound subject '\(binding.subject)'")))
        }
        guard let version = subject.version(selected.reference.version) else {
            return .failure(Rejection(verdict: Pipeline.unknown(selected.reference, "\(selected.reference) (from \(selected.how)) is not in the registry")))
        }
        if let accepted = binding.acceptedVersions, !accepted.contains(selected.reference.version) {
            return .failure(Rejection(verdict: Pipeline.unknown(selected.reference, "\(selected.reference) (from \(selected.how)) is not accepted here; accepted versions: \(accepted.sorted().map(String.init).joined(separator: ", "))")))
        }
        return .success(version)
    }

    /// The verdict, running the rules on a message that passed ``screen(_:)``.
    func finish(_ screening: Screening, message: Message) -> Verdict {
        let document: JSONDocument
        let version: SchemaVersion
        switch screening {
        case .decided(let verdict): return verdict
        case .awaitingRules(let d, let v): (document, version) = (d, v)
        }

        // 6. Rules.
        let schemaID = version.id
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
    private static func unknown(_ reference: SchemaReference?, _ why: String) -> Verdict {
        Verdict(outcome: .quarantined(.unknownSchema), schema: nil, details: [RejectionDetail(
            instanceLocation: "", keywordLocation: "", message: why)])
    }

    private func select(_ selector: SchemaSelector, binding: Binding, subject: SchemaSubject, message: Message,
                        document: JSONDocument?) -> SelectorResult
    {
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
            // Without a document (never the case for a binding with a payload selector) nothing applies.
            guard let value = document?.value(atPointer: pointer) else { return .notApplicable }
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
        case .version, .latest:
            // Worked out once, in `fixedChoices`; `choose` does not get here with them.
            return .selected(Pipeline.fixedSelection(selector, binding: binding, subject: subject)!)
        }
    }

    /// What a selector that does not look at the message selects (`.version`, `.latest`); nil for
    /// the others.
    private static func fixedSelection(_ selector: SchemaSelector, binding: Binding, subject: SchemaSubject) -> Selection? {
        switch selector {
        case .version(let version):
            return Selection(reference: SchemaReference(subject: binding.subject, version: version), how: "the binding's default")
        case .latest:
            return Selection(reference: SchemaReference(subject: binding.subject, version: subject.latest.version), how: "the latest version")
        case .confluentWireFormat, .header, .payloadPointer:
            return nil
        }
    }

    /// `subject/version` or a bare version of `subject`.
    private func reference(from text: String, subject: String) -> SchemaReference? {
        if let version = Int(text), version > 0 { return SchemaReference(subject: subject, version: version) }
        return SchemaReference(text)
    }
}
