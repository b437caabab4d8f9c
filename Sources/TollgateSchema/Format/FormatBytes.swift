/// ASCII classification shared by the format checks; each is a couple of instructions.
enum FormatASCII {
    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte &- 0x30 < 10
    }

    @inline(__always)
    static func isAlpha(_ byte: UInt8) -> Bool {
        (byte | 0x20) &- 0x61 < 26
    }

    @inline(__always)
    static func isAlphaNumeric(_ byte: UInt8) -> Bool {
        isAlpha(byte) || isDigit(byte)
    }

    @inline(__always)
    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte | 0x20) &- 0x61 < 6
    }

    /// `byte` with an ASCII upper-case letter turned to lower case, anything else unchanged.
    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    /// Whether `utf8[index...]` starts with the lower-case ASCII `prefix`, ignoring ASCII case.
    @inline(__always)
    static func hasPrefixIgnoringCase(
        _ utf8: UnsafeBufferPointer<UInt8>, at index: Int, end: Int, _ prefix: StaticString
    ) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard end - index >= count else { return false }
        let bytes = prefix.utf8Start
        for offset in 0..<count where lowercased(utf8[index + offset]) != bytes[offset] {
            return false
        }
        return true
    }
}


/// A set of ASCII bytes as a 128-bit bitmap: membership is a shift and a mask, for the hot paths.
struct FormatASCIISet: Equatable {
    /// Bit `n` is byte `n`, for bytes 0-63.
    let low: UInt64
    /// Bit `n` is byte `64 + n`, for bytes 64-127.
    let high: UInt64

    init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    /// The set of the ASCII characters in `members` (tests check the constants below with it).
    init(_ members: String) {
        var low: UInt64 = 0
        var high: UInt64 = 0
        for byte in members.utf8 where byte < 0x80 {
            if byte < 64 {
                low |= 1 << UInt64(byte)
            } else {
                high |= 1 << UInt64(byte - 64)
            }
        }
        self.init(low: low, high: high)
    }

    @inline(__always)
    func contains(_ byte: UInt8) -> Bool {
        bit(byte) != 0
    }

    /// 1 if `byte` is in the set, else 0, computed without branches.
    @inline(__always)
    func bit(_ byte: UInt8) -> UInt8 {
        // Arithmetic rather than a conditional, which the compiler could turn into a branch.
        let isHigh = UInt64(byte >> 6 & 1)
        let bits = low ^ (low ^ high) & (0 &- isHigh)
        // Bytes from 0x80 are in no set.
        return UInt8(truncatingIfNeeded: bits >> UInt64(byte & 63)) & 1 & ~(byte >> 7)
    }

    /// Letters, digits and hyphen (RFC 1123 host name labels).
    static var letterDigitHyphen: FormatASCIISet {
        FormatASCIISet(low: 0x03FF_2000_0000_0000, high: 0x07FF_FFFE_07FF_FFFE)
    }

    /// `atext` (RFC 5322 section 3.2.3): letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    static var atomText: FormatASCIISet {
        FormatASCIISet(low: 0xA3FF_ACFA_0000_0000, high: 0x7FFF_FFFF_C7FF_FFFE)
    }
}
