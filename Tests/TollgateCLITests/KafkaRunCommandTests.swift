import Foundation
import Testing
import TollgateSchema

/// `tollgate kafka-mock` and `tollgate run` as processes, with kcat (a Kafka client we did not
/// write) producing the input and reading the outputs.
@Suite("tollgate run and kafka-mock, with kcat", .serialized)
struct KafkaRunCommandTests {
    /// A child process whose output goes to files in `directory`.
    final class Child {
        let process = Process()
        let stdout: URL
        let stderr: URL

        init(_ executable: URL, _ arguments: [String], in directory: URL, name: String, environment: [String: String] = [:]) throws {
            stdout = directory.appendingPathComponent("\(name).out")
            stderr = directory.appendingPathComponent("\(name).err")
            _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
            _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
            process.executableURL = executable
            process.arguments = arguments
            process.environment = TollgateBinary.environment(environment)
            process.currentDirectoryURL = directory
            process.standardOutput = try FileHandle(forWritingTo: stdout)
            process.standardError = try FileHandle(forWritingTo: stderr)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var output: String { (try? String(contentsOf: stdout, encoding: .utf8)) ?? "" }
        var errors: String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }

        deinit { if process.isRunning { process.terminate(); process.waitUntilExit() } }
    }

    static func kcat() throws -> URL {
        for path in ["/usr/bin/kcat", "/usr/local/bin/kcat"] where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        throw KcatMissing()
    }

    struct KcatMissing: Error, CustomStringConvertible {
        var description: String { "kcat is not installed (Debian: apt-get install kcat); scripts/test.sh installs it" }
    }

    /// Runs kcat to completion with `input` on standard input; returns its standard output.
    static func runKcat(_ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = try kcat()
        process.arguments = arguments
        let out = Pipe()
        let inPipe = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try process.run()
        if let input {
            try inPipe.fileHandleForWriting.write(contentsOf: Data(input.utf8))
            try inPipe.fileHandleForWriting.close()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Starts `tollgate kafka-mock` with one broker and `topics` (`name:partitions`) in `sandbox`, and
    /// waits for the bootstrap servers it prints first.
    static func startMock(_ tollgate: URL, topics: [String], in sandbox: TollgateSandbox) throws -> (mock: Child, brokers: String) {
        let mock = try Child(tollgate, ["kafka-mock", "--brokers", "1"] + topics.flatMap { ["--topic", $0] }, in: sandbox.directory, name: "mock")
        try waitFor("the mock cluster's bootstrap servers") { mock.output.contains("\n") }
        return (mock, mock.output.split(separator: "\n")[0].trimmingCharacters(in: .whitespaces))
    }

    static func waitFor(_ what: String, seconds: Double = 30, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while try !condition() {
            if Date() > deadline { throw Timeout(what: what) }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    struct Timeout: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }

    @Test("kcat produces the sample orders, tollgate run routes them, kcat -J reads the outputs and their tollgate headers; SIGTERM exits 0")
    func endToEnd() throws {
        let sandbox = try TollgateSandbox()
        let tollgate = try TollgateBinary.url()
        let (mock, brokers) = try KafkaRunCommandTests.startMock(tollgate, topics: ["orders:4", "orders.approved:2", "orders.quarantine:1"], in: sandbox)
        #expect(brokers.hasPrefix("127.0.0.1:"), "\(mock.errors)")

        // The sample events, one per line, each with a trace-id header; one line is not JSON.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let samples = try String(contentsOf: root.appendingPathComponent("deploy/samples/orders.jsonl"), encoding: .utf8)
        let lines = samples.split(separator: "\n").map(String.init)
        _ = try Self.runKcat(["-P", "-b", brokers, "-t", "orders", "-H", "trace-id=4bf92f3577b34da6a3ce929d0e0e4736"], input: lines.joined(separator: "\n") + "\n")

        try sandbox.write("tollgate.yaml", """
            source:
              kafka:
                brokers: \(brokers)
                topics: [orders]
                group: tollgate-orders
            routes:
              approved: orders.approved
              quarantine: orders.quarantine
            schemas:
              directory: \(root.appendingPathComponent("schemas").path)
            bindings:
              - source: orders
                subject: orders
                select: [{header: tollgate-schema}, {version: 2}]
            """)
        let run = try Child(tollgate, ["run", "--config", "tollgate.yaml", "--status-interval", "1"], in: sandbox.directory, name: "run")

        func read(_ topic: String) throws -> [JSONValue] {
            try Self.runKcat(["-C", "-b", brokers, "-t", topic, "-J", "-e", "-q"]).split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
        }
        var approved: [JSONValue] = []
        var quarantined: [JSONValue] = []
        try Self.waitFor("every sample in an output", seconds: 60) {
            approved = try read("orders.approved")
            quarantined = try read("orders.quarantine")
            return approved.count + quarantined.count >= lines.count
        }
        run.process.terminate()   // SIGTERM
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "\(run.errors)")
        #expect(run.errors.contains("tollgate: stopped: consumed \(lines.count),"), "\(run.errors)")
        #expect(approved.count + quarantined.count == lines.count)

        func headers(_ record: JSONValue) -> [(String, String?)] {
            let flat = record["headers"]?.arrayValue ?? []
            return stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0].stringValue ?? "", flat[$0 + 1].stringValue) }
        }
        func header(_ record: JSONValue, _ name: String) -> String? { headers(record).first { $0.0 == name }?.1 }

