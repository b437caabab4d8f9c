/// `ipv4` (RFC 2673 section 3.2 dotted-quad) and `ipv6` (RFC 4291 section 2.2) text forms.
enum FormatIP {
    /// Four decimal octets 0-255 separated by dots, without leading zeros, signs or spaces.
    static func isValidIPv4(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        isIPv4(utf8, from: 0, to: utf8.count)
    }

    /// Eight groups of one to four hex digits, or fewer with one `::`, optionally ending in a
    /// dotted-quad IPv4 address that counts as two groups. No zone id, prefix length or brackets.
    static func isValidIPv6(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        isIPv6(utf8, from: 0, to: utf8.count)
    }

    /// Whether `utf8[start..<end]` is a dotted-quad IPv4 address.
    @inline(__always)
    static func isIPv4(_ utf8: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var index = start
        guard octet(utf8, &index, end) else { return false }
        for _ in 0..<3 {
            guard index < end, utf8[index] == UInt8(ascii: ".") else { return false }
            index += 1
            guard octet(utf8, &index, end) else { return false }
        }
        return index == end
    }

    /// Reads a decimal octet at `index`. A digit left after it is caught by the caller, which expects
    /// a dot or the end there ("01" and "1234" fail that way).
    @inline(__always)
    private static func octet(_ utf8: UnsafeBufferPointer<UInt8>, _ index: inout Int, _ end: Int) -> Bool {
        guard index < end else { return false }
        let first = utf8[index] &- 0x30
        guard first < 10 else { return false }
        index += 1
        if first == 0 {
            return true
        }
        var value = Int(first)
        var digits = 1
        while digits < 3, index < end {
            let digit = utf8[index] &- 0x30
            guard digit < 10 else { break }
            value = value * 10 + Int(digit)
            index += 1
            digits += 1
        }
        return value <= 255
    }

    /// Whether `utf8[start..<end]` is an IPv6 address.
    static func isIPv6(_ utf8: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        guard end - start >= 2 else { return false }
        var index = start
        var groups = 0
        var compressed = false
        if utf8[index] == UInt8(ascii: ":") {
            guard utf8[index + 1] == UInt8(ascii: ":") else { return false }
            compressed = true
            index += 2
            if index == end {
                return true
            }
        }
        while true {
            let groupStart = index
            while index < end, FormatASCII.isHexDigit(utf8[index]) {
                index += 1
            }
            if index < end, utf8[index] == UInt8(ascii: ".") {
                // The embedded IPv4 address ends the address and fills the last two groups.
                guard isIPv4(utf8, from: groupStart, to: end) else { return false }
                groups += 2
                break
            }
            let digits = index - groupStart
            guard digits >= 1, digits <= 4 else { return false }
            groups += 1
            if index == end {
                break
            }
            guard utf8[index] == UInt8(ascii: ":"), groups < 8 else { return false }
            index += 1
            guard index < end else { return false }
            if utf8[index] == UInt8(ascii: ":") {
                guard !compressed else { return false }
                compressed = true
                index += 1
                if index == end {
                    break
                }
            }
        }
        return compressed ? groups <= 7 : groups == 8
    }
}
