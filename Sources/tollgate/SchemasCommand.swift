import ArgumentParser
import Tollgate
import TollgateSchema

/// `tollgate schemas`: the versioned schema directory.
struct SchemasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schemas",
        abstract: "List the schema registry's subjects and versions, or check them.",
        discussion: """
            The registry is a directory of versioned schemas:

              schemas/<subject>/<version>.json   e.g. schemas/orders/1.json, schemas/orders/2.json
              schemas/<subject>/subject.yaml     optional: compatibility, description, formatAssertion, draft

            Every version is compiled, and references between subjects resolve by relative path \
            (../customers/1.json) or by $id, never over the network.
            """,
        subcommands: [SchemasListCommand.self, SchemasCheckCommand.self]
    )
}

/// Options every `schemas` subcommand shares.
struct SchemaDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("schemas"), help: ArgumentHelp("The schema directory.", valueName: "dir"))
    var directory: String = "schemas"

    /// Loads the registry, turning a failure into the command's exit status 2.
    func load() throws(CommandFailure) -> SchemaRegistry {
        do {
            let registry = try SchemaRegistry.load(directory: directory)
            for (version, warning) in registry.warnings {
                StandardError.write("tollgate: warning: \(version): \(warning)")
            }
            return registry
        } catch {
            throw CommandFailure(message: "schema registry: \(error)")
        }
    }
}

struct SchemasListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List subjects, their compatibility mode and their versions.",
        discussion: """
            Examples:
              tollgate schemas list
              tollgate schemas list --schemas schemas --output json

            Exit status: 0 when every schema compiles, 2 when the directory cannot be loaded (the \
            message names the file and the line or JSON Pointer).
            """
    )

    @OptionGroup var schemas: SchemaDirectoryOptions

    @Option(help: "text: a block per subject; json: one object per version, one per line.")
    var output: OutputFormat = .text

    func run() throws {
        let registry = try schemas.load()
        let out = StandardOutput()
        for subject in registry.subjects {
            switch output {
            case .text:
                var heading = "\(subject.name) (\(subject.configuration.compatibility), \(subject.versions.count) version\(subject.versions.count == 1 ? "" : "s"))"
                if let description = subject.configuration.description { heading += ": \(description)" }
                out.writeLine(heading)
                for version in subject.versions {
                    var line = "  \(version.version)  \(version.path)"
                    if let title = version.document["title"]?.stringValue { line += "  \(title)" }
                    out.writeLine(line)
                }
            case .json:
                for version in subject.versions {
                    let line: JSONValue = .object(JSONObject([
                        ("subject", .string(subject.name)),
                        ("version", .number(JSONNumber(version.version))),
                        ("path", .string(version.path)),
                        ("id", version.document["$id"] ?? .null),
                        ("title", version.document["title"] ?? .null),
                        ("compatibility", .string(subject.configuration.compatibility.rawValue)),
                    ]))
                    out.writeLine(line.serialized())
                }
            }
        }
        out.flush()
    }
}

