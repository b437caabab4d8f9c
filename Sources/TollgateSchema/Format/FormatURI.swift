/// `uri` and `uri-reference` (RFC 3986 section 3 and 4.1), `iri` and `iri-reference` (RFC 3987
/// section 2.2), checked strictly against the ABNF.
///
/// Every character outside a component's set must be percent-encoded, and every `%` must start a
/// `%XX` triplet. An IP literal in brackets must be a valid IPv6 address (RFC 4291) or IPvFuture;
/// a host without brackets is a reg-name, so `999.999.999.999` passes as one. IRIs also allow
/// `ucschar` everywhere but in the scheme and IP literals, and `iprivate` in the query.
enum FormatURI {
    /// Character sets of RFC 3986 as bits, for ASCII.
    private struct CharacterSet: OptionSet {
        let rawValue: UInt8
        static let unreserved = CharacterSet(rawValue: 1 << 0)  // ALPHA DIGIT - . _ ~
        static let subDelimiters = CharacterSet(rawValue: 1 << 1)  // ! $ & ' ( ) * + , ; =
        static let colon = CharacterSet(rawValue: 1 << 2)
        static let at = CharacterSet(rawValue: 1 << 3)
        static let slash = CharacterSet(rawValue: 1 << 4)
        static let question = CharacterSet(rawValue: 1 << 5)

        static let userInfo: CharacterSet = [.unreserved, .subDelimiters, .colon]
        static let regName: CharacterSet = [.unreserved, .subDelimiters]
        static let pathCharacter: CharacterSet = [.unreserved, .subDelimiters, .colon, .at]
        static let path: CharacterSet = [.pathCharacter, .slash]
        static let query: CharacterSet = [.pathCharacter, .slash, .question]

