import Testing
import TollgateTesting

/// The README's example: replay a captured topic from a test, the way a service team would before
/// deploying a schema change. `swift test` runs with the package root as the current directory.
@Suite("Captured orders")
struct CapturedOrdersTests {
    @Test("the captured orders topic against version 2: only the known-bad messages are quarantined")
    func version2() throws {
        let report = try TollgateReplay.run("deploy/samples/orders-capture.jsonl", schemas: "schemas", subject: "orders", version: 2)
        #expect(report.unmet(.reasons([.schemaViolation: 3, .malformedJSON: 2])) == nil, "\(report.unmet(.reasons([.schemaViolation: 3, .malformedJSON: 2])) ?? "")")
    }

    @Test("version 3 would quarantine traffic that version 2 accepts: the incompatible change shows")
    func version3() throws {
        let report = try TollgateReplay.run("deploy/samples/orders-capture.jsonl", schemas: "schemas", subject: "orders", version: 3)
        let unmet = try #require(report.unmet(.approved))
        #expect(unmet.contains("missing required property \"channel\""))
    }
}
