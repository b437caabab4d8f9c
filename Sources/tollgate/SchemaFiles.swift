import Foundation
import Synchronization
import TollgateSchema

/// Compiles the schema of `--schema` with the schemas of `--ref` directories, loading other local
/// `.json` files that references name by path, and never anything from the network.
///
/// Error messages name the files as the user typed them: every `file://` URI and `$id` of a loaded
/// document is mapped back to its path.
final class SchemaFiles: Sendable {
    private struct State {
        /// Display path for each URI a document is known by (file URI and `$id`).
        var displayPaths: [String: String] = [:]
        /// Files that a reference named and that exist but could not be loaded, with the reason.
        var loadFailures: [(path: String, reason: String)] = []
    }

    /// Filled while compiling; the compiler calls the store's loader synchronously, but the loader
    /// must be `@Sendable`, hence the lock.
    private let state = Mutex(State())
    private let currentDirectory: String

    init() {
        currentDirectory = FileManager.default.currentDirectoryPath
    }

    /// Reads, parses and compiles the schema at `schemaPath`.
    /// - Throws: ``CommandFailure`` naming the file (and line, column or JSON Pointer) at fault.
    func compile(schemaPath: String, refDirectories: [String], options: JSONSchemaOptions) throws(CommandFailure) -> JSONSchema {
        let schema = try parseFile(schemaPath, option: "--schema")
        let uri = SchemaFiles.fileURI(for: schemaPath)
        register(schema, uri: uri, path: schemaPath)
        var store = JSONSchemaStore()
        for directory in refDirectories {
            try addDirectory(directory, to: &store)
        }
        store.loader = { [self] uri in load(uri) }
        let compiled: JSONSchema
        do {
            compiled = try JSONSchema(schema, uri: uri, store: store, options: options)
        } catch {
            throw CommandFailure(message: describe(error))
        }
        for warning in compiled.warnings {
            StandardError.write("tollgate: warning: \(location(documentURI: warning.documentURI, pointer: warning.pointer)): \(warning.message)")
        }
        return compiled
    }

    /// The absolute `file://` URI of a path, the retrieval URI relative references resolve against.
    static func fileURI(for path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.absoluteString
    }

    // MARK: Loading

