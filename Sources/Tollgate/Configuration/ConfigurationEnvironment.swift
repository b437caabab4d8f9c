import Yams

/// The environment's part in a configuration file, applied to the parsed YAML before any key is
/// read, so secrets need not be written in the file:
///
/// - `${NAME}` in a value is replaced by the environment variable `NAME`; `${NAME:-fallback}` uses
///   `fallback` when `NAME` is unset or empty; `$${` writes a literal `${`. A variable that is unset,
///   with no fallback, is an error naming the key path and line. Keys are never substituted.
/// - `TOLLGATE__<KEY>__<KEY>...=value` sets the value at that key path (`TOLLGATE__SOURCE__RABBITMQ__URL`
///   sets `source.rabbitmq.url`), replacing what the file says or adding it. Segments match
///   Tollgate's key names without regard to case; ``YAMLReader`` applies them as it reads each
///   mapping, so only keys Tollgate knows can be set.
struct ConfigurationEnvironment {
    static let overridePrefix = "TOLLGATE__"

    let variables: [String: String]
    let file: String
    let code: TollgateError.Code

    /// `root` with every `${...}` reference in its values expanded.
    func substitute(_ root: Node.Mapping) throws(TollgateError) -> Node.Mapping {
        guard case .mapping(let mapping) = try substitute(.mapping(root), path: "") else { return root }
        return mapping
    }

    /// The `TOLLGATE__...` overrides, by key path in capitals with dots (`SOURCE.RABBITMQ.URL`).
    var overrides: [String: String] {
        var result: [String: String] = [:]
        for (name, value) in variables where name.hasPrefix(Self.overridePrefix) {
            let path = name.dropFirst(Self.overridePrefix.count).components(separatedBy: "__").filter { !$0.isEmpty }
            if !path.isEmpty { result[path.joined(separator: ".").uppercased()] = value }
        }
        return result
    }

    private func substitute(_ node: Node, path: String) throws(TollgateError) -> Node {
        switch node {
        case .scalar(let scalar):
            // A value the environment overrides is not read, so it need not expand.
            guard scalar.string.contains("$"), overrides[path.uppercased()] == nil else { return node }
            let expanded = try expand(scalar.string, path: path, line: node.mark?.line)
            return .scalar(.init(expanded, scalar.tag, scalar.style, scalar.mark))
        case .mapping(var mapping):
            for key in mapping.keys {
                let name = key.string ?? "?"
                if let value = mapping[key] {
                    mapping[key] = try substitute(value, path: path.isEmpty ? name : "\(path).\(name)")
                }
            }
            return .mapping(mapping)
        case .sequence(var sequence):
            for index in sequence.indices {
                sequence[index] = try substitute(sequence[index], path: "\(path)[\(index)]")
            }
            return .sequence(sequence)
        case .alias:
            return node
        }
    }

    /// `text` with `${NAME}` and `${NAME:-fallback}` replaced and `$${` unescaped.
    func expand(_ text: String, path: String, line: Int?) throws(TollgateError) -> String {
        var out = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[dollar...]
            if rest.hasPrefix("$${") {
                out += "${"
                rest = rest.dropFirst(3)
                continue
            }
            guard rest.hasPrefix("${") else {
                out += "$"
                rest = rest.dropFirst()
                continue
            }
            guard let close = rest.firstIndex(of: "}") else {
                throw TollgateError(code, "'\(path)': '${' has no closing '}'", file: file, line: line)
            }
            let inside = rest[rest.index(rest.startIndex, offsetBy: 2)..<close]
            let name: Substring, fallback: Substring?
            if let separator = inside.range(of: ":-") {
                name = inside[..<separator.lowerBound]
                fallback = inside[separator.upperBound...]
            } else {
                name = inside
                fallback = nil
            }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw TollgateError(code, "'\(path)': '${\(inside)}' is not a variable name (letters, digits, _)", file: file, line: line)
            }
            if let value = variables[String(name)], !value.isEmpty {
                out += value
            } else if let fallback {
                out += fallback
            } else {
                throw TollgateError(code, "'\(path)' uses ${\(name)}, which is not set in the environment (write ${\(name):-default} for a fallback)",
                                    file: file, line: line)
            }
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        return out
    }
}
