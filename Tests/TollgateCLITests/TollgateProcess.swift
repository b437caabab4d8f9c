import Foundation
import TollgateSchema

/// What one run of the `tollgate` binary produced.
struct TollgateRun: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Standard output split into lines, without the final empty one.
    var lines: [String] {
        var lines = stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Each line of standard output parsed as JSON (`--output json`); a line that is not JSON fails the test
    /// through the thrown error.
    func jsonLines() throws -> [JSONValue] {
        try lines.map { try JSONValue(parsing: $0) }
    }

    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

/// A fresh temporary directory to run the real `tollgate` executable in, with helpers to write its
/// input files. The directory is removed when the sandbox goes away.
final class TollgateSandbox {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tollgate-cli-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes `text` to `path` (relative to the sandbox), creating directories as needed.
    func write(_ path: String, _ text: String) throws {
        try write(path, bytes: Array(text.utf8))
    }

    func write(_ path: String, bytes: [UInt8]) throws {
        let url = directory.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    /// Runs `tollgate arguments...` with the sandbox (or `currentDirectory`) as the current directory
    /// and `stdin` (or nothing) on standard input, in `environment` (by default the tests' own,
    /// ``TollgateBinary/environment(_:)``). A run that takes over a minute is killed.
    func run(_ arguments: [String], stdin: String? = nil, currentDirectory: URL? = nil,
             environment: [String: String]? = nil) throws -> TollgateRun
    {
        let process = Process()
        process.executableURL = try TollgateBinary.url()
        process.environment = environment ?? TollgateBinary.environment()
        process.arguments = arguments
        process.currentDirectoryURL = currentDirectory ?? directory

        // Files rather than pipes: nothing can fill up and block the child, whatever it prints.
        let outputs = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-cli-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: outputs) }
        let stdoutURL = outputs.appendingPathComponent("stdout")
        let stderrURL = outputs.appendingPathComponent("stderr")
        try Data().write(to: stdoutURL)
        try Data().write(to: stderrURL)
        let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)
        defer {
            try? stdoutHandle.close()
            try? stderrHandle.close()
        }
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle

        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        let watchdog = DispatchWorkItem { [process] in
            if process.isRunning { process.terminate() }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        if let stdin {
            try input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        watchdog.cancel()

        return TollgateRun(status: process.terminationStatus,
                           stdout: String(decoding: try Data(contentsOf: stdoutURL), as: UTF8.self),
                           stderr: String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self))
    }
}

/// Finds the `tollgate` executable built with the tests.
enum TollgateBinary {
    struct NotFound: Error, CustomStringConvertible {
        var searched: [String]
        var description: String {
            "the tollgate executable was not found; build it first (swift build --build-tests) or set TOLLGATE_BINARY. Searched: \(searched.joined(separator: ", "))"
        }
    }

    /// In order: `$TOLLGATE_BINARY`; the build products directory the test bundle runs from; then
    /// `.build*/debug/tollgate` in the repository or any directory above it (the newest one wins), for
    /// scratch paths outside the usual place.
    static func url() throws -> URL {
        try locate()
    }

    /// The environment the tests run `tollgate` with: text logs (their assertions read lines, and
    /// standard error is not a terminal, where JSON would be the default) and the HTTP endpoint on
    /// a free port (tests run side by side); `extra` on top.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["TOLLGATE__LOGGING__FORMAT"] = "text"
        environment["TOLLGATE__HTTP__ADDRESS"] = "127.0.0.1:0"
        environment.merge(extra) { $1 }
        return environment
    }

    private static func locate() throws -> URL {
        let fileManager = FileManager.default
        var searched: [String] = []
        func executable(_ url: URL) -> Bool {
            searched.append(url.path)
            var isDirectory: ObjCBool = false
            return fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && fileManager.isExecutableFile(atPath: url.path)
        }

        if let path = ProcessInfo.processInfo.environment["TOLLGATE_BINARY"], !path.isEmpty {
            let url = URL(fileURLWithPath: path)
            if executable(url) { return url }
            throw NotFound(searched: searched)
        }

        var productDirectories = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let executableURL = Bundle.main.executableURL {
            productDirectories.append(executableURL.deletingLastPathComponent())
        }
        for directory in productDirectories {
            let candidate = directory.appendingPathComponent("tollgate")
            if executable(candidate) { return candidate }
        }

        var newest: (url: URL, date: Date)?
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let entries = (try? fileManager.contentsOfDirectory(atPath: directory.path)) ?? []
            for entry in entries where entry.hasPrefix(".build") {
                let candidate = directory.appendingPathComponent(entry).appendingPathComponent("debug/tollgate")
                guard executable(candidate) else { continue }
                let date = (try? fileManager.attributesOfItem(atPath: candidate.path)[.modificationDate] as? Date) ?? .distantPast
                if newest == nil || date > newest!.date { newest = (candidate, date) }
            }
            directory.deleteLastPathComponent()
        }
        if let newest { return newest.url }
        throw NotFound(searched: searched)
    }
}
