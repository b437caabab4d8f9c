/// Options for compiling a schema.
public struct JSONSchemaOptions: Sendable, Hashable {
    /// The draft for schemas without `$schema`. Default: 2020-12.
    public var defaultDraft: JSONSchemaDraft
    /// Whether `format` is asserted (fails on a mismatch) rather than only annotated. Default: `false`,
    /// as 2020-12 specifies. A 2020-12 meta-schema with the format-assertion vocabulary turns it on too.
    public var formatAssertion: Bool
    /// Limits for parsing instances in `validate(json:)` / `isValid(json:)`. Default: ``JSONParseLimits/default``.
    public var parseLimits: JSONParseLimits
    /// Depth of nested schema evaluation after which an instance is invalid ("nested too deep").
    /// It stops `$ref` cycles that never consume the instance, and it is the same in every mode, so
    /// `isValid` and `validate` always agree. Documents within the default 128 levels of nesting stay
    /// well inside it even against the draft meta-schemas. Default: 2048.
    public var maxEvaluationDepth: Int
    /// Stack one evaluation may use before the instance is invalid rather than the thread
    /// crashing: a safety net under `maxEvaluationDepth`, sized so that in optimized builds the depth
    /// limit always comes first (about 1 KiB per level). The default suits the 8 MiB stacks Linux
    /// gives the main thread, Swift concurrency and Dispatch threads; on threads with smaller stacks
    /// (512 KiB for secondary threads on Apple platforms), lower it. Default: 4 MiB.
    public var maxEvaluationStackBytes: Int
    /// Schema nodes one evaluation may enter per JSON value of the instance (plus 10,000) before
    /// the instance is invalid. Schemas whose `anyOf`/`oneOf` alternatives recurse can take time
    /// exponential in the document's depth; this keeps any message's cost linear in its size.
    /// Ordinary schemas enter a few nodes per value. Default: 100.
    public var maxEvaluationStepsPerValue: Int
    /// What to do with a `$schema` that is neither a supported draft nor a loaded meta-schema:
    /// `true` validates with `defaultDraft` and records a ``SchemaWarning`` (vendor meta-schemas
    /// usually extend a standard draft); `false` refuses to compile. Draft 3 is always refused.
    /// Default: `true`.
    public var acceptsUnknownMetaSchemas: Bool

    public init(defaultDraft: JSONSchemaDraft = .default, formatAssertion: Bool = false,
                parseLimits: JSONParseLimits = .default, maxEvaluationDepth: Int = 2048,
                maxEvaluationStackBytes: Int = 4 * 1024 * 1024, maxEvaluationStepsPerValue: Int = 100,
                acceptsUnknownMetaSchemas: Bool = true)
    {
        self.defaultDraft = defaultDraft
        self.formatAssertion = formatAssertion
        self.parseLimits = parseLimits
        self.maxEvaluationDepth = maxEvaluationDepth
        self.maxEvaluationStackBytes = maxEvaluationStackBytes
        self.maxEvaluationStepsPerValue = maxEvaluationStepsPerValue
        self.acceptsUnknownMetaSchemas = acceptsUnknownMetaSchemas
    }
}

/// A compiled JSON Schema: compile once, validate many times, from any number of threads.
///
/// ```swift
/// let schema = try JSONSchema(parsing: schemaBytes, options: .init(formatAssertion: true))
/// let result = try schema.validate(json: messageBytes)
/// if !result.isValid { print(result.errors) }
/// ```
public struct JSONSchema: Sendable {
    let program: SchemaProgram
    /// The options the schema was compiled with.
    public let options: JSONSchemaOptions

    /// Notes from compiling that did not stop it, such as an unknown `$schema` validated as the
    /// default draft. Show them to whoever maintains the schema.
    public var warnings: [SchemaWarning] { program.warnings }

    /// The URI given to schemas that have neither `$id` nor a retrieval URI.
    public static let defaultBaseURI = "tollgate:///schema.json"

    /// Compiles `schema`.
    ///
    /// - Parameters:
    ///   - uri: where the schema was retrieved from (e.g. a `file://` URI); the base for relative
    ///     references when the schema has no `$id`.
    ///   - store: other schema documents that `$ref` may name.
    /// - Throws: ``SchemaError`` naming the document and JSON Pointer of the problem.
    public init(_ schema: JSONValue, uri: String = JSONSchema.defaultBaseURI, store: JSONSchemaStore = JSONSchemaStore(),
                options: JSONSchemaOptions = JSONSchemaOptions()) throws(SchemaError)
    {
        let compiler = SchemaCompiler(options: options, store: store)
        self.program = try compiler.compile(schema, uri: uri)
        self.options = options
    }

