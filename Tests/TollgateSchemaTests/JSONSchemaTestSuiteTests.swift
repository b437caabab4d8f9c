import Foundation
import Testing
@testable import TollgateSchema

/// One file of the official JSON-Schema-Test-Suite (read from `../shared/json-schema-test-suite`).
struct SuiteFile: CustomTestStringConvertible, Sendable {
    let draft: JSONSchemaDraft
    let directory: String       // e.g. "draft2020-12"
    let path: String            // relative to the draft directory, e.g. "optional/format/email.json"

    var testDescription: String { "\(directory)/\(path)" }
    var url: URL { SharedFixtures.testSuite.appendingPathComponent("tests/\(directory)/\(path)") }
    /// The optional format tests expect format assertion.
    var assertsFormats: Bool { path.hasPrefix("optional/format/") }

    static let drafts: [(JSONSchemaDraft, String)] = [
        (.draft2020_12, "draft2020-12"), (.draft2019_09, "draft2019-09"), (.draft7, "draft7"),
        (.draft6, "draft6"), (.draft4, "draft4"),
    ]

    static func files(_ subdirectory: String) -> [SuiteFile] {
        drafts.flatMap { draft, directory in
            let dir = SharedFixtures.testSuite.appendingPathComponent("tests/\(directory)/\(subdirectory)")
            return SharedFixtures.jsonFiles(in: dir).map {
                SuiteFile(draft: draft, directory: directory, path: subdirectory.isEmpty ? $0 : "\(subdirectory)/\($0)")
            }
        }
    }

    static let required = files("")
    static let optionalFormat = files("optional/format")
    static let optional = files("optional")
}

/// The suite's `remotes/` directory, served as `http://localhost:1234/` from a local store.
enum SuiteRemotes {
    static let store: JSONSchemaStore = {
        var store = JSONSchemaStore()
        let root = SharedFixtures.testSuite.appendingPathComponent("remotes")
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "json", let bytes = try? SharedFixtures.read(url) else { continue }
            let relative = url.path.dropFirst(root.path.count + 1)
            try? store.add(parsing: bytes, uri: "http://localhost:1234/\(relative)")
        }
        return store
    }()
}

/// Optional tests this implementation does not pass, with the reason. Required tests have no such list.
let knownOptionalFailures: [String: String] = [:]

@Suite("JSON-Schema-Test-Suite")
struct JSONSchemaTestSuiteTests {
    /// Runs every case and test of `file`, checking the verdict, and that the verdict-only and the
    /// error-collecting evaluations agree.
    static func run(_ file: SuiteFile) throws -> [(String, Comment)] {
        // Test data is validated in place, from the file's own bytes, so its lexical form (`1.0`
        // versus `1`, long integers) reaches the validator unchanged.
        let document = try JSONDocument(parsing: try SharedFixtures.read(file.url), limits: JSONParseLimits(maxDepth: 10_000))
        var failures: [(String, Comment)] = []
        for caseIndex in document.elementIndices(0) {
            let description = document.memberIndex(caseIndex, "description").map { document.value(at: $0).stringValue ?? "?" } ?? "?"
            guard let schemaIndex = document.memberIndex(caseIndex, "schema") else { continue }
            let schemaValue = document.value(at: schemaIndex)
            let options = JSONSchemaOptions(defaultDraft: file.draft, formatAssertion: file.assertsFormats)
            let schema: JSONSchema
            do {
                schema = try JSONSchema(schemaValue, store: SuiteRemotes.store, options: options)
            } catch {
                failures.append((description, "\(file.testDescription) | \(description): schema did not compile: \(error)\nschema: \(schemaValue)"))
                continue
            }
            let validator = schema.makeValidator()
            for testIndex in document.memberIndex(caseIndex, "tests").map(document.elementIndices) ?? [] {
                let testDescription = document.memberIndex(testIndex, "description").map { document.value(at: $0).stringValue ?? "?" } ?? "?"
                guard let dataIndex = document.memberIndex(testIndex, "data") else { continue }
                let expected = document.memberIndex(testIndex, "valid").map { document.value(at: $0).boolValue ?? false } ?? false
                let verdict = schema.isValid(document, at: dataIndex)
                let result = schema.validate(document, at: dataIndex)
                let key = "\(description) | \(testDescription)"
                let data = document.value(at: dataIndex)
                if verdict != expected {
                    failures.append((key, "\(file.testDescription) | \(description) | \(testDescription): expected \(expected ? "valid" : "invalid"), got \(verdict ? "valid" : "invalid")\nschema: \(schemaValue)\ndata: \(data)\nerrors: \(result.errors)"))
                } else if let fromBytes = try? validator.isValid(json: Array(data.serialized().utf8)),
                          fromBytes != (try? schema.isValid(json: Array(data.serialized().utf8))) {
                    failures.append((key, "\(file.testDescription) | \(description) | \(testDescription): the reusable validator and the one-shot path disagree"))
                } else if result.isValid != verdict || result.isValid != result.errors.isEmpty {
                    failures.append((key, "\(file.testDescription) | \(description) | \(testDescription): verdict \(verdict) but the error-collecting evaluation said \(result.isValid) with \(result.errors.count) errors"))
                }
            }
        }
        return failures
    }

    @Test("the suite is present beside the repository, so the parameterised tests cannot pass empty")
    func suiteIsPresent() {
        #expect(SuiteFile.required.count >= 190, "found \(SuiteFile.required.count) required test files under \(SharedFixtures.testSuite.path)")
        #expect(SuiteFile.optionalFormat.count >= 70)
        for (_, directory) in SuiteFile.drafts {
            #expect(SuiteFile.required.contains { $0.directory == directory }, "no tests for \(directory)")
        }
    }

    @Test("required tests", arguments: SuiteFile.required)
    func required(_ file: SuiteFile) throws {
        for (_, comment) in try Self.run(file) {
            Issue.record(comment)
        }
    }

    @Test("optional format tests, with format assertion", arguments: SuiteFile.optionalFormat)
    func optionalFormat(_ file: SuiteFile) throws {
        for (_, comment) in try Self.run(file) {
            Issue.record(comment)
        }
    }

    @Test("other optional tests", arguments: SuiteFile.optional)
    func optional(_ file: SuiteFile) throws {
        for (key, comment) in try Self.run(file) {
            if let reason = knownOptionalFailures["\(file.testDescription) | \(key)"] {
                withKnownIssue(Comment(rawValue: reason)) { Issue.record(comment) }
            } else {
                Issue.record(comment)
            }
        }
    }
}
