// Where the time of a replay goes, stage by stage, on one corpus in one process: raw validation (the
// JSON Schema benchmark's loop), the pipeline on messages in memory, capture decoding, and the whole
// replay with its JSON report. Prints one JSON object per stage and run; `scripts/bench-replay.sh`
// drives it together with the `tollgate replay` command and reports medians and ratios.
import Foundation
import Tollgate
import TollgateSchema

struct Arguments {
    var schemas = ""
    var subject = ""
    var corpus = ""
    var capture = ""
    var runs = 5
    var threads: Int?
    var stages = ["raw", "pipeline", "decode", "replay"]

    static func parse() -> Arguments {
        var a = Arguments()
        var it = CommandLine.arguments.dropFirst().makeIterator()
        while let arg = it.next() {
            switch arg {
            case "--schemas": a.schemas = it.next() ?? ""
            case "--subject": a.subject = it.next() ?? ""
            case "--corpus": a.corpus = it.next() ?? ""
            case "--capture": a.capture = it.next() ?? ""
            case "--runs": a.runs = Int(it.next() ?? "") ?? 5
            case "--threads": a.threads = Int(it.next() ?? "")
            case "--stages": a.stages = (it.next() ?? "").split(separator: ",").map(String.init)
            case "-h", "--help":
                print("""
                    usage: tollgate-pipeline-bench --schemas DIR --subject S --corpus PAYLOADS.jsonl --capture CAPTURE.jsonl
                                                   [--runs N] [--threads N] [--stages raw,check,pipeline,decode,serial,replay]
                      raw       parse + validate each payload with a reusable validator (the schema benchmark's loop)
                      check     JSONSchema.check on payloads in memory: the verdict, and the errors of invalid ones
                      parse     parse each payload in memory, nothing else (the schema true)
                      literal   parse each payload where it stands in its capture line, still escaped (the schema true)
                      pipeline  Pipeline.Evaluator on messages already in memory (limits, binding, selection, validation, verdict)
                      decode    read and decode the capture file, nothing else
                      serial    decode and evaluate on this thread, one message after another (no report)
                      replay    Replay.run on the capture file with --threads workers, plus rendering the JSON report
                      none      nothing: loading the corpus and the capture only
                      literal-setup  nothing but `literal`'s set-up (finding the payloads in the capture)
                    """)
                exit(0)
            default:
                fail("unknown argument \(arg)")
            }
        }
        if a.schemas.isEmpty || a.subject.isEmpty || a.corpus.isEmpty || a.capture.isEmpty {
            fail("give --schemas, --subject, --corpus and --capture (see --help)")
        }
        return a
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("tollgate-pipeline-bench: \(message)\n".utf8))
    exit(2)
}

let args = Arguments.parse()
let registry: SchemaRegistry
let pipeline: Pipeline
do {
    registry = try SchemaRegistry.load(directory: args.schemas)
    pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "*", subject: args.subject)])
} catch {
    fail("\(error)")
}
guard let schema = registry.subject(args.subject)?.latest.schema else { fail("no subject \(args.subject)") }
guard let corpus = FileManager.default.contents(atPath: args.corpus) else { fail("cannot read \(args.corpus)") }