    /// Parses and compiles a schema document.
    public init(parsing bytes: some Collection<UInt8>, uri: String = JSONSchema.defaultBaseURI,
                store: JSONSchemaStore = JSONSchemaStore(), options: JSONSchemaOptions = JSONSchemaOptions()) throws(SchemaError)
    {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: bytes, limits: .schemaDocuments)
        } catch {
            throw SchemaError(code: .malformedDocument, message: "the schema is not valid JSON: \(error)", documentURI: uri, pointer: "")
        }
        try self.init(value, uri: uri, store: store, options: options)
    }

    // MARK: Parsed documents

    /// Whether `document` is valid. The fastest check: no error details are built.
    public func isValid(_ document: JSONDocument) -> Bool {
        document.withView { view in
            var evaluator = Evaluator<VerdictMode>(program: program, view: view, stopAtFirstError: true)
            return evaluator.run()
        }
    }

    /// Validates `document`, listing every error, or only the first when `stopAtFirstError`.
    public func validate(_ document: JSONDocument, stopAtFirstError: Bool = false) -> ValidationResult {
        document.withView { view in
            var evaluator = Evaluator<ErrorsMode>(program: program, view: view, stopAtFirstError: stopAtFirstError)
            let valid = evaluator.run()
            return ValidationResult(isValid: valid, errors: evaluator.errors)
        }
    }

    /// Verdict for the value at tape entry `index` of `document` (tests use it to validate parts of a
    /// document in their original lexical form).
    func isValid(_ document: JSONDocument, at index: Int) -> Bool {
        document.withView { view in
            var evaluator = Evaluator<VerdictMode>(program: program, view: view, stopAtFirstError: true)
            return evaluator.run(instance: index)
        }
    }

    /// Full validation of the value at tape entry `index` of `document`.
    func validate(_ document: JSONDocument, at index: Int, stopAtFirstError: Bool = false) -> ValidationResult {
        document.withView { view in
            var evaluator = Evaluator<ErrorsMode>(program: program, view: view, stopAtFirstError: stopAtFirstError)
            let valid = evaluator.run(instance: index)
            return ValidationResult(isValid: valid, errors: evaluator.errors)
        }
    }

    /// Validates a ``JSONValue`` tree (serialized and re-read: convenient, not fast).
    public func validate(_ value: JSONValue, stopAtFirstError: Bool = false) -> ValidationResult {
        var limits = options.parseLimits
        limits.maxDepth = Int.max
        limits.maxBytes = Int(UInt32.max) - 1
        guard let document = try? JSONDocument(parsing: Array(value.serialized().utf8), limits: limits) else {
            return ValidationResult(isValid: false, errors: [])
        }
        return validate(document, stopAtFirstError: stopAtFirstError)
    }

    // MARK: Raw bytes

    /// Parses `json` (strict, within `options.parseLimits`) and says whether it is valid, without
    /// copying the bytes or building error details.
    /// - Throws: ``JSONParseError`` when `json` is not an acceptable JSON document.
    public func isValid(json: UnsafeRawBufferPointer) throws(JSONParseError) -> Bool {
        let bytes = json.bindMemory(to: UInt8.self)
        let tape = try JSONParser.parse(bytes, limits: options.parseLimits)
        return withExtendedLifetime(tape) {
            let view = TapeView(nodes: tape.nodes, count: tape.count, input: bytes.baseAddress ?? emptyInputBase,
                                arena: tape.arena.map { UnsafePointer($0) })
            var evaluator = Evaluator<VerdictMode>(program: program, view: view, stopAtFirstError: true)
            return evaluator.run()
        }
    }

    /// Parses `json` and says whether it is valid.
    public func isValid(json: some Collection<UInt8>) throws(JSONParseError) -> Bool {
        try JSONSchema.withContiguousBytes(json) { raw throws(JSONParseError) in try isValid(json: raw) }
    }

    /// Parses `json` and validates it, listing every error (or only the first).
    /// - Throws: ``JSONParseError`` when `json` is not an acceptable JSON document.
    public func validate(json: UnsafeRawBufferPointer, stopAtFirstError: Bool = false) throws(JSONParseError) -> ValidationResult {
        let bytes = json.bindMemory(to: UInt8.self)
        let tape = try JSONParser.parse(bytes, limits: options.parseLimits)
        return withExtendedLifetime(tape) {
            let view = TapeView(nodes: tape.nodes, count: tape.count, input: bytes.baseAddress ?? emptyInputBase,
                                arena: tape.arena.map { UnsafePointer($0) })
            var evaluator = Evaluator<ErrorsMode>(program: program, view: view, stopAtFirstError: stopAtFirstError)
            let valid = evaluator.run()
            return ValidationResult(isValid: valid, errors: evaluator.errors)
        }
    }

    /// Parses `json` and validates it, listing every error (or only the first).
    public func validate(json: some Collection<UInt8>, stopAtFirstError: Bool = false) throws(JSONParseError) -> ValidationResult {
        try JSONSchema.withContiguousBytes(json) { raw throws(JSONParseError) in
            try validate(json: raw, stopAtFirstError: stopAtFirstError)
        }
    }

    /// Runs `body` on the bytes of `collection`, copying them only when they are not contiguous.
    static func withContiguousBytes<R>(_ collection: some Collection<UInt8>,
                                       _ body: (UnsafeRawBufferPointer) throws(JSONParseError) -> R) throws(JSONParseError) -> R
    {
        func run(_ raw: UnsafeRawBufferPointer) -> Result<R, JSONParseError> {
            do throws(JSONParseError) {
                return .success(try body(raw))
            } catch {
                return .failure(error)
            }
        }
        if let result = collection.withContiguousStorageIfAvailable({ run(UnsafeRawBufferPointer($0)) }) {
            return try result.get()
        }
        return try Array(collection).withUnsafeBytes { run($0) }.get()
    }
}