struct SchemasCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Compile every schema and check each subject's versions against its compatibility mode.",
        discussion: """
            Each version is compared with the one before it (or, for a *-transitive mode, with every \
            earlier version), in the directions the subject's subject.yaml asks for, with Confluent \
            Schema Registry's meaning:

              backward   readers on the new version can read data written with the old one
                         (broken by a new required property, a narrowed type, a removed enum value,
                         a tightened bound, additionalProperties: false added, ...)
              forward    readers on the old version can read data written with the new one
              full       both;   none   no check;   default: backward

            Every change that breaks a direction is printed with its JSON Pointer and what it \
            breaks. A change whose effect cannot be judged statically (a changed pattern, a \
            restructured oneOf, a changed if condition, an unresolvable $ref) is printed as "cannot \
            judge" instead of a guess; --strict counts it as incompatible.

            Examples:
              tollgate schemas check
              tollgate schemas check --schemas schemas --subject orders --verbose
              tollgate schemas check --output json | jq 'select(.compatible | not)'

            Exit status: 0 when every checked pair is compatible, 1 when any is not, 2 when the \
            directory cannot be loaded or a --subject does not exist.
            """
    )

    @OptionGroup var schemas: SchemaDirectoryOptions

    @Option(name: .customLong("subject"), help: ArgumentHelp("Check only this subject (repeatable). Default: every subject.", valueName: "name"))
    var subjects: [String] = []

    @Flag(help: "Count changes that cannot be judged statically as incompatible.")
    var strict = false

    @Flag(help: "Also list changes that break only a direction the mode does not require.")
    var verbose = false

    @Option(help: "text: a block per subject; json: one object per checked pair, one per line.")
    var output: OutputFormat = .text

    func run() throws {
        let registry = try schemas.load()
        var chosen: [SchemaSubject] = registry.subjects
        if !subjects.isEmpty {
            chosen = []
            for name in subjects {
                guard let subject = registry.subject(name) else {
                    throw CommandFailure(message: "no subject '\(name)' in \(schemas.directory) (it has: \(registry.subjects.map(\.name).joined(separator: ", ")))")
                }
                chosen.append(subject)
            }
        }
        let out = StandardOutput()
        var checked = 0
        var incompatible = 0
        var undecidable = 0
        for subject in chosen {
            let pairs = registry.compatibility(of: subject)
            checked += pairs.count
            incompatible += pairs.filter { !$0.isCompatible || (strict && !$0.undecidable.isEmpty) }.count
            undecidable += pairs.filter { !$0.undecidable.isEmpty }.count
            switch output {
            case .text: writeText(subject, pairs, to: out)
            case .json: for pair in pairs { out.writeLine(json(pair).serialized()) }
            }
        }
        if output == .text {
            var summary = "\(chosen.count) subject\(chosen.count == 1 ? "" : "s"), \(checked) pair\(checked == 1 ? "" : "s") checked: "
            summary += incompatible == 0 ? "all compatible" : "\(incompatible) incompatible"
            if undecidable > 0 {
                summary += ", \(undecidable) with changes that cannot be judged statically\(strict ? " (counted as incompatible: --strict)" : "")"
            }
            out.writeLine(summary)
        }
        out.flush()
        if incompatible > 0 { throw ExitCode(1) }
    }

    private func writeText(_ subject: SchemaSubject, _ pairs: [VersionPairCompatibility], to out: StandardOutput) {
        let mode = subject.configuration.compatibility
        out.writeLine("\(subject.name) (compatibility: \(mode), \(subject.versions.count) version\(subject.versions.count == 1 ? "" : "s"))")
        if mode == .none {
            out.writeLine("  not checked: compatibility is none")
        } else if pairs.isEmpty {
            out.writeLine("  nothing to check: a single version")
        }
        for pair in pairs {
            let required = mode.directions.sorted { $0.rawValue < $1.rawValue }.map(\.rawValue).joined(separator: " and ")
            let violations = pair.violations
            let undecidable = pair.undecidable
            var verdict: String
            if !violations.isEmpty {
                verdict = "INCOMPATIBLE: \(violations.count) change\(violations.count == 1 ? "" : "s") break\(violations.count == 1 ? "s" : "") \(required)"
            } else if !undecidable.isEmpty {
                verdict = strict ? "INCOMPATIBLE (--strict): " : "compatible as far as can be judged; "
                verdict += "\(undecidable.count) change\(undecidable.count == 1 ? "" : "s") cannot be judged statically"
            } else {
                verdict = "compatible (\(required))"
            }
            out.writeLine("  \(pair.old.version) -> \(pair.new.version)  \(verdict)")
            for finding in violations { out.writeLine("      \(finding)") }
            for finding in undecidable { out.writeLine("      cannot judge: \(finding)") }
            let others = pair.otherFindings
            if !others.isEmpty {
                if verbose {
                    for finding in others { out.writeLine("      not required by \(mode): \(finding)") }
                } else {
                    out.writeLine("      (\(others.count) more change\(others.count == 1 ? " breaks" : "s break") only a direction \(mode) does not require; --verbose lists them)")
                }
            }
        }
    }

    private func json(_ pair: VersionPairCompatibility) -> JSONValue {
        let required = pair.mode.directions
        let findings: [JSONValue] = pair.findings.map { finding in
            .object(JSONObject([
                ("pointer", .string(finding.pointer)),
                ("schema", .string(finding.pointerIsInOldSchema ? "old" : "new")),
                ("change", .string(finding.change)),
                ("breaks", .array(CompatibilityDirection.allCases.filter(finding.breaks.contains).map { .string($0.rawValue) })),
                ("undecidable", .bool(finding.isUndecidable)),
                ("enforced", .bool(!finding.breaks.isDisjoint(with: required))),
            ]))
        }
        return .object(JSONObject([
            ("subject", .string(pair.subject)),
            ("old", .number(JSONNumber(pair.old.version))),
            ("new", .number(JSONNumber(pair.new.version))),
            ("compatibility", .string(pair.mode.rawValue)),
            ("compatible", .bool(pair.isCompatible && !(strict && !pair.undecidable.isEmpty))),
            ("findings", .array(findings)),
        ]))
    }
}
