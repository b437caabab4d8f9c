import ArgumentParser
import Foundation
import TollgateSchema

/// `tollgate validate`: validates documents and JSON-lines files against one schema.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate JSON documents against a JSON Schema.",
        discussion: """
            Compiles the schema in --schema and validates each DOC, then every line of
            each --jsonl file, printing one result per document on standard output.
            The draft is chosen by the schema's "$schema", else by --draft. A $ref
            resolves only to local files, never over the network: to the schemas under
            the --ref directories (by their "$id" or their path) and to .json files
            named by a path relative to the referring schema.

            A DOC of '-' is standard input, named <stdin> in the output. In a --jsonl
            file each line is a document named FILE:LINE (e.g. capture.jsonl:12, or
            <stdin>:12 for '--jsonl -'); blank lines are skipped.

            Text output, with a summary line on standard error:
              DOC: valid
              DOC: invalid
                <instance location>: <message> (at <keyword location>)
              DOC: invalid JSON at line L, column C: <message>

            JSON output (--output json): exactly one compact JSON object per document,
            one per line, and nothing else on standard output:
              {"document":"DOC","valid":false,"errors":[{"instanceLocation":"/id",
               "keywordLocation":"/properties/id/type","absoluteKeywordLocation":
               "file:///.../1.json#/properties/id/type","message":"..."}]}
            A document that is not JSON, or exceeds --max-depth or --max-bytes, has
            "valid":false and a single error whose keywordLocation is "" and whose
            message gives the line and column of the problem.

            A DOC or --jsonl file that cannot be read is reported on standard error
            and skipped; the other documents are still validated (exit status 2).

            Exit status:
              0  every document is valid
              1  at least one document is invalid (including documents that are not
                 JSON or exceed a limit)
              2  usage error; a --schema, --ref directory, DOC or --jsonl file that
                 cannot be read; or a schema that does not compile (the message names
                 the file and the JSON Pointer in it)

            Examples:
              tollgate validate --schema schemas/orders/1.json order.json
              tollgate validate --schema schemas/orders/1.json \\
                  --jsonl capture.jsonl --output json
              tollgate validate --schema schemas/orders/2.json \\
                  --ref schemas/common order.json
            """
    )

    @Option(name: .long, help: ArgumentHelp("The JSON Schema to validate against.", valueName: "file"))
    var schema: String

    @Option(name: .customLong("ref"),
            help: ArgumentHelp("A directory of schemas that $ref may name: every .json file under it, recursively, by its file path and its $id. Repeatable. (default: none)",
                               valueName: "dir"))
    var refDirectories: [String] = []

    @Option(help: ArgumentHelp("The draft for schemas without $schema; draft-07, draft2020-12 and similar spellings work too.",
                               valueName: "draft"))
    var draft: DraftArgument = DraftArgument(.default)

    @Flag(help: "Make \"format\" an assertion (e.g. email, date-time, ipv4 fail on a mismatch) rather than an annotation. (default: off)")
    var formatAssertion = false

    @Option(help: ArgumentHelp("text: a line per document and per error; json: one compact JSON object per document.",
                               valueName: "format"))
    var output: OutputFormat = .text

    @Flag(help: "Report only the first error of each invalid document (faster). (default: off)")
    var stopAtFirstError = false

    @Option(help: ArgumentHelp("The deepest nesting of arrays and objects a document may have; a deeper one is invalid.",
                               valueName: "n"))
    var maxDepth: Int = JSONParseLimits.default.maxDepth

    @Option(help: ArgumentHelp("The largest document (--jsonl: line) in bytes; a larger one is invalid.",
                               valueName: "n"))
    var maxBytes: Int = JSONParseLimits.default.maxBytes

    @Option(name: .customLong("jsonl"),
            help: ArgumentHelp("A JSON-lines file whose every line is a document; '-' is standard input. Repeatable. (default: none)",
                               valueName: "file"))
    var jsonLinesFiles: [String] = []

    @Argument(help: ArgumentHelp("The JSON documents to validate; '-' is standard input.", valueName: "doc"))
    var documents: [String] = []

    func validate() throws {
        if documents.isEmpty && jsonLinesFiles.isEmpty {
            throw ArgumentParser.ValidationError("Name at least one DOC or --jsonl file to validate.")
        }
        let stdinUses = (documents + jsonLinesFiles).filter { $0 == InputFiles.standardInputPath }.count
        if stdinUses > 1 {
            throw ArgumentParser.ValidationError("Standard input ('-') can be read only once.")
        }
        if maxDepth < 1 {
            throw ArgumentParser.ValidationError("--max-depth must be at least 1.")
        }
        if maxBytes < 1 || maxBytes > Int(UInt32.max) - 1 {
            throw ArgumentParser.ValidationError("--max-bytes must be between 1 and \(Int(UInt32.max) - 1).")
        }
    }

    func run() throws {
        try validateAll()
    }

    /// Compiles the schema, validates every input and throws the exit status when it is not 0.
    private func validateAll() throws {
        let options = JSONSchemaOptions(defaultDraft: draft.draft, formatAssertion: formatAssertion,
                                        parseLimits: JSONParseLimits(maxDepth: maxDepth, maxBytes: maxBytes))
        let compiled = try SchemaFiles().compile(schemaPath: schema, refDirectories: refDirectories, options: options)
        let report = ValidationReport(format: output)
        let validator = compiled.makeValidator()
        for path in documents {
            validateDocument(path, validator: validator, report: report)
        }
        for path in jsonLinesFiles {
            validateJSONLines(path, validator: validator, report: report)
        }
        let status = report.finish()
        if status != 0 { throw ExitCode(status) }
    }

    private func validateDocument(_ path: String, validator: JSONSchema.Validator, report: ValidationReport) {
        let read: (data: Data?, size: Int?)
        do {
            read = try InputFiles.read(path, limit: maxBytes)
        } catch {
            report.recordUnreadable("cannot read '\(path)': \(error.reason)")
            return
        }
        guard let data = read.data else {
            report.record(InputFiles.displayName(path), notJSON: tooLarge(size: read.size))
            return
        }
        data.withUnsafeBytes { check($0, name: InputFiles.displayName(path), validator: validator, report: report) }
        report.flush()
    }

    private func validateJSONLines(_ path: String, validator: JSONSchema.Validator, report: ValidationReport) {
        do {
            let handle = try InputFiles.open(path)
            let reader = JSONLinesReader(maxLineBytes: maxBytes)
            try reader.forEachLine(of: handle, afterChunk: report.flush) { number, line in
                let name = "\(InputFiles.displayName(path)):\(number)"
                switch line {
                case .bytes(let bytes): check(bytes, name: name, validator: validator, report: report)
                case .tooLong(let size): report.record(name, notJSON: tooLarge(size: size))
                }
            }
        } catch {
            report.recordUnreadable("cannot read --jsonl '\(path)': \(error.reason)")
        }
    }

    private func check(_ bytes: UnsafeRawBufferPointer, name: String, validator: JSONSchema.Validator, report: ValidationReport) {
        do {
            // The verdict alone is cheapest; details are worked out only for invalid documents.
            if try validator.isValid(json: bytes) {
                report.record(name, .valid)
            } else {
                report.record(name, try validator.validate(json: bytes, stopAtFirstError: stopAtFirstError))
            }
        } catch {
            report.record(name, notJSON: error)
        }
    }

    /// The parser's own error for an oversized document, for inputs too large to be read at all.
    private func tooLarge(size: Int?) -> JSONParseError {
        let what = size.map { "document is \($0) bytes" } ?? "document is larger"
        return JSONParseError(code: .sizeLimitExceeded, message: "\(what), more than the limit of \(maxBytes) bytes",
                              offset: maxBytes, line: 0, column: 0)
    }
}

/// `--draft`: any spelling ``JSONSchemaDraft/init(userInput:)`` accepts.
struct DraftArgument: ExpressibleByArgument {
    var draft: JSONSchemaDraft

    init(_ draft: JSONSchemaDraft) {
        self.draft = draft
    }

    init?(argument: String) {
        guard let draft = JSONSchemaDraft(userInput: argument) else { return nil }
        self.draft = draft
    }

    var defaultValueDescription: String { draft.rawValue }

    static var allValueStrings: [String] { JSONSchemaDraft.allCases.reversed().map(\.rawValue) }
}

/// `--output`.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    case text
    case json
}
