import Testing
@testable import TollgateSchema

/// A document the parser must reject, and where.
struct MalformedCase: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    let code: JSONParseError.Code
    let line: Int
    let column: Int

    init(_ name: String, _ text: String, _ code: JSONParseError.Code, line: Int = 1, column: Int) {
        self.init(name, Array(text.utf8), code, line: line, column: column)
    }

    init(_ name: String, _ bytes: [UInt8], _ code: JSONParseError.Code, line: Int = 1, column: Int) {
        self.name = name
        self.bytes = bytes
        self.code = code
        self.line = line
        self.column = column
    }

    var testDescription: String { name }
}

@Suite("JSON parser")
struct JSONParserTests {
    static let malformed: [MalformedCase] = [
        MalformedCase("empty", "", .emptyInput, column: 1),
        MalformedCase("whitespace only", "  \n ", .emptyInput, line: 2, column: 2),
        MalformedCase("trailing comma in array", "[1,2,]", .unexpectedCharacter, column: 6),
        MalformedCase("trailing comma in object", "{\"a\":1,}", .unexpectedCharacter, column: 8),
        MalformedCase("missing colon", "{\"a\" 1}", .unexpectedCharacter, column: 6),
        MalformedCase("single quotes", "{'a':1}", .unexpectedCharacter, column: 2),
        MalformedCase("unquoted key", "{a:1}", .unexpectedCharacter, column: 2),
        MalformedCase("comment", "[1 /* x */]", .unexpectedCharacter, column: 4),
        MalformedCase("NaN", "[NaN]", .unexpectedCharacter, column: 2),
        MalformedCase("leading zero", "[012]", .invalidNumber, column: 3),
        MalformedCase("bare minus", "[-]", .unexpectedCharacter, column: 3),
        MalformedCase("fraction without digits", "[1.]", .unexpectedCharacter, column: 4),
        MalformedCase("exponent without digits", "[1e+]", .unexpectedCharacter, column: 5),
        MalformedCase("plus sign", "[+1]", .unexpectedCharacter, column: 2),
        MalformedCase("misspelt literal", "[tru]", .unexpectedCharacter, column: 5),
        MalformedCase("trailing content", "{} x", .trailingContent, column: 4),
        MalformedCase("two values", "1 2", .trailingContent, column: 3),
        MalformedCase("unterminated string", "[\"abc", .invalidString, column: 2),
        MalformedCase("unterminated array", "[1, 2", .unexpectedEnd, column: 6),
        MalformedCase("raw newline in string", "[\"a\nb\"]", .invalidString, column: 4),
        MalformedCase("raw tab in string", "\"a\tb\"", .invalidString, column: 3),
        MalformedCase("bad escape", "[\"\\x41\"]", .invalidString, column: 3),
        MalformedCase("short unicode escape", "\"\\u12\"", .invalidString, column: 4),
        MalformedCase("lone high surrogate", "\"\\uD800\"", .invalidString, column: 2),
        MalformedCase("lone low surrogate", "\"\\uDC00x\"", .invalidString, column: 2),
        MalformedCase("high surrogate then letter", "\"\\uD83Dabc\"", .invalidString, column: 2),
        MalformedCase("error on a later line", "{\n  \"a\": 1,\n  \"b\": ]\n}", .unexpectedCharacter, line: 3, column: 8),
        MalformedCase("column counts characters", "[\"héllo\", x]", .unexpectedCharacter, column: 11),
        MalformedCase("invalid UTF-8 byte", [0x22, 0x61, 0xFF, 0x22], .invalidUTF8, column: 3),
        MalformedCase("Latin-1 é", [0x22, 0xE9, 0x22], .invalidUTF8, column: 2),
        MalformedCase("overlong encoding", [0x22, 0xC0, 0xAF, 0x22], .invalidUTF8, column: 2),
        MalformedCase("encoded surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8, column: 2),
        MalformedCase("beyond U+10FFFF", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8, column: 2),
        MalformedCase("truncated sequence", [0x22, 0xE2, 0x82, 0x22], .invalidUTF8, column: 2),
        MalformedCase("invalid UTF-8 outside a string", [0x5B, 0xC3, 0xA9, 0x5D], .unexpectedCharacter, column: 2),
        MalformedCase("duplicate key", "{\"a\":1,\"b\":2,\"a\":3}", .duplicateKey, column: 14),
        MalformedCase("duplicate key, one escaped", "{\"ab\":1,\"a\\u0062\":2}", .duplicateKey, column: 9),
        MalformedCase("duplicate key in a nested object", "[{\"x\":{\"k\":1,\"k\":2}}]", .duplicateKey, column: 14),
        MalformedCase("number beyond the exponent range", "1e100001", .numberOutOfRange, column: 1),
    ]

    @Test("rejects malformed input with a code and a position", arguments: malformed)
    func rejects(_ c: MalformedCase) {
        do {
            _ = try JSONDocument(parsing: c.bytes)
            Issue.record("\(c.name): parsed, but should fail with \(c.code)")
        } catch {
            #expect(error.code == c.code, "\(c.name): \(error)")
            #expect(error.line == c.line && error.column == c.column, "\(c.name): \(error)")
            #expect(error.description.hasPrefix("line \(c.line), column \(c.column): "))
        }
    }

    @Test("accepts what RFC 8259 allows")
    func accepts() throws {
        let text = """
         {"a": [1, -0, 0.5, -1.5e-3, 1E+2, true, false, null, "", "\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"],
          "nested": {"x": {"y": [[], {}]}}, "é": "ü€😀"}
        """
        let value = try JSONValue(parsing: text)
        #expect(value["a"]?.arrayValue?.count == 10)
        #expect(value["a"]?.arrayValue?[9] == .string("\"\\/\u{08}\u{0C}\n\r\té😀"))
        #expect(value["é"] == .string("ü€😀"))
        #expect(try JSONValue(parsing: " 42 ") == 42)
        #expect(try JSONValue(parsing: "\"top-level string\"") == "top-level string")
    }

    @Test("duplicate detection in objects with many keys, and an option to allow them")
    func manyKeys() throws {
        // 300 distinct keys that share length, first and last byte: the slow path must still be exact.
        var members = (0..<300).map { "\"k\(threeDigits($0))z\":\($0)" }
        _ = try JSONDocument(parsing: "{" + members.joined(separator: ",") + "}")
        members.append("\"k150z\":0")
        #expect(throws: JSONParseError.self) { try JSONDocument(parsing: "{" + members.joined(separator: ",") + "}") }
        let lenient = JSONParseLimits(allowsDuplicateKeys: true)
        _ = try JSONDocument(parsing: "{\"a\":1,\"a\":2}", limits: lenient)
    }

    @Test("10,000-deep nesting fails with a depth error, never a crash")
    func deepNesting() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        do {
            _ = try JSONDocument(parsing: deep)
            Issue.record("10,000-deep nesting parsed under the default depth limit")
        } catch {
            #expect(error.code == .depthLimitExceeded)
            #expect(error.message.contains("128"))
            #expect(error.column == 129)
        }
        // Within a raised limit it parses, iteratively (no recursion to overflow the stack).
        let document = try JSONDocument(parsing: deep, limits: JSONParseLimits(maxDepth: 20_000))
        #expect(document.byteCount == 20_000)
        let objects = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        _ = try JSONDocument(parsing: objects, limits: JSONParseLimits(maxDepth: 10_000))
    }

