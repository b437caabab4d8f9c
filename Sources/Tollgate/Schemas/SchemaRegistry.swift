import Foundation
import TollgateSchema

/// One version of a subject's schema, compiled. A class: the pipeline hands it around per message,
/// and one reference is cheaper to pass than its six.
public final class SchemaVersion: Sendable {
    public let subject: String
    public let version: Int
    /// The file it was loaded from, as given to the registry (e.g. `schemas/orders/2.json`).
    public let path: String
    /// The file's `file://` URI, the base of its relative references.
    public let uri: String
    /// The schema document.
    public let document: JSONValue
    /// The compiled schema.
    public let schema: JSONSchema

    /// `subject/version`, as the `tollgate.schema` header writes it.
    public let id: String

    init(subject: String, version: Int, path: String, uri: String, document: JSONValue, schema: JSONSchema) {
        self.subject = subject
        self.version = version
        self.path = path
        self.uri = uri
        self.document = document
        self.schema = schema
        id = "\(subject)/\(version)"
    }
}

/// A subject: its configuration and its versions, oldest first.
public struct SchemaSubject: Sendable {
    public let name: String
    public let configuration: SubjectConfiguration
    public let versions: [SchemaVersion]

    /// The newest version.
    public var latest: SchemaVersion { versions[versions.count - 1] }

    public func version(_ number: Int) -> SchemaVersion? {
        versions.first { $0.version == number }
    }
}

/// The versioned schemas of a `schemas/` directory, all compiled at start-up.
///
/// Layout: `schemas/<subject>/<version>.json`, with an optional `schemas/<subject>/subject.yaml`
/// (see ``SubjectConfiguration``). A version is a positive integer. Every schema file is loaded
/// before any is compiled, so a schema may `$ref` another subject's file by relative path
/// (`../customers/1.json`) or by its `$id`. Nothing is fetched over the network.
///
/// Loading fails, naming the file and the line or JSON Pointer, when anything is wrong: a stray
/// file name, a schema that is not JSON or does not compile, a bad `subject.yaml`.
public final class SchemaRegistry: Sendable {
    /// How schemas are compiled.
    public struct Options: Sendable, Hashable {
        /// The draft for schemas without `$schema` (a subject's `draft` overrides it). Default: 2020-12.
        public var defaultDraft: JSONSchemaDraft
        /// Whether `format` is asserted (a subject's `formatAssertion` overrides it). Default: `true`:
        /// a format a message schema declares is one the producer promised.
        public var formatAssertion: Bool
        /// Limits for parsing messages. Default: ``JSONParseLimits/default``.
        public var parseLimits: JSONParseLimits

        public init(defaultDraft: JSONSchemaDraft = .default, formatAssertion: Bool = true,
                    parseLimits: JSONParseLimits = .default)
        {
            self.defaultDraft = defaultDraft
            self.formatAssertion = formatAssertion
            self.parseLimits = parseLimits
        }
    }

    /// Subjects, sorted by name.
    public let subjects: [SchemaSubject]
    /// The directory the schemas were loaded from.
    public let directory: String
    /// Notes from compiling that did not stop it (e.g. an unknown `$schema`), by version.
    public let warnings: [(version: String, warning: SchemaWarning)]
    /// Every schema document, by its `file://` URI and its `$id`: what `$ref`s resolve against.
    public let store: JSONSchemaStore
    private let subjectIndex: [String: Int]

