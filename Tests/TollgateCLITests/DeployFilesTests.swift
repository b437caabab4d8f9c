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
        #expect(instructions.contains { $0.name == "EXPOSE" && $0.arguments == "9473" }, "the HTTP endpoint's port is exposed")
        for copy in instructions where copy.name == "COPY" && !copy.arguments.hasPrefix("--from") {
            let source = String(copy.arguments.split(separator: " ")[0])
            #expect(FileManager.default.fileExists(atPath: ReadmeCommandTests.root.appendingPathComponent(source).path), "COPY \(source)")
        }
    }

    @Test("deploy/tollgate.service: `systemctl reload` sends SIGHUP to the main process, which reloads the schemas")
    func systemdUnitReloads() throws {
        let unit = try String(contentsOf: Self.deploy.appendingPathComponent("tollgate.service"), encoding: .utf8)
        var section = ""
        var reloads: [String] = []
        for raw in unit.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                section = line
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            if section == "[Service]" && line[..<equals] == "ExecReload" { reloads.append(String(line[line.index(after: equals)...])) }
        }
        #expect(reloads == ["/bin/kill -HUP $MAINPID"], "ExecReload in [Service]: \(reloads)")
    }

    // MARK: - Kubernetes

    @Test("deploy/kubernetes.yaml: every document parses; the tollgate sidecar's args, port, probes, grace period, security context and secrets; its tollgate.yaml passes --check-config with the schemas laid out where the pod mounts them")
    func kubernetesManifest() throws {
        let file = Self.deploy.appendingPathComponent("kubernetes.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        let documents = try Self.yamlDocuments(file)
        #expect(!documents.isEmpty)
        for document in documents {
            #expect(document["apiVersion"]?.stringValue != nil && document["kind"]?.stringValue != nil
                    && document["metadata"]?["name"]?.stringValue != nil, "every document has apiVersion, kind and metadata.name: \(document)")
        }
        func configMap(_ name: String) -> JSONValue? {
            documents.first { $0["kind"]?.stringValue == "ConfigMap" && $0["metadata"]?["name"]?.stringValue == name }
        }

        // The pod: the application's container and the sidecar.
        let deployment = try #require(documents.first { $0["kind"]?.stringValue == "Deployment" }, "no Deployment")
        let pod = try #require(deployment["spec"]?["template"]?["spec"], "no spec.template.spec")
        let containers = try #require(pod["containers"]?.arrayValue)
        let tollgate = try #require(containers.first { $0["name"]?.stringValue == "tollgate" }, "no container named tollgate")
        #expect(containers.count >= 2, "the sidecar runs next to the application's container")
        #expect(tollgate["image"]?.stringValue == "tollgate:latest")
        let arguments = (tollgate["args"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(arguments == ["run", "--config", "/etc/tollgate/tollgate.yaml"], "the image's ENTRYPOINT is tollgate, so args start with run")

        // The endpoint's port and the probes on it.
        let ports = tollgate["ports"]?.arrayValue ?? []
        let metricsPort = ports.first { $0["containerPort"]?.numberValue?.int64Value == 9473 }
        #expect(metricsPort?["name"]?.stringValue == "metrics", "containerPort 9473 named metrics: \(ports)")
        for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
            let get = tollgate[probe]?["httpGet"]
            #expect(get?["path"]?.stringValue == path, "\(probe).httpGet.path")
            let port = get?["port"]
            #expect(port?.numberValue?.int64Value == 9473 || (port?.stringValue != nil && port?.stringValue == metricsPort?["name"]?.stringValue),
                    "\(probe).httpGet.port is 9473 or its name: \(String(describing: port))")
        }

        // Security and resources.
        let security = tollgate["securityContext"]
        #expect(security?["readOnlyRootFilesystem"]?.boolValue == true)
        #expect(security?["allowPrivilegeEscalation"]?.boolValue == false)
        #expect(security?["runAsNonRoot"]?.boolValue == true || pod["securityContext"]?["runAsNonRoot"]?.boolValue == true)
        // runAsNonRoot cannot check the image's user by name (`USER tollgate`): the uid must be given.
        let uid = security?["runAsUser"]?.numberValue?.int64Value ?? pod["securityContext"]?["runAsUser"]?.numberValue?.int64Value
        #expect(uid.map { $0 > 0 } == true, "runAsUser is set to a non-zero uid")
        #expect(tollgate["resources"]?["requests"]?.objectValue != nil && tollgate["resources"]?["limits"]?["memory"] != nil, "resources")

        // The environment: values, and secrets through secretKeyRef (never a literal password).
        var environment: [String: String] = [:]
        var secretNames: [String] = []
        for variable in tollgate["env"]?.arrayValue ?? [] {
            let name = try #require(variable["name"]?.stringValue)
            if let value = variable["value"]?.stringValue {
                environment[name] = value
            } else if let reference = variable["valueFrom"]?["secretKeyRef"] {
                #expect(reference["name"]?.stringValue != nil && reference["key"]?.stringValue != nil, "\(name): secretKeyRef names a Secret and a key")
                secretNames.append(name)
                environment[name] = "from-secret-\(name)"
            } else {
                Issue.record("\(name): neither a value nor a secretKeyRef")
            }
        }
        #expect(!secretNames.isEmpty, "credentials come from a Secret through the environment")
        #expect(!documents.contains { $0["kind"]?.stringValue == "Secret" }, "no Secret with its values in the example")

        // The pod's files in a sandbox, as the kubelet lays out its ConfigMap volumes.
        let sandbox = try TollgateSandbox()
        let podRoot = sandbox.directory.appendingPathComponent("pod")
        let volumes = pod["volumes"]?.arrayValue ?? []
        let mounts = tollgate["volumeMounts"]?.arrayValue ?? []
        var schemaMounts: [(path: String, configMap: String)] = []
        for mount in mounts {
            let path = try #require(mount["mountPath"]?.stringValue)
            #expect(mount["subPath"] == nil, "\(path): a subPath mount never sees ConfigMap updates")
            #expect(mount["readOnly"]?.boolValue == true, "\(path) is mounted read-only")
            let volume = volumes.first { $0["name"] == mount["name"] }
            guard let name = volume?["configMap"]?["name"]?.stringValue else {
                Issue.record("\(path): not a ConfigMap volume of the pod")
                continue
            }
            if let data = configMap(name)?["data"]?.objectValue {
                try Self.writeConfigMapVolume(data.members.map { ($0.key, Array(($0.value.stringValue ?? "").utf8)) },
                                              at: podRoot.appendingPathComponent(path))
            } else {
                schemaMounts.append((path, name))
            }
        }

        // The configuration: the key of the ConfigMap mounted where --config points.
        let configPath = try #require(arguments.last)
        let configURL = podRoot.appendingPathComponent(configPath)
        let configText = try String(contentsOf: configURL, encoding: .utf8)
        let configuration = try #require(try Self.yamlDocuments(configURL).first)
        #expect(configuration["source"]?["kafka"] != nil, "a Kafka source")
        #expect(configuration["http"]?["address"]?.stringValue == "0.0.0.0:9473", "the endpoint on all interfaces, for probes and scrapes")
        #expect(configuration["logging"]?["format"]?.stringValue == "json")
        #expect(configuration["reload"]?["watch"]?.boolValue == true, "the comments promise reloads on ConfigMap updates")
        let shutdownTimeout = configuration["shutdownTimeout"]?.numberValue?.int64Value ?? 30
        let grace = try #require(pod["terminationGracePeriodSeconds"]?.numberValue?.int64Value, "terminationGracePeriodSeconds")
        #expect(grace > shutdownTimeout, "terminationGracePeriodSeconds \(grace) must exceed shutdownTimeout \(shutdownTimeout)")

        // Every ${NAME} without a fallback is set in the container.
        for match in configText.matches(of: /\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/) where match.output.2 == nil {
            #expect(environment[String(match.output.1)] != nil, "${\(match.output.1)} is not set in the tollgate container's env")
        }

        // The schemas: one ConfigMap per subject, mounted at schemas.directory/<subject>, made by
        // `kubectl create configmap NAME --from-file=schemas/<subject>/` (the header says so): here,
        // from the repository's schemas.
        let schemasDirectory = try #require(configuration["schemas"]?["directory"]?.stringValue)
        let resolvedSchemas = schemasDirectory.hasPrefix("/") ? schemasDirectory
            : ((configPath as NSString).deletingLastPathComponent as NSString).appendingPathComponent(schemasDirectory)
        #expect(!schemaMounts.isEmpty, "the schemas are mounted")
        for (path, name) in schemaMounts {
            let subject = (path as NSString).lastPathComponent
            #expect((path as NSString).deletingLastPathComponent == (resolvedSchemas as NSString).standardizingPath,
                    "\(path) is not a subject directory under schemas.directory \(resolvedSchemas)")
            #expect(text.contains("kubectl create configmap \(name) --from-file=schemas/\(subject)/"), "how ConfigMap \(name) is made")
            let source = ReadmeCommandTests.root.appendingPathComponent("schemas").appendingPathComponent(subject)
            let files = try FileManager.default.contentsOfDirectory(atPath: source.path).filter { !$0.hasPrefix(".") }
            try Self.writeConfigMapVolume(files.map { ($0, Array(try Data(contentsOf: source.appendingPathComponent($0)))) },
                                          at: podRoot.appendingPathComponent(path))
        }

        // tollgate run --check-config, with the pod's environment and paths (the file's own http
        // and logging settings, not the test defaults).
        var processEnvironment = TollgateBinary.environment().filter { !$0.key.hasPrefix("TOLLGATE__") }
        processEnvironment.merge(environment) { $1 }
        processEnvironment["TOLLGATE__SCHEMAS__DIRECTORY"] = podRoot.appendingPathComponent(resolvedSchemas).path
        let check = try sandbox.run(["run", "--config", configURL.path, "--check-config"], environment: processEnvironment)
        #expect(check.status == 0 && check.stdout.contains("configuration OK"), "\(check)")
        #expect(check.stdout.contains("http://0.0.0.0:9473"), "\(check.stdout)")
    }

    /// Every non-empty document of a YAML file as PyYAML reads it (python3; scripts/test.sh installs
    /// PyYAML), handed over as JSON.
    static func yamlDocuments(_ url: URL) throws -> [JSONValue] {
        let script = """
            import json, sys, yaml
            with open(sys.argv[1], encoding="utf-8") as f:
                print(json.dumps([d for d in yaml.safe_load_all(f) if d is not None], default=str))
            """
        let output: String
        do { output = try RabbitMQRunCommandTests.tool("python3", ["-c", script, url.path]) } catch { throw YAMLFailure(file: url.path, message: "\(error)") }
        guard case .array(let documents) = try JSONValue(parsing: Array(output.utf8)) else { throw YAMLFailure(file: url.path, message: "not a list of documents") }
        return documents
    }

    struct YAMLFailure: Error, CustomStringConvertible {
        var file: String
        var message: String
        var description: String { "PyYAML could not read \(file) (pip install pyyaml): \(message)" }
    }

    /// Writes a ConfigMap volume as the kubelet does: the keys in a hidden timestamped directory,
    /// `..data` linking to it, and a symbolic link per key through `..data`.
    static func writeConfigMapVolume(_ files: [(key: String, bytes: [UInt8])], at directory: URL) throws {
        let manager = FileManager.default
        let stamp = "..2025_01_01_00_00_00.000000001"
        try manager.createDirectory(at: directory.appendingPathComponent(stamp), withIntermediateDirectories: true)
        try manager.createSymbolicLink(atPath: directory.appendingPathComponent("..data").path, withDestinationPath: stamp)
        for (key, bytes) in files {
            try Data(bytes).write(to: directory.appendingPathComponent(stamp).appendingPathComponent(key))
            try manager.createSymbolicLink(atPath: directory.appendingPathComponent(key).path, withDestinationPath: "..data/\(key)")
        }
    }

    // MARK: - Prometheus rules

    /// The metrics Tollgate exports (README), as series names: histograms by their _bucket, _sum
    /// and _count series.
    static let exportedSeries: Set<String> = {
        let counters = ["tollgate_messages_consumed_total", "tollgate_messages_approved_total", "tollgate_messages_quarantined_total",
                        "tollgate_rule_rejections_total", "tollgate_output_write_failures_total", "tollgate_reconnections_total",
                        "tollgate_schema_reloads_total", "tollgate_quarantine_log_lines_suppressed_total"]
        let gauges = ["tollgate_schema_version_last_seen_timestamp_seconds", "tollgate_in_flight_messages", "tollgate_kafka_consumer_lag",
                      "tollgate_ready", "tollgate_schema_versions_loaded"]
        let histograms = ["tollgate_validation_duration_seconds", "tollgate_end_to_end_latency_seconds"]
        return Set(counters + gauges + histograms.flatMap { name in ["_bucket", "_sum", "_count"].map { name + $0 } })
    }()

    @Test("deploy/prometheus-alerts.yaml: every rule has alert, expr, for, severity and summary; each expression uses only series Tollgate exports, balances its brackets, gives rate-like functions a range and counters only to them")
    func prometheusAlerts() throws {
        let documents = try Self.yamlDocuments(Self.deploy.appendingPathComponent("prometheus-alerts.yaml"))
        #expect(documents.count == 1)
        let groups = try #require(documents.first?["groups"]?.arrayValue, "groups:")
        var alerts: [String] = []
        for group in groups {
            #expect(group["name"]?.stringValue?.isEmpty == false, "every group has a name")
            let rules = try #require(group["rules"]?.arrayValue, "group \(String(describing: group["name"])): rules")
            #expect(!rules.isEmpty)
            for rule in rules {
                let name = rule["alert"]?.stringValue ?? ""
                #expect(!name.isEmpty, "a rule without alert: \(rule)")
                alerts.append(name)
                let duration = rule["for"]?.stringValue ?? ""
                #expect(duration.wholeMatch(of: /([0-9]+(ms|s|m|h|d|w|y))+/) != nil, "\(name): for '\(duration)' is not a duration")
                #expect(["critical", "warning", "info"].contains(rule["labels"]?["severity"]?.stringValue ?? ""), "\(name): labels.severity")
                #expect(rule["annotations"]?["summary"]?.stringValue?.isEmpty == false, "\(name): annotations.summary")
                let expression = rule["expr"]?.stringValue ?? ""
                #expect(!expression.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(name): expr")
                for problem in Self.promQLProblems(expression) {
                    Issue.record("\(name): \(problem)\n\(expression)")
                }
            }
        }
        #expect(Set(alerts).count == alerts.count, "alert names are unique: \(alerts)")
        for required in ["TollgateQuarantineRatioHigh", "TollgateConsumerLagHigh", "TollgateNotReady", "TollgateMetricsAbsent",
                         "TollgateSchemaReloadFailed", "TollgateOutputWriteFailures", "TollgateStaleProducer"] {
            #expect(alerts.contains(required), "no \(required)")
        }
    }

    @Test("the PromQL checks catch what they are meant to")
    func promQLChecksFail() {
        #expect(Self.promQLProblems("sum by (source) (rate(tollgate_messages_consumed_total[5m])) > 0").isEmpty)
        #expect(Self.promQLProblems("histogram_quantile(0.99, sum by (le) (rate(tollgate_end_to_end_latency_seconds_bucket[5m])))").isEmpty)
        #expect(Self.promQLProblems(#"up{job=~".*(tollgate).*"} == 0"#).isEmpty, "brackets in a string do not count")
        #expect(!Self.promQLProblems("sum by (source) (rate(tollgate_messages_consumed_total[5m]) > 0").isEmpty, "unclosed (")
        #expect(!Self.promQLProblems("rate(tollgate_messages_consumed_total[5m)]").isEmpty, "crossed brackets")
        #expect(!Self.promQLProblems("rate(tollgate_messages_consumed_totals[5m])").isEmpty, "an unknown metric")
        #expect(!Self.promQLProblems("tollgate_end_to_end_latency_seconds > 1").isEmpty, "a histogram without its series suffix")
        #expect(!Self.promQLProblems("rate(tollgate_messages_consumed_total) > 0").isEmpty, "rate without a range")
        #expect(!Self.promQLProblems("tollgate_messages_consumed_total > 100").isEmpty, "a raw counter")
        #expect(!Self.promQLProblems(#"up{job="tollgate} == 0"#).isEmpty, "an unterminated string")
    }

    /// What is wrong with a PromQL expression, as far as can be told without a parser: unknown
    /// tollgate_ series, unbalanced brackets, a rate-like function without a range, a counter
    /// series used outside one.
    static func promQLProblems(_ expression: String) -> [String] {
        let characters = Array(expression)
        var problems: [String] = []

        // Brackets, outside strings and comments; remembers each ( with its partner.
        var stack: [(character: Character, offset: Int)] = []
        var closing: [Int: Int] = [:]
        var quote: Character?
        var escaped = false
        var comment = false
        let partners: [Character: Character] = [")": "(", "]": "[", "}": "{"]
        for (offset, character) in characters.enumerated() {
            if comment {
                if character == "\n" { comment = false }
                continue
            }
            if let open = quote {
                if escaped { escaped = false } else if character == "\\" && open != "`" { escaped = true } else if character == open { quote = nil }
                continue
            }
            switch character {
            case "\"", "'", "`": quote = character
            case "#": comment = true
            case "(", "[", "{": stack.append((character, offset))
            case ")", "]", "}":
                guard let last = stack.last, last.character == partners[character] else {
                    problems.append("unexpected \(character) at offset \(offset)")
                    return problems
                }
                stack.removeLast()
                closing[last.offset] = offset
            default: break
            }
        }
        if quote != nil { problems.append("an unterminated string") }
        if !stack.isEmpty { problems.append("unclosed \(String(stack.map(\.character)))") }
        if !problems.isEmpty { return problems }

        // Series names.
        var series: [(name: String, offset: Int)] = []
        for match in expression.matches(of: /tollgate_[a-z_]+/) {
            let name = String(match.output)
            series.append((name, expression.distance(from: expression.startIndex, to: match.range.lowerBound)))
            if !exportedSeries.contains(name) { problems.append("\(name) is not a series Tollgate exports") }
        }

        // Functions over a range: their argument ends in [duration]; counters appear only inside them.
        var ranges: [ClosedRange<Int>] = []
        for match in expression.matches(of: /\b(rate|irate|increase|delta|idelta|deriv|[a-z]+_over_time)\s*\(/) {
            let open = expression.distance(from: expression.startIndex, to: match.range.upperBound) - 1
            guard let close = closing[open] else { continue }
            let argument = String(characters[(open + 1)..<close]).trimmingCharacters(in: .whitespacesAndNewlines)
            if argument.firstMatch(of: /\[[0-9]+(ms|s|m|h|d|w|y)(:[0-9]*(ms|s|m|h|d|w|y)?)?\]$/) == nil {
                problems.append("\(match.output.1)(...) needs a range vector: \(argument)")
            }
            ranges.append(open...close)
        }
        for (name, offset) in series where ["_total", "_bucket", "_sum", "_count"].contains(where: { name.hasSuffix($0) }) {
            if !ranges.contains(where: { $0.contains(offset) }) { problems.append("the counter \(name) is used outside rate() or increase()") }
        }
        return problems
    }
}
