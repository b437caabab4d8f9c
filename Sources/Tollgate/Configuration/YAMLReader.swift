import Yams

/// Reads a YAML mapping with the checks a configuration file needs: every key known, every value of
/// the right type, and errors that name the file, the line and the key path.
struct YAMLReader {
    let file: String
    let text: String
    /// The code errors carry.
    var code: TollgateError.Code = .invalidSubjectConfiguration
    /// Values that replace or add keys, by key path in capitals with dots (`SOURCE.RABBITMQ.URL`):
    /// the environment's `TOLLGATE__...` overrides.
    var overrides: [String: String] = [:]

    /// Parses `text`; an empty document is an empty mapping.
    func root() throws(TollgateError) -> Node.Mapping {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw TollgateError(code, "not valid YAML: \(YAMLReader.describe(error))",
                                file: file, line: YAMLReader.line(of: error))
        } catch {
            throw TollgateError(code, "not valid YAML: \(error)", file: file)
        }
        guard let node else { return Node.Mapping([]) }
        guard case .mapping(let mapping) = node else {
            throw TollgateError(code, "expected a mapping of keys to values", file: file, line: node.mark?.line)
        }
        return mapping
    }

    /// The members of `mapping`, refusing keys outside `allowed`.
    func members(of mapping: Node.Mapping, path: String, allowed: Set<String>) throws(TollgateError) -> [(key: String, value: Node, line: Int?)] {
        var out: [(key: String, value: Node, line: Int?)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                throw TollgateError(code, "keys must be strings", file: file, line: keyNode.mark?.line)
            }
            guard allowed.contains(key) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw TollgateError(code,
                                    "unknown key '\(path.isEmpty ? key : path + "." + key)' (known keys: \(known))",
                                    file: file, line: keyNode.mark?.line)
            }
            out.append((key, value, keyNode.mark?.line ?? value.mark?.line))
        }
        guard !overrides.isEmpty else { return out }
        for key in allowed.sorted() {
            let full = (path.isEmpty ? key : "\(path).\(key)").uppercased()
            if let value = overrides[full] {
                let node = Node.scalar(.init(value, .implicit, .plain))
                if let index = out.firstIndex(where: { $0.key == key }) { out[index].value = node } else { out.append((key, node, nil)) }
            } else if !out.contains(where: { $0.key == key }), overrides.keys.contains(where: { $0.hasPrefix(full + ".") }) {
                out.append((key, .mapping(Node.Mapping([])), nil))
            }
        }
        return out
    }

    func string(_ node: Node, key: String) throws(TollgateError) -> String {
        guard case .scalar(let scalar) = node else {
            throw TollgateError(code, "'\(key)' must be a string", file: file, line: node.mark?.line)
        }
        return scalar.string
    }

    func bool(_ node: Node, key: String) throws(TollgateError) -> Bool {
        guard case .scalar = node, let value = node.bool else {
            throw TollgateError(code, "'\(key)' must be true or false", file: file, line: node.mark?.line)
        }
        return value
    }

    func int(_ node: Node, key: String, minimum: Int = Int.min) throws(TollgateError) -> Int {
        guard case .scalar = node, let value = node.int, value >= minimum else {
            throw TollgateError(code, "'\(key)' must be an integer\(minimum > Int.min ? " of at least \(minimum)" : "")",
                                file: file, line: node.mark?.line)
        }
        return value
    }

    func mapping(_ node: Node, key: String) throws(TollgateError) -> Node.Mapping {
        guard case .mapping(let mapping) = node else {
            throw TollgateError(code, "'\(key)' must be a mapping of keys to values", file: file, line: node.mark?.line)
        }
        return mapping
    }

    func sequence(_ node: Node, key: String) throws(TollgateError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw TollgateError(code, "'\(key)' must be a list", file: file, line: node.mark?.line)
        }
        return Array(sequence)
    }

    /// Whether `node` is YAML's null (`~`, `null` or nothing).
    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
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