        @inline(__always)
        static func of(_ byte: UInt8) -> CharacterSet {
            if FormatASCII.isAlphaNumeric(byte) {
                return .unreserved
            }
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                return .unreserved
            case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
                 UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
                 UInt8(ascii: "="):
                return .subDelimiters
            case UInt8(ascii: ":"):
                return .colon
            case UInt8(ascii: "@"):
                return .at
            case UInt8(ascii: "/"):
                return .slash
            case UInt8(ascii: "?"):
                return .question
            default:
                return []
            }
        }
    }

    /// - Parameters:
    ///   - allowsRelative: accept a relative reference (`uri-reference`, `iri-reference`).
    ///   - international: accept IRI characters (`iri`, `iri-reference`).
    static func isValid(_ utf8: UnsafeBufferPointer<UInt8>, allowsRelative: Bool, international: Bool) -> Bool {
        let end = utf8.count
        var index = 0
        // A colon before any '/', '?' or '#' ends a scheme; a relative reference cannot have one
        // there (RFC 3986 section 4.2, path-noscheme).
        var colon = 0
        while colon < end {
            let byte = utf8[colon]
            if byte == UInt8(ascii: ":") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?")
                || byte == UInt8(ascii: "#")
            {
                break
            }
            colon += 1
        }
        if colon < end, utf8[colon] == UInt8(ascii: ":") {
            guard isScheme(utf8, to: colon) else { return false }
            index = colon + 1
        } else if !allowsRelative {
            return false
        }
        if end - index >= 2, utf8[index] == UInt8(ascii: "/"), utf8[index + 1] == UInt8(ascii: "/") {
            index += 2
            var authorityEnd = index
            while authorityEnd < end, utf8[authorityEnd] != UInt8(ascii: "/"),
                  utf8[authorityEnd] != UInt8(ascii: "?"), utf8[authorityEnd] != UInt8(ascii: "#")
            {
                authorityEnd += 1
            }
            guard isAuthority(utf8, from: index, to: authorityEnd, international: international) else {
                return false
            }
            index = authorityEnd
        }
        guard scan(utf8, from: &index, allowed: .path, international: international, privateUse: false) else {
            return false
        }
        if index < end, utf8[index] == UInt8(ascii: "?") {
            index += 1
            guard scan(utf8, from: &index, allowed: .query, international: international, privateUse: true) else {
                return false
            }
        }
        if index < end, utf8[index] == UInt8(ascii: "#") {
            index += 1
            guard scan(utf8, from: &index, allowed: .query, international: international, privateUse: false) else {
                return false
            }
        }
        return index == end
    }

    /// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
    private static func isScheme(_ utf8: UnsafeBufferPointer<UInt8>, to end: Int) -> Bool {
        guard end > 0, FormatASCII.isAlpha(utf8[0]) else { return false }
        for index in 1..<end {
            let byte = utf8[index]
            guard FormatASCII.isAlphaNumeric(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: ".")
            else {
                return false
            }
        }
        return true
    }

    /// authority = [ userinfo "@" ] host [ ":" port ], in `utf8[start..<end]`.
    private static func isAuthority(
        _ utf8: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, international: Bool
    ) -> Bool {
        let authority = UnsafeBufferPointer(rebasing: utf8[start..<end])
        var index = 0
        if authority.contains(UInt8(ascii: "@")) {
            guard scan(authority, from: &index, allowed: .userInfo, international: international, privateUse: false),
                  index < authority.count, authority[index] == UInt8(ascii: "@")
            else {
                return false
            }
            index += 1
        }
        if index < authority.count, authority[index] == UInt8(ascii: "[") {
            guard let close = authority[index...].firstIndex(of: UInt8(ascii: "]")),
                  isIPLiteral(authority, from: index + 1, to: close)
            else {
                return false
            }
            index = close + 1
        } else {
            guard scan(authority, from: &index, allowed: .regName, international: international, privateUse: false)
            else {
                return false
            }
        }
        if index < authority.count {
            // port = *DIGIT
            guard authority[index] == UInt8(ascii: ":") else { return false }
            index += 1
            while index < authority.count {
                guard FormatASCII.isDigit(authority[index]) else { return false }
                index += 1
            }
        }
        return true
    }

    /// IPv6address / IPvFuture, between the brackets of an IP-literal.
    private static func isIPLiteral(_ utf8: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        guard start < end else { return false }
        guard FormatASCII.lowercased(utf8[start]) == UInt8(ascii: "v") else {
            return FormatIP.isIPv6(utf8, from: start, to: end)
        }
        // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
        var index = start + 1
        while index < end, FormatASCII.isHexDigit(utf8[index]) {
            index += 1
        }
        guard index > start + 1, index < end, utf8[index] == UInt8(ascii: ".") else { return false }
        index += 1
        guard index < end else { return false }
        while index < end {
            guard !CharacterSet.of(utf8[index]).isDisjoint(with: .userInfo) else { return false }
            index += 1
        }
        return true
    }

    /// Advances `index` over characters in `allowed`, percent-encoded triplets and, for IRIs,
    /// `ucschar` (and `iprivate` where `privateUse`). Stops at the end or at the first other ASCII
    /// character, which the caller judges.
    /// - Returns: false on a bad triplet or a non-ASCII character that is not allowed.
    private static func scan(
        _ utf8: UnsafeBufferPointer<UInt8>, from index: inout Int, allowed: CharacterSet,
        international: Bool, privateUse: Bool
    ) -> Bool {
        let end = utf8.count
        while index < end {
            let byte = utf8[index]
            if byte < 0x80 {
                if !CharacterSet.of(byte).isDisjoint(with: allowed) {
                    index += 1
                } else if byte == UInt8(ascii: "%") {
                    guard end - index >= 3, FormatASCII.isHexDigit(utf8[index + 1]),
                          FormatASCII.isHexDigit(utf8[index + 2])
                    else {
                        return false
                    }
                    index += 3
                } else {
                    return true
                }
            } else {
                guard international else { return false }
                let (scalar, length) = ValidUTF8.decode(utf8, at: index)
                guard isUCSCharacter(scalar) || (privateUse && isPrivateUse(scalar)) else { return false }
                index += length
            }
        }
        return true
    }

    /// ucschar (RFC 3987 section 2.2).
    @inline(__always)
    static func isUCSCharacter(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0xA0...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFEF, 0xE1000...0xEFFFD:
            return true
        case 0x10000..<0xE0000:
            // Planes 1 to 13 but their last two code points (noncharacters).
            return scalar & 0xFFFF <= 0xFFFD
        default:
            return false
        }
    }

    /// iprivate (RFC 3987 section 2.2).
    @inline(__always)
    static func isPrivateUse(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0xE000...0xF8FF, 0xF0000...0xFFFFD, 0x100000...0x10FFFD:
            return true
        default:
            return false
        }
    }
}
