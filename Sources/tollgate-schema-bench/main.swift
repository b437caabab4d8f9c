// Measures TollgateSchema on a JSON-lines corpus: parse + validate from raw bytes, and validate
// already-parsed documents. Prints one JSON object per run; `scripts/bench-schema.sh` drives it
// together with the Python peers and reports medians and ratios.
import Foundation
import TollgateSchema

struct Arguments {
    var schema = ""
    var corpus = ""
    var labels: String?
    var runs = 5
    var formatAssertion = true
    /// raw: parse + validate from bytes with a reusable validator; document: parse each message into
    /// its own `JSONDocument` and validate it; parsed: validate pre-parsed documents; parse: parse only.
    var modes = ["raw", "parsed"]

    static func parse() -> Arguments {
        var a = Arguments()
        var it = CommandLine.arguments.dropFirst().makeIterator()
        while let arg = it.next() {
            switch arg {
            case "--schema": a.schema = it.next() ?? ""
            case "--corpus": a.corpus = it.next() ?? ""
            case "--labels": a.labels = it.next()
            case "--runs": a.runs = Int(it.next() ?? "") ?? 5
            case "--no-format-assertion": a.formatAssertion = false
            case "--modes": a.modes = (it.next() ?? "").split(separator: ",").map(String.init)
            case "-h", "--help":
                print("usage: tollgate-schema-bench --schema FILE --corpus FILE.jsonl [--labels FILE] [--runs N] [--modes raw,errors,document,parsed,parse] [--no-format-assertion]")
                exit(0)
            default:
                FileHandle.standardError.write("unknown argument \(arg)\n".data(using: .utf8)!)
                exit(2)
            }
        }
        return a
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write("tollgate-schema-bench: \(message)\n".data(using: .utf8)!)
    exit(2)
}

let args = Arguments.parse()
guard let schemaData = FileManager.default.contents(atPath: args.schema) else { fail("cannot read \(args.schema)") }
guard let corpus = FileManager.default.contents(atPath: args.corpus) else { fail("cannot read \(args.corpus)") }
let schema: JSONSchema
do {
    schema = try JSONSchema(parsing: [UInt8](schemaData), uri: URL(fileURLWithPath: args.schema).absoluteString,
                            options: JSONSchemaOptions(formatAssertion: args.formatAssertion))
} catch {
    fail("\(error)")
}

// All messages in one buffer; each message is a byte range of it, as a consumer would hold them.
let bytes = [UInt8](corpus)
var ranges: [Range<Int>] = []
var start = 0
for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
    if i > start { ranges.append(start..<i) }
    start = i + 1
}
if start < bytes.count { ranges.append(start..<bytes.count) }
let payloadBytes = ranges.reduce(0) { $0 + $1.count }

let expectedInvalid: [Bool]? = args.labels.flatMap { FileManager.default.contents(atPath: $0) }.map { labelData in
    String(decoding: labelData, as: UTF8.self).split(separator: "\n").map { !$0.contains("\"valid\":true") && !$0.contains("\"valid\": true") }
}

func report(mode: String, run: Int, seconds: Double, verdicts: [Bool]) {
    let invalid = verdicts.filter { !$0 }.count
    var mismatches = -1
    if let expectedInvalid, expectedInvalid.count == verdicts.count {
        mismatches = zip(verdicts, expectedInvalid).filter { $0.0 == $0.1 }.count
    }
    let perSecond = Double(verdicts.count) / seconds
    print("{\"tool\":\"tollgate\",\"mode\":\"\(mode)\",\"run\":\(run),\"messages\":\(verdicts.count),\"bytes\":\(payloadBytes),\"seconds\":\(seconds),\"messages_per_second\":\(Int(perSecond)),\"mb_per_second\":\(Double(payloadBytes) / seconds / 1e6),\"invalid\":\(invalid),\"label_mismatches\":\(mismatches)}")
    fflush(nil)
}

var documents: [JSONDocument] = []
if args.modes.contains("parsed") {
    documents = ranges.map { try! JSONDocument(parsing: bytes[$0]) }
}

for run in 1...args.runs {
    for mode in args.modes {
        var verdicts = [Bool](repeating: false, count: ranges.count)
        let clock = ContinuousClock()
        let elapsed: Duration
        switch mode {
        case "raw":
            // The consumer's way: one reusable validator per thread, fed each message's bytes.
            let validator = schema.makeValidator()
            elapsed = bytes.withUnsafeBytes { raw in
                clock.measure {
                    for (i, r) in ranges.enumerated() {
                        let message = UnsafeRawBufferPointer(rebasing: raw[r])
                        verdicts[i] = (try? validator.isValid(json: message)) ?? false
                    }
                }
            }
        case "errors":
            // Every message validated with all its errors collected (what a quarantine record needs).
            let validator = schema.makeValidator()
            elapsed = bytes.withUnsafeBytes { raw in
                clock.measure {
                    for (i, r) in ranges.enumerated() {
                        let message = UnsafeRawBufferPointer(rebasing: raw[r])
                        verdicts[i] = (try? validator.validate(json: message))?.isValid ?? false
                    }
                }
            }
        case "document":
            // Each message parsed into a document of its own (what a caller that keeps the document does).
            elapsed = clock.measure {
                for (i, r) in ranges.enumerated() {
                    verdicts[i] = (try? JSONDocument(parsing: bytes[r], limits: schema.options.parseLimits)).map(schema.isValid) ?? false
                }
            }
        case "parse":
            // Parse only: the schema `true` accepts everything without evaluating anything.
            let acceptAll = try! JSONSchema(.bool(true)).makeValidator()
            elapsed = bytes.withUnsafeBytes { raw in
                clock.measure {
                    for (i, r) in ranges.enumerated() {
                        verdicts[i] = (try? acceptAll.isValid(json: UnsafeRawBufferPointer(rebasing: raw[r]))) ?? false
                    }
                }
            }
        case "parsed":
            elapsed = clock.measure {
                for (i, d) in documents.enumerated() { verdicts[i] = schema.isValid(d) }
            }
        default:
            fail("unknown mode \(mode)")
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        report(mode: mode, run: run, seconds: seconds, verdicts: verdicts)
    }
}
