import Foundation
import TollgateSchema
import Yams

/// The pipeline part of a Tollgate configuration file: schemas, limits, bindings and rules. `tollgate
/// replay --config` reads it, and the sidecar's `tollgate.yaml` embeds it.
///
/// ```yaml
/// schemas:
///   directory: schemas           # relative to this file; default: schemas
///   formatAssertion: true        # default: true
///   draft: "2020-12"             # for schemas without $schema; default: 2020-12
/// limits:
///   maxBytes: 1048576            # default: 1 MiB
///   maxDepth: 128                # default: 128
/// bindings:                      # first match wins
///   - source: orders             # topic or queue; * matches any run of characters
///     subject: orders
///     versions: [2, 3]           # accepted versions; default: all
///     select:                    # tried in order; default: [header: tollgate-schema, latest]
///       - wireFormat: {101: orders/2, 102: orders/3}
///       - header: tollgate-schema
///       - payload: /schemaVersion
///         mapping: {"1.1.5": 2}
///       - version: 3             # or: latest
/// rules:
///   - requiredHeaders: {trace-id: "^[0-9a-f]{32}$", tenant: null}
///     mode: enforce              # enforce (default) or shadow
///   - duplicate: {key: /eventId, window: 100000}   # key: messageKey or a JSON Pointer
///     mode: shadow
///     name: duplicate-event      # optional; names the rule in rule:<name>
/// ```
public struct PipelineConfiguration: Sendable {
    public var schemaDirectory: String
    public var registryOptions: SchemaRegistry.Options
    public var limits: Pipeline.Limits
    public var bindings: [Binding]
    public var rules: [RuleSetting]

    public init(schemaDirectory: String = "schemas", registryOptions: SchemaRegistry.Options = .init(),
                limits: Pipeline.Limits = .init(), bindings: [Binding] = [], rules: [RuleSetting] = [])
    {
        self.schemaDirectory = schemaDirectory
        self.registryOptions = registryOptions
        self.limits = limits
        self.bindings = bindings
        self.rules = rules
    }

