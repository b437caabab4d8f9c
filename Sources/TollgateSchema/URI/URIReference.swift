/// An RFC 3986 URI reference, split into its five components, with reference resolution.
///
/// Only what schema identification needs: parsing by the generic syntax (RFC 3986 appendix B),
/// resolution against a base (section 5.2), dot-segment removal and case normalization of scheme and
/// host. It never touches the network.
public struct URIReference: Sendable, Hashable, CustomStringConvertible {
    public var scheme: String?
    public var authority: String?
    public var path: String
    public var query: String?
    public var fragment: String?

    public init(scheme: String?, authority: String?, path: String, query: String?, fragment: String?) {
        self.scheme = scheme
        self.authority = authority
        self.path = path
        self.query = query
        self.fragment = fragment
    }

    /// Splits `string` into components. Every string parses (the generic syntax is permissive);
    /// use ``isAbsolute`` to tell absolute URIs from relative references.
    public init(_ string: String) {
        var rest = Substring(string)
        var fragment: String?
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        var query: String?
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        var scheme: String?
        if let colon = rest.firstIndex(of: ":"),
           let first = rest.first, first.isASCII && first.isLetter,
           rest[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }),
           !rest[..<colon].contains("/")
        {
            scheme = rest[..<colon].lowercased()
            rest = rest[rest.index(after: colon)...]
        }
        var authority: String?
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            authority = URIReference.normalizeAuthority(String(rest[..<slash]))
            rest = rest[slash...]
        }
        self.init(scheme: scheme, authority: authority, path: String(rest), query: query, fragment: fragment)
    }

    /// Lower-cases the host part of an authority (userinfo and port are kept as they are).
    private static func normalizeAuthority(_ a: String) -> String {
        var userinfo = ""
        var hostPort = Substring(a)
        if let at = hostPort.lastIndex(of: "@") {
            userinfo = String(hostPort[...at])
            hostPort = hostPort[hostPort.index(after: at)...]
        }
        return userinfo + hostPort.lowercased()
    }

    /// Whether the reference has a scheme.
    public var isAbsolute: Bool { scheme != nil }

    /// The reference without its fragment.
    public var withoutFragment: URIReference {
        var copy = self
        copy.fragment = nil
        return copy
    }

    /// Recomposes the reference (RFC 3986 section 5.3).
    public var description: String {
        var out = ""
        if let scheme { out += scheme + ":" }
        if let authority { out += "//" + authority }
        out += path
        if let query { out += "?" + query }
        if let fragment { out += "#" + fragment }
        return out
    }

    /// Resolves this reference against `base` (RFC 3986 section 5.2.2).
    public func resolved(against base: URIReference) -> URIReference {
        var t = URIReference(scheme: nil, authority: nil, path: "", query: nil, fragment: fragment)
        if let scheme {
            t.scheme = scheme
            t.authority = authority
            t.path = URIReference.removeDotSegments(path)
            t.query = query
            return t
        }
        t.scheme = base.scheme
        if authority != nil {
            t.authority = authority
            t.path = URIReference.removeDotSegments(path)
            t.query = query
            return t
        }
        t.authority = base.authority
        if path.isEmpty {
            t.path = base.path
            t.query = query ?? base.query
        } else {
            if path.hasPrefix("/") {
                t.path = URIReference.removeDotSegments(path)
            } else {
                t.path = URIReference.removeDotSegments(URIReference.merge(base: base, path: path))
            }
            t.query = query
        }
        return t
    }

    /// Resolves a reference string against this URI.
    public func resolving(_ reference: String) -> URIReference {
        URIReference(reference).resolved(against: self)
    }

    private static func merge(base: URIReference, path: String) -> String {
        if base.authority != nil && base.path.isEmpty { return "/" + path }
        if let slash = base.path.lastIndex(of: "/") {
            return String(base.path[...slash]) + path
        }
        return path
    }

    /// RFC 3986 section 5.2.4.
    static func removeDotSegments(_ path: String) -> String {
        guard path.contains(".") else { return path }
        var input = Substring(path)
        var output: [Substring] = []
        var outputString = ""
        while !input.isEmpty {
            if input.hasPrefix("../") { input = input.dropFirst(3); continue }
            if input.hasPrefix("./") { input = input.dropFirst(2); continue }
            if input.hasPrefix("/./") { input = input.dropFirst(2); continue }
            if input == "/." { input = "/"; continue }
            if input.hasPrefix("/../") || input == "/.." {
                input = input == "/.." ? "/" : input.dropFirst(3)
                if !output.isEmpty { output.removeLast() }
                continue
            }
            if input == "." || input == ".." { input = ""; continue }
            // Move the first segment (with its leading slash, up to the next slash) to the output.
            let start = input.hasPrefix("/") ? input.index(after: input.startIndex) : input.startIndex
            let end = input[start...].firstIndex(of: "/") ?? input.endIndex
            output.append(input[..<end])
            input = input[end...]
        }
        for segment in output { outputString += segment }
        return outputString
    }
}

extension URIReference {
    /// Percent-decodes a string (used for URI fragments holding JSON Pointers). Invalid escapes are kept.
    public static func percentDecode(_ s: String) -> String {
        guard s.contains("%") else { return s }
        var bytes: [UInt8] = []
        let utf8 = Array(s.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "%"), i + 2 < utf8.count,
               let h = hexValue(utf8[i + 1]), let l = hexValue(utf8[i + 2])
            {
                bytes.append(h << 4 | l)
                i += 3
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - 55
        default: return nil
        }
    }

    /// Percent-encodes characters a JSON Pointer may hold but a URI fragment may not.
    public static func fragmentEncode(_ s: String) -> String {
        // Letters, digits and "-._~!$&'()*+,;=:@/?" stay; every other byte is %-encoded.
        if s.utf8.allSatisfy(isFragmentSafe) { return s }
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 16)
        for b in s.utf8 {
            if isFragmentSafe(b) {
                out.append(b)
            } else {
                out.append(contentsOf: [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isFragmentSafe(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "$"),
             UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"),
             UInt8(ascii: "?"):
            return true
        default:
            return false
        }
    }
}
