import Foundation
import Testing
import TollgateSchema
@testable import Tollgate

/// A throw-away directory of files for one test.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = (NSTemporaryDirectory() as NSString).appendingPathComponent("tollgate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `relative`, creating directories.
    func write(_ relative: String, _ text: String) throws {
        let full = (path as NSString).appendingPathComponent(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }

    func file(_ relative: String) -> String { (path as NSString).appendingPathComponent(relative) }
}

enum RepositoryFiles {
    /// The repository root, from this file's path.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var schemas: String { (root as NSString).appendingPathComponent("schemas") }
}

@Suite("Schema registry")
struct SchemaRegistryTests {
    @Test("loads the repository's example schemas")
    func example() throws {
        let registry = try SchemaRegistry.load(directory: RepositoryFiles.schemas)
        let orders = try #require(registry.subject("orders"))
        #expect(orders.versions.map(\.version) == [1, 2, 3])
        #expect(orders.configuration.compatibility == .backward)
        #expect(orders.latest.id == "orders/3")
        #expect(registry.version(subject: "orders", version: 2)?.path.hasSuffix("schemas/orders/2.json") == true)
        let event = Array(#"{"eventId":"0b6d9c0e-6a0f-4d0e-9a55-3c1f1f5b2a01","eventType":"order.created","occurredAt":"2026-11-20T09:15:02Z","order":{"orderId":"ORD-2026-000101","customer":{"customerId":"7e0f6c44-1f2a-4c1d-8a43-2b6f3f1f0a11","email":"ada@example.com"},"currency":"EUR","lines":[{"sku":"KBD-10042","quantity":1,"unitPrice":8900}],"total":8900}}"#.utf8)
        #expect(try orders.version(1)!.schema.isValid(json: event))
        #expect(try orders.version(2)!.schema.isValid(json: event))
        #expect(try !orders.version(3)!.schema.isValid(json: event))   // v3 requires a channel
        // Format assertion is on by default for message schemas.
        let badEmail = Array(String(decoding: event, as: UTF8.self).replacingOccurrences(of: "ada@example.com", with: "ada@").utf8)
        #expect(try !orders.version(1)!.schema.isValid(json: badEmail))
    }

    @Test("references across subjects resolve by relative path and by $id")
    func crossSubject() throws {
        let dir = try TemporaryDirectory()
        try dir.write("money/1.json", #"{"$id": "https://example.com/money/1.json", "type": "integer", "minimum": 0}"#)
        try dir.write("customers/1.json", #"{"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}"#)
        try dir.write("orders/1.json", #"""
            {"type": "object", "properties": {
              "total": {"$ref": "https://example.com/money/1.json"},
              "customer": {"$ref": "../customers/1.json"}}}
            """#)
        let registry = try SchemaRegistry.load(directory: dir.path)
        #expect(registry.subjects.map(\.name) == ["customers", "money", "orders"])
        let orders = try #require(registry.version(subject: "orders", version: 1))
        #expect(try orders.schema.isValid(json: Array(#"{"total": 5, "customer": {"id": "c1"}}"#.utf8)))
        #expect(try !orders.schema.isValid(json: Array(#"{"total": -5}"#.utf8)))
        #expect(try !orders.schema.isValid(json: Array(#"{"customer": {}}"#.utf8)))
    }

    struct BrokenLayout: Sendable, CustomTestStringConvertible {
        let name: String
        let files: [(String, String)]
        let code: TollgateError.Code
        let file: String
        let line: Int?
        let pointer: String?
        let message: String
        var testDescription: String { name }
    }

    static let broken: [BrokenLayout] = [
        BrokenLayout(name: "version that is not a number", files: [("orders/v1.json", "{}")],
                     code: .layout, file: "orders/v1.json", line: nil, pointer: nil, message: "<version>.json"),
        BrokenLayout(name: "version with a leading zero", files: [("orders/01.json", "{}")],
                     code: .layout, file: "orders/01.json", line: nil, pointer: nil, message: "positive version"),
        BrokenLayout(name: "file instead of a subject directory", files: [("orders.json", "{}")],
                     code: .layout, file: "orders.json", line: nil, pointer: nil, message: "subject directory"),
        BrokenLayout(name: "subject without versions", files: [("orders/subject.yaml", "compatibility: full\n")],
                     code: .layout, file: "orders", line: nil, pointer: nil, message: "no schema versions"),
        BrokenLayout(name: "schema that is not JSON", files: [("orders/1.json", "{\n  \"type\": \"object\",\n}\n")],
                     code: .invalidSchema, file: "orders/1.json", line: 3, pointer: nil, message: "not valid JSON"),
        BrokenLayout(name: "schema with a bad keyword", files: [("orders/1.json", #"{"properties": {"id": {"minLength": -1}}}"#)],
                     code: .invalidSchema, file: "orders/1.json", line: nil, pointer: "/properties/id/minLength", message: "non-negative"),
        BrokenLayout(name: "unresolvable reference into another subject",
                     files: [("orders/1.json", #"{"$ref": "../customers/1.json"}"#)],
                     code: .invalidSchema, file: "orders/1.json", line: nil, pointer: "/$ref", message: "cannot resolve"),
        BrokenLayout(name: "unknown key in subject.yaml",
                     files: [("orders/1.json", "{}"), ("orders/subject.yaml", "description: x\ncompatability: full\n")],
                     code: .invalidSubjectConfiguration, file: "orders/subject.yaml", line: 2, pointer: nil, message: "unknown key 'compatability'"),
        BrokenLayout(name: "unknown compatibility mode",
                     files: [("orders/1.json", "{}"), ("orders/subject.yaml", "compatibility: sideways\n")],
                     code: .invalidSubjectConfiguration, file: "orders/subject.yaml", line: 1, pointer: nil, message: "not one of"),
        BrokenLayout(name: "subject.yaml that is not YAML",
                     files: [("orders/1.json", "{}"), ("orders/subject.yaml", "compatibility: [full\n")],
                     code: .invalidSubjectConfiguration, file: "orders/subject.yaml", line: 2, pointer: nil, message: "not valid YAML"),
    ]

    @Test("start-up fails with the file and the line or pointer at fault", arguments: broken)
    func brokenLayouts(_ case_: BrokenLayout) throws {
        let dir = try TemporaryDirectory()
        for (path, text) in case_.files { try dir.write(path, text) }
        do {
            _ = try SchemaRegistry.load(directory: dir.path)
            Issue.record("\(case_.name): loaded")
        } catch {
            #expect(error.code == case_.code, "\(error)")
            #expect(error.file == dir.file(case_.file), "\(error)")
            if let line = case_.line { #expect(error.line == line, "\(error)") }
            if let pointer = case_.pointer { #expect(error.pointer == pointer, "\(error)") }
            #expect(error.message.contains(case_.message), "\(error)")
        }
    }

    @Test("a missing schema directory is an error")
    func missingDirectory() {
        #expect(throws: TollgateError.self) { try SchemaRegistry.load(directory: "/nonexistent/schemas") }
    }

    @Test("subject.yaml settings: mode, draft and format assertion")
    func subjectSettings() throws {
        let dir = try TemporaryDirectory()
        try dir.write("events/1.json", #"{"properties": {"at": {"format": "date-time"}, "n": {"maximum": 5, "exclusiveMaximum": true}}}"#)
        try dir.write("events/subject.yaml", "compatibility: FULL_TRANSITIVE\nformatAssertion: false\ndraft: draft-04\n")
        let registry = try SchemaRegistry.load(directory: dir.path)
        let events = try #require(registry.subject("events"))
        #expect(events.configuration.compatibility == .fullTransitive)
        #expect(events.configuration.compatibility.isTransitive)
        let schema = events.latest.schema
        #expect(try schema.isValid(json: Array(#"{"at": "yesterday"}"#.utf8)))   // format not asserted
        #expect(try !schema.isValid(json: Array(#"{"n": 5}"#.utf8)))             // draft 4 exclusiveMaximum
    }
}
