import Foundation
import Testing
import Tollgate
@testable import TollgateRabbitMQ

/// Stops and starts the broker itself, so it runs alone: `scripts/test.sh` runs this suite in a
/// second `swift test` after all the others.
@Suite("RabbitMQ broker restart", .serialized)
struct RabbitMQBrokerRestartTests {
    @Test("rabbitmqctl stop_app / start_app mid-stream: the router reconnects by itself and nothing is lost")
    func brokerRestart() async throws {
        var sawNotReady = false
        _ = try await runWithFault("restart", count: 10_000) { _, router in
            try RabbitMQTestSupport.rabbitmqctl(["stop_app"])
            defer { _ = try? RabbitMQTestSupport.rabbitmqctl(["start_app"]) }
            try await RabbitMQTestSupport.wait(upTo: .seconds(20), "not ready while the broker is down") { !router.isReady }
            sawNotReady = true
            try await Task.sleep(for: .seconds(2))
            try RabbitMQTestSupport.rabbitmqctl(["start_app"])
            try await RabbitMQTestSupport.wait(upTo: .seconds(60), "ready again") { router.isReady }
        }
        #expect(sawNotReady)
    }
}
