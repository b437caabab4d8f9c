import Foundation
import Testing

@testable import TollgateSchema

/// One `tests/<draft>/optional/format/*.json` file of the JSON-Schema-Test-Suite.
struct FormatSuiteFile: CustomTestStringConvertible, Sendable {
    let draft: String
    let url: URL

    var testDescription: String {
        "\(draft)/optional/format/\(url.lastPathComponent)"
    }
}

/// The format test files of the JSON-Schema-Test-Suite, which `SharedFixtures` locates.
enum FormatSuiteLocation {
    static let drafts = ["draft2020-12", "draft2019-09", "draft7", "draft6", "draft4"]

    static func formatDirectory(draft: String) -> URL {
        SharedFixtures.testSuite.appendingPathComponent("tests/\(draft)/optional/format")
    }

    /// Every format test file of every draft, sorted; empty if the suite is missing.
    static func files() -> [FormatSuiteFile] {
        drafts.flatMap { draft in
            let directory = formatDirectory(draft: draft)
            return SharedFixtures.jsonFiles(in: directory).map {
                FormatSuiteFile(draft: draft, url: directory.appendingPathComponent($0))
            }
        }
    }
}

@Suite("JSON-Schema-Test-Suite optional/format")
struct FormatSuiteTests {
    /// The regex format is delegated to ECMARegex, which dev builds of this component stub out.
    static var checksRegex: Bool {
        #if TOLLGATE_FORMAT_DEV_STUB_REGEX
        false
        #else
        true
        #endif
    }

    @Test("the suite is present for every draft", arguments: FormatSuiteLocation.drafts)
    func suiteIsPresent(draft: String) {
        let count = FormatSuiteLocation.files().filter { $0.draft == draft }.count
        #expect(count > 0, "no format tests in \(FormatSuiteLocation.formatDirectory(draft: draft).path)")
    }

    @Test("string instances get the suite's verdict", arguments: FormatSuiteLocation.files())
    func file(_ file: FormatSuiteFile) throws {
        let data = try Data(contentsOf: file.url)
        let groups = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        for group in groups {
            let groupDescription = group["description"] as? String ?? "?"
            guard let schema = group["schema"] as? [String: Any],
                  let name = schema["format"] as? String,
                  let format = JSONSchemaFormat(rawValue: name),
                  format != .regex || Self.checksRegex
            else {
                continue
            }
            for test in group["tests"] as? [[String: Any]] ?? [] {
                // Non-strings are ignored by the validator before it asks for a format.
                guard let instance = test["data"] as? String, let expected = test["valid"] as? Bool else {
                    continue
                }
                let testDescription = test["description"] as? String ?? "?"
                #expect(
                    format.isValid(instance) == expected,
                    """
                    \(file.testDescription), case "\(groupDescription)", test "\(testDescription)": \
                    format \(name) of \(instance.debugDescription) should be \(expected ? "valid" : "invalid")
                    """
                )
            }
        }
    }
}