    private init(directory: String, subjects: [SchemaSubject], warnings: [(version: String, warning: SchemaWarning)],
                 store: JSONSchemaStore)
    {
        self.directory = directory
        self.subjects = subjects
        subjectIndex = Dictionary(subjects.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.warnings = warnings
        self.store = store
    }

    public func subject(_ name: String) -> SchemaSubject? {
        subjectIndex[name].map { subjects[$0] }
    }

    /// The version `version` of `subject`, if the registry has it.
    public func version(subject: String, version: Int) -> SchemaVersion? {
        self.subject(subject)?.version(version)
    }

    /// Whether `path` names an existing directory.
    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Loads and compiles every schema under `directory`.
    /// - Throws: ``TollgateError`` naming the file and the line or JSON Pointer at fault.
    public static func load(directory: String, options: Options = Options()) throws(TollgateError) -> SchemaRegistry {
        let files = FileManager.default
        guard isDirectory(directory) else {
            throw TollgateError(.unreadable, "the schema directory does not exist or is not a directory", file: directory)
        }
        let subjectNames: [String]
        do {
            subjectNames = try files.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw TollgateError(.unreadable, "cannot list the directory: \(error.localizedDescription)", file: directory)
        }

        // 1. Read every subject's files, so references across subjects resolve when compiling.
        struct Pending {
            var name: String
            var configuration: SubjectConfiguration
            var versions: [(version: Int, path: String, uri: String, document: JSONValue)]
        }
        var pending: [Pending] = []
        var store = JSONSchemaStore()
        var pathsByURI: [String: String] = [:]
        for name in subjectNames {
            let subjectPath = (directory as NSString).appendingPathComponent(name)
            var subjectIsDirectory: ObjCBool = false
            guard files.fileExists(atPath: subjectPath, isDirectory: &subjectIsDirectory), subjectIsDirectory.boolValue else {
                // Other files (a README, a configuration file) may live beside the subjects; a
                // schema file there is a misplaced version.
                guard name.hasSuffix(".json") else { continue }
                throw TollgateError(.layout, "expected a subject directory (schemas/<subject>/<version>.json), found a file", file: subjectPath)
            }
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }) else {
                throw TollgateError(.layout, "a subject name may use only ASCII letters, digits, '-', '_' and '.'", file: subjectPath)
            }
            var configuration = SubjectConfiguration()
            var versions: [(version: Int, path: String, uri: String, document: JSONValue)] = []
            let entries: [String]
            do {
                entries = try files.contentsOfDirectory(atPath: subjectPath).filter { !$0.hasPrefix(".") }.sorted()
            } catch {
                throw TollgateError(.unreadable, "cannot list the directory: \(error.localizedDescription)", file: subjectPath)
            }
            for entry in entries {
                let path = (subjectPath as NSString).appendingPathComponent(entry)
                if entry == "subject.yaml" || entry == "subject.yml" {
                    configuration = try SubjectConfiguration(yaml: try readText(path), file: path)
                    continue
                }
                guard entry.hasSuffix(".json") else { continue }
                let stem = String(entry.dropLast(5))
                guard let version = Int(stem), version > 0, String(version) == stem else {
                    throw TollgateError(.layout, "a schema file must be named <version>.json with a positive version number (e.g. 1.json)", file: path)
                }
                let bytes = try readBytes(path)
                let document: JSONValue
                do {
                    document = try JSONValue(parsing: bytes, limits: .schemaDocuments)
                } catch {
                    throw TollgateError(.invalidSchema, "not valid JSON: \(error.message)", file: path, line: error.line)
                }
                let uri = URL(fileURLWithPath: path).standardizedFileURL.absoluteString
                store.add(document, uri: uri)
                pathsByURI[uri] = path
                if case .object(let object) = document, case .string(let id)? = object["$id"] ?? object["id"] {
                    pathsByURI[URIReference(id).resolved(against: URIReference(uri)).withoutFragment.description] = path
                }
                versions.append((version, path, uri, document))
            }
            guard !versions.isEmpty else {
                throw TollgateError(.layout, "the subject has no schema versions (expected files like 1.json)", file: subjectPath)
            }
            pending.append(Pending(name: name, configuration: configuration, versions: versions.sorted { $0.version < $1.version }))
        }

        // 2. Compile every version.
        var subjects: [SchemaSubject] = []
        var warnings: [(version: String, warning: SchemaWarning)] = []
        for subject in pending {
            var compiled: [SchemaVersion] = []
            let schemaOptions = JSONSchemaOptions(
                defaultDraft: subject.configuration.draft ?? options.defaultDraft,
                formatAssertion: subject.configuration.formatAssertion ?? options.formatAssertion,
                parseLimits: options.parseLimits)
            for version in subject.versions {
                let schema: JSONSchema
                do {
                    schema = try JSONSchema(version.document, uri: version.uri, store: store, options: schemaOptions)
                } catch {
                    throw TollgateError(.invalidSchema, error.message, file: pathsByURI[error.documentURI] ?? error.documentURI,
                                        pointer: error.pointer)
                }
                for warning in schema.warnings {
                    var located = warning
                    located.documentURI = pathsByURI[warning.documentURI] ?? warning.documentURI
                    warnings.append(("\(subject.name)/\(version.version)", located))
                }
                compiled.append(SchemaVersion(subject: subject.name, version: version.version, path: version.path,
                                              uri: version.uri, document: version.document, schema: schema))
            }
            subjects.append(SchemaSubject(name: subject.name, configuration: subject.configuration, versions: compiled))
        }
        return SchemaRegistry(directory: directory, subjects: subjects, warnings: warnings, store: store)
    }

    private static func readBytes(_ path: String) throws(TollgateError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TollgateError(.unreadable, "cannot read the file", file: path)
        }
        return [UInt8](data)
    }

    private static func readText(_ path: String) throws(TollgateError) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }
}