    @Test("a byte order mark is an error in messages and accepted in schema documents")
    func byteOrderMark() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array(#"{"type": "string"}"#.utf8)
        do {
            _ = try JSONDocument(parsing: bytes)
            Issue.record("a document with a byte order mark parsed under the default limits")
        } catch {
            #expect(error.message.contains("byte order mark"))
            #expect(error.column == 1)
        }
        #expect(try JSONValue(parsing: bytes, limits: .schemaDocuments) == ["type": "string"])
        let schema = try JSONSchema(parsing: bytes)
        #expect(try schema.isValid(json: Array(#""x""#.utf8)))
        // Schema documents may nest deeper than messages.
        let deep = String(repeating: #"{"items":"#, count: 300) + "true" + String(repeating: "}", count: 300)
        _ = try JSONSchema(parsing: Array(deep.utf8))
    }

    @Test("the size limit is checked before parsing")
    func sizeLimit() {
        let limits = JSONParseLimits(maxBytes: 10)
        #expect(throws: JSONParseError.self) { try JSONDocument(parsing: "[1,2,3,4,5,6]", limits: limits) }
        do {
            _ = try JSONDocument(parsing: "[1,2,3,4,5,6]", limits: limits)
        } catch {
            #expect(error.code == .sizeLimitExceeded)
            #expect(error.message.contains("13 bytes"))
        }
    }

    @Test("huge numbers parse exactly or fail clearly")
    func hugeNumbers() throws {
        let big = "98249283749234923498293171823948729348710298301928331"
        let value = try JSONValue(parsing: big)
        #expect(value.numberValue?.description == big)
        #expect(try JSONValue(parsing: "1e100000").numberValue != nil)
        #expect(try JSONValue(parsing: "1.0") == JSONValue(parsing: "1"))
        #expect(try JSONValue(parsing: "100e-2") == JSONValue(parsing: "1"))
        let thousandDigits = String(repeating: "7", count: 1_000)
        let long = try JSONValue(parsing: thousandDigits).numberValue
        #expect(long.map { JSONNumber($0.description) == $0 } == true)
        #expect(long?.digitCount == 1_000)
        do {
            _ = try JSONValue(parsing: "[1e999999999999999999999]")
            Issue.record("an exponent beyond range parsed")
        } catch {
            #expect(error.code == .numberOutOfRange)
            #expect(error.column == 2)
            #expect(error.message.hasPrefix("number 1e999999999999999999999 is outside the supported range"), "\(error)")
        }
    }
}

/// `value` as three digits, zero-padded.
private func threeDigits(_ value: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
}
