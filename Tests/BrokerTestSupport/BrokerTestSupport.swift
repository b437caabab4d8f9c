import Foundation
import Tollgate

/// What the broker adapters' test suites share: the test-support enums of TollgateKafkaTests and
/// TollgateRabbitMQTests conform, and get these helpers.
public protocol BrokerTestSupport {}

/// A condition awaited in a test did not come in time.
public struct TimedOut: Error, CustomStringConvertible {
    public let description: String
}

extension BrokerTestSupport {
    /// Waits until `condition` holds, checking every 20 ms, without blocking a thread.
    public static func wait(upTo timeout: Duration, _ what: String, until condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try !condition() {
            guard ContinuousClock.now < deadline else { throw TimedOut(description: "timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// A schema directory with one subject, `events`, version 1: `{"id": string, "n": integer >= 0}`.
    public static func eventsPipeline() throws -> Pipeline {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-events-\(UUID().uuidString)")
        let subject = directory.appendingPathComponent("events")
        try FileManager.default.createDirectory(at: subject, withIntermediateDirectories: true)
        try Data(#"{"type": "object", "required": ["id", "n"], "properties": {"id": {"type": "string"}, "n": {"type": "integer", "minimum": 0}}}"#.utf8)
            .write(to: subject.appendingPathComponent("1.json"))
        let registry = try SchemaRegistry.load(directory: directory.path)
        try? FileManager.default.removeItem(at: directory)
        return try Pipeline(registry: registry, bindings: [Binding(source: "*", subject: "events")])
    }
}
