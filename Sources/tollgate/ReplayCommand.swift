import ArgumentParser
import Foundation
import Tollgate
import TollgateSchema
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `tollgate replay`: captured traffic through the pipeline, before a deploy.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run captured topic traffic through the pipeline and report what would be approved or quarantined.",
        discussion: """
            Reads capture files (kcat's -J JSON lines, raw payload bytes included, or Tollgate's own \
            capture format), runs every message through the same pipeline as the sidecar (limits, \
            parse, schema selection, validation, rules) and reports totals, counts by reason and by \
            schema version, the most frequent failing keyword and instance locations, and every \
            quarantined message with its topic, partition and offset.

            The pipeline comes from a configuration file (--config: schemas, bindings, rules, limits) \
            or, for a quick check, from a schema directory and one subject (--schemas, --subject, and \
            --version to test one version).

            Reports: text (default), json (byte-identical for the same input), or junit: one test \
            case per schema version applied (and one for messages no schema was selected for), failed \
            when any of its messages was quarantined, listing them. CI systems display it.

            Exit status: 0 when the outcome matches --expect (default approved: nothing was \
            quarantined), 1 when it does not, 2 for usage errors, a configuration or schema that \
            cannot be loaded, or a capture file or line that cannot be read.

            Examples:
              tollgate replay deploy/samples/orders-capture.jsonl --schemas schemas --subject orders
              tollgate replay captures/*.jsonl --config tollgate.yaml --report junit --out replay.xml
              tollgate replay bad-orders.jsonl --schemas schemas --subject orders --version 3 --expect quarantined
            """
    )

    @Argument(help: ArgumentHelp("Capture files (JSON lines).", valueName: "capture"))
    var captures: [String] = []

    @Option(help: ArgumentHelp("A configuration file with schemas, bindings, rules and limits.", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("The schema directory, with --subject instead of --config.", valueName: "dir"))
    var schemas: String?

    @Option(help: ArgumentHelp("The subject every captured message is checked against, with --schemas.", valueName: "subject"))
    var subject: String?

    @Option(help: ArgumentHelp("Check against this version only (default: the tollgate-schema header, else the latest).", valueName: "n"))
    var version: Int?

    @Option(help: "text, json or junit.")
    var report: ReplayReportFormat = .text

    @Option(help: ArgumentHelp("Write the report here instead of standard output.", valueName: "file"))
    var out: String?

    @Option(help: "approved: nothing may be quarantined; quarantined: everything must be; any: only errors fail.")
    var expect: ReplayExpectation = .approved

    @Option(help: ArgumentHelp("Threads decoding and validating messages (default: one per processor). The report does not depend on it.",
                               valueName: "n"))
    var threads: Int?

    func validate() throws {
        if captures.isEmpty { throw ArgumentParser.ValidationError("Give at least one capture file.") }
        switch (config, schemas, subject) {
        case (_?, nil, nil): if version != nil { throw ArgumentParser.ValidationError("--version goes with --schemas and --subject, not --config.") }
        case (nil, _?, _?): break
        case (nil, _, _): throw ArgumentParser.ValidationError("Give --config FILE, or --schemas DIR with --subject SUBJECT.")
        default: throw ArgumentParser.ValidationError("Give either --config or --schemas/--subject, not both.")
        }
        if let version, version < 1 { throw ArgumentParser.ValidationError("--version must be a positive version number.") }
        if let threads, threads < 1 { throw ArgumentParser.ValidationError("--threads must be at least 1.") }
    }

    func run() throws {
        let pipeline: Pipeline
        do {
            if let config {
                pipeline = try PipelineConfiguration.load(file: config).makePipeline()
            } else {
                let registry = try SchemaRegistry.load(directory: schemas!)
                let selectors: [SchemaSelector] = version.map { [.version($0)] } ?? [.header(SchemaSelector.defaultHeader), .latest]
                pipeline = try Pipeline(registry: registry, bindings: [Binding(source: "*", subject: subject!, selectors: selectors)])
            }
        } catch {
            throw CommandFailure(message: "\(error)")
        }

        let bar = ProgressBar()
        let result: ReplayReport
        do {
            result = try Replay.run(captures: captures, pipeline: pipeline, threads: threads) { bar.update($0) }
        } catch {
            bar.finish()
            throw CommandFailure(message: "\(error)")
        }
        bar.finish()

        // Written from where it was rendered: a report of many quarantined messages is megabytes.
        func write(to file: FileHandle) -> Bool {
            switch report {
            case .text: (try? file.write(contentsOf: Array(result.text().utf8))) != nil
            case .json:
                (try? result.writeJSON { try file.write(contentsOf: UnsafeRawBufferPointer($0)) }) != nil
                    && (try? file.write(contentsOf: [UInt8(ascii: "\n")])) != nil
            case .junit: (try? file.write(contentsOf: Array(result.junit().utf8))) != nil
            }
        }
        if let out {
            guard let file = openForWriting(out), write(to: file) else {
                throw CommandFailure(message: "cannot write the report to '\(out)'")
            }
            try? file.close()
            StandardError.write("tollgate: \(result.summary); report written to \(out)")
        } else {
            _ = write(to: FileHandle.standardOutput)
        }

        if !result.captureErrors.isEmpty {
            throw CommandFailure(message: "\(result.captureErrors.count) capture line\(result.captureErrors.count == 1 ? "" : "s") could not be read, e.g. \(result.captureErrors[0])")
        }
        let met: Bool
        switch expect {
        case .approved: met = result.quarantined == 0
        case .quarantined: met = result.approved == 0
        case .any: met = true
        }
        if !met { throw ExitCode(1) }
    }
}

enum ReplayReportFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json, junit
}

enum ReplayExpectation: String, CaseIterable, ExpressibleByArgument {
    case approved, quarantined, any
}

/// A progress bar on standard error, drawn only on a terminal and only once a replay has run for a
/// couple of seconds; plain output otherwise.
final class ProgressBar: @unchecked Sendable {
    // `@unchecked Sendable`: used from the replaying thread only.
    private let enabled = isatty(STDERR_FILENO) == 1
    private let started = ContinuousClock.now
    private var drawn = false

    func update(_ progress: Replay.Progress) {
        guard enabled, ContinuousClock.now - started > .seconds(2) else { return }
        let fraction = progress.totalBytes > 0 ? min(1, Double(progress.bytesRead) / Double(progress.totalBytes)) : 0
        let width = 30
        let filled = Int(fraction * Double(width))
        let line = "\r[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(Int(fraction * 100))%  \(progress.messages) messages"
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
