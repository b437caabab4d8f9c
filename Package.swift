// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "tollgate",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TollgateSchema", targets: ["TollgateSchema"]),
        .library(name: "Tollgate", targets: ["Tollgate"]),
        .library(name: "TollgateTesting", targets: ["TollgateTesting"]),
        .library(name: "TollgateKafka", targets: ["TollgateKafka"]),
        .library(name: "TollgateRabbitMQ", targets: ["TollgateRabbitMQ"]),
        .executable(name: "tollgate", targets: ["tollgate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    ],
    targets: [
        // JSON parsing and JSON Schema compile/validate. No dependencies at all.
        .target(name: "TollgateSchema"),
        // The library services embed: schema registry, pipeline, quarantine records, replay.
        // No broker code and no C.
        .target(
            name: "Tollgate",
            dependencies: [
                "TollgateSchema",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // librdkafka, from the system (Debian: librdkafka-dev). Declared inside the Kafka adapter's
        // RDKafka/ folder, the only place that touches C.
        .systemLibrary(
            name: "CRdKafka",
            path: "Sources/TollgateKafka/RDKafka/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // The Kafka adapter: consumer-group source, idempotent sink, offsets committed only once the
        // output is confirmed, the mock cluster. Only files in RDKafka/ import CRdKafka.
        .target(
            name: "TollgateKafka",
            dependencies: ["Tollgate", "CRdKafka", .product(name: "Logging", package: "swift-log")],
            exclude: ["RDKafka/CRdKafka"]
        ),
        // rabbitmq-c (Debian: librabbitmq-dev), from the system; declared inside the RabbitMQ adapter's
        // AMQP/ folder, the only place that touches C.
        .systemLibrary(
            name: "CRabbitMQ",
            path: "Sources/TollgateRabbitMQ/AMQP/CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        // amqp_login is variadic, which Swift cannot call: a fixed-argument wrapper in C.
        .target(
            name: "CAMQPLogin",
            dependencies: ["CRabbitMQ"],
            path: "Sources/TollgateRabbitMQ/AMQP/CAMQPLogin"
        ),
        // The RabbitMQ adapter: queue consumer with manual acks and prefetch, publisher with confirms
        // and mandatory routing, acks only after the output is confirmed, reconnection. Only files in
        // AMQP/ import C.
        .target(
            name: "TollgateRabbitMQ",
            dependencies: ["Tollgate", "CRabbitMQ", "CAMQPLogin"],
            exclude: ["AMQP/CRabbitMQ", "AMQP/CAMQPLogin"]
        ),
        // Helpers for users' own test suites: replay a capture, assert on the report.
        .target(
            name: "TollgateTesting",
            dependencies: ["Tollgate"]
        ),
        .executableTarget(
            name: "tollgate",
            dependencies: [
                "Tollgate",
                "TollgateKafka",
                "TollgateRabbitMQ",
                "TollgateSchema",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        // Throughput of TollgateSchema on a JSON-lines corpus; driven by scripts/bench-schema.sh.
        .executableTarget(
            name: "tollgate-schema-bench",
            dependencies: ["TollgateSchema"]
        ),
        // Replay throughput stage by stage against raw validation; driven by scripts/bench-replay.sh.
        .executableTarget(
            name: "tollgate-pipeline-bench",
            dependencies: ["Tollgate", "TollgateSchema"]
        ),
        .testTarget(
            name: "TollgateSchemaTests",
            dependencies: ["TollgateSchema"]
        ),
        .testTarget(
            name: "TollgateTests",
            dependencies: [
                "Tollgate",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        // Helpers the two broker adapters' test suites share (not a product).
        .target(
            name: "BrokerTestSupport",
            dependencies: ["Tollgate"],
            path: "Tests/BrokerTestSupport"
        ),
        // The Kafka adapter against librdkafka's mock cluster over TCP, and kcat.
        .testTarget(
            name: "TollgateKafkaTests",
            dependencies: ["TollgateKafka", "Tollgate", "BrokerTestSupport"]
        ),
        // The RabbitMQ adapter against the real rabbitmq-server that scripts/test.sh starts.
        .testTarget(
            name: "TollgateRabbitMQTests",
            dependencies: ["TollgateRabbitMQ", "Tollgate", "BrokerTestSupport"]
        ),
        // Written as a user's test would be: only `import TollgateTesting`.
        .testTarget(
            name: "TollgateTestingTests",
            dependencies: ["TollgateTesting"]
        ),
        // Runs the built `tollgate` binary as a user would; depending on it makes SwiftPM build it first.
        .testTarget(
            name: "TollgateCLITests",
            dependencies: ["tollgate", "TollgateSchema"]
        ),
    ]
)
