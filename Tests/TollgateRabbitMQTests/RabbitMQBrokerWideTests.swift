import Foundation
import Testing
import Tollgate
@testable import TollgateRabbitMQ

/// Faults that hit the whole broker (stop_app, close_all_connections), so they run alone:
/// `scripts/test.sh` runs this suite in a second `swift test`, after all the others.
@Suite("RabbitMQ broker-wide faults", .serialized)
struct RabbitMQBrokerWideTests {
    @Test("rabbitmqctl stop_app / start_app mid-stream: the router reconnects by itself and nothing is lost")
    func brokerRestart() async throws {
        var sawNotReady = false
        _ = try await runWithFault("restart", count: 10_000) { _, router in
            try RabbitMQTestSupport.rabbitmqctl(["stop_app"])
            defer { _ = try? RabbitMQTestSupport.rabbitmqctl(["start_app"]) }
            try await RabbitMQTestSupport.wait(upTo: .seconds(60), "not ready while the broker is down") { !router.isReady }
            // What /readyz says: the broker it cannot reach, the password hidden.
            let reason = router.notReadyReason ?? ""
            #expect(reason.hasPrefix("not connected to amqp") && !reason.contains(":guest@"), "\(reason)")
            sawNotReady = true
            try await Task.sleep(for: .seconds(2))
            try RabbitMQTestSupport.rabbitmqctl(["start_app"])
            try await RabbitMQTestSupport.wait(upTo: .seconds(180), "ready again") { router.isReady }
        }
        #expect(sawNotReady)
    }

    @Test("every connection force-closed mid-stream (rabbitmqctl close_all_connections): nothing is lost")
    func connectionsClosed() async throws {
        _ = try await runWithFault("close-all", count: 40_000) { _, router in
            let before = router.statistics.reconnections
            try RabbitMQTestSupport.rabbitmqctl(["close_all_connections", "tollgate test: forced close"])
            try await RabbitMQTestSupport.wait(upTo: .seconds(120), "reconnected") { router.statistics.reconnections > before && router.isReady }
        }
    }
}
