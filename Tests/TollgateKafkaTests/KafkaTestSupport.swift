import Foundation
import Synchronization
import Testing
import BrokerTestSupport
import Tollgate
import TollgateKafka

/// Helpers for tests against librdkafka's mock cluster: produce input, read output back, wait.
enum KafkaTestSupport: BrokerTestSupport {
    /// The routers' telemetry in these tests: metrics as usual, but no log line per quarantined
    /// message (thousands of them would bury the test output); connection events are still logged.
    static let telemetry = RoutingTelemetry(broker: "kafka", quarantineLinesPerSecond: 0)

    struct Input: Sendable {
        var key: [UInt8]?
        var value: [UInt8]
        var headers: [MessageHeader] = []
        var partition: Int32
    }

    /// Produces `inputs` and waits until every one is confirmed. Returns where each landed.
    static func produce(_ inputs: [Input], topic: String, brokers: String) throws -> [KafkaDelivery] {
        let results = Mutex([UInt64: KafkaDelivery]())
        let failures = Mutex([String]())
        let done = DispatchSemaphore(value: 0)
        let producer = try KafkaProducerClient(properties: ["bootstrap.servers": brokers, "enable.idempotence": "true", "linger.ms": "5"]) { token, result in
            switch result {
            case .success(let delivery): results.withLock { $0[token] = delivery }
            case .failure(let error): failures.withLock { $0.append(error.description) }
            }
            done.signal()
        }
        for (index, input) in inputs.enumerated() {
            try producer.produce(topic: topic, key: input.key, value: input.value, headers: input.headers,
                                 partition: input.partition, token: UInt64(index + 1))
        }
        for _ in inputs {
            guard done.wait(timeout: .now() + 30) == .success else { throw KafkaError(message: "produce timed out") }
        }
        let failed = failures.withLock { $0 }
        guard failed.isEmpty else { throw KafkaError(message: "produce failed: \(failed.prefix(3))") }
        return results.withLock { map in (1...inputs.count).map { map[UInt64($0)]! } }
    }

    /// Every record of `topic`, read from the start up to the high watermarks.
    static func readAll(topic: String, brokers: String, timeout: Duration = .seconds(30)) throws -> [KafkaRecord] {
        // `tollgate capture kafka`'s reader: every partition from its low to its high watermark. The
        // mock keeps about 5 MiB per partition and drops older data; records gone that way show up
        // in the callers' checks as missing.
        var records: [KafkaRecord] = []
        let deadline = ContinuousClock.now + timeout
        var timedOut = false
        _ = try KafkaCapture.read(.init(brokers: brokers, topic: topic), shouldStop: {
            timedOut = ContinuousClock.now > deadline
            return timedOut
        }) { records.append($0) }
        if timedOut { throw KafkaError(message: "reading \(topic) timed out after \(records.count) records") }
        return records
    }

    /// What kind of message input `index` is, cycling through every outcome.
    enum Kind: CaseIterable { case valid, invalid, malformed, unknownVersion }

    static func input(_ index: Int, partitions: Int32) -> (Input, Kind) {
        // Every partition gets every kind: valid, invalid, malformed, unknown version, valid, ...
        let kind = Kind.allCases[(index / Int(partitions) + index) % Kind.allCases.count]
        let id = "m-\(index)"
        var headers = [MessageHeader(name: "trace-id", string: String(index, radix: 16))]
        let value: String
        switch kind {
        case .valid: value = #"{"id":"\#(id)","n":\#(index)}"#
        case .invalid: value = #"{"id":"\#(id)","n":-\#(index)}"#
        case .malformed: value = #"{"id":"\#(id)","n":"#
        case .unknownVersion:
            value = #"{"id":"\#(id)","n":\#(index)}"#
            headers.append(MessageHeader(name: "tollgate-schema", string: "events/9"))
        }
        return (Input(key: Array(id.utf8), value: Array(value.utf8), headers: headers, partition: Int32(index % Int(partitions))), kind)
    }
}
