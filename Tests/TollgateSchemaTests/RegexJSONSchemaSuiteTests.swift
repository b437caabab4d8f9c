import Foundation
import Testing

@testable import TollgateSchema

/// Runs the regular-expression cases of the JSON-Schema-Test-Suite (read from the shared checkout
/// at run time) through `ECMARegex`: `pattern`, the pattern-matching part of `patternProperties`,
/// and `format: regex` (valid exactly when `ECMARegex(data)` compiles).
@Suite("ECMARegex against JSON-Schema-Test-Suite")
struct RegexJSONSchemaSuiteTests {
    static let files: [String] = {
        let drafts = ["draft2020-12", "draft2019-09", "draft7", "draft6", "draft4"]
        let names = [
            "pattern.json", "patternProperties.json", "optional/ecmascript-regex.json",
            "optional/non-bmp-regex.json", "optional/format/regex.json", "optional/format/ecmascript-regex.json",
        ]
        return drafts.flatMap { draft in names.map { "\(draft)/\($0)" } }
            .filter { FileManager.default.fileExists(atPath: RegexTestSuite.url(of: $0).path) }
    }()

    @Test("the suite files are where the tests expect them")
    func filesExist() {
        #expect(Self.files.count == 26, "found \(Self.files.count) files under \(RegexTestSuite.url(of: "").path)")
    }

    @Test(arguments: files)
    func suiteFile(_ file: String) throws {
        let cases = try RegexTestSuite.load(file)
        var checked = 0
        for testCase in cases {
            for test in testCase.tests {
                let context = "\(file): \"\(testCase.description)\" / \"\(test.description)\""
                guard let verdict = try RegexTestSuite.evaluate(testCase.schema, test.data) else {
                    Issue.record("\(context): schema \(testCase.schema) is not one this test understands")
                    continue
                }
                #expect(verdict == test.valid,
                        "\(context): schema \(testCase.schema), data \(test.data): expected valid=\(test.valid)")
                checked += 1
            }
        }
        #expect(checked > 0, "\(file): no test was checked")
    }
}

/// Loading and evaluating the test-suite files (located through `SharedFixtures`).
enum RegexTestSuite {
    /// `<repository>/../shared/json-schema-test-suite/tests/<relative>`.
    static func url(of relative: String) -> URL {
        SharedFixtures.testSuite.appendingPathComponent("tests").appendingPathComponent(relative)
    }

    struct TestCase: Decodable {
        var description: String
        var schema: RegexSuiteJSON
        var tests: [Test]
    }

    struct Test: Decodable {
        var description: String
        var data: RegexSuiteJSON
        var valid: Bool
    }

    static func load(_ relative: String) throws -> [TestCase] {
        try JSONDecoder().decode([TestCase].self, from: Data(contentsOf: url(of: relative)))
    }

    /// The verdict of `schema` on `data`, or nil for a schema outside the small subset these
    /// files use (pattern, patternProperties with simple subschemas, additionalProperties: false,
    /// type, format: regex).
    static func evaluate(_ schema: RegexSuiteJSON, _ data: RegexSuiteJSON) throws -> Bool? {
        guard case .object(let keywords) = schema else { return nil }
        var valid = true
        for (keyword, value) in keywords {
            switch keyword {
            case "$schema":
                continue
            case "type":
                guard case .string(let type) = value, let matches = data.hasType(type) else { return nil }
                valid = valid && matches
            case "pattern":
                guard case .string(let pattern) = value else { return nil }
                if case .string(let string) = data {
                    let regex = try ECMARegex(pattern)
                    valid = valid && regex.test(string) == .match
                }
            case "format":
                guard value == .string("regex") else { return nil }
                if case .string(let string) = data {
                    valid = valid && (try? ECMARegex(string)) != nil
                }
            case "patternProperties":
                guard case .object(let patterns) = value else { return nil }
                guard case .object(let properties) = data else { continue }
                let additionalAllowed = keywords["additionalProperties"].map { $0 != .bool(false) } ?? true
                for (name, propertyValue) in properties {
                    var matchedAny = false
                    for (pattern, subschema) in patterns where try ECMARegex(pattern).test(name) == .match {
                        matchedAny = true
                        guard let subverdict = evaluateSubschema(subschema, propertyValue) else { return nil }
                        valid = valid && subverdict
                    }
                    if !matchedAny && !additionalAllowed {
                        valid = false
                    }
                }
            case "additionalProperties":
                // Evaluated together with patternProperties; only `false` appears in these files.
                guard value == .bool(false), keywords["patternProperties"] != nil else { return nil }
            default:
                return nil
            }
        }
        return valid
    }

    /// The subschemas under patternProperties in these files: booleans, {}, type and maximum.
    private static func evaluateSubschema(_ schema: RegexSuiteJSON, _ data: RegexSuiteJSON) -> Bool? {
        switch schema {
        case .bool(let value):
            return value
        case .object(let keywords):
            var valid = true
            for (keyword, value) in keywords {
                switch (keyword, value) {
                case ("type", .string(let type)):
                    guard let matches = data.hasType(type) else { return nil }
                    valid = valid && matches
                case ("maximum", .number(let maximum)):
                    if case .number(let number) = data { valid = valid && number <= maximum }
                default:
                    return nil
                }
            }
            return valid
        default:
            return nil
        }
    }
}

/// Just enough JSON for the test-suite files.
enum RegexSuiteJSON: Decodable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([RegexSuiteJSON])
    case object([String: RegexSuiteJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([RegexSuiteJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: RegexSuiteJSON].self))
        }
    }

    /// Whether the value has the JSON Schema type `type`; nil for an unknown type name.
    func hasType(_ type: String) -> Bool? {
        switch (type, self) {
        case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string),
             ("array", .array), ("object", .object):
            return true
        case ("integer", .number(let value)):
            return value.rounded() == value
        case ("null", _), ("boolean", _), ("number", _), ("string", _), ("array", _), ("object", _), ("integer", _):
            return false
        default:
            return nil
        }
    }

    var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return "\(value)"
        case .number(let value): return "\(value)"
        case .string(let value): return "\"\(value.unicodeScalars.map { $0.escaped(asASCII: true) }.joined())\""
        case .array(let values): return "[\(values.map(\.description).joined(separator: ", "))]"
        case .object(let members):
            return "{\(members.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", "))}"
        }
    }
}
