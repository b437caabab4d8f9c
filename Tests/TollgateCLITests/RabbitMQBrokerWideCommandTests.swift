import Foundation
import Testing

/// Stops the whole RabbitMQ broker, so it runs alone: its name matches the `RabbitMQBrokerWide`
/// filter of the second `swift test` in scripts/test.sh.
@Suite("tollgate run with RabbitMQ stopped and started (broker-wide)", .serialized)
struct RabbitMQBrokerWideCommandTests {
    typealias Child = KafkaRunCommandTests.Child

    @Test("/readyz turns 503 naming the broker, password hidden, while RabbitMQ is stopped; /healthz stays 200; /readyz is 200 again once it is back")
    func readiness() throws {
        let sandbox = try TollgateSandbox()
        let prefix = "tollgate-cli.ready.\(UUID().uuidString.prefix(8))"
        defer { RabbitMQRunCommandTests.cleanUp(prefix) }
        try sandbox.write("schemas/events/1.json", RabbitMQRunCommandTests.schema)
        try sandbox.write("tollgate.yaml", RabbitMQRunCommandTests.configuration(prefix))
        let run = try Child(try TollgateBinary.url(), ["run", "--config", "tollgate.yaml", "--status-interval", "0"], in: sandbox.directory, name: "run")
        let base = try OperationsCommandTests.endpoint(of: run)
        try KafkaRunCommandTests.waitFor("ready", seconds: 60) { try OperationsCommandTests.get(base + "/readyz").status == 200 }

        _ = try RabbitMQRunCommandTests.tool("rabbitmqctl", ["stop_app"])
        defer { _ = try? RabbitMQRunCommandTests.tool("rabbitmqctl", ["start_app"]) }
        var down = OperationsCommandTests.HTTPAnswer(status: 0, contentType: "", body: "")
        try KafkaRunCommandTests.waitFor("not ready while the broker is stopped", seconds: 60) {
            down = try OperationsCommandTests.get(base + "/readyz")
            return down.status == 503
        }
        #expect(down.body.hasPrefix("not ready: not connected to amqp://") && down.body.contains(":***@"), "\(down.body)")
        #expect(!down.body.contains(":guest@"), "the password is hidden")
        #expect(try OperationsCommandTests.get(base + "/healthz").status == 200)

        _ = try RabbitMQRunCommandTests.tool("rabbitmqctl", ["start_app"])
        try KafkaRunCommandTests.waitFor("ready again once the broker is back", seconds: 180) {
            try OperationsCommandTests.get(base + "/readyz").status == 200
        }
        let samples = try OperationsCommandTests.parsePrometheus(try OperationsCommandTests.get(base + "/metrics").body)
        #expect(OperationsCommandTests.sum(samples, "tollgate_reconnections_total", where: ["broker": "rabbitmq"]) >= 1)
        #expect(OperationsCommandTests.sum(samples, "tollgate_ready") == 1)

        run.process.terminate()
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "\(run.errors)")
    }
}