        var sourceOffsets = Set<String>()
        for record in quarantined {
            let reason = header(record, "tollgate.reason")
            #expect(["schema-violation", "malformed-json"].contains(reason ?? ""), "\(record)")
            #expect(header(record, "trace-id") == "4bf92f3577b34da6a3ce929d0e0e4736", "the message's own headers are kept")
            #expect(header(record, "tollgate.source.topic") == "orders")
            #expect(header(record, "tollgate.source.group") == "tollgate-orders")
            #expect(header(record, "tollgate.quarantined-at")?.hasSuffix("Z") == true)
            let errors = try JSONValue(parsing: Array((header(record, "tollgate.errors") ?? "").utf8))
            #expect((errors.arrayValue?.count ?? 0) >= 1)
            if reason == "schema-violation" { #expect(header(record, "tollgate.schema") == "orders/2") }
            sourceOffsets.insert("\(header(record, "tollgate.source.partition") ?? "?")@\(header(record, "tollgate.source.offset") ?? "?")")
            // The payload is forwarded byte for byte.
            #expect(lines.contains(record["payload"]?.stringValue ?? "<none>"))
        }
        #expect(sourceOffsets.count == quarantined.count, "each quarantined record names a distinct source offset")
        for record in approved {
            #expect(header(record, "tollgate.schema") == "orders/2")
            #expect(header(record, "tollgate.reason") == nil)
            #expect(lines.contains(record["payload"]?.stringValue ?? "<none>"))
        }
        // Against version 2, 5 of the 9 sample lines are valid; the rest are quarantined.
        #expect(approved.count == 5, "\(approved.count) approved")
        #expect(quarantined.count == 4)
    }