/// Parse buffers kept from one message to the next, for any schema: validating raw bytes through a
/// workspace allocates nothing once it has seen a message of the current size. Use one per thread or
/// task; it is not `Sendable`. ``JSONSchema/Validator`` is a schema with a workspace of its own.
///
/// ```swift
/// let workspace = JSONParseWorkspace()
/// for message in batch {
///     let schema = schemas[message.subject]!
///     if try !schema.isValid(json: message.value, workspace: workspace) { ... }
/// }
/// ```
public final class JSONParseWorkspace {
    private let buffers: UnsafeMutablePointer<ParseBuffers>

    /// Buffers grown past this many tape entries (about 4 MiB) by an unusually large message are
    /// given back after it, so one large message does not pin its memory.
    static let retainedNodeCapacity = 1 << 18

    public init() {
        buffers = .allocate(capacity: 1)
        buffers.initialize(to: ParseBuffers(nodeCapacity: 1024))
    }

    deinit {
        buffers.deinitialize(count: 1)
        buffers.deallocate()
    }

    /// Runs `body` on the tape of `json` parsed into this workspace's buffers.
    func withParsed<R>(_ json: UnsafeRawBufferPointer, limits: JSONParseLimits,
                       _ body: (TapeView) -> R) throws(JSONParseError) -> R
    {
        let bytes = json.bindMemory(to: UInt8.self)
        defer { releaseOversizedBuffers() }
        let (count, _) = try JSONParser.parse(bytes, limits: limits, into: &buffers.pointee)
        return body(view(count: count, input: bytes))
    }

    /// Runs `body` on the tape of the document written as the content of a JSON string literal at the
    /// start of `literal` (``StringLiteralText``), and the offset of the literal's closing quote; nil
    /// when that form's parse leaves the document to the parse of the unescaped bytes.
    func withParsed<R>(stringLiteralContent literal: UnsafeRawBufferPointer, limits: JSONParseLimits,
                       _ body: (TapeView) -> R) -> (R, end: Int)?
    {
        // The unescaped document is never longer than its literal: a literal that ends within
        // `maxBytes` holds a document within the limit. The tape's offsets are 32-bit.
        let window = min(literal.count, limits.maxBytes + 1, Int(UInt32.max))
        let bytes = UnsafeBufferPointer(rebasing: literal.bindMemory(to: UInt8.self)[..<window])
        defer { releaseOversizedBuffers() }
        guard let (count, end) = try? JSONParser.parseStringLiteralContent(bytes, limits: limits, into: &buffers.pointee) else {
            return nil
        }
        return (body(view(count: count, input: bytes)), end)
    }

