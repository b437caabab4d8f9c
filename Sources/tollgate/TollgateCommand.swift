import ArgumentParser
import Logging

/// The `tollgate` executable. Each command is a subcommand; add new ones to `subcommands`.
///
/// The type is not called `Tollgate` so that it never shadows the `Tollgate` library module this
/// executable will import.
@main
struct TollgateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "Check message-queue payloads against versioned JSON Schemas.",
        discussion: """
            Run 'tollgate help <subcommand>' or 'tollgate <subcommand> --help' for the options and \
            examples of a command.

            Exit status: 0 success, 1 some input was rejected (e.g. an invalid document), 2 usage \
            error, unreadable input, or a schema that does not compile.
            """,
        version: "0.1.0",
        subcommands: [ValidateCommand.self, SchemasCommand.self, ReplayCommand.self, RunCommand.self, CaptureCommand.self, KafkaMockCommand.self]
    )

    /// Runs the chosen subcommand, mapping failures onto Tollgate's exit statuses: ArgumentParser's
    /// usage errors exit 2 (not its default 64), and a ``CommandFailure`` prints `tollgate: <message>`
    /// on standard error and exits with its status.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            if TollgateLogHandler.bootstrapped.load(ordering: .acquiring) {
                Logger(label: "tollgate").error("\(failure.message)")
            } else {
                StandardError.write("tollgate: \(failure.message)")
            }
            exit(withError: ExitCode(failure.exitStatus))
        } catch {
            if exitCode(for: error) == .validationFailure {
                StandardError.write(fullMessage(for: error))
                exit(withError: ExitCode(CommandFailure.usageStatus))
            }
            exit(withError: error)
        }
    }
}

/// A failure that ends a command: the message goes to standard error after `tollgate: `.
///
/// The message says what is wrong and where (file, line, column, pointer), so a user can fix it.
struct CommandFailure: Error, CustomStringConvertible {
    /// Exit status for usage errors, unreadable inputs and schemas that do not compile.
    static let usageStatus: Int32 = 2

    var message: String
    var exitStatus: Int32 = CommandFailure.usageStatus

    var description: String { message }
}