let bytes = [UInt8](corpus)
var ranges: [Range<Int>] = []
var start = 0
for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") {
    if i > start { ranges.append(start..<i) }
    start = i + 1
}
if start < bytes.count { ranges.append(start..<bytes.count) }
let messages = ranges.enumerated().map { index, range in
    Message(value: Array(bytes[range]), origin: .kafka(topic: "orders", partition: 0, offset: Int64(index), group: nil))
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func report(_ stage: String, run: Int, seconds: Double, messages: Int, rejected: Int) {
    print("{\"stage\":\"\(stage)\",\"run\":\(run),\"messages\":\(messages),\"seconds\":\(seconds),\"messages_per_second\":\(Int(Double(messages) / seconds)),\"rejected\":\(rejected)}")
    fflush(nil)
}

/// The capture's lines and, for each, the offset of its payload literal's content: for `literal`.
let payloadLiterals: (bytes: [UInt8], starts: [Int]) = {
    guard args.stages.contains("literal") || args.stages.contains("literal-setup") else { return ([], []) }
    guard let data = FileManager.default.contents(atPath: args.capture) else { fail("cannot read \(args.capture)") }
    let capture = [UInt8](data)
    // The payload is the last member of the benchmark's lines: its literal starts after the last
    // `"payload":"` of each line.
    let marker = Array(#""payload":""#.utf8)
    var starts: [Int] = []
    var lineStart = 0
    for (i, b) in capture.enumerated() where b == UInt8(ascii: "\n") {
        var j = i - marker.count
        while j >= lineStart && !capture[j..<(j + marker.count)].elementsEqual(marker) { j -= 1 }
        if j >= lineStart { starts.append(j + marker.count) }
        lineStart = i + 1
    }
    return (capture, starts)
}()
let acceptAll = try! JSONSchema(.bool(true))

let clock = ContinuousClock()
for run in 1...args.runs {
    for stage in args.stages {
        switch stage {
        case "raw":
            let validator = schema.makeValidator()
            var invalid = 0
            let elapsed = bytes.withUnsafeBytes { raw in
                clock.measure {
                    for r in ranges where !((try? validator.isValid(json: UnsafeRawBufferPointer(rebasing: raw[r]))) ?? false) {
                        invalid += 1
                    }
                }
            }
            report(stage, run: run, seconds: seconds(elapsed), messages: ranges.count, rejected: invalid)
        case "pipeline":
            let evaluator = pipeline.makeEvaluator()
            var quarantined = 0
            let elapsed = clock.measure {
                for message in messages where !evaluator.evaluate(message).isApproved { quarantined += 1 }
            }
            report(stage, run: run, seconds: seconds(elapsed), messages: messages.count, rejected: quarantined)
        case "check":
            let workspace = JSONParseWorkspace()
            var invalid = 0
            let elapsed = clock.measure {
                for message in messages where !((try? schema.check(json: message.value, workspace: workspace))?.isValid ?? false) { invalid += 1 }
            }
            report(stage, run: run, seconds: seconds(elapsed), messages: messages.count, rejected: invalid)
        case "parse":
            let workspace = JSONParseWorkspace()
            var failed = 0
            let elapsed = clock.measure {
                for message in messages where (try? acceptAll.check(json: message.value, workspace: workspace)) == nil { failed += 1 }
            }
            report(stage, run: run, seconds: seconds(elapsed), messages: messages.count, rejected: failed)
        case "literal":
            let workspace = JSONParseWorkspace()
            var failed = 0
            let elapsed = payloadLiterals.bytes.withUnsafeBytes { raw in
                clock.measure {
                    for start in payloadLiterals.starts
                    where acceptAll.check(stringLiteralContent: UnsafeRawBufferPointer(rebasing: raw[start...]), workspace: workspace) == nil {
                        failed += 1
                    }
                }
            }
            report(stage, run: run, seconds: seconds(elapsed), messages: payloadLiterals.starts.count, rejected: failed)
        case "decode":
            var count = 0
            var failed = 0
            let elapsed = clock.measure {
                guard let reader = try? CaptureReader(path: args.capture) else { fail("cannot open \(args.capture)") }
                for result in reader {
                    if case .success = result { count += 1 } else { failed += 1 }
                }
            }
            report(stage, run: run, seconds: seconds(elapsed), messages: count, rejected: failed)
        case "serial":
            var count = 0
            var quarantined = 0
            let elapsed = clock.measure {
                guard let reader = try? CaptureReader(path: args.capture) else { fail("cannot open \(args.capture)") }
                let evaluator = pipeline.makeEvaluator()
                for result in reader {
                    guard case .success(let captured) = result else { continue }
                    count += 1
                    if !evaluator.evaluate(captured.message).isApproved { quarantined += 1 }
                }
            }
            report(stage, run: run, seconds: seconds(elapsed), messages: count, rejected: quarantined)
        case "replay":
            var result: ReplayReport?
            var size = 0
            let elapsed = clock.measure {
                do {
                    result = try Replay.run(captures: [args.capture], pipeline: pipeline, threads: args.threads)
                    size = result!.jsonBytes().count
                } catch {
                    fail("\(error)")
                }
            }
            precondition(size > 0)
            report(stage, run: run, seconds: seconds(elapsed), messages: result!.total, rejected: result!.quarantined)
        case "none", "literal-setup":
            break   // set-up only (with `literal`'s), for instruction counts (scripts/count-replay-instructions.sh)
        default:
            fail("unknown stage \(stage)")
        }
    }
}
