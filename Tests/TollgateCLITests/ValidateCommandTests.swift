import Foundation
import Testing
import TollgateSchema

/// `tollgate validate`, run as a user runs it: the real binary, in a fresh directory per test.
@Suite("tollgate validate")
struct ValidateCommandTests {
    static let orderSchema = """
        {
          "type": "object",
          "required": ["id"],
          "properties": {
            "id": {"type": "string"},
            "quantity": {"type": "integer", "minimum": 1}
          }
        }
        """

    /// A sandbox holding `schema.json` = ``orderSchema``.
    static func orderSandbox() throws -> TollgateSandbox {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schema.json", orderSchema)
        return sandbox
    }

    // MARK: Outcomes

    @Test("a valid document exits 0 and prints 'path: valid'")
    func validDocument() throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("order.json", #"{"id": "o-1", "quantity": 2}"#)
        let run = try sandbox.run(["validate", "--schema", "schema.json", "order.json"])
        #expect(run.status == 0, "\(run)")
        #expect(run.lines == ["order.json: valid"], "\(run)")
        #expect(run.stderr == "tollgate: 1 document: 1 valid, 0 invalid\n", "\(run)")
    }

    @Test("an invalid document exits 1; JSON output has the locations of each error")
    func invalidDocumentJSON() throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("order.json", #"{"id": 7, "quantity": 0}"#)
        let run = try sandbox.run(["validate", "--schema", "schema.json", "--output", "json", "order.json"])
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr == "", "json mode keeps stderr for problems only: \(run)")
        let results = try run.jsonLines()
        try #require(results.count == 1, "\(run)")
        let result = results[0]
        #expect(result["document"] == "order.json")
        #expect(result["valid"] == false)
        let errors = try #require(result["errors"]?.arrayValue, "\(run)")
        #expect(errors.map { $0["instanceLocation"] } == ["/id", "/quantity"], "\(run)")
        #expect(errors.map { $0["keywordLocation"] } == ["/properties/id/type", "/properties/quantity/minimum"], "\(run)")
        // The schema's retrieval URI is its absolute file:// URI.
        let absolute = errors.compactMap { $0["absoluteKeywordLocation"]?.stringValue }
        #expect(absolute.count == 2 && absolute[0].hasPrefix("file:///")
                && absolute[0].hasSuffix("/schema.json#/properties/id/type"), "\(run)")
        #expect(errors.allSatisfy { !($0["message"]?.stringValue ?? "").isEmpty }, "\(run)")
        #expect(Set(result.objectValue?.keys ?? []) == ["document", "valid", "errors"], "\(run)")
    }

    @Test("an invalid document in text output: one indented line per error, with both locations")
    func invalidDocumentText() throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("order.json", #"{"quantity": 0}"#)
        let run = try sandbox.run(["validate", "--schema", "schema.json", "order.json"])
        #expect(run.status == 1, "\(run)")
        let lines = run.lines
        try #require(lines.count == 3, "\(run)")
        #expect(lines[0] == "order.json: invalid")
        // Errors come in evaluation order. The message text is the library's, so mostly its frame is
        // checked; the root is shown as "/".
        #expect(lines[1].hasPrefix("  /quantity: ") && lines[1].hasSuffix(" (at /properties/quantity/minimum)"), "\(run)")
        #expect(lines[2].hasPrefix("  /: ") && lines[2].hasSuffix(" (at /required)"), "\(run)")
        #expect(lines[2].contains("\"id\""), "the message names the missing member: \(run)")
        #expect(run.stderr == "tollgate: 1 document: 0 valid, 1 invalid\n", "\(run)")
    }

    struct NotJSONCase: Sendable, CustomTestStringConvertible {
        var label: String
        var bytes: [UInt8]
        var line: Int
        var column: Int
        var testDescription: String { label }
    }

    static let notJSONCases: [NotJSONCase] = [
        NotJSONCase(label: "misspelt literal", bytes: Array(#"{"id": tru}"#.utf8), line: 1, column: 11),
        NotJSONCase(label: "trailing comma on line 3", bytes: Array("{\n  \"id\": \"a\",\n}".utf8), line: 3, column: 1),
        NotJSONCase(label: "empty file", bytes: [], line: 1, column: 1),
        NotJSONCase(label: "trailing content", bytes: Array(#"{"id": "a"} x"#.utf8), line: 1, column: 13),
        NotJSONCase(label: "duplicate key", bytes: Array(#"{"id":"a","id":"b"}"#.utf8), line: 1, column: 11),
        NotJSONCase(label: "invalid UTF-8 in a string", bytes: Array(#"{"id": ""#.utf8) + [0xFF] + Array(#""}"#.utf8),
                    line: 1, column: 9),
        NotJSONCase(label: "truncated UTF-8 sequence", bytes: Array(#"{"id": ""#.utf8) + [0xC3] + Array(#""}"#.utf8),
                    line: 1, column: 9),
    ]

    @Test("a document that is not JSON is invalid (exit 1) with its line and column", arguments: notJSONCases)
    func notJSON(_ testCase: NotJSONCase) throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("doc.json", bytes: testCase.bytes)
        let prefix = "invalid JSON at line \(testCase.line), column \(testCase.column): "

        let text = try sandbox.run(["validate", "--schema", "schema.json", "doc.json"])
        #expect(text.status == 1, "\(text)")
        #expect(text.lines.count == 1 && text.lines[0].hasPrefix("doc.json: " + prefix), "\(text)")

        let json = try sandbox.run(["validate", "--schema", "schema.json", "--output", "json", "doc.json"])
        #expect(json.status == 1, "\(json)")
        let result = try #require(json.jsonLines().first, "\(json)")
        #expect(result["valid"] == false)
        let errors = try #require(result["errors"]?.arrayValue)
        #expect(errors.count == 1, "\(json)")
        #expect(errors.first?["keywordLocation"] == "", "\(json)")
        #expect(errors.first?["instanceLocation"] == "", "\(json)")
        #expect(errors.first?["message"]?.stringValue?.hasPrefix(prefix) == true, "\(json)")
    }

    @Test("a Latin-1 byte (invalid UTF-8) is invalid, and the message says UTF-8")
    func invalidUTF8Message() throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("doc.json", bytes: Array(#"{"id": "caf"#.utf8) + [0xE9] + Array(#""}"#.utf8))
        let run = try sandbox.run(["validate", "--schema", "schema.json", "doc.json"])
        #expect(run.status == 1, "\(run)")
        #expect(run.stdout.contains("UTF-8"), "\(run)")
    }

    // MARK: JSON lines

    @Test("--jsonl: every non-blank line is a document named path:line")
    func jsonLines() throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("capture.jsonl", "{\"id\":\"a\"}\n\n{\"id\":1}\r\nnot json\n  \n{\"id\":\"b\"}")
        let run = try sandbox.run(["validate", "--schema", "schema.json", "--jsonl", "capture.jsonl", "--output", "json"])
        #expect(run.status == 1, "\(run)")
        let results = try run.jsonLines()
        #expect(results.map { $0["document"] } == ["capture.jsonl:1", "capture.jsonl:3", "capture.jsonl:4", "capture.jsonl:6"],
                "\(run)")
        #expect(results.map { $0["valid"] } == [true, false, false, true], "\(run)")
        #expect(results[1]["errors"]?.arrayValue?.first?["keywordLocation"] == "/properties/id/type", "\(run)")
        #expect(results[2]["errors"]?.arrayValue?.first?["message"]?.stringValue?.hasPrefix("invalid JSON at line 1, column 2: ") == true,
                "\(run)")
    }

    @Test("DOCs and several --jsonl files combine, in that order; text output names lines too")
    func documentsAndSeveralJSONLines() throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("a.jsonl", "{\"id\":\"a\"}\n{\"id\":2}\n")
        try sandbox.write("b.jsonl", "{\"id\":\"b\"}\n")
        try sandbox.write("order.json", #"{"id":"o"}"#)
        let run = try sandbox.run(["validate", "--schema", "schema.json", "--jsonl", "a.jsonl", "--jsonl", "b.jsonl", "order.json"])
        #expect(run.status == 1, "\(run)")
        #expect(run.lines.filter { !$0.hasPrefix("  ") } == ["order.json: valid", "a.jsonl:1: valid", "a.jsonl:2: invalid", "b.jsonl:1: valid"],
                "\(run)")
        #expect(run.stderr == "tollgate: 4 documents: 3 valid, 1 invalid\n", "\(run)")
    }

    @Test("--jsonl: a line over --max-bytes is invalid with its size, even when it spans read chunks; later lines keep their numbers")
    func jsonLinesOverlongLine() throws {
        let sandbox = try Self.orderSandbox()
        let long = "\"" + String(repeating: "x", count: 3 << 20) + "\""   // longer than a 1 MiB read chunk
        try sandbox.write("capture.jsonl", "{\"id\":\"a\"}\n" + long + "\n{\"id\":\"b\"}\n" + long)
        let run = try sandbox.run(["validate", "--schema", "schema.json", "--max-bytes", "1000", "--jsonl", "capture.jsonl",
                                   "--output", "json"])
        #expect(run.status == 1, "\(run)")
        let results = try run.jsonLines()
        #expect(results.map { $0["document"] } == ["capture.jsonl:1", "capture.jsonl:2", "capture.jsonl:3", "capture.jsonl:4"])
        #expect(results.map { $0["valid"] } == [true, false, true, false])
        let expected = "document is \(long.utf8.count) bytes, more than the limit of 1000 bytes"
        for index in [1, 3] {
            let message = results[index]["errors"]?.arrayValue?.first?["message"]?.stringValue ?? ""
            #expect(message.contains(expected), "line \(index + 1): \(message)")
        }
    }

    // MARK: References

    static let moneySchema = """
        {"$id": "https://tollgate.example/common/money.json", "type": "object", "required": ["amount"],
         "properties": {"amount": {"type": "number", "minimum": 0}}}
        """

    static let paymentSchema = """
        {"type": "object", "properties": {"total": {"$ref": "https://tollgate.example/common/money.json"}}}
        """

    @Test("--ref DIR loads schemas recursively so a $ref to an $id resolves offline")
    func refDirectoryResolvesByID() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schemas/common/nested/money.json", Self.moneySchema)
        try sandbox.write("schemas/payments/1.json", Self.paymentSchema)
        try sandbox.write("ok.json", #"{"total": {"amount": 3}}"#)
        try sandbox.write("bad.json", #"{"total": {"amount": -3}}"#)
        let run = try sandbox.run(["validate", "--schema", "schemas/payments/1.json", "--ref", "schemas/common",
                                   "--output", "json", "ok.json", "bad.json"])
        #expect(run.status == 1, "\(run)")
        let results = try run.jsonLines()
        #expect(results.map { $0["valid"] } == [true, false], "\(run)")
        let error = results.last?["errors"]?.arrayValue?.first
        #expect(error?["instanceLocation"] == "/total/amount", "\(run)")
        #expect(error?["keywordLocation"] == "/properties/total/$ref/properties/amount/minimum", "\(run)")
        #expect(error?["absoluteKeywordLocation"] == "https://tollgate.example/common/money.json#/properties/amount/minimum", "\(run)")
    }

    @Test("without --ref, a $ref to an unknown $id is exit 2 naming the schema file and pointer")
    func missingRefDirectory() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schemas/payments/1.json", Self.paymentSchema)
        try sandbox.write("ok.json", #"{"total": {"amount": 3}}"#)
        let run = try sandbox.run(["validate", "--schema", "schemas/payments/1.json", "ok.json"])
        #expect(run.status == 2, "\(run)")
        #expect(run.stdout == "", "\(run)")
        #expect(run.stderr.hasPrefix("tollgate: schema error: schemas/payments/1.json#/properties/total/$ref: cannot resolve"), "\(run)")
        #expect(run.stderr.contains("https://tollgate.example/common/money.json"), "\(run)")
    }

    @Test("a relative $ref resolves by file path against the schema's own location")
    func relativeFileReference() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schemas/orders/1.json", #"{"properties": {"line": {"$ref": "../common/line.json#/$defs/line"}}}"#)
        try sandbox.write("schemas/common/line.json", #"{"$defs": {"line": {"properties": {"qty": {"type": "integer"}}}}}"#)
        try sandbox.write("ok.json", #"{"line": {"qty": 2}}"#)
        try sandbox.write("bad.json", #"{"line": {"qty": 1.5}}"#)
        let run = try sandbox.run(["validate", "--schema", "schemas/orders/1.json", "--output", "json", "ok.json", "bad.json"])
        #expect(run.status == 1, "\(run)")
        let results = try run.jsonLines()
        #expect(results.map { $0["valid"] } == [true, false], "\(run)")
        let error = results.last?["errors"]?.arrayValue?.first
        #expect(error?["keywordLocation"] == "/properties/line/$ref/properties/qty/type", "\(run)")
        #expect(error?["absoluteKeywordLocation"]?.stringValue?.hasSuffix("/schemas/common/line.json#/$defs/line/properties/qty/type") == true,
                "\(run)")
    }

    @Test("an unresolvable $ref is exit 2 naming the file and the pointer of the $ref")
    func unresolvableReference() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schema.json", #"{"properties": {"a": {"$ref": "missing.json"}}}"#)
        try sandbox.write("doc.json", "{}")
        let run = try sandbox.run(["validate", "--schema", "schema.json", "doc.json"])
        #expect(run.status == 2, "\(run)")
        #expect(run.stdout == "", "\(run)")
        #expect(run.stderr.hasPrefix("tollgate: schema error: schema.json#/properties/a/$ref: cannot resolve $ref \"missing.json\""),
                "\(run)")
    }

    @Test("a referenced file that exists but is not JSON: exit 2, and the message says why it was not loaded")
    func referencedFileNotJSON() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schema.json", #"{"properties": {"a": {"$ref": "broken.json"}}}"#)
        try sandbox.write("broken.json", "{\"type\": }")
        try sandbox.write("doc.json", "{}")
        let run = try sandbox.run(["validate", "--schema", "schema.json", "doc.json"])
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.hasPrefix("tollgate: schema error: schema.json#/properties/a/$ref: "), "\(run)")
        #expect(run.stderr.contains("'broken.json' exists but cannot be loaded: not valid JSON at line 1, column 10"), "\(run)")
    }

    // MARK: Schema errors

    @Test("an invalid regular expression in the schema is exit 2 naming the pointer")
    func invalidRegex() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schemas/x.json", #"{"properties": {"a": {"pattern": "(["}}}"#)
        try sandbox.write("doc.json", "{}")
        let run = try sandbox.run(["validate", "--schema", "schemas/x.json", "doc.json"])
        #expect(run.status == 2, "\(run)")
        #expect(run.stdout == "", "\(run)")
        #expect(run.stderr.hasPrefix("tollgate: schema error: schemas/x.json#/properties/a/pattern: invalid regular expression"),
                "\(run)")
    }

    @Test("a --schema that cannot be read is exit 2 with the system's reason", arguments: [
        ("nope.json", "No such file or directory"),
        ("dir", "Is a directory"),
    ])
    func unreadableSchema(path: String, reason: String) throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("dir/a.json", "{}")
        try sandbox.write("doc.json", "{}")
        let run = try sandbox.run(["validate", "--schema", path, "doc.json"])
        #expect(run.status == 2, "\(run)")
        #expect(run.stdout == "", "\(run)")
        #expect(run.stderr == "tollgate: cannot read --schema '\(path)': \(reason)\n", "\(run)")
    }

    @Test("a schema that is not JSON is exit 2 with its line and column")
    func schemaNotJSON() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schema.json", "{\n  \"type\": \"object\",\n  \"properties\": {,}\n}")
        try sandbox.write("doc.json", "{}")
        let run = try sandbox.run(["validate", "--schema", "schema.json", "doc.json"])
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.hasPrefix("tollgate: schema error: schema.json: not valid JSON at line 3, column 18: "), "\(run)")
    }

    @Test("a --ref directory that does not exist, or holds a file that is not JSON, is exit 2")
    func badRefDirectory() throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("doc.json", #"{"id":"a"}"#)
        try sandbox.write("refs/a/bad.json", "[1,]")
        let missing = try sandbox.run(["validate", "--schema", "schema.json", "--ref", "nowhere", "doc.json"])
        #expect(missing.status == 2, "\(missing)")
        #expect(missing.stderr == "tollgate: cannot read --ref 'nowhere': No such file or directory\n", "\(missing)")
        let broken = try sandbox.run(["validate", "--schema", "schema.json", "--ref", "refs", "doc.json"])
        #expect(broken.status == 2, "\(broken)")
        #expect(broken.stderr.hasPrefix("tollgate: schema error: refs/a/bad.json: not valid JSON at line 1, column 4: "), "\(broken)")
    }

    // MARK: Options

    struct DraftCase: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var document: String
        var status: Int32
        var testDescription: String { "\(arguments) on \(document) -> \(status)" }
    }

    /// Draft 4's boolean `exclusiveMaximum` modifies `maximum`; in 2020-12 it must be a number.
    @Test("--draft sets the draft of a schema without $schema", arguments: [
        DraftCase(arguments: [], document: "5", status: 2),
        DraftCase(arguments: ["--draft", "4"], document: "5", status: 1),
        DraftCase(arguments: ["--draft", "draft-04"], document: "5", status: 1),
        DraftCase(arguments: ["--draft", "4"], document: "4.5", status: 0),
        DraftCase(arguments: ["--draft", "7"], document: "5", status: 2),
    ])
    func draftOption(_ testCase: DraftCase) throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schema.json", #"{"maximum": 5, "exclusiveMaximum": true}"#)
        try sandbox.write("doc.json", testCase.document)
        let run = try sandbox.run(["validate", "--schema", "schema.json", "--output", "json"] + testCase.arguments + ["doc.json"])
        #expect(run.status == testCase.status, "\(run)")
        switch testCase.status {
        case 1:
            let error = try #require(run.jsonLines().first?["errors"]?.arrayValue?.first, "\(run)")
            #expect(error["keywordLocation"] == "/maximum", "\(run)")
        case 2:
            #expect(run.stderr.hasPrefix("tollgate: schema error: schema.json#/exclusiveMaximum: "), "\(run)")
        default:
            #expect(run.stdout == #"{"document":"doc.json","valid":true,"errors":[]}"# + "\n", "\(run)")
        }
    }

    @Test("an unknown --draft is a usage error (exit 2)")
    func unknownDraft() throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("doc.json", "{}")
        let run = try sandbox.run(["validate", "--schema", "schema.json", "--draft", "5", "doc.json"])
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.contains("--draft"), "\(run)")
    }

    @Test("--format-assertion turns \"format\" from an annotation into an assertion", arguments: [false, true])
    func formatAssertion(enabled: Bool) throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schema.json", #"{"properties": {"email": {"format": "email"}}}"#)
        try sandbox.write("good.json", #"{"email": "ops@example.com"}"#)
        try sandbox.write("bad.json", #"{"email": "not an address"}"#)
        let run = try sandbox.run(["validate", "--schema", "schema.json", "--output", "json"]
                                  + (enabled ? ["--format-assertion"] : []) + ["good.json", "bad.json"])
        #expect(run.status == (enabled ? 1 : 0), "\(run)")
        let results = try run.jsonLines()
        #expect(results.map { $0["valid"] } == [true, .bool(!enabled)], "\(run)")
        if enabled {
            let error = results.last?["errors"]?.arrayValue?.first
            #expect(error?["instanceLocation"] == "/email", "\(run)")
            #expect(error?["keywordLocation"] == "/properties/email/format", "\(run)")
        }
    }

    @Test("10,000-deep nesting is invalid with a depth-limit message, not a crash")
    func deepNesting() throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("deep.json", String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000))
        try sandbox.write("deep.jsonl", String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000))
        let run = try sandbox.run(["validate", "--schema", "schema.json", "deep.json", "--jsonl", "deep.jsonl"])
        #expect(run.status == 1, "\(run)")
        #expect(run.lines == [
            "deep.json: invalid JSON at line 1, column 129: nesting is deeper than the limit of 128 (see --max-depth)",
            "deep.jsonl:1: invalid JSON at line 1, column 641: nesting is deeper than the limit of 128 (see --max-depth)",
        ], "\(run)")
    }

    @Test("a recursive schema over 10,000-deep nesting allowed by --max-depth: invalid (evaluation depth), not a stack overflow")
    func deepNestingRecursiveSchema() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schema.json", ##"{"items": {"$ref": "#"}}"##)
        try sandbox.write("deep.json", String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000))
        let run = try sandbox.run(["validate", "--schema", "schema.json", "--max-depth", "20000", "--output", "json", "deep.json"])
        #expect(run.status == 1, "\(run)")
        let error = try #require(run.jsonLines().first?["errors"]?.arrayValue?.first, "\(run)")
        // The evaluator stops at its depth limit or its stack budget, whichever comes first.
        let message = error["message"]?.stringValue ?? ""
        #expect(message.contains("levels deep") || message.contains("KiB of stack"), "\(run)")
    }

    @Test("--stop-at-first-error reports one error per invalid document")
    func stopAtFirstError() throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("doc.json", #"{"id": 1, "quantity": "many"}"#)
        let all = try sandbox.run(["validate", "--schema", "schema.json", "--output", "json", "doc.json"])
        let first = try sandbox.run(["validate", "--schema", "schema.json", "--output", "json", "--stop-at-first-error", "doc.json"])
        #expect(all.status == 1 && first.status == 1, "\(all)\n\(first)")
        #expect(try all.jsonLines().first?["errors"]?.arrayValue?.count == 2, "\(all)")
        let errors = try #require(first.jsonLines().first?["errors"]?.arrayValue, "\(first)")
        #expect(errors.count == 1, "\(first)")
        #expect(errors.first?["keywordLocation"] == "/properties/id/type", "\(first)")
    }

    @Test("--max-bytes makes a larger document invalid with its size")
    func maxBytes() throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("doc.json", #"{"id": "0123456789"}"#)
        let run = try sandbox.run(["validate", "--schema", "schema.json", "--max-bytes", "10", "doc.json"])
        #expect(run.status == 1, "\(run)")
        #expect(run.lines == ["doc.json: invalid JSON: document is 20 bytes, more than the limit of 10 bytes (see --max-bytes)"], "\(run)")
    }

    // MARK: Inputs

    @Test("'-' as a DOC reads standard input, named <stdin>")
    func standardInputDocument() throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("order.json", #"{"id": "a"}"#)
        let run = try sandbox.run(["validate", "--schema", "schema.json", "order.json", "-"], stdin: #"{"id": 3}"#)
        #expect(run.status == 1, "\(run)")
        #expect(run.lines == ["order.json: valid", "<stdin>: invalid", "  /id: expected string, found integer (at /properties/id/type)"],
                "\(run)")
    }

    @Test("'--jsonl -' reads JSON lines from standard input")
    func standardInputJSONLines() throws {
        let sandbox = try Self.orderSandbox()
        let run = try sandbox.run(["validate", "--schema", "schema.json", "--jsonl", "-", "--output", "json"],
                                  stdin: "{\"id\":\"a\"}\n{\"id\":\"b\"}\n")
        #expect(run.status == 0, "\(run)")
        #expect(try run.jsonLines().map { $0["document"] } == ["<stdin>:1", "<stdin>:2"], "\(run)")
    }

    @Test("a DOC that cannot be read is reported on stderr; the others are still validated; exit 2")
    func unreadableDocument() throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("a.json", #"{"id": "a"}"#)
        try sandbox.write("b.json", #"{"id": 2}"#)
        let run = try sandbox.run(["validate", "--schema", "schema.json", "a.json", "missing.json", "b.json", "--jsonl", "gone.jsonl"])
        #expect(run.status == 2, "\(run)")
        #expect(run.lines.filter { !$0.hasPrefix("  ") } == ["a.json: valid", "b.json: invalid"], "\(run)")
        #expect(run.stderr.contains("tollgate: cannot read 'missing.json': No such file or directory\n"), "\(run)")
        #expect(run.stderr.contains("tollgate: cannot read --jsonl 'gone.jsonl': No such file or directory\n"), "\(run)")
        #expect(run.stderr.hasSuffix("tollgate: 2 documents: 1 valid, 1 invalid, 2 not readable\n"), "\(run)")
    }

    @Test("usage errors exit 2 with a message on stderr", arguments: [
        ["validate", "--schema", "schema.json"],
        ["validate", "doc.json"],
        ["validate", "--schema", "schema.json", "--output", "xml", "doc.json"],
        ["validate", "--schema", "schema.json", "--bogus", "doc.json"],
        ["validate", "--schema", "schema.json", "--max-depth", "0", "doc.json"],
        ["validate", "--schema", "schema.json", "-", "--jsonl", "-"],
        ["frobnicate"],
    ])
    func usageErrors(arguments: [String]) throws {
        let sandbox = try Self.orderSandbox()
        try sandbox.write("doc.json", #"{"id": "a"}"#)
        let run = try sandbox.run(arguments, stdin: "")
        #expect(run.status == 2, "\(run)")
        #expect(run.stdout == "", "\(run)")
        #expect(run.stderr.contains("Error: "), "\(run)")
    }

    @Test("validate --help teaches: abstract, options with defaults, examples, exit codes")
    func help() throws {
        let sandbox = try TollgateSandbox()
        let run = try sandbox.run(["validate", "--help"])
        #expect(run.status == 0, "\(run)")
        // Compare with whitespace collapsed: the help is wrapped to the terminal width.
        let help = run.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for expected in [
            "OVERVIEW: Validate JSON documents against a JSON Schema.",
            "tollgate validate --schema schemas/orders/1.json order.json",
            "--jsonl capture.jsonl --output json",
            "--ref schemas/common",
            "Exit status:",
            "keywordLocation is \"\"",
            "default: 2020-12", "default: text", "default: 128", "default: 16777216",
        ] {
            #expect(help.contains(expected), "help lacks \(expected): \(run)")
        }
    }
}
