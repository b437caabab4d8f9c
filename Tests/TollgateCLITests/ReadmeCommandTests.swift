import Foundation
import Testing

/// The `tollgate` commands README.md shows, run from the repository root exactly as written, with
/// the exit status and output the README describes. A command edited in one place and not the other
/// fails here.
@Suite("README commands")
struct ReadmeCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Command: CustomTestStringConvertible, Sendable {
        /// As the README writes it; `swift run -c release tollgate` and `tollgate` both run the binary.
        var text: String
        var status: Int32
        /// Lines the output must contain, in this order.
        var output: [String]
        /// Lines standard error must contain, in this order.
        var errors: [String] = []
        var testDescription: String { text }
    }

    static let commands: [Command] = [
        // The quick start: the script installs and builds, then runs the binary as its last line says.
        Command(text: "bash scripts/quickstart.sh",
                status: 0,
                output: ["Summary: consumed 12, approved 7, quarantined 5",
                         "  orders.approved: 7 messages",
                         "  orders.quarantine: 5 messages (schema-violation 3, malformed-json 2)",
                         "Quarantined, with the reason and the first error:",
                         #"  orders[0]@0 schema-violation [orders/2]: /order/currency "usd" does not match the pattern "^[A-Z]{3}$" (+3 more)"#,
                         #"  orders[0]@1 schema-violation [orders/2]: /order property "discount" is not allowed (additionalProperties is false)"#,
                         "  orders[1]@2 malformed-json: line 1, column 335: unexpected end of input, expected a string key",
                         "  orders[2]@1 malformed-json: line 1, column 228: invalid UTF-8 sequence in a string",
                         #"  orders[3]@2 schema-violation [orders/2]: /order/customer/email "linus@" is not a valid email"#,
                         #"  tollgate_messages_approved_total{source="orders",subject="orders",version="2"} 6"#,
                         #"  tollgate_messages_quarantined_total{source="orders",subject="none",version="none",reason="malformed-json"} 2"#,
                         #"  tollgate_rule_rejections_total{rule="required-headers",mode="shadow"} 2"#],
                errors: ["tollgate: preloaded 12 messages from deploy/samples/orders-capture.jsonl",
                         "tollgate: consuming orders as group tollgate-orders; approved -> orders.approved, quarantine -> orders.quarantine",
                         "tollgate: idle for 2.0 s: stopping"]),
        Command(text: "swift run -c release tollgate replay deploy/samples/orders-capture.jsonl --config deploy/orders-replay.yaml",
                status: 1,
                output: ["Replayed deploy/samples/orders-capture.jsonl",
                         "12 messages: 7 approved, 5 quarantined (schema-violation 3, malformed-json 2)",
                         "  orders/1                 1 approved, 0 quarantined",
                         "  orders/2                 6 approved, 3 quarantined",
                         "  (none selected)          0 approved, 2 quarantined",
                         "Shadow rules (not enforced) would have rejected:",
                         "  required-headers         2",
                         #"  deploy/samples/orders-capture.jsonl:1 orders[0]@0 schema-violation [orders/2]: /order/currency "usd" does not match the pattern "^[A-Z]{3}$" (+3 more)"#,
                         "  deploy/samples/orders-capture.jsonl:8 orders[2]@1 malformed-json: line 1, column 228: invalid UTF-8 sequence in a string"]),
        Command(text: "tollgate schemas list", status: 0,
                output: ["orders (backward, 3 versions): Order lifecycle events (created, paid, shipped, cancelled, refunded)"]),
        Command(text: "tollgate schemas check", status: 1,
                output: ["orders (compatibility: backward, 3 versions)",
                         "  1 -> 2  compatible (backward)",
                         "      (3 more changes break only a direction backward does not require; --verbose lists them)",
                         "  2 -> 3  INCOMPATIBLE: 2 changes break backward",
                         #"      /properties/order/required/5: property "channel" became required [breaks backward]"#,
                         "      /$defs/money/maximum: maximum lowered from 100000000 to 10000000 [breaks backward]",
                         "1 subject, 2 pairs checked: 1 incompatible"]),
        Command(text: "tollgate replay deploy/samples/orders-capture.jsonl --schemas schemas --subject orders --version 3 --expect any",
                status: 0, output: ["12 messages: 1 approved, 11 quarantined (schema-violation 9, malformed-json 2)"]),
        Command(text: "tollgate replay deploy/samples/orders-capture.jsonl --config deploy/orders-replay.yaml --report junit --out /dev/null --expect any",
                status: 0, output: []),
        Command(text: "tollgate validate --schema schemas/orders/1.json --format-assertion --jsonl deploy/samples/orders.jsonl",
                status: 1,
                output: ["deploy/samples/orders.jsonl:1: valid",
                         "deploy/samples/orders.jsonl:5: invalid",
                         #"  /order/customer/email: "linus@" is not a valid email (at /properties/order/properties/customer/properties/email/format)"#]),
    ]

    @Test("works as written", arguments: commands)
    func command(_ command: Command) throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("\n\(command.text)\n"), "README.md no longer shows this command")
        for line in command.output + command.errors {
            #expect(readme.contains(line + "\n"), "README.md does not show the output line \(line)")
        }

        var words = command.text.split(separator: " ").map(String.init)
        if words.first == "bash" {
            // A script whose last line runs the release binary: run the built one with those arguments.
            let script = try String(contentsOf: Self.root.appendingPathComponent(words[1]), encoding: .utf8)
            let last = try #require(script.split(separator: "\n").last { $0.hasPrefix("exec .build/release/tollgate ") })
            words = last.split(separator: " ").dropFirst(2).map(String.init)
        } else {
            let prefix = words.starts(with: ["swift", "run", "-c", "release", "tollgate"]) ? 5 : 1
            #expect(words.first == "tollgate" || prefix == 5)
            words.removeFirst(prefix)
        }
        let run = try TollgateSandbox().run(words, currentDirectory: Self.root)
        #expect(run.status == command.status, "\(run)")
        for (expected, printed) in [(command.output, run.lines), (command.errors, run.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))] {
            var rest = printed[...]
            for line in expected {
                guard let found = rest.firstIndex(of: line) else {
                    Issue.record("missing or out of order: \(line)\n\(run)")
                    break
                }
                rest = rest[(found + 1)...]
            }
        }
    }
}
