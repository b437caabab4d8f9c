import Testing
import TollgateSchema
@testable import Tollgate

/// The registry's compatibility check: which pairs each mode compares, which findings it enforces,
/// and references across subjects. The keyword rules themselves are tested in TollgateSchemaTests.
@Suite("Subject compatibility")
struct SubjectCompatibilityTests {
    /// Three versions: 2 adds an optional property to a closed object (backward compatible, breaks
    /// forward); 3 drops an enum value that version 1 had but 2 did not (2 -> 3 compatible, 1 -> 3 not).
    static func writeStatus(_ dir: TemporaryDirectory, mode: String) throws {
        try dir.write("status/subject.yaml", "compatibility: \(mode)\n")
        try dir.write("status/1.json", #"{"type": "object", "additionalProperties": false, "properties": {"state": {"enum": ["new", "paid", "lost"]}}}"#)
        try dir.write("status/2.json", #"{"type": "object", "additionalProperties": false, "properties": {"state": {"enum": ["new", "paid"]}, "note": {"type": "string"}}}"#)
        try dir.write("status/3.json", #"{"type": "object", "additionalProperties": false, "properties": {"state": {"enum": ["new", "paid"]}, "note": {"type": "string"}}}"#)
    }

    static func pairs(_ mode: String) throws -> [VersionPairCompatibility] {
        let dir = try TemporaryDirectory()
        try writeStatus(dir, mode: mode)
        let registry = try SchemaRegistry.load(directory: dir.path)
        return registry.compatibility(of: try #require(registry.subject("status")))
    }

    @Test("modes map onto directions")
    func directions() {
        #expect(CompatibilityMode.backward.directions == [.backward])
        #expect(CompatibilityMode.forwardTransitive.directions == [.forward])
        #expect(CompatibilityMode.full.directions == [.backward, .forward])
        #expect(CompatibilityMode.none.directions.isEmpty)
    }

    @Test("backward compares consecutive versions and enforces backward breaks only")
    func backward() throws {
        let pairs = try Self.pairs("backward")
        #expect(pairs.map { "\($0.old.version)->\($0.new.version)" } == ["1->2", "2->3"])
        // 1 -> 2 removes "lost" (breaks backward) and adds "note" (breaks forward only).
        #expect(!pairs[0].isCompatible)
        #expect(pairs[0].violations.map(\.change) == [#"enum value "lost" removed"#], "\(pairs[0].findings)")
        #expect(pairs[0].violations.map(\.pointer) == ["/properties/state/enum"])
        #expect(pairs[0].violations.first?.breaks == [.backward])
        #expect(pairs[0].otherFindings.count == 1)
        #expect(pairs[0].otherFindings.first?.change.contains("note") == true, "\(pairs[0].findings)")
        #expect(pairs[1].isCompatible && pairs[1].findings.isEmpty)
    }

    @Test("forward enforces the added property, not the removed enum value")
    func forward() throws {
        let pairs = try Self.pairs("forward")
        #expect(!pairs[0].isCompatible)
        #expect(pairs[0].violations.count == 1 && pairs[0].violations[0].change.contains("note"), "\(pairs[0].findings)")
        #expect(pairs[1].isCompatible)
    }

    @Test("transitive modes check every earlier version; none checks nothing")
    func transitive() throws {
        let pairs = try Self.pairs("full-transitive")
        #expect(pairs.map { "\($0.old.version)->\($0.new.version)" } == ["1->2", "1->3", "2->3"])
        #expect(pairs.map(\.isCompatible) == [false, false, true])
        #expect(try Self.pairs("none").isEmpty)
    }

    @Test("a reference to another subject's file is followed: a changed $ref target is compared")
    func crossSubjectReference() throws {
        let dir = try TemporaryDirectory()
        try dir.write("money/1.json", #"{"type": "integer", "minimum": 0, "maximum": 1000000}"#)
        try dir.write("money/2.json", #"{"type": "integer", "minimum": 0, "maximum": 1000}"#)
        try dir.write("orders/1.json", #"{"properties": {"total": {"$ref": "../money/1.json"}}}"#)
        try dir.write("orders/2.json", #"{"properties": {"total": {"$ref": "../money/1.json"}, "note": true}}"#)
        try dir.write("orders/3.json", #"{"properties": {"total": {"$ref": "../money/2.json"}, "note": true}}"#)
        let registry = try SchemaRegistry.load(directory: dir.path)
        let pairs = registry.compatibility(of: try #require(registry.subject("orders")))
        #expect(pairs[0].findings.isEmpty, "\(pairs[0].findings)")
        #expect(!pairs[1].isCompatible)
        let finding = try #require(pairs[1].violations.first)
        #expect(finding.pointer == "/properties/total/$ref")
        #expect(finding.change.contains("maximum lowered from 1000000 to 1000"), "\(finding)")
    }

    @Test("the example orders subject: 1 -> 2 compatible, 2 -> 3 breaks backward twice")
    func example() throws {
        let registry = try SchemaRegistry.load(directory: RepositoryFiles.schemas)
        let pairs = registry.compatibility(of: try #require(registry.subject("orders")))
        #expect(pairs.count == 2)
        #expect(pairs[0].isCompatible)
        #expect(!pairs[0].otherFindings.isEmpty)   // v2 accepts more: forward would break
        #expect(pairs[1].violations.map(\.pointer) == ["/properties/order/required/5", "/$defs/money/maximum"])
    }
}