    /// The tape just parsed into the buffers, over `input`.
    private func view(count: Int, input: UnsafeBufferPointer<UInt8>) -> TapeView {
        TapeView(nodes: buffers.pointee.nodes, count: count, input: input.baseAddress ?? emptyInputBase,
                 arena: buffers.pointee.arena.map { UnsafePointer($0) })
    }

    /// Gives back buffers an unusually large message grew (see ``retainedNodeCapacity``).
    private func releaseOversizedBuffers() {
        if buffers.pointee.nodeCapacity > JSONParseWorkspace.retainedNodeCapacity {
            buffers.pointee = ParseBuffers(nodeCapacity: 1024)
        }
    }

    /// Checks that `json` is an acceptable JSON document within `limits`, without building anything.
    /// - Throws: ``JSONParseError`` when it is not.
    public func checkSyntax(json: UnsafeRawBufferPointer, limits: JSONParseLimits = .default) throws(JSONParseError) {
        try withParsed(json, limits: limits) { _ in }
    }

    /// Checks that `json` is an acceptable JSON document within `limits`.
    public func checkSyntax(json: some Collection<UInt8>, limits: JSONParseLimits = .default) throws(JSONParseError) {
        try JSONSchema.withContiguousBytes(json) { raw throws(JSONParseError) in try checkSyntax(json: raw, limits: limits) }
    }
}

@available(*, unavailable, message: "a JSONParseWorkspace reuses its buffers; make one per task")
extension JSONParseWorkspace: Sendable {}

extension JSONSchema {
    /// Parses `json` into `workspace`'s buffers (within `limits`, default: this schema's
    /// `options.parseLimits`) and says whether it is valid.
    /// - Throws: ``JSONParseError`` when `json` is not an acceptable JSON document.
    public func isValid(json: UnsafeRawBufferPointer, limits: JSONParseLimits? = nil,
                        workspace: JSONParseWorkspace) throws(JSONParseError) -> Bool
    {
        try workspace.withParsed(json, limits: limits ?? options.parseLimits) { view in
            var evaluator = Evaluator<VerdictMode>(program: program, view: view, stopAtFirstError: true)
            return evaluator.run()
        }
    }

    /// Parses `json` into `workspace`'s buffers and says whether it is valid.
    public func isValid(json: some Collection<UInt8>, limits: JSONParseLimits? = nil,
                        workspace: JSONParseWorkspace) throws(JSONParseError) -> Bool
    {
        try JSONSchema.withContiguousBytes(json) { raw throws(JSONParseError) in
            try isValid(json: raw, limits: limits, workspace: workspace)
        }
    }

    /// What a consumer needs of each message: the verdict as fast as ``isValid(json:limits:workspace:)``
    /// gives it, and every error when there are any. `json` is parsed once; only an invalid document
    /// is evaluated a second time, on the same parse, to list its errors.
    /// - Throws: ``JSONParseError`` when `json` is not an acceptable JSON document.
    public func check(json: UnsafeRawBufferPointer, limits: JSONParseLimits? = nil,
                      workspace: JSONParseWorkspace) throws(JSONParseError) -> ValidationResult
    {
        try workspace.withParsed(json, limits: limits ?? options.parseLimits) { view in check(view) }
    }

    /// ``check(json:limits:workspace:)-(UnsafeRawBufferPointer,_,_)`` for a document still written
    /// as the content of a JSON string literal, as a message's payload is in a `kcat -J` line:
    /// `literal` starts just after the literal's opening quote and may run on past its closing one
    /// (to the end of the line, say). This spares unescaping the literal into a copy first.
    ///
    /// Returns the result, as ``check(json:limits:workspace:)-(UnsafeRawBufferPointer,_,_)`` gives it
    /// for the unescaped document, and the offset in `literal` of its closing quote. Returns nil when
    /// the literal is not the common case this reads (the document's own strings hold escapes, or
    /// it uses `\u` or `\/` between tokens) or is not an acceptable document: then unescape the
    /// literal and check that, which also gives the exact ``JSONParseError``.
    public func check(stringLiteralContent literal: UnsafeRawBufferPointer, limits: JSONParseLimits? = nil,
                      workspace: JSONParseWorkspace) -> (result: ValidationResult, end: Int)?
    {
        workspace.withParsed(stringLiteralContent: literal, limits: limits ?? options.parseLimits) { view in
            check(view)
        }.map { (result: $0.0, end: $0.end) }
    }

