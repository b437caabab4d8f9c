// tgdiff: differential-testing driver for TollgateSchema.
//
//   tgdiff [--format] [--draft D] [-v] SCHEMA DOCS.jsonl     one verdict per line on stdout
//   tgdiff --batch  < jobs.tsv                                 jobs: format \t draft \t schema \t docs \t out
//
// Verdicts: 1 valid, 0 invalid, E instance not acceptable JSON (parse error), and
// M<a><b><c> when isValid(json:), validate(json:) and validate(json:stopAtFirstError:) disagree.
// A schema that fails to compile prints "S <message>" (single mode) or "SCHEMAERR <message>" (batch).
import Foundation
import TollgateSchema

struct Msg: Error { let text: String; init(_ t: String) { text = t } }

func readFile(_ path: String) -> [UInt8]? {
    guard let d = FileManager.default.contents(atPath: path) else { return nil }
    return [UInt8](d)
}

func makeStore() -> JSONSchemaStore {
    var store = JSONSchemaStore()
    store.loader = { uri in
        guard uri.hasPrefix("file://") else { return nil }
        var path = String(uri.dropFirst(7))
        if let r = path.removingPercentEncoding { path = r }
        guard let bytes = readFile(path) else { return nil }
        return try? JSONValue(parsing: bytes)
    }
    return store
}

func fileURI(_ path: String) -> String {
    let abs = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    return "file://" + (abs.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? abs)
}

func compile(schemaPath: String, draft: String, format: Bool) -> Result<JSONSchema, Msg> {
    guard let bytes = readFile(schemaPath) else { return .failure(Msg("cannot read \(schemaPath)")) }
    var options = JSONSchemaOptions()
    options.formatAssertion = format
    if !draft.isEmpty && draft != "-" {
        guard let d = JSONSchemaDraft(userInput: draft) else { return .failure(Msg("bad draft \(draft)")) }
        options.defaultDraft = d
    }
    do {
        return .success(try JSONSchema(parsing: bytes, uri: fileURI(schemaPath), store: makeStore(), options: options))
    } catch {
        return .failure(Msg("\(error)".replacingOccurrences(of: "\n", with: " ")))
    }
}

func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    var out: [ArraySlice<UInt8>] = []
    var start = 0
    for i in 0..<bytes.count where bytes[i] == 0x0A {
        out.append(bytes[start..<i]); start = i + 1
    }
    if start < bytes.count { out.append(bytes[start..<bytes.count]) }
    return out
}

func verdict(_ schema: JSONSchema, _ doc: ArraySlice<UInt8>, verbose: Bool) -> String {
    let a: Bool
    do { a = try schema.isValid(json: doc) } catch {
        if verbose { print("  parse error: \(error)") }
        return "E"
    }
    guard let full = try? schema.validate(json: doc), let first = try? schema.validate(json: doc, stopAtFirstError: true) else {
        return "M" + (a ? "1" : "0") + "EE"
    }
    if verbose {
        for e in full.errors { print("  \(e)") }
    }
    if a == full.isValid && a == first.isValid && full.isValid == full.errors.isEmpty && first.isValid == first.errors.isEmpty {
        return a ? "1" : "0"
    }
    return "M" + (a ? "1" : "0") + (full.isValid ? "1" : "0") + (first.isValid ? "1" : "0") + "/\(full.errors.count)/\(first.errors.count)"
}

func run(format: Bool, draft: String, schemaPath: String, docsPath: String, verbose: Bool) -> (String?, [String]) {
    switch compile(schemaPath: schemaPath, draft: draft, format: format) {
    case .failure(let msg): return (msg.text, [])
    case .success(let schema):
        guard let docs = readFile(docsPath) else { return ("cannot read \(docsPath)", []) }
        return (nil, lines(docs).map { verdict(schema, $0, verbose: verbose) })
    }
}

var args = Array(CommandLine.arguments.dropFirst())
if args.first == "--batch" {
    while let line = readLine() {
        let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard f.count == 5 else { print("BADJOB \(line)"); continue }
        let (err, verdicts) = run(format: f[0] == "1", draft: f[1], schemaPath: f[2], docsPath: f[3], verbose: false)
        if let err {
            print("SCHEMAERR \(err)")
        } else {
            FileManager.default.createFile(atPath: f[4], contents: Data((verdicts.joined(separator: "\n") + "\n").utf8))
            print("OK \(verdicts.count)")
        }
        fflush(nil)
    }
} else {
    var format = false, draft = "-", verbose = false
    var rest: [String] = []
    while !args.isEmpty {
        let a = args.removeFirst()
        switch a {
        case "--format": format = true
        case "--draft": draft = args.removeFirst()
        case "-v": verbose = true
        default: rest.append(a)
        }
    }
    guard rest.count == 2 else { print("usage: tgdiff [--format] [--draft D] [-v] SCHEMA DOCS.jsonl"); exit(2) }
    switch compile(schemaPath: rest[0], draft: draft, format: format) {
    case .failure(let msg): print("S \(msg.text)"); exit(2)
    case .success(let schema):
        guard let docs = readFile(rest[1]) else { print("cannot read"); exit(2) }
        for d in lines(docs) {
            let v = verdict(schema, d, verbose: verbose)
            print(v)
        }
    }
}
