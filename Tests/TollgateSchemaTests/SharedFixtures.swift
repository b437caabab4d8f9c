import Foundation

/// Locations of the shared fixtures that live beside the repository (`../shared`), never copied into it.
enum SharedFixtures {
    /// The repository root, found from this file's path.
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        // Tests/TollgateSchemaTests/SharedFixtures.swift -> repository root
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// `../shared` next to the repository.
    static let shared: URL = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// The official JSON-Schema-Test-Suite checkout.
    static let testSuite: URL = shared.appendingPathComponent("json-schema-test-suite")

    static func read(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }

    /// Relative paths of the `.json` files under `directory`, sorted, non-recursive.
    static func jsonFiles(in directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }
}
