import Foundation
import Testing
@testable import TollgateSchema

/// `check(stringLiteralContent:)` reads a document still written inside a JSON string literal (a
/// payload in a kcat -J line). Whatever it returns must be exactly what checking the unescaped
/// document returns; when it cannot tell, it returns nil and the caller unescapes.
@Suite("JSON in a string literal")
struct StringLiteralContentTests {
    /// The literal's content for `text`, as a JSON writer escapes it, without the quotes.
    static func literalContent(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        JSONValue.writeString(String(decoding: text, as: UTF8.self), to: &out)
        return Array(out.dropFirst().dropLast())
    }

    /// What follows the payload's literal on a kcat -J line: the parse must stop at its closing quote.
    static let restOfLine = Array(#"","key":"k\"}"}"#.utf8)

    /// Checks `content` (literal content, its closing quote and the rest of a line after it) both
    /// ways. Returns whether the literal form took it; records an issue if it took it and differs.
    @discardableResult
    static func compare(_ schema: JSONSchema, content: [UInt8], limits: JSONParseLimits = .default,
                        _ comment: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool
    {
        let workspace = JSONParseWorkspace()
        let line = content + restOfLine
        guard let taken = line.withUnsafeBytes({ schema.check(stringLiteralContent: $0, limits: limits, workspace: workspace) }) else {
            return false
        }
        // What the literal up to `end` means, read by the plain parser as a JSON string.
        guard taken.end <= line.count, taken.end < line.count && line[taken.end] == UInt8(ascii: "\""),
              case .string(let text)? = try? JSONDocument(parsing: [UInt8(ascii: "\"")] + line[..<taken.end] + [UInt8(ascii: "\"")]).root
        else {
            Issue.record("took \(taken.end) bytes that are not a JSON string literal's content: \(comment())", sourceLocation: sourceLocation)
            return true
        }
        let plain = try? schema.check(json: Array(text.utf8), limits: limits, workspace: workspace)
        #expect(plain == taken.result, "\(comment())", sourceLocation: sourceLocation)
        return true
    }

    @Test("every instance of the JSON-Schema-Test-Suite's draft 2020-12 tests, compact and pretty, checks as its unescaped text does")
    func suiteInstances() throws {
        let files = SuiteFile.required.filter { $0.directory == "draft2020-12" }
        #expect(files.count > 40)
        var taken = 0
        var total = 0
        for file in files {
            let document = try JSONDocument(parsing: try SharedFixtures.read(file.url), limits: JSONParseLimits(maxDepth: 10_000))
            for caseIndex in document.elementIndices(0) {
                guard let schemaIndex = document.memberIndex(caseIndex, "schema"),
                      let schema = try? JSONSchema(document.value(at: schemaIndex), store: SuiteRemotes.store) else { continue }
                for testIndex in document.memberIndex(caseIndex, "tests").map(document.elementIndices) ?? [] {
                    guard let dataIndex = document.memberIndex(testIndex, "data") else { continue }
                    let data = document.value(at: dataIndex)
                    for pretty in [false, true] {
                        let text = data.serializedBytes(pretty: pretty)
                        let content = Self.literalContent(text)
                        total += 1
                        let tookIt = Self.compare(schema, content: content, "\(file.testDescription): \(String(decoding: text, as: UTF8.self))")
                        if tookIt { taken += 1 }
                        // A document whose strings need no escapes is always taken: only its quotes
                        // and line breaks are escaped in the literal.
                        let stringsNeedEscapes = text.contains(UInt8(ascii: "\\")) || text.contains { $0 < 0x20 && $0 != 0x0A }
                        if !stringsNeedEscapes && !tookIt {
                            Issue.record("not taken: \(file.testDescription): \(String(decoding: text, as: UTF8.self))")
                        }
                    }
                }
            }
        }
        #expect(taken > total * 9 / 10, "took \(taken) of \(total)")
    }

    @Test("whitespace written as \\n, \\r, \\t and spaces between tokens")
    func escapedWhitespace() {
        let schema = try! JSONSchema(parsing: Array(#"{"type":"object","required":["a"]}"#.utf8))
        for text in ["{\r\n\t\"a\" :\t[ 1 ,\n2 ] }", " \n{\"a\":true}\n ", "\t{}\t"] {
            #expect(Self.compare(schema, content: Self.literalContent(Array(text.utf8)), "\(text.debugDescription)"))
        }
    }

    @Test("what the literal form leaves to the unescaped parse, and what it must never take", arguments: [
        // The document's own strings hold escapes.
        #"{\"a\":\"x\\\"y\"}"#, #"{\"a\":\"x\\ny\"}"#, #"{\"a\\u0041\":1}"#, #"[\"\/\"]"#, #"[\"\u00e9\"]"#,
        // A control character in a string, written as an escape of the literal.
        #"[\"x\ny\"]"#,
        // The literal's quote ends the document early, or comes inside a string.
        #"{\"a\":1"#, #"[\"x"#, #"{"#, "",
        // `\\` then a quote: the quote ends the literal, it is no quote of the document.
        #"[1,\\"#, #"\\"#,
        // Escapes between tokens other than white space; a wire-format prefix.
        #"\u0000\u0000\u0000\u0000\u0001{}"#, #"[1\/]"#, #"\u0020[]"#,
        // Invalid documents: the plain parse gives their errors.
        #"{\"a\":1,\"a\":2}"#, #"[1,]"#, #"[01]"#, #"{\"a\" 1}"#, #"[1] x"#,
    ])
    func notTaken(_ content: String) {
        let schema = try! JSONSchema(.bool(true))
        #expect(!Self.compare(schema, content: Array(content.utf8), "\(content)"))
    }

    @Test("non-ASCII UTF-8 is read in place and checked as UTF-8")
    func nonASCII() {
        let schema = try! JSONSchema(parsing: Array(#"{"properties":{"name":{"maxLength":3}}}"#.utf8))
        #expect(Self.compare(schema, content: Array(#"{\"name\":\"Zoë\"}"#.utf8), "valid"))
        #expect(Self.compare(schema, content: Array(#"{\"name\":\"Zoë!\"}"#.utf8), "too long"))
        // Bytes that are not UTF-8 (kcat writes a payload's bytes raw) go to the plain parse.
        #expect(!Self.compare(schema, content: [UInt8](#"{\"name\":\""#.utf8) + [0xC3, 0x28] + Array(#"\"}"#.utf8), "invalid UTF-8"))
    }

    @Test("a literal no longer than the size limit is taken (its document is shorter still); a longer one is left to the plain parse")
    func sizeLimit() {
        let schema = try! JSONSchema(.bool(true))
        let content = Array(#"[\"abc\",1]"#.utf8)
        #expect(Self.compare(schema, content: content, limits: JSONParseLimits(maxBytes: content.count), "at the limit"))
        #expect(!Self.compare(schema, content: content, limits: JSONParseLimits(maxBytes: content.count - 1), "over the limit"))
        #expect(!Self.compare(schema, content: Array(#"[[[1]]]"#.utf8), limits: JSONParseLimits(maxDepth: 2), "too deep"))
    }

    @Test("random damage to literals: whatever is taken checks as its unescaped text does")
    func damagedLiterals() {
        let schema = try! JSONSchema(parsing: Array(#"{"type":"object","properties":{"id":{"type":"string","format":"uuid"},"n":{"maximum":5}},"required":["id"]}"#.utf8),
                                     options: JSONSchemaOptions(formatAssertion: true))
        let seed = Array(#"{\n  \"id\": \"6f1c2a8e-59b4-4e8f-9a55-0c1d2e3f4a5b\",\n  \"n\": [1, 2.5e3, -0.0, true, null, \"zoë\"],\n  \"m\": {}\n}"#.utf8)
        let alphabet = Array(#"\"{}[],: n0.e-tu/"#.utf8) + [0xC3, 0xA9, 0x01]
        var generator = SystemRandomNumberGenerator()
        var taken = 0
        for _ in 0..<20_000 {
            var content = seed
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let at = Int.random(in: 0..<content.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: content[at] = alphabet.randomElement(using: &generator)!
                case 1: content.insert(alphabet.randomElement(using: &generator)!, at: at)
                default: content.remove(at: at)
                }
            }
            if Self.compare(schema, content: content, "\(String(decoding: content, as: UTF8.self))") { taken += 1 }
        }
        // Some damage leaves a valid document (a changed digit, a space): those are taken.
        #expect(taken > 100)
    }
}