    /// Reads a configuration file.
    /// - Throws: ``TollgateError`` with the file, line and key path of the problem.
    public static func load(file: String) throws(TollgateError) -> PipelineConfiguration {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TollgateError(.unreadable, "cannot read the configuration file", file: file)
        }
        return try parse(yaml: String(decoding: data, as: UTF8.self), file: file)
    }

    /// Parses configuration text; `file` names it in errors and anchors relative paths.
    public static func parse(yaml text: String, file: String) throws(TollgateError) -> PipelineConfiguration {
        var reader = YAMLReader(file: file, text: text)
        reader.code = .invalidConfiguration
        return try parse(reader.root(), reader: reader, otherKeys: [])
    }

    /// The pipeline keys of a configuration's root mapping; `otherKeys` belong to a caller (the
    /// sidecar's settings) and are skipped here.
    static func parse(_ root: Node.Mapping, reader: YAMLReader, otherKeys: Set<String>) throws(TollgateError) -> PipelineConfiguration {
        var configuration = PipelineConfiguration()
        let file = reader.file
        let base = (file as NSString).deletingLastPathComponent
        for (key, value, _) in try reader.members(of: root, path: "", allowed: Set(["schemas", "limits", "bindings", "rules"]).union(otherKeys)) {
            if otherKeys.contains(key) { continue }
            switch key {
            case "schemas":
                for (k, v, line) in try reader.members(of: try reader.mapping(value, key: key), path: key,
                                                        allowed: ["directory", "formatAssertion", "draft"]) {
                    switch k {
                    case "directory":
                        let directory = try reader.string(v, key: "schemas.directory")
                        configuration.schemaDirectory = directory.hasPrefix("/") || base.isEmpty ? directory : (base as NSString).appendingPathComponent(directory)
                        guard SchemaRegistry.isDirectory(configuration.schemaDirectory) else {
                            throw TollgateError(.invalidConfiguration, "'schemas.directory' names \(configuration.schemaDirectory), which does not exist or is not a directory",
                                                file: file, line: line)
                        }
                    case "formatAssertion":
                        configuration.registryOptions.formatAssertion = try reader.bool(v, key: "schemas.formatAssertion")
                    default:
                        let draft = try reader.string(v, key: "schemas.draft")
                        guard let parsed = JSONSchemaDraft(userInput: draft) else {
                            throw TollgateError(.invalidConfiguration, "'schemas.draft' \(draft) is not one of 2020-12, 2019-09, 7, 6, 4", file: file, line: line)
                        }
                        configuration.registryOptions.defaultDraft = parsed
                    }
                }
            case "limits":
                for (k, v, _) in try reader.members(of: try reader.mapping(value, key: key), path: key, allowed: ["maxBytes", "maxDepth"]) {
                    if k == "maxBytes" {
                        configuration.limits.maxBytes = try reader.int(v, key: "limits.maxBytes", minimum: 1)
                    } else {
                        configuration.limits.maxDepth = try reader.int(v, key: "limits.maxDepth", minimum: 1)
                    }
                }
                configuration.registryOptions.parseLimits = JSONParseLimits(maxDepth: configuration.limits.maxDepth,
                                                                          maxBytes: configuration.limits.maxBytes)
            case "bindings":
                for (i, item) in try reader.sequence(value, key: key).enumerated() {
                    configuration.bindings.append(try binding(item, path: "bindings[\(i)]", reader: reader))
                }
            default:
                for (i, item) in try reader.sequence(value, key: key).enumerated() {
                    configuration.rules.append(try rule(item, path: "rules[\(i)]", reader: reader))
                }
            }
        }
        return configuration
    }

    /// Loads the registry and builds the pipeline.
    public func makePipeline() throws(TollgateError) -> Pipeline {
        let registry = try SchemaRegistry.load(directory: schemaDirectory, options: registryOptions)
        return try Pipeline(registry: registry, bindings: bindings, rules: rules, limits: limits)
    }

    private static func binding(_ node: Node, path: String, reader: YAMLReader) throws(TollgateError) -> Binding {
        var source: String?
        var subject: String?
        var versions: Set<Int>?
        var selectors: [SchemaSelector]?
        for (key, value, _) in try reader.members(of: try reader.mapping(node, key: path), path: path,
                                                   allowed: ["source", "subject", "versions", "select"]) {
            switch key {
            case "source": source = try reader.string(value, key: "\(path).source")
            case "subject": subject = try reader.string(value, key: "\(path).subject")
            case "versions":
                var set = Set<Int>()
                for item in try reader.sequence(value, key: "\(path).versions") {
                    set.insert(try reader.int(item, key: "\(path).versions", minimum: 1))
                }
                versions = set
            default:
                var list: [SchemaSelector] = []
                for (i, item) in try reader.sequence(value, key: "\(path).select").enumerated() {
                    list.append(try selector(item, path: "\(path).select[\(i)]", reader: reader))
                }
                selectors = list
            }
        }
        guard let source, let subject else {
            throw TollgateError(.invalidConfiguration, "'\(path)' needs both 'source' and 'subject'", file: reader.file, line: node.mark?.line)
        }
        var binding = Binding(source: source, subject: subject, acceptedVersions: versions)
        if let selectors { binding.selectors = selectors }
        return binding
    }

    private static func selector(_ node: Node, path: String, reader: YAMLReader) throws(TollgateError) -> SchemaSelector {
        if case .scalar = node, node.string == "latest" { return .latest }
        let members = try reader.members(of: try reader.mapping(node, key: path), path: path,
                                         allowed: ["wireFormat", "header", "payload", "mapping", "version", "latest"])
        guard let (kind, value, line) = members.first(where: { $0.key != "mapping" }) else {
            throw TollgateError(.invalidConfiguration, "'\(path)' must be one of wireFormat, header, payload, version, latest",
                                file: reader.file, line: node.mark?.line)
        }
        switch kind {
        case "wireFormat":
            var ids: [UInt32: SchemaReference] = [:]
            for (idNode, referenceNode) in try reader.mapping(value, key: "\(path).wireFormat") {
                guard let id = idNode.int, id >= 0, id <= Int(UInt32.max) else {
                    throw TollgateError(.invalidConfiguration, "'\(path).wireFormat' keys must be schema ids (0 to 4294967295)",
                                        file: reader.file, line: idNode.mark?.line)
                }
                let text = try reader.string(referenceNode, key: "\(path).wireFormat.\(id)")
                guard let reference = SchemaReference(text) else {
                    throw TollgateError(.invalidConfiguration, "'\(path).wireFormat.\(id)' must be subject/version, found '\(text)'",
                                        file: reader.file, line: referenceNode.mark?.line)
                }
                ids[UInt32(id)] = reference
            }
            return .confluentWireFormat(ids: ids)
        case "header":
            return .header(try reader.string(value, key: "\(path).header"))
        case "payload":
            let pointer = try reader.string(value, key: "\(path).payload")
            guard JSONPointer.tokens(pointer) != nil else {
                throw TollgateError(.invalidConfiguration, "'\(path).payload' must be a JSON Pointer like /schemaVersion", file: reader.file, line: line)
            }
            var mapping: [String: Int] = [:]
            if let mappingNode = members.first(where: { $0.key == "mapping" })?.value {
                for (from, to) in try reader.mapping(mappingNode, key: "\(path).mapping") {
                    mapping[try reader.string(from, key: "\(path).mapping")] = try reader.int(to, key: "\(path).mapping", minimum: 1)
                }
            }
            return .payloadPointer(pointer, mapping: mapping)
        case "version":
            return .version(try reader.int(value, key: "\(path).version", minimum: 1))
        default:
            return .latest
        }
    }

    private static func rule(_ node: Node, path: String, reader: YAMLReader) throws(TollgateError) -> RuleSetting {
        let members = try reader.members(of: try reader.mapping(node, key: path), path: path,
                                         allowed: ["requiredHeaders", "duplicate", "mode", "name"])
        var enforcement = RuleSetting.Enforcement.enforce
        var name: String?
        var made: (any Rule)?
        for (key, value, line) in members {
            switch key {
            case "mode":
                let text = try reader.string(value, key: "\(path).mode")
                guard let parsed = RuleSetting.Enforcement(rawValue: text) else {
                    throw TollgateError(.invalidConfiguration, "'\(path).mode' must be enforce or shadow, found '\(text)'", file: reader.file, line: line)
                }
                enforcement = parsed
            case "name":
                name = try reader.string(value, key: "\(path).name")
            default:
                break
            }
        }
        for (key, value, line) in members {
            switch key {
            case "requiredHeaders":
                var headers: [(String, String?)] = []
                for (headerNode, patternNode) in try reader.mapping(value, key: "\(path).requiredHeaders") {
                    let header = try reader.string(headerNode, key: "\(path).requiredHeaders")
                    headers.append((header, reader.isNull(patternNode) ? nil : try reader.string(patternNode, key: "\(path).requiredHeaders.\(header)")))
                }
                do {
                    made = try RequiredHeadersRule(name: name ?? "required-headers", headers: headers)
                } catch {
                    throw TollgateError(.invalidConfiguration, "'\(path).requiredHeaders': invalid pattern: \(error)", file: reader.file, line: line)
                }
            case "duplicate":
                var keySource: DuplicateRule.Key = .messageKey
                var window = 100_000
                for (k, v, kLine) in try reader.members(of: try reader.mapping(value, key: "\(path).duplicate"), path: "\(path).duplicate",
                                                         allowed: ["key", "window"]) {
                    if k == "window" {
                        window = try reader.int(v, key: "\(path).duplicate.window", minimum: 1)
                    } else {
                        let text = try reader.string(v, key: "\(path).duplicate.key")
                        if text == "messageKey" {
                            keySource = .messageKey
                        } else if JSONPointer.tokens(text) != nil {
                            keySource = .payloadPointer(text)
                        } else {
                            throw TollgateError(.invalidConfiguration, "'\(path).duplicate.key' must be messageKey or a JSON Pointer like /eventId",
                                                file: reader.file, line: kLine)
                        }
                    }
                }
                made = DuplicateRule(name: name ?? "duplicate", key: keySource, window: window)
            default:
                break
            }
        }
        guard let made else {
            throw TollgateError(.invalidConfiguration, "'\(path)' must name a rule: requiredHeaders or duplicate", file: reader.file, line: node.mark?.line)
        }
        return RuleSetting(made, enforcement: enforcement)
    }
}