    @Test("tollgate run killed with SIGKILL mid-stream and restarted: nothing lost, duplicates counted")
    func sigkill() throws {
        let sandbox = try TollgateSandbox()
        let tollgate = try TollgateBinary.url()
        let (mock, brokers) = try KafkaRunCommandTests.startMock(tollgate, topics: ["events:12", "events.approved:6", "events.quarantine:12"], in: sandbox)
        defer { withExtendedLifetime(mock) {} }   // the cluster stops when its Child goes

        // 150,000 keyed events, one in five invalid, produced by kcat (key|value): enough that the
        // run is still at work a second after it starts.
        let count = 150_000
        var input = ""
        for i in 0..<count { input += "k-\(i)|{\"id\":\"k-\(i)\",\"n\":\(i % 5 == 0 ? -1 : i)}\n" }
        _ = try Self.runKcat(["-P", "-b", brokers, "-t", "events", "-K", "|"], input: input)
        try sandbox.write("schemas/events/1.json", #"{"type": "object", "required": ["id", "n"], "properties": {"id": {"type": "string"}, "n": {"type": "integer", "minimum": 0}}}"#)
        try sandbox.write("tollgate.yaml", """
            source:
              kafka:
                brokers: \(brokers)
                topics: [events]
                group: tollgate-events
            routes:
              approved: events.approved
              quarantine: events.quarantine
            maxInFlight: 2000
            bindings:
              - source: events
                subject: events
            """)

        func keys() throws -> [String] {
            try ["events.approved", "events.quarantine"].flatMap { topic in
                try Self.runKcat(["-C", "-b", brokers, "-t", topic, "-e", "-q", "-f", "%k\\n"]).split(separator: "\n").map(String.init)
            }
        }
        let first = try Child(tollgate, ["run", "--config", "tollgate.yaml", "--status-interval", "1"], in: sandbox.directory, name: "run1")
        // Killed as soon as its first status line shows it consuming.
        try Self.waitFor("the first run consuming", seconds: 60) {
            first.errors.split(separator: "\n").contains { $0.hasPrefix("tollgate: consumed ") && !$0.hasPrefix("tollgate: consumed 0,") }
        }
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        #expect(first.process.terminationReason == .uncaughtSignal)
        let atKill = try Set(keys())
        #expect(atKill.count < count, "the run was killed mid-stream (\(atKill.count) of \(count) written)")

        let second = try Child(tollgate, ["run", "--config", "tollgate.yaml", "--status-interval", "0"], in: sandbox.directory, name: "run2")
        var written: [String] = []
        try Self.waitFor("every input in an output", seconds: 120) {
            written = try keys()
            return Set(written).count == count
        }
        second.process.terminate()
        second.process.waitUntilExit()
        #expect(second.process.terminationStatus == 0, "\(second.errors)")
        let duplicates = written.count - Set(written).count
        print("[kafka fault test] SIGKILL mid-stream and restart: \(count) inputs -> \(written.count) outputs, 0 missing, \(duplicates) duplicates (\(atKill.count) written before the kill)")
        #expect(Set(written) == Set((0..<count).map { "k-\($0)" }))
    }

    @Test("capture kafka: a topic written by kcat, raw bytes included, captured whole, by count, by partition and offset; replay reads it")
    func capture() throws {
        let sandbox = try TollgateSandbox()
        let tollgate = try TollgateBinary.url()
        let (mock, brokers) = try KafkaRunCommandTests.startMock(tollgate, topics: ["orders:3"], in: sandbox)
        defer { withExtendedLifetime(mock) {} }   // the cluster stops when its Child goes
        // 30 keyed messages over 3 partitions (kcat's partitioner), one payload with raw non-UTF-8 bytes.
        var input = ""
        for i in 0..<30 { input += "o-\(i)|" + (i == 7 ? "{\"id\":\"\u{00FF}\u{00FE}\"}" : "{\"id\":\"o-\(i)\",\"n\":\(i)}") + "\n" }
        var bytes = Array(input.utf8)
        // Turn the UTF-8 of U+00FF U+00FE into two lone bytes 0xFF 0xFE: not UTF-8 any more.
        if let at = bytes.firstIndex(of: 0xC3), bytes[at + 1] == 0xBF { bytes.replaceSubrange(at..<(at + 4), with: [0xFF, 0xFE]) }
        try sandbox.write("input.txt", bytes: bytes)
        let process = Process()
        process.executableURL = try Self.kcat()
        // From standard input, one message per line (a file argument would be one message).
        process.arguments = ["-P", "-b", brokers, "-t", "orders", "-K", "|"]
        process.standardInput = FileHandle(forReadingAtPath: sandbox.directory.appendingPathComponent("input.txt").path)
        try process.run()
        process.waitUntilExit()

        let whole = try sandbox.run(["capture", "kafka", "--brokers", brokers, "--topic", "orders", "--out", "all.jsonl"])
        #expect(whole.status == 0 && whole.stderr.contains("captured 30 messages from orders to all.jsonl"), "\(whole)")
        let lines = try String(contentsOf: sandbox.directory.appendingPathComponent("all.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 30)
        let records = try lines.map { try JSONValue(parsing: Array($0.utf8)) }
        #expect(records.filter { $0["payload_b64"] != nil }.count == 1, "the non-UTF-8 payload is base64")
        #expect(Set(records.compactMap { $0["key"]?.stringValue }).count == 30)

        try sandbox.write("schemas/orders/1.json", #"{"type": "object", "required": ["id", "n"]}"#)
        let replay = try sandbox.run(["replay", "all.jsonl", "--schemas", "schemas", "--subject", "orders", "--expect", "any"])
        #expect(replay.status == 0 && replay.stdout.contains("30 messages: 29 approved, 1 quarantined (malformed-json 1)"), "\(replay)")

        let counted = try sandbox.run(["capture", "kafka", "--brokers", brokers, "--topic", "orders", "--count", "5"])
        #expect(counted.status == 0 && counted.lines.count == 5, "\(counted)")
        let partition = try sandbox.run(["capture", "kafka", "--brokers", brokers, "--topic", "orders", "--partition", "1", "--from", "2"])
        let fromOffset = try partition.jsonLines()
        #expect(partition.status == 0 && !fromOffset.isEmpty, "\(partition)")
        #expect(fromOffset.allSatisfy { $0["partition"] == 1 } && fromOffset.first?["offset"] == 2)

        let noSuchPartition = try sandbox.run(["capture", "kafka", "--brokers", brokers, "--topic", "orders", "--partition", "9"])
        #expect(noSuchPartition.status == 2 && noSuchPartition.stderr.contains("no partition 9"), "\(noSuchPartition)")
        let badFrom = try sandbox.run(["capture", "kafka", "--brokers", brokers, "--topic", "orders", "--from", "yesterday"])
        #expect(badFrom.status == 2 && badFrom.stderr.contains("RFC 3339"), "\(badFrom)")
    }

    @Test("run: configuration mistakes exit 2 naming the file and key")
    func configurationErrors() throws {
        let sandbox = try TollgateSandbox()
        try sandbox.write("bad.yaml", "source:\n  kafka:\n    brokers: localhost:9\n    topics: [orders]\nroutes:\n  approved: orders\n  quarantine: q\n")
        let loop = try sandbox.run(["run", "--config", "bad.yaml"])
        #expect(loop.status == 2 && loop.stderr.contains("loop forever"), "\(loop)")
        try sandbox.write("typo.yaml", "source:\n  kafka:\n    brokers: localhost:9\n    topicz: [orders]\n")
        let typo = try sandbox.run(["run", "--config", "typo.yaml"])
        #expect(typo.status == 2 && typo.stderr.contains("typo.yaml") && typo.stderr.contains("source.kafka.topicz"), "\(typo)")
        let missing = try sandbox.run(["run", "--config", "nothing.yaml"])
        #expect(missing.status == 2 && missing.stderr.contains("nothing.yaml"), "\(missing)")
    }

    @Test("kafka-mock: --topic must be name:partitions")
    func mockUsage() throws {
        let run = try TollgateSandbox().run(["kafka-mock", "--topic", "orders"])
        #expect(run.status == 2 && run.stderr.contains("name:partitions"), "\(run)")
    }
}
