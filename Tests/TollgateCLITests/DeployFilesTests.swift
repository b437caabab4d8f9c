import Foundation
import Testing
import TollgateSchema

/// The deploy files that cannot run here (no Docker engine, no systemd as PID 1) are at least
/// checked: the unit by `systemd-analyze verify`, the Dockerfile by its syntax and what it refers to.
@Suite("deploy files")
struct DeployFilesTests {
    static let deploy = ReadmeCommandTests.root.appendingPathComponent("deploy")

    @Test("deploy/tollgate.service passes systemd-analyze verify, with the built binary in place of /usr/local/bin/tollgate")
    func systemdUnit() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") else {
            Issue.record("systemd-analyze is not installed (Debian: systemd); the unit was not verified")
            return
        }
        let unit = try String(contentsOf: Self.deploy.appendingPathComponent("tollgate.service"), encoding: .utf8)
        #expect(unit.contains("ExecStartPre=/usr/local/bin/tollgate run --config /etc/tollgate/tollgate.yaml --check-config"))
        #expect(unit.contains("KillSignal=SIGTERM") && unit.contains("TimeoutStopSec=45"))
        let sandbox = try TollgateSandbox()
        try sandbox.write("tollgate.service", unit.replacingOccurrences(of: "/usr/local/bin/tollgate", with: try TollgateBinary.url().path))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        process.arguments = ["verify", "--man=no", sandbox.directory.appendingPathComponent("tollgate.service").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // Complaints about other units on this machine are not ours.
        let ours = text.split(separator: "\n").filter { $0.contains("tollgate.service") }
        #expect(process.terminationStatus == 0 && ours.isEmpty, "\(text)")
    }

    @Test("deploy/Dockerfile: known instructions, a build stage the runtime copies from, JSON-form ENTRYPOINT and CMD, and the files it copies exist")
    func dockerfile() throws {
        let text = try String(contentsOf: Self.deploy.appendingPathComponent("Dockerfile"), encoding: .utf8)
        var instructions: [(name: String, arguments: String)] = []
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty && (line.isEmpty || line.hasPrefix("#")) { continue }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            let whole = pending + line
            pending = ""
            let parts = whole.split(separator: " ", maxSplits: 1)
            instructions.append((String(parts[0]), parts.count > 1 ? String(parts[1]) : ""))
        }
        #expect(pending.isEmpty, "a continuation line ends the file")
        let known: Set<String> = ["FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR",
                                  "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"]
        for instruction in instructions {
            #expect(known.contains(instruction.name), "unknown instruction \(instruction.name)")
        }
        let stages = instructions.filter { $0.name == "FROM" }
        #expect(stages.count == 2 && stages[0].arguments.hasSuffix(" AS build"))
        #expect(instructions.contains { $0.name == "COPY" && $0.arguments.hasPrefix("--from=build ") })
        for name in ["ENTRYPOINT", "CMD"] {
            let arguments = try #require(instructions.last { $0.name == name }?.arguments)
            guard case .array = try JSONValue(parsing: arguments) else { Issue.record("\(name) is not in JSON form"); continue }
        }
        #expect(instructions.contains { $0.name == "STOPSIGNAL" && $0.arguments == "SIGTERM" })
        for copy in instructions where copy.name == "COPY" && !copy.arguments.hasPrefix("--from") {
            let source = String(copy.arguments.split(separator: " ")[0])
            #expect(FileManager.default.fileExists(atPath: ReadmeCommandTests.root.appendingPathComponent(source).path), "COPY \(source)")
        }
    }
}
