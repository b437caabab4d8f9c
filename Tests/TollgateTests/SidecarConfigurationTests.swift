import Foundation
import Testing
import Tollgate

@Suite("Sidecar configuration")
struct SidecarConfigurationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("deploy/tollgate.yaml: every documented key is read, and its pipeline builds")
    func example() throws {
        let configuration = try SidecarConfiguration.load(file: Self.root.appendingPathComponent("deploy/tollgate.yaml").path)
        guard case .kafka(let kafka) = configuration.source else { Issue.record("not a Kafka source"); return }
        #expect(kafka.brokers == "localhost:9092" && kafka.topics == ["orders"] && kafka.group == "tollgate-orders")
        #expect(kafka.properties == ["client.id": "tollgate-orders"])
        #expect(kafka.consumerProperties == ["session.timeout.ms": "10000"])
        #expect(configuration.approvedRoute == "orders.approved" && configuration.quarantineRoute == "orders.quarantine")
        #expect(configuration.guarantee == .atLeastOnce && configuration.maxInFlight == 100_000)
        #expect(configuration.quarantine.errorsCapBytes == 4096 && configuration.shutdownTimeout == .seconds(30))
        let pipeline = try configuration.pipeline.makePipeline()
        #expect(pipeline.bindings.first?.subject == "orders")
        #expect(pipeline.rules.first?.enforcement == .shadow)
    }

    @Test("deploy/tollgate-mock.yaml: a mock cluster preloaded with the sample capture, paths relative to the file")
    func mockExample() throws {
        let configuration = try SidecarConfiguration.load(file: Self.root.appendingPathComponent("deploy/tollgate-mock.yaml").path)
        guard case .kafka(let kafka) = configuration.source else { Issue.record("not a Kafka source"); return }
        #expect(kafka.usesMockCluster && kafka.mockPartitions == 4)
        #expect(kafka.mockPreload.count == 1 && kafka.mockPreload[0].hasSuffix("deploy/samples/orders-capture.jsonl"))
        #expect(FileManager.default.fileExists(atPath: kafka.mockPreload[0]))
    }

    @Test("defaults, a single topic as a string, and mock brokers")
    func defaults() throws {
        let configuration = try SidecarConfiguration.parse(yaml: """
            source: {kafka: {brokers: mock, topics: orders}}
            routes: {approved: a, quarantine: q}
            """, file: "t.yaml")
        guard case .kafka(let kafka) = configuration.source else { Issue.record("not a Kafka source"); return }
        #expect(kafka.topics == ["orders"] && kafka.group == "tollgate" && kafka.usesMockCluster)
        #expect(configuration.guarantee == .atLeastOnce && configuration.maxInFlight == 100_000)
        #expect(configuration.shutdownTimeout == .seconds(30))
    }

    @Test("mistakes name the file, the line and the key", arguments: [
        ("routes: {approved: a, quarantine: q}\n", "'source' is missing"),
        ("source: {kafka: {brokers: b, topics: [t]}}\n", "'routes' needs both"),
        ("source: {kafka: {brokers: b, topics: [t]}}\nroutes: {approved: a, quarantine: a}\n", "must differ"),
        ("source: {kafka: {brokers: b, topics: [t]}}\nroutes: {approved: t, quarantine: q}\n", "loop forever"),
        ("source: {kafka: {topics: [t]}}\nroutes: {approved: a, quarantine: q}\n", "'source.kafka.brokers' is missing"),
        ("source: {kafka: {brokers: b, topics: []}}\nroutes: {approved: a, quarantine: q}\n", "'source.kafka.topics' is missing or empty"),
        ("source: {rabbit: {}}\n", "unknown key 'source.rabbit'"),
        ("source: {kafka: {brokers: b, topics: [t]}}\nroutes: {approved: a, quarantine: q}\nguarantee: twice\n", "at-least-once or exactly-once"),
        ("source: {kafka: {brokers: b, topics: [t]}}\nroutes: {approved: a, quarantine: q}\nmaxInFlight: 0\n", "maxInFlight"),
        ("source: {kafka: {brokers: b, topics: [t]}}\nroutes: {approved: a, quarantine: q}\nbindingz: []\n", "unknown key 'bindingz'"),
        ("source: {kafka: {brokers: b, topics: [t], mock: {partitions: 2}}}\nroutes: {approved: a, quarantine: q}\n", "only with 'brokers: mock'"),
    ])
    func mistakes(yaml: String, expected: String) {
        #expect {
            try SidecarConfiguration.parse(yaml: yaml, file: "t.yaml")
        } throws: { error in
            "\(error)".contains(expected) && "\(error)".contains("t.yaml")
        }
    }
}
