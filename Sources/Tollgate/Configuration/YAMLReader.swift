import Yams

/// Reads a YAML mapping with the checks a configuration file needs: every key known, every value of
/// the right type, and errors that name the file, the line and the key path.
struct YAMLReader {
    let file: String
    let text: String

    /// Parses `text`; an empty document is an empty mapping.
    func root() throws(TollgateError) -> Node.Mapping {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw TollgateError(.invalidSubjectConfiguration, "not valid YAML: \(YAMLReader.describe(error))",
                                file: file, line: YAMLReader.line(of: error))
        } catch {
            throw TollgateError(.invalidSubjectConfiguration, "not valid YAML: \(error)", file: file)
        }
        guard let node else { return Node.Mapping([]) }
        guard case .mapping(let mapping) = node else {
            throw TollgateError(.invalidSubjectConfiguration, "expected a mapping of keys to values", file: file, line: node.mark?.line)
        }
        return mapping
    }

    /// The members of `mapping`, refusing keys outside `allowed`.
    func members(of mapping: Node.Mapping, path: String, allowed: Set<String>) throws(TollgateError) -> [(key: String, value: Node, line: Int?)] {
        var out: [(key: String, value: Node, line: Int?)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                throw TollgateError(.invalidSubjectConfiguration, "keys must be strings", file: file, line: keyNode.mark?.line)
            }
            guard allowed.contains(key) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw TollgateError(.invalidSubjectConfiguration,
                                    "unknown key '\(path.isEmpty ? key : path + "." + key)' (known keys: \(known))",
                                    file: file, line: keyNode.mark?.line)
            }
            out.append((key, value, keyNode.mark?.line ?? value.mark?.line))
        }
        return out
    }

    func string(_ node: Node, key: String) throws(TollgateError) -> String {
        guard case .scalar(let scalar) = node else {
            throw TollgateError(.invalidSubjectConfiguration, "'\(key)' must be a string", file: file, line: node.mark?.line)
        }
        return scalar.string
    }

    func bool(_ node: Node, key: String) throws(TollgateError) -> Bool {
        guard case .scalar = node, let value = node.bool else {
            throw TollgateError(.invalidSubjectConfiguration, "'\(key)' must be true or false", file: file, line: node.mark?.line)
        }
        return value
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return "\(error)"
        }
    }
}
