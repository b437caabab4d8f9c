@_exported import Tollgate

/// Replays captured topic traffic from your own tests, so a schema change is tried against real
/// messages before it ships:
///
/// ```swift
/// import Testing
/// import TollgateTesting
///
/// @Test func capturedOrdersStillPass() throws {
///     let report = try TollgateReplay.run("Tests/Fixtures/orders.jsonl", schemas: "schemas", subject: "orders")
///     #expect(report.unmet(.approved) == nil, "\(report.unmet(.approved) ?? "")")
/// }
/// ```
///
/// Paths are relative to the current directory, which `swift test` sets to the package root.
public enum TollgateReplay {
    /// Replays `captures` through the pipeline a configuration file describes (schemas, bindings,
    /// rules, limits).
    public static func run(_ captures: String..., configuration: String) throws -> ReplayReport {
        try Replay.run(captures: captures, pipeline: PipelineConfiguration.load(file: configuration).makePipeline())
    }

    /// Replays `captures` against one subject of a schema directory: against `version`, or else the
    /// version each message's `tollgate-schema` header names, or else the latest.
    public static func run(_ captures: String..., schemas: String, subject: String, version: Int? = nil) throws -> ReplayReport {
        let registry = try SchemaRegistry.load(directory: schemas)
        let selectors: [SchemaSelector] = version.map { [.version($0)] } ?? [.header(SchemaSelector.defaultHeader), .latest]
        let pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "*", subject: subject, selectors: selectors)])
        return try Replay.run(captures: captures, pipeline: pipeline)
    }
}

/// What a replay is expected to show.
public enum ReplayExpectation: Sendable {
    /// Nothing quarantined.
    case approved
    /// Everything quarantined (e.g. a capture of known-bad messages).
    case quarantined
    /// Exactly these quarantine reasons, with these counts.
    case reasons([QuarantineReason: Int])
}

extension ReplayReport {
    /// `nil` when the report meets `expectation`; otherwise what did not, with the quarantined
    /// messages listed, ready to be a test failure's message.
    public func unmet(_ expectation: ReplayExpectation) -> String? {
        var problems: [String] = []
        if !captureErrors.isEmpty { problems.append("\(captureErrors.count) capture lines could not be read") }
        switch expectation {
        case .approved where quarantined > 0:
            problems.append("\(quarantined) of \(total) messages were quarantined, none were expected to be")
        case .quarantined where approved > 0:
            problems.append("\(approved) of \(total) messages were approved, all were expected to be quarantined")
        case .reasons(let expected):
            let actual = Dictionary(uniqueKeysWithValues: byReason.map { ($0.reason, $0.count) })
            let wanted = Dictionary(uniqueKeysWithValues: expected.map { ($0.key.description, $0.value) })
            if actual != wanted {
                problems.append("quarantine reasons were \(actual.sorted { $0.key < $1.key }), expected \(wanted.sorted { $0.key < $1.key })")
            }
        default:
            break
        }
        guard !problems.isEmpty else { return nil }
        return problems.joined(separator: "; ") + "\n" + text()
    }
}