    /// The verdict and, when invalid, every error, on a parsed tape.
    private func check(_ view: TapeView) -> ValidationResult {
        var verdict = Evaluator<VerdictMode>(program: program, view: view, stopAtFirstError: true)
        if verdict.run() { return ValidationResult(isValid: true, errors: []) }
        var evaluator = Evaluator<ErrorsMode>(program: program, view: view, stopAtFirstError: false)
        let valid = evaluator.run()
        return ValidationResult(isValid: valid, errors: evaluator.errors)
    }

    /// The verdict on `json` and, when it is invalid, every error; see ``check(json:limits:workspace:)-(UnsafeRawBufferPointer,_,_)``.
    public func check(json: some Collection<UInt8>, limits: JSONParseLimits? = nil,
                      workspace: JSONParseWorkspace) throws(JSONParseError) -> ValidationResult
    {
        try JSONSchema.withContiguousBytes(json) { raw throws(JSONParseError) in
            try check(json: raw, limits: limits, workspace: workspace)
        }
    }

    /// Parses `json` into `workspace`'s buffers and validates it, listing every error (or only the first).
    /// - Throws: ``JSONParseError`` when `json` is not an acceptable JSON document.
    public func validate(json: UnsafeRawBufferPointer, limits: JSONParseLimits? = nil, stopAtFirstError: Bool = false,
                         workspace: JSONParseWorkspace) throws(JSONParseError) -> ValidationResult
    {
        try workspace.withParsed(json, limits: limits ?? options.parseLimits) { view in
            var evaluator = Evaluator<ErrorsMode>(program: program, view: view, stopAtFirstError: stopAtFirstError)
            let valid = evaluator.run()
            return ValidationResult(isValid: valid, errors: evaluator.errors)
        }
    }

    /// Parses `json` into `workspace`'s buffers and validates it, listing every error (or only the first).
    public func validate(json: some Collection<UInt8>, limits: JSONParseLimits? = nil, stopAtFirstError: Bool = false,
                         workspace: JSONParseWorkspace) throws(JSONParseError) -> ValidationResult
    {
        try JSONSchema.withContiguousBytes(json) { raw throws(JSONParseError) in
            try validate(json: raw, limits: limits, stopAtFirstError: stopAtFirstError, workspace: workspace)
        }
    }
}

extension JSONSchema {
    /// A validator for one thread or task at a time: this schema with a ``JSONParseWorkspace`` of its
    /// own, so validating raw bytes allocates nothing once it has seen a message of the current size.
    /// The fastest way to check a stream of messages. Make one per consumer task; it is not `Sendable`.
    ///
    /// ```swift
    /// let validator = schema.makeValidator()
    /// for message in batch { if try !validator.isValid(json: message.value) { ... } }
    /// ```
    public final class Validator {
        /// The schema this validator checks against.
        public let schema: JSONSchema
        private let workspace = JSONParseWorkspace()

        public init(_ schema: JSONSchema) {
            self.schema = schema
        }

        /// Parses `json` and says whether it is valid.
        /// - Throws: ``JSONParseError`` when `json` is not an acceptable JSON document.
        public func isValid(json: UnsafeRawBufferPointer) throws(JSONParseError) -> Bool {
            try schema.isValid(json: json, workspace: workspace)
        }

        /// Parses `json` and says whether it is valid.
        public func isValid(json: some Collection<UInt8>) throws(JSONParseError) -> Bool {
            try schema.isValid(json: json, workspace: workspace)
        }

        /// Parses `json` and validates it, listing every error (or only the first).
        public func validate(json: UnsafeRawBufferPointer, stopAtFirstError: Bool = false) throws(JSONParseError) -> ValidationResult {
            try schema.validate(json: json, stopAtFirstError: stopAtFirstError, workspace: workspace)
        }

        /// Parses `json` and validates it, listing every error (or only the first).
        public func validate(json: some Collection<UInt8>, stopAtFirstError: Bool = false) throws(JSONParseError) -> ValidationResult {
            try schema.validate(json: json, stopAtFirstError: stopAtFirstError, workspace: workspace)
        }
    }

    /// A ``Validator`` for this schema, for one thread or task.
    public func makeValidator() -> Validator { Validator(self) }
}

@available(*, unavailable, message: "a Validator reuses its buffers; make one per task with makeValidator()")
extension JSONSchema.Validator: Sendable {}
