/// `uuid` (RFC 4122 section 3 string form): 8-4-4-4-12 hex digits of either case, any version or
/// variant, without braces or a `urn:uuid:` prefix.
enum FormatUUID {
    static func isValid(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard utf8.count == 36, let base = utf8.baseAddress else { return false }
        let hyphen = UInt8(ascii: "-")
        guard utf8[8] == hyphen, utf8[13] == hyphen, utf8[18] == hyphen, utf8[23] == hyphen else {
            return false
        }
        // Five overlapping 8-byte words cover the 36 bytes; the hyphens in the second and third
        // word (bytes 8, 13, 18 and 23), already checked, are masked to '0' there.
        let raw = UnsafeRawPointer(base)
        func word(_ offset: Int) -> UInt64 {
            UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }
        let zeros: UInt64 = 0x3030_3030_3030_3030
        let hyphensAt0And5: UInt64 = 0x0000_FF00_0000_00FF
        let hyphensAt2And7: UInt64 = 0xFF00_0000_00FF_0000
        return areHexDigits(word(0))
            && areHexDigits(word(8) & ~hyphensAt0And5 | zeros & hyphensAt0And5)
            && areHexDigits(word(16) & ~hyphensAt2And7 | zeros & hyphensAt2And7)
            && areHexDigits(word(24))
            && areHexDigits(word(28))
    }

    /// Whether all eight bytes of `word` are ASCII hex digits, tested together (SWAR).
    ///
    /// For a byte `v` below 0x80, `v + (0x80 - lo)` has its top bit set exactly when `v >= lo`, and
    /// `v + (0x7F - hi)` has it clear exactly when `v <= hi`; neither sum carries into the next byte.
    /// Bytes of 0x80 and above make the sums meaningless, so they are rejected on their own.
    @inline(__always)
    private static func areHexDigits(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let topBits = ones &* 0x80
        let lowered = word | ones &* 0x20
        let isDigit = (word &+ ones &* (0x80 - 0x30)) & ~(word &+ ones &* (0x7F - 0x39))
        let isLetter = (lowered &+ ones &* (0x80 - 0x61)) & ~(lowered &+ ones &* (0x7F - 0x66))
        return word & topBits == 0 && (isDigit | isLetter) & topBits == topBits
    }
}