    private func addDirectory(_ directory: String, to store: inout JSONSchemaStore) throws(CommandFailure) {
        let files: [String]
        do throws(InputError) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
                throw InputError(reason: "No such file or directory")
            }
            guard isDirectory.boolValue else { throw InputError(reason: "Not a directory") }
            do {
                files = try FileManager.default.subpathsOfDirectory(atPath: directory)
                    .filter { $0.hasSuffix(".json") }
                    .sorted()
            } catch {
                throw InputError(reason: InputFiles.describe(error))
            }
        } catch {
            throw CommandFailure(message: "cannot read --ref '\(directory)': \(error.reason)")
        }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        for relative in files {
            let path = prefix + relative
            var isDirectory: ObjCBool = false
            // A directory whose name ends in .json is not a schema.
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let document = try parseFile(path, option: "--ref")
            let uri = SchemaFiles.fileURI(for: path)
            store.add(document, uri: uri)
            register(document, uri: uri, path: path)
        }
    }

    /// Reads and parses one schema file.
    private func parseFile(_ path: String, option: String) throws(CommandFailure) -> JSONValue {
        let bytes: Data
        do {
            let read = try InputFiles.read(path, limit: JSONParseLimits.schemaDocuments.maxBytes)
            guard let data = read.data else {
                throw CommandFailure(message: "schema error: \(path): the file is \(read.size.map { "\($0) bytes" } ?? "too large"), more than the limit of \(JSONParseLimits.schemaDocuments.maxBytes) bytes")
            }
            bytes = data
        } catch let error as InputError {
            throw CommandFailure(message: "cannot read \(option) '\(path)': \(error.reason)")
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(message: "cannot read \(option) '\(path)': \(error)")
        }
        do {
            return try JSONValue(parsing: bytes, limits: .schemaDocuments)
        } catch {
            throw CommandFailure(message: "schema error: \(path): not valid JSON at line \(error.line), column \(error.column): \(error.message)")
        }
    }

    /// The store's loader: a `file://` URI of an existing `.json` file is read from disk; anything else
    /// (other schemes, other files) is left unresolved.
    private func load(_ uri: String) -> JSONValue? {
        let reference = URIReference(uri)
        guard reference.scheme?.lowercased() == "file", reference.query == nil,
              (reference.authority ?? "").isEmpty || reference.authority?.lowercased() == "localhost"
        else { return nil }
        let absolutePath = URIReference.percentDecode(reference.path)
        guard absolutePath.hasSuffix(".json") else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolutePath, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return nil
        }
        let path = displayPath(forAbsolutePath: absolutePath)
        do {
            guard let data = try InputFiles.read(absolutePath, limit: JSONParseLimits.schemaDocuments.maxBytes).data else {
                recordFailure(path: path, reason: "the file is larger than \(JSONParseLimits.schemaDocuments.maxBytes) bytes")
                return nil
            }
            let document = try JSONValue(parsing: data, limits: .schemaDocuments)
            register(document, uri: uri, path: path)
            return document
        } catch let error as JSONParseError {
            recordFailure(path: path, reason: "not valid JSON at line \(error.line), column \(error.column): \(error.message)")
        } catch let error as InputError {
            recordFailure(path: path, reason: error.reason)
        } catch {
            recordFailure(path: path, reason: "\(error)")
        }
        return nil
    }

    private func recordFailure(path: String, reason: String) {
        state.withLock { $0.loadFailures.append((path, reason)) }
    }

    /// Remembers the path for the document's retrieval URI and for its `$id` (draft 4: `id`), resolved
    /// as ``JSONSchemaStore/add(_:uri:)`` resolves it.
    private func register(_ document: JSONValue, uri: String, path: String) {
        let retrieval = URIReference(uri).withoutFragment
        state.withLock { state in
            state.displayPaths[retrieval.description] = path
            for key in ["$id", "id"] {
                if case .string(let id)? = document[key], !id.hasPrefix("#") {
                    let resolved = URIReference(id).resolved(against: retrieval).withoutFragment.description
                    if state.displayPaths[resolved] == nil { state.displayPaths[resolved] = path }
                }
            }
        }
    }

    // MARK: Messages

    /// `schema error: <path>#<pointer>: <message>`, plus why a referenced file could not be loaded.
    private func describe(_ error: SchemaError) -> String {
        let failures = state.withLock { $0.loadFailures }
        var message = "schema error: \(location(documentURI: error.documentURI, pointer: error.pointer)): \(error.message)"
        if error.code == .unresolvableReference || error.code == .unknownMetaSchema {
            for failure in failures {
                message += "; '\(failure.path)' exists but cannot be loaded: \(failure.reason)"
            }
        }
        return message
    }

    /// `<path>#<pointer>` for a place in a loaded document, with the path as the user typed it.
    private func location(documentURI: String, pointer: String) -> String {
        let name = state.withLock { $0.displayPaths[documentURI] } ?? displayName(forURI: documentURI)
        return name + (pointer.isEmpty ? "" : "#" + pointer)
    }

    /// A `file://` URI as a path (relative to the current directory when below it); other URIs as they are.
    private func displayName(forURI uri: String) -> String {
        let reference = URIReference(uri)
        guard reference.scheme?.lowercased() == "file" else { return uri }
        return displayPath(forAbsolutePath: URIReference.percentDecode(reference.path))
    }

    private func displayPath(forAbsolutePath path: String) -> String {
        let directory = currentDirectory.hasSuffix("/") ? currentDirectory : currentDirectory + "/"
        return path.hasPrefix(directory) ? String(path.dropFirst(directory.count)) : path
    }
}
