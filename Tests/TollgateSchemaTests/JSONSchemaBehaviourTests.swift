import Foundation
import Testing
@testable import TollgateSchema

/// The engine's promises beyond the official suite: exact numbers, errors as values in a fixed order,
/// compile errors that point at the culprit, patterns that cannot stall, and sharing across tasks.
@Suite("JSON Schema behaviour")
struct JSONSchemaBehaviourTests {
    func schema(_ text: String, _ options: JSONSchemaOptions = JSONSchemaOptions()) throws -> JSONSchema {
        try JSONSchema(parsing: Array(text.utf8), options: options)
    }

    func valid(_ schema: JSONSchema, _ json: String) throws -> Bool {
        let verdict = try schema.isValid(json: Array(json.utf8))
        let full = try schema.validate(json: Array(json.utf8))
        #expect(full.isValid == verdict, "verdict and full validation disagree on \(json)")
        return verdict
    }

    // MARK: Numbers

    @Test("numbers compare by exact value")
    func exactNumbers() throws {
        let money = try schema(#"{"multipleOf": 0.01}"#)
        #expect(try valid(money, "19.99"))
        #expect(try valid(money, "0.07"))
        #expect(try !valid(money, "19.999"))
        let tenth = try schema(#"{"multipleOf": 0.1}"#)
        #expect(try valid(tenth, "0.3"))       // 0.3 / 0.1 is not an integer in binary floating point
        let big = try schema(#"{"enum": [12345678901234567890123456789, 1.0], "minimum": 1}"#)
        #expect(try valid(big, "12345678901234567890123456789"))
        #expect(try !valid(big, "12345678901234567890123456788"))
        #expect(try valid(big, "1"))            // 1 equals 1.0
        #expect(try valid(big, "10e-1"))
        let bound = try schema(#"{"maximum": 9007199254740993}"#)  // not representable as a Double
        #expect(try valid(bound, "9007199254740993"))
        #expect(try !valid(bound, "9007199254740994"))
        let exclusive = try schema(#"{"exclusiveMinimum": 0.5, "exclusiveMaximum": 2.5}"#)
        #expect(try valid(exclusive, "1"))
        #expect(try valid(exclusive, "2"))
        #expect(try !valid(exclusive, "0.5"))
        #expect(try !valid(exclusive, "3"))
        #expect(try valid(exclusive, "0.50000000000000000001"))
        let huge = try schema(#"{"type": "integer", "multipleOf": 3}"#)
        #expect(try valid(huge, "3e300"))
        #expect(try !valid(huge, "1e300"))
        let unique = try schema(#"{"uniqueItems": true}"#)
        #expect(try !valid(unique, "[1, 1.0]"))
        #expect(try !valid(unique, #"[{"a": 1, "b": 2}, {"b": 2, "a": 1.0}]"#))
        #expect(try valid(unique, #"[{"a": 1}, {"a": 2}, "1", 1, true, null]"#))
    }

    @Test("JSONNumber arithmetic")
    func numberArithmetic() throws {
        let n = try #require(JSONNumber("123.4500"))
        #expect(n == JSONNumber("1.2345e2"))
        #expect(n.description == "123.45")
        #expect(JSONNumber("-0") == .zero)
        #expect(try #require(JSONNumber("0.3")).isMultiple(of: try #require(JSONNumber("0.1"))))
        #expect(try #require(JSONNumber("1e100000")).isMultiple(of: try #require(JSONNumber("7"))) == false)
        #expect(try #require(JSONNumber("7e100000")).isMultiple(of: try #require(JSONNumber("7"))))
        #expect(JSONNumber("1e100001") == nil)
        #expect(JSONNumber("01") == nil)
        #expect(try #require(JSONNumber("-2.5")) < #require(JSONNumber("-2.4")))
        #expect(try #require(JSONNumber("99999999999999999999")) > #require(JSONNumber("9999999999999999999.9")))
    }

    // MARK: Results

    static let orderSchema = #"""
    {"type": "object", "required": ["id", "lines"], "additionalProperties": false,
     "properties": {
       "id": {"type": "string", "pattern": "^ORD-[0-9]+$"},
       "lines": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/line"}},
       "note": {"type": "string", "maxLength": 5}},
     "$defs": {"line": {"type": "object", "required": ["qty"], "properties": {"qty": {"type": "integer", "minimum": 1}}}}}
    """#

    @Test("absolute keyword locations percent-encode what a URI fragment cannot hold")
    func fragmentEncoding() throws {
        let s = try JSONSchema(parsing: Array(#"{"properties": {"a b%é\"~/": {"type": "string"}, "ok-._~!$&'()*+,;=:@?": {"type": "string"}}}"#.utf8),
                               uri: "https://example.com/s.json")
        let errors = try s.validate(json: Array(#"{"a b%é\"~/": 1, "ok-._~!$&'()*+,;=:@?": 2}"#.utf8)).errors
        #expect(errors.map(\.absoluteKeywordLocation) == [
            "https://example.com/s.json#/properties/a%20b%25%C3%A9%22~0~1/type",
            "https://example.com/s.json#/properties/ok-._~0!$&'()*+,;=:@?/type",
        ])
        #expect(errors.map(\.keywordLocation) == [#"/properties/a b%é"~0~1/type"#, "/properties/ok-._~0!$&'()*+,;=:@?/type"])
        #expect(errors.map(\.instanceLocation) == [#"/a b%é"~0~1"#, "/ok-._~0!$&'()*+,;=:@?"])
        #expect(JSONPointer.escape("a/b~é😀") == "a~1b~0é😀")
        #expect(JSONPointer.make(["a/b", "~", "plain"]) == "/a~1b/~0/plain")
    }

    @Test("errors are values with instance, keyword and absolute locations, in evaluation order")
    func errorOrder() throws {
        let s = try JSONSchema(parsing: Array(Self.orderSchema.utf8), uri: "https://example.com/order.json")
        let document = #"{"id": "X-1", "lines": [{"qty": 0}, {}], "extra": true, "note": "too long"}"#
        let result = try s.validate(json: Array(document.utf8))
        #expect(!result.isValid)
        let expected: [(String, String, String)] = [
            ("/id", "/properties/id/pattern", "https://example.com/order.json#/properties/id/pattern"),
            ("/lines/0/qty", "/properties/lines/items/$ref/properties/qty/minimum", "https://example.com/order.json#/$defs/line/properties/qty/minimum"),
            ("/lines/1", "/properties/lines/items/$ref/required", "https://example.com/order.json#/$defs/line/required"),
            ("", "/additionalProperties", "https://example.com/order.json#/additionalProperties"),
            ("/note", "/properties/note/maxLength", "https://example.com/order.json#/properties/note/maxLength"),
        ]
        #expect(result.errors.count == expected.count, "\(result.errors)")
        for (error, (instance, keyword, absolute)) in zip(result.errors, expected) {
            #expect(error.instanceLocation == instance)
            #expect(error.keywordLocation == keyword)
            #expect(error.absoluteKeywordLocation == absolute)
            #expect(!error.message.isEmpty)
        }
        #expect(result.errors[3].message.contains("\"extra\""))
        // Deterministic: the same input gives the same result, error for error.
        #expect(try s.validate(json: Array(document.utf8)) == result)
        // Stop at the first error.
        let first = try s.validate(json: Array(document.utf8), stopAtFirstError: true)
        #expect(!first.isValid)
        #expect(first.errors.count == 1)
        #expect(first.errors.first == result.errors.first)
        // The basic output shape as JSON.
        let json = result.jsonValue
        #expect(json["valid"] == false)
        #expect(json["errors"]?.arrayValue?.first?["keywordLocation"] == "/properties/id/pattern")
    }

    // MARK: Compile errors

    struct BadSchema: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let code: SchemaError.Code
        let pointer: String
        var testDescription: String { name }
    }

    static let badSchemas: [BadSchema] = [
        BadSchema(name: "unresolvable $ref", text: ##"{"properties": {"a": {"$ref": "#/$defs/missing"}}}"##,
                  code: .unresolvableReference, pointer: "/properties/a/$ref"),
        BadSchema(name: "$ref to an unloaded document", text: #"{"items": {"$ref": "https://example.com/other.json"}}"#,
                  code: .unresolvableReference, pointer: "/items/$ref"),
        BadSchema(name: "unknown anchor", text: ##"{"$ref": "#nope"}"##, code: .unresolvableReference, pointer: "/$ref"),
        BadSchema(name: "invalid regex", text: #"{"properties": {"a": {"pattern": "^(ab"}}}"#,
                  code: .invalidRegularExpression, pointer: "/properties/a/pattern"),
        BadSchema(name: "invalid patternProperties key", text: #"{"patternProperties": {"[z-a]": {}}}"#,
                  code: .invalidRegularExpression, pointer: "/patternProperties/[z-a]"),
        BadSchema(name: "negative minLength", text: #"{"minLength": -1}"#, code: .invalidKeywordValue, pointer: "/minLength"),
        BadSchema(name: "unknown type", text: #"{"type": "strin"}"#, code: .invalidKeywordValue, pointer: "/type"),
        BadSchema(name: "required not strings", text: #"{"required": [1]}"#, code: .invalidKeywordValue, pointer: "/required"),
        BadSchema(name: "multipleOf zero", text: #"{"multipleOf": 0}"#, code: .invalidKeywordValue, pointer: "/multipleOf"),
        BadSchema(name: "subschema not a schema", text: #"{"properties": {"a": 5}}"#, code: .invalidSchema, pointer: "/properties/a"),
        BadSchema(name: "not JSON", text: #"{"type": }"#, code: .malformedDocument, pointer: ""),
    ]

    @Test("malformed schemas fail to compile with the JSON Pointer of the culprit", arguments: badSchemas)
    func badSchema(_ bad: BadSchema) {
        do {
            _ = try JSONSchema(parsing: Array(bad.text.utf8), uri: "file:///schemas/bad.json")
            Issue.record("\(bad.name) compiled")
        } catch {
            #expect(error.code == bad.code, "\(error)")
            #expect(error.pointer == bad.pointer, "\(error)")
            #expect(error.documentURI == "file:///schemas/bad.json")
            #expect(error.description.hasPrefix("file:///schemas/bad.json#\(bad.pointer): "))
        }
    }

    @Test("an unknown meta-schema is validated as the default draft with a warning, or refused on request")
    func unknownMetaSchema() throws {
        let text = #"{"$schema": "https://example.com/my-meta", "type": "integer"}"#
        let lenient = try JSONSchema(parsing: Array(text.utf8), uri: "file:///schemas/vendor.json",
                                     options: JSONSchemaOptions(defaultDraft: .draft7))
        #expect(try lenient.isValid(json: Array("1".utf8)))
        #expect(try !lenient.isValid(json: Array("1.5".utf8)))
        #expect(lenient.warnings.count == 1)
        #expect(lenient.warnings.first?.pointer == "/$schema")
        #expect(lenient.warnings.first?.message.contains("validating as draft-07") == true, "\(lenient.warnings)")
        do {
            _ = try JSONSchema(parsing: Array(text.utf8), uri: "file:///schemas/vendor.json",
                               options: JSONSchemaOptions(acceptsUnknownMetaSchemas: false))
            Issue.record("an unknown meta-schema compiled with acceptsUnknownMetaSchemas off")
        } catch {
            #expect(error.code == .unknownMetaSchema)
            #expect(error.pointer == "/$schema")
        }
        #expect(try JSONSchema(parsing: Array(#"{"type": "string"}"#.utf8)).warnings.isEmpty)
    }

    @Test("references resolve only from loaded documents, by $id or by retrieval URI")
    func localReferences() throws {
        var store = JSONSchemaStore()
        store.add(["$id": "https://example.com/common/money.json", "type": "integer", "minimum": 0],
                  uri: "file:///schemas/common/money.json")
        store.add(["type": "string", "minLength": 2], uri: "file:///schemas/common/code.json")
        let s = try JSONSchema(["properties": ["amount": ["$ref": "https://example.com/common/money.json"],
                                               "code": ["$ref": "common/code.json"]]],
                               uri: "file:///schemas/order.json", store: store)
        #expect(try valid(s, #"{"amount": 5, "code": "EU"}"#))
        #expect(try !valid(s, #"{"amount": -5}"#))
        #expect(try !valid(s, #"{"code": "E"}"#))
    }

    // MARK: Patterns and formats

    @Test("a catastrophic pattern cannot stall validation")
    func catastrophicPattern() throws {
        let s = try schema(#"{"pattern": "^(a+)+$"}"#)
        let input = "\"" + String(repeating: "a", count: 50_000) + "!\""
        let clock = ContinuousClock()
        var verdict = true
        let elapsed = try clock.measure { verdict = try s.isValid(json: Array(input.utf8)) }
        #expect(!verdict)
        #expect(elapsed < .seconds(1), "took \(elapsed)")
        // A pattern that needs backtracking (a backreference) is bounded by the step limit, and
        // running out of steps is a validation failure with a message, not a hang.
        let backtracking = try schema(#"{"pattern": "^(a+)+\\1$"}"#)
        let result = try backtracking.validate(json: Array(input.utf8))
        #expect(!result.isValid)
        #expect(result.errors.first?.message.contains("backtracking steps") == true, "\(result.errors)")
    }

    @Test("schemas from the wild: punctuation escapes in patterns, the 'latest draft' $schema")
    func wildSchemas() throws {
        let escapes = try schema(#"{"pattern": "^[a-z]+\\-[0-9]+\\_x\\:y$"}"#)
        #expect(try valid(escapes, #""ab-12_x:y""#))
        #expect(try !valid(escapes, #""ab\\-12_x:y""#))
        let latest = try JSONSchema(parsing: Array(#"{"$schema": "http://json-schema.org/schema#", "type": "integer"}"#.utf8),
                                    options: JSONSchemaOptions(defaultDraft: .draft7))
        #expect(try latest.isValid(json: Array("3".utf8)))
        #expect(try !latest.isValid(json: Array("3.5".utf8)))
        do {
            _ = try JSONSchema(parsing: Array(#"{"$schema": "http://json-schema.org/draft-03/schema#"}"#.utf8))
            Issue.record("a draft 3 schema compiled")
        } catch {
            #expect(error.code == .unknownMetaSchema)
            #expect(error.message.contains("draft 3"))
        }
    }

    @Test("format is an annotation unless asserted")
    func formatAssertion() throws {
        let annotation = try schema(#"{"format": "email"}"#)
        #expect(try valid(annotation, #""not an email""#))
        let asserted = try schema(#"{"format": "email"}"#, JSONSchemaOptions(formatAssertion: true))
        #expect(try !valid(asserted, #""not an email""#))
        #expect(try valid(asserted, #""ada@example.com""#))
        #expect(try valid(asserted, "42"))   // formats apply to strings only
    }

    // MARK: Sharing

    @Test("one compiled schema serves many tasks at once")
    func concurrentUse() async throws {
        let s = try JSONSchema(parsing: Array(Self.orderSchema.utf8))
        let good = Array(#"{"id": "ORD-1", "lines": [{"qty": 2}]}"#.utf8)
        let bad = Array(#"{"id": "ORD-1", "lines": []}"#.utf8)
        let counts = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let validator = s.makeValidator()
                    var valid = 0
                    var invalid = 0
                    for i in 0..<2_000 {
                        if try validator.isValid(json: i % 2 == 0 ? good : bad) { valid += 1 } else { invalid += 1 }
                    }
                    return (valid, invalid)
                }
            }
            return try await group.reduce(into: [(Int, Int)]()) { $0.append($1) }
        }
        #expect(counts.count == 8)
        #expect(counts.allSatisfy { $0 == (1_000, 1_000) })
    }

    @Test("a validator reuses its buffers across documents of any size")
    func validatorReuse() throws {
        let s = try schema(#"{"type": "array", "items": {"type": "string"}}"#)
        let validator = s.makeValidator()
        let small = Array(#"["a", "b"]"#.utf8)
        let large = Array(("[" + Array(repeating: "\"x\"", count: 300_000).joined(separator: ",") + "]").utf8)
        #expect(try validator.isValid(json: small))
        #expect(try validator.isValid(json: large))
        #expect(try validator.isValid(json: small))
        #expect(throws: JSONParseError.self) { try validator.isValid(json: Array("[1,".utf8)) }
        #expect(try validator.isValid(json: small))
        #expect(try validator.validate(json: Array("[1]".utf8)).errors.first?.instanceLocation == "/0")
    }

    @Test("one workspace serves several schemas, with the caller's parse limits")
    func sharedWorkspace() throws {
        let strings = try schema(#"{"type": "array", "items": {"type": "string"}}"#)
        let numbers = try schema(#"{"type": "array", "items": {"type": "number"}}"#)
        let workspace = JSONParseWorkspace()
        let texts = Array(#"["a", "b"]"#.utf8)
        let values = Array("[1, 2.5]".utf8)
        #expect(try strings.isValid(json: texts, workspace: workspace))
        #expect(try !numbers.isValid(json: texts, workspace: workspace))
        #expect(try numbers.isValid(json: values, workspace: workspace))
        let errors = try strings.validate(json: values, workspace: workspace).errors
        #expect(errors.map(\.instanceLocation) == ["/0", "/1"])
        #expect(try strings.validate(json: values, stopAtFirstError: true, workspace: workspace).errors.count == 1)
        // check: the verdict, and every error only when invalid.
        #expect(try strings.check(json: texts, workspace: workspace) == ValidationResult(isValid: true, errors: []))
        #expect(try strings.check(json: values, workspace: workspace) == strings.validate(json: values, workspace: workspace))
        // Limits: the caller's, not the schema's.
        let nested = Array("[[[[1]]]]".utf8)
        #expect(throws: JSONParseError.self) {
            try numbers.isValid(json: nested, limits: JSONParseLimits(maxDepth: 3), workspace: workspace)
        }
        #expect(try !numbers.isValid(json: nested, workspace: workspace))
        try workspace.checkSyntax(json: nested)
        do {
            try workspace.checkSyntax(json: Array(#"{"a": }"#.utf8))
            Issue.record("accepted malformed JSON")
        } catch {
            #expect(error.code == .unexpectedCharacter && error.line == 1 && error.column == 7, "\(error)")
        }
    }
}

/// Strings and member names are equal only when their code points are: Swift's `String ==` treats
/// canonically equivalent strings ("é" and "e\u{301}") as equal, JSON Schema does not.
@Suite("Code point equality")
struct CodePointEqualityTests {
    let precomposed = "\u{E9}"        // é
    let decomposed = "e\u{301}"       // e + combining acute accent

    func valid(_ schema: String, _ instance: String) throws -> Bool {
        let s = try JSONSchema(parsing: Array(schema.utf8))
        let verdict = try s.isValid(json: Array(instance.utf8))
        #expect(try s.validate(json: Array(instance.utf8)).isValid == verdict)
        return verdict
    }

    @Test("const, enum and property names distinguish canonically equivalent strings")
    func distinct() throws {
        let p = precomposed, d = decomposed
        #expect(try !valid(#"{"const": {"\#(p)": 1}}"#, #"{"\#(d)": 1}"#))
        #expect(try valid(#"{"const": {"\#(p)": 1}}"#, #"{"\#(p)": 1}"#))
        #expect(try !valid(#"{"enum": [{"\#(p)": 1}]}"#, #"{"\#(d)": 1}"#))
        #expect(try !valid(#"{"const": "\#(p)"}"#, #""\#(d)""#))
        #expect(try !valid(#"{"enum": [["\#(p)"]]}"#, #"["\#(d)"]"#))
        let properties = #"{"properties": {"\#(p)": {"type": "integer"}, "\#(d)": {"type": "string"}}}"#
        #expect(try valid(properties, #"{"\#(p)": 1, "\#(d)": "s"}"#))
        #expect(try !valid(properties, #"{"\#(p)": "s", "\#(d)": 1}"#))
        #expect(try valid(#"{"uniqueItems": true}"#, #"["\#(p)", "\#(d)"]"#))
        #expect(JSONValue.string(p) != JSONValue.string(d))
        #expect(JSONValue.object(JSONObject([(p, 1), (d, 2)])).objectValue?.count == 2)
    }

    @Test("JSON Pointers to canonically equivalent names reach different subschemas")
    func pointers() throws {
        let schema = ##"{"$defs": {"\##(precomposed)": {"type": "integer"}, "\##(decomposed)": {"type": "string"}},"##
            + ##" "properties": {"a": {"$ref": "#/$defs/%C3%A9"}, "b": {"$ref": "#/$defs/e%CC%81"}}}"##
        #expect(try valid(schema, #"{"a": 1, "b": "s"}"#))
        #expect(try !valid(schema, #"{"a": "s"}"#))
        #expect(try !valid(schema, #"{"b": 1}"#))
    }
}
