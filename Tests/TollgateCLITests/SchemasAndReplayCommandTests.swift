import Foundation
import Testing
import TollgateSchema

/// `tollgate schemas list|check` and `tollgate replay`, run as the real executable.
@Suite("tollgate schemas and replay")
struct SchemasAndReplayCommandTests {
    /// The repository root, from this file's path.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func repository(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }

    static let v1 = #"{"type": "object", "additionalProperties": false, "required": ["id"], "properties": {"id": {"type": "string"}, "qty": {"type": "integer", "maximum": 100}}}"#
    static let v2 = #"{"type": "object", "additionalProperties": false, "required": ["id"], "properties": {"id": {"type": "string"}, "qty": {"type": "integer", "maximum": 100}, "note": {"type": "string"}}}"#
    static let v3 = #"{"type": "object", "additionalProperties": false, "required": ["id", "note"], "properties": {"id": {"type": "string"}, "qty": {"type": "integer", "maximum": 10}, "note": {"type": "string", "pattern": "^[a-z]+$"}}}"#

    @Test("--out writes in place: a symlink (like /dev/null, a device) stays what it is")
    func outputWrittenInPlace() throws {
        let sandbox = try TollgateSandbox()
        let root = ReadmeCommandTests.root.path
        try sandbox.write("target.xml", "old")
        let link = sandbox.directory.appendingPathComponent("report.xml").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: sandbox.directory.appendingPathComponent("target.xml").path)
        let run = try sandbox.run(["replay", "\(root)/deploy/samples/orders-capture.jsonl", "--config", "\(root)/deploy/orders-replay.yaml",
                                   "--report", "junit", "--out", "report.xml", "--expect", "any"])
        #expect(run.status == 0, "\(run)")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) != nil, "still a symlink")
        let written = try String(contentsOfFile: sandbox.directory.appendingPathComponent("target.xml").path, encoding: .utf8)
        #expect(written.hasPrefix("<?xml"))
    }

    @Test("schemas check: compatible subjects exit 0 with a summary")
    func checkCompatible() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schemas/items/1.json", Self.v1)
        try sandbox.write("schemas/items/2.json", Self.v2)
        let run = try sandbox.run(["schemas", "check"])
        #expect(run.status == 0, "\(run)")
        #expect(run.lines.first == "items (compatibility: backward, 2 versions)")
        #expect(run.lines.contains("  1 -> 2  compatible (backward)"), "\(run)")
        #expect(run.lines.last == "1 subject, 1 pair checked: all compatible")
    }

    @Test("schemas check: an incompatible pair exits 1 and names each change and the direction it breaks")
    func checkIncompatible() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schemas/items/1.json", Self.v1)
        try sandbox.write("schemas/items/2.json", Self.v2)
        try sandbox.write("schemas/items/3.json", Self.v3)
        let run = try sandbox.run(["schemas", "check"])
        #expect(run.status == 1, "\(run)")
        #expect(run.lines.contains("  2 -> 3  INCOMPATIBLE: 3 changes break backward"), "\(run)")
        #expect(run.lines.contains(#"      /required/1: property "note" became required [breaks backward]"#), "\(run)")
        #expect(run.lines.contains("      /properties/qty/maximum: maximum lowered from 100 to 10 [breaks backward]"), "\(run)")
        #expect(run.lines.contains(#"      /properties/note/pattern: pattern "^[a-z]+$" added [breaks backward]"#), "\(run)")
        #expect(run.lines.contains("      (1 more change breaks only a direction backward does not require; --verbose lists them)"), "\(run)")

        // Under forward, the same versions: 1 -> 2 breaks (a property added to a closed object).
        try sandbox.write("schemas/items/subject.yaml", "compatibility: forward\n")
        let forward = try sandbox.run(["schemas", "check", "--output", "json"])
        #expect(forward.status == 1, "\(forward)")
        let pairs = try forward.jsonLines()
        #expect(pairs.map { $0["compatible"] } == [.bool(false), .bool(true)])
        let finding = try #require(pairs[0]["findings"]?.arrayValue?.first)
        #expect(finding["breaks"] == .array([.string("forward")]))
        #expect(finding["enforced"] == .bool(true))
        #expect(finding["schema"] == .string("new"))
    }

    @Test("schemas check: --strict counts changes that cannot be judged; none checks nothing")
    func strictAndNone() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schemas/names/1.json", #"{"type": "string", "pattern": "^[a-z]+$"}"#)
        try sandbox.write("schemas/names/2.json", #"{"type": "string", "pattern": "^[a-z0-9]+$"}"#)
        let lenient = try sandbox.run(["schemas", "check"])
        #expect(lenient.status == 0, "\(lenient)")
        #expect(lenient.lines.contains("  1 -> 2  compatible as far as can be judged; 1 change cannot be judged statically"), "\(lenient)")
        let strict = try sandbox.run(["schemas", "check", "--strict"])
        #expect(strict.status == 1, "\(strict)")
        try sandbox.write("schemas/names/subject.yaml", "compatibility: none\n")
        let none = try sandbox.run(["schemas", "check", "--strict"])
        #expect(none.status == 0, "\(none)")
        #expect(none.lines.contains("  not checked: compatibility is none"), "\(none)")
    }

    @Test("schemas check and list: a broken schema or unknown subject exits 2 naming it")
    func errors() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("schemas/items/1.json", ##"{"type": "object", "properties": {"id": {"$ref": "#/$defs/missing"}}}"##)
        for command in [["schemas", "check"], ["schemas", "list"]] {
            let run = try sandbox.run(command)
            #expect(run.status == 2, "\(run)")
            #expect(run.stderr.contains("schemas/items/1.json"), "\(run)")
            #expect(run.stderr.contains("/properties/id/$ref"), "\(run)")
        }
        try sandbox.write("schemas/items/1.json", Self.v1)
        let unknown = try sandbox.run(["schemas", "check", "--subject", "orders"])
        #expect(unknown.status == 2, "\(unknown)")
        #expect(unknown.stderr.contains("no subject 'orders'"), "\(unknown)")
    }

    @Test("schemas list: text and JSON")
    func list() throws {
        let run = try TollgateSandbox().run(["schemas", "list", "--schemas", Self.repository("schemas"), "--output", "json"])
        #expect(run.status == 0, "\(run)")
        let versions = try run.jsonLines()
        #expect(versions.map { $0["version"] } == [1, 2, 3].map { .number(JSONNumber($0)) })
        #expect(versions.allSatisfy { $0["subject"] == .string("orders") && $0["compatibility"] == .string("backward") })
    }

    @Test("replay: the example capture against v2 meets --expect any and fails --expect approved, with a readable report")
    func replayExample() throws {
        let sandbox = try TollgateSandbox()
        let arguments = ["replay", Self.repository("deploy/samples/orders-capture.jsonl"),
                         "--schemas", Self.repository("schemas"), "--subject", "orders", "--version", "2"]
        let strict = try sandbox.run(arguments)
        #expect(strict.status == 1, "\(strict)")
        #expect(strict.stdout.contains("quarantined"), "\(strict)")
        #expect(strict.stdout.contains("orders/2"), "\(strict)")
        let any = try sandbox.run(arguments + ["--expect", "any"])
        #expect(any.status == 0, "\(any)")
        #expect(any.stdout == strict.stdout)

        // JSON reports are byte-identical across runs, and --out writes the same bytes.
        let first = try sandbox.run(arguments + ["--expect", "any", "--report", "json"])
        let second = try sandbox.run(arguments + ["--expect", "any", "--report", "json", "--out", "report.json"])
        #expect(first.status == 0 && second.status == 0, "\(first)\n\(second)")
        let written = try String(contentsOf: sandbox.directory.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(written == first.stdout)
        let report = try JSONValue(parsing: Array(first.stdout.utf8))
        #expect(report["total"] == 12 && report["approved"] == 7 && report["quarantined"] == 5, "\(first)")
    }

    @Test("replay: usage and input errors exit 2")
    func replayErrors() throws {
        let sandbox = try TollgateSandbox()
        let missing = try sandbox.run(["replay", "nope.jsonl", "--schemas", Self.repository("schemas"), "--subject", "orders"])
        #expect(missing.status == 2, "\(missing)")
        #expect(missing.stderr.contains("nope.jsonl"), "\(missing)")
        let noSchemas = try sandbox.run(["replay", Self.repository("deploy/samples/orders-capture.jsonl")])
        #expect(noSchemas.status == 2, "\(noSchemas)")
        let unknownSubject = try sandbox.run(["replay", Self.repository("deploy/samples/orders-capture.jsonl"),
                                              "--schemas", Self.repository("schemas"), "--subject", "payments"])
        #expect(unknownSubject.status == 2, "\(unknownSubject)")
        #expect(unknownSubject.stderr.contains("payments"), "\(unknownSubject)")
    }
}
