/// `email` (RFC 5321 section 4.1.2 `Mailbox`) and `idn-email` (RFC 6531 section 3.3).
///
/// The local part is a dot-atom or a quoted string of at most 64 octets. The domain is a
/// `hostname` (an `idn-hostname` for `idn-email`) or an address literal: `[` IPv4 `]` or
/// `[IPv6:` IPv6 `]`. No comments, folding white space or display names: the format is an address,
/// not a header. `idn-email` also allows any non-ASCII character in the local part (`UTF8-non-ascii`).
enum FormatEmail {
    /// RFC 5321 section 4.5.3.1.1.
    private static let maximumLocalPartLength = 64

    static func isValid(_ utf8: UnsafeBufferPointer<UInt8>, international: Bool) -> Bool {
        let end = utf8.count
        guard end >= 3 else { return false }
        var index = 0
        if utf8[0] == UInt8(ascii: "\"") {
            index = 1
            while true {
                guard index < end else { return false }
                let byte = utf8[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    break
                }
                if byte == UInt8(ascii: "\\") {
                    // quoted-pairSMTP: a backslash and a printable ASCII character.
                    guard index + 1 < end, utf8[index + 1] &- 0x20 < 0x5F else { return false }
                    index += 2
                } else {
                    // qtextSMTP: printable ASCII but '"' and '\'.
                    guard byte &- 0x20 < 0x5F || (international && byte >= 0x80) else { return false }
                    index += 1
                }
            }
        } else {
            // Dot-atom: atoms of atext separated by single dots.
            var atomStart = 0
            while index < end {
                let byte = utf8[index]
                if byte == UInt8(ascii: ".") {
                    guard index > atomStart else { return false }
                    atomStart = index + 1
                } else if byte == UInt8(ascii: "@") {
                    break
                } else {
                    guard FormatASCIISet.atomText.contains(byte) || (international && byte >= 0x80) else {
                        return false
                    }
                }
                index += 1
            }
            guard index > atomStart else { return false }
        }
        guard index <= maximumLocalPartLength, index < end, utf8[index] == UInt8(ascii: "@") else {
            return false
        }
        let domain = UnsafeBufferPointer(rebasing: utf8[(index + 1)...])
        guard let first = domain.first else { return false }
        if first == UInt8(ascii: "[") {
            return isAddressLiteral(domain)
        }
        return international ? FormatHostname.isValidIDNHostname(domain) : FormatHostname.isValidHostname(domain)
    }

    /// `[` IPv4 `]` or `[IPv6:` IPv6 `]` (RFC 5321 section 4.1.3). General address literals use tags
    /// that IANA never registered, so they are rejected.
    private static func isAddressLiteral(_ literal: UnsafeBufferPointer<UInt8>) -> Bool {
        let end = literal.count - 1
        guard end >= 2, literal[end] == UInt8(ascii: "]") else { return false }
        if FormatASCII.hasPrefixIgnoringCase(literal, at: 1, end: end, "ipv6:") {
            return FormatIP.isIPv6(literal, from: 6, to: end)
        }
        return FormatIP.isIPv4(literal, from: 1, to: end)
    }
}
