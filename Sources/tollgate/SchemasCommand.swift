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
        subcommands: [SchemasListCommand.self]
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
              tollgate schemas list --schemas deploy/schemas --output json

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
