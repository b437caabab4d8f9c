/// `uri-template` (RFC 6570 section 2, all four levels): literals and `{...}` expressions.
///
/// Literals follow the ABNF of section 2.1 plus the apostrophe, which erratum 6937 restores. An
/// expression has an optional operator (`+ # . / ; ? &`, or one of the reserved `= , ! @ |`), then
/// one or more comma-separated varspecs: a name of varchars with single dots between them, and an
/// optional `*` or `:` length of 1 to 9999 without leading zeros.
enum FormatURITemplate {
    static func isValid(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        let end = utf8.count
        var index = 0
        while index < end {
            let byte = utf8[index]
            if byte == UInt8(ascii: "{") {
                index += 1
                guard isExpression(utf8, &index) else { return false }
            } else if byte == UInt8(ascii: "%") {
                guard isPercentTriplet(utf8, at: index) else { return false }
                index += 3
            } else if byte < 0x80 {
                guard isLiteral(byte) else { return false }
                index += 1
            } else {
                let (scalar, length) = ValidUTF8.decode(utf8, at: index)
                guard FormatURI.isUCSCharacter(scalar) || FormatURI.isPrivateUse(scalar) else { return false }
                index += length
            }
        }
        return true
    }

    /// ASCII literals: printable characters except space, `"`, `%`, `<`, `>`, `\`, `^`, `` ` ``,
    /// `{`, `|` and `}`.
    @inline(__always)
    private static func isLiteral(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x21...0x7E:
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\\"),
                 UInt8(ascii: "^"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"):
                return false
            default:
                return true
            }
        default:
            return false
        }
    }

    @inline(__always)
    private static func isPercentTriplet(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        utf8.count - index >= 3 && FormatASCII.isHexDigit(utf8[index + 1]) && FormatASCII.isHexDigit(utf8[index + 2])
    }

    /// Reads an expression after its `{`, up to and including the `}`.
    private static func isExpression(_ utf8: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Bool {
        let end = utf8.count
        guard index < end else { return false }
        switch utf8[index] {
        case UInt8(ascii: "+"), UInt8(ascii: "#"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: ";"),
             UInt8(ascii: "?"), UInt8(ascii: "&"), UInt8(ascii: "="), UInt8(ascii: ","), UInt8(ascii: "!"),
             UInt8(ascii: "@"), UInt8(ascii: "|"):
            index += 1
        default:
            break
        }
        while true {
            guard isVariableName(utf8, &index), index < end else { return false }
            switch utf8[index] {
            case UInt8(ascii: "*"):
                index += 1
            case UInt8(ascii: ":"):
                // max-length = %x31-39 0*3DIGIT
                index += 1
                guard index < end, utf8[index] &- 0x31 < 9 else { return false }
                let digitsStart = index
                while index < end, FormatASCII.isDigit(utf8[index]) {
                    index += 1
                }
                guard index - digitsStart <= 4 else { return false }
            default:
                break
            }
            guard index < end else { return false }
            if utf8[index] == UInt8(ascii: "}") {
                index += 1
                return true
            }
            guard utf8[index] == UInt8(ascii: ",") else { return false }
            index += 1
        }
    }

    /// varname = varchar *( ["."] varchar ); varchar = ALPHA / DIGIT / "_" / pct-encoded
    private static func isVariableName(_ utf8: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Bool {
        let end = utf8.count
        var expectsCharacter = true
        while index < end {
            let byte = utf8[index]
            if FormatASCII.isAlphaNumeric(byte) || byte == UInt8(ascii: "_") {
                index += 1
            } else if byte == UInt8(ascii: "%") {
                guard isPercentTriplet(utf8, at: index) else { return false }
                index += 3
            } else if byte == UInt8(ascii: "."), !expectsCharacter {
                index += 1
                expectsCharacter = true
                continue
            } else {
                break
            }
            expectsCharacter = false
        }
        return !expectsCharacter
    }
}
