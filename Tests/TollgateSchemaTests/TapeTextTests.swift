import Foundation
import Testing
@testable import TollgateSchema

/// Error messages quote instances written straight from the tape; the text must be the instance's
/// `JSONValue` serialization, however much of it is written.
@Suite("Instance text from the tape")
struct TapeTextTests {
    @Test("every draft 2020-12 suite instance is written as its JSON value serializes, and cut only past the limit")
    func suiteInstances() throws {
        var checked = 0
        for file in SuiteFile.required where file.directory == "draft2020-12" {
            let document = try JSONDocument(parsing: try SharedFixtures.read(file.url), limits: JSONParseLimits(maxDepth: 10_000))
            for caseIndex in document.elementIndices(0) {
                for testIndex in document.memberIndex(caseIndex, "tests").map(document.elementIndices) ?? [] {
                    guard let dataIndex = document.memberIndex(testIndex, "data") else { continue }
                    let full = document.value(at: dataIndex).serializedBytes()
                    document.withView { view in
                        var all: [UInt8] = []
                        #expect(view.writeCompact(dataIndex, to: &all, limit: .max))
                        #expect(all == full, "\(String(decoding: full, as: UTF8.self))")
                        for limit in [0, 5, 20] {
                            var part: [UInt8] = []
                            let finished = view.writeCompact(dataIndex, to: &part, limit: limit)
                            #expect(finished == (full.count <= limit))
                            #expect(full.starts(with: part))
                        }
                    }
                    checked += 1
                }
            }
        }
        #expect(checked > 1000)
    }

    struct LargeText: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        var testDescription: String { name }
    }

    @Test("a large instance is quoted in a message as its serialization shortened, wide characters included", arguments: [
        LargeText(name: "5,000 ASCII", text: String(repeating: "a", count: 5000)),
        LargeText(name: "3,000 two-byte", text: String(repeating: "é", count: 3000)),
        LargeText(name: "400 combining pairs", text: String(repeating: "e\u{301}", count: 400)),
        LargeText(name: "100 family emoji", text: String(repeating: "👩‍👩‍👧‍👦", count: 100)),
        LargeText(name: "short", text: "short"),
    ])
    func largeInstances(_ large: LargeText) throws {
        let schema = try JSONSchema(parsing: Array(#"{"const": 1}"#.utf8))
        let object = JSONValue.object(JSONObject([("a", .string(large.text)), ("b", .number(JSONNumber(1)))]))
        for value in [object, .array([.string(large.text)]), .string(large.text)] {
            let result = try schema.validate(json: value.serializedBytes())
            #expect(result.errors.first?.message == JSONValue.shortText(value) + " is not the constant 1")
        }
    }
}
