import Testing
@testable import TollgateSchema

/// The compatibility check against real validation: every pair of schemas in a file of the official
/// JSON-Schema-Test-Suite is compared, and every instance of that file is validated under both. When
/// the check reports no backward break, no instance may be valid under the old schema and invalid
/// under the new one; likewise forward. Structural checks may over-report, never miss what the
/// instances show.
@Suite("Schema compatibility against the JSON-Schema-Test-Suite")
struct SchemaCompatibilitySuiteTests {
    static let files = SuiteFile.required.filter { $0.directory == "draft2020-12" || $0.directory == "draft7" }

    /// Remote references of the suite, with JSON Pointer fragments.
    static func resolve(_ uri: String) -> JSONValue? {
        let reference = URIReference(uri)
        guard let document = SuiteRemotes.store.document(for: reference.withoutFragment.description) else { return nil }
        let fragment = URIReference.percentDecode(reference.fragment ?? "")
        guard !fragment.isEmpty else { return document }
        return JSONPointer.tokens(fragment).flatMap { document.value(at: $0) }
    }

    @Test("no break the instances show goes unreported", arguments: files)
    func pairs(_ file: SuiteFile) throws {
        let cases = try JSONValue(parsing: try SharedFixtures.read(file.url), limits: JSONParseLimits(maxDepth: 10_000)).arrayValue ?? []
        var schemas: [(value: JSONValue, compiled: JSONSchema)] = []
        var instances: [JSONValue] = []
        for testCase in cases {
            guard var schema = testCase["schema"] else { continue }
            // The checker reads the draft from `$schema`, as a registry would.
            if case .object(var object) = schema, object["$schema"] == nil {
                object["$schema"] = .string(file.draft.metaSchemaURI)
                schema = .object(object)
            }
            if let compiled = try? JSONSchema(schema, store: SuiteRemotes.store, options: JSONSchemaOptions(defaultDraft: file.draft)) {
                schemas.append((schema, compiled))
            }
            instances += (testCase["tests"]?.arrayValue ?? []).compactMap { $0["data"] }
        }
        let verdicts = schemas.map { schema in instances.map { schema.compiled.validate($0).isValid } }
        for (i, old) in schemas.enumerated() {
            for (j, new) in schemas.enumerated() {
                let findings = SchemaCompatibility.compare(old: old.value, new: new.value, oldURI: "http://localhost:1234/old.json",
                                                           newURI: "http://localhost:1234/new.json", resolve: Self.resolve)
                if i == j {
                    #expect(findings.isEmpty, "\(file.testDescription): a schema differs from itself: \(old.value)\n\(findings)")
                }
                let backward = !findings.contains { $0.breaks(.backward) }
                let forward = !findings.contains { $0.breaks(.forward) }
                for (k, instance) in instances.enumerated() {
                    let missed = backward && verdicts[i][k] && !verdicts[j][k] ? "backward" : forward && verdicts[j][k] && !verdicts[i][k] ? "forward" : nil
                    guard let missed else { continue }
                    Issue.record("\(file.testDescription): \(missed) break not reported\nold: \(old.value)\nnew: \(new.value)\ninstance: \(instance)\nfindings: \(findings)")
                    break
                }
            }
        }
    }
}
