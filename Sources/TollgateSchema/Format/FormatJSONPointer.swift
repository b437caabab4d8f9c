/// `json-pointer` (RFC 6901 section 3) and `relative-json-pointer`
/// (draft-handrews-relative-json-pointer-01, which JSON Schema 2020-12 cites).
enum FormatJSONPointer {
    /// Empty, or `/`-prefixed reference tokens in which every `~` is followed by `0` or `1`.
    /// Any other character is allowed, control characters included (they arrive JSON-unescaped).
    static func isValidJSONPointer(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        isJSONPointer(utf8, from: 0)
    }

    /// A non-negative integer without leading zeros, then `#` or a JSON pointer (possibly empty).
    /// The index-manipulation suffix of later drafts (`0+1`) is not part of it.
    static func isValidRelativeJSONPointer(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        let end = utf8.count
        guard end > 0, FormatASCII.isDigit(utf8[0]) else { return false }
        var index = 1
        if utf8[0] != UInt8(ascii: "0") {
            while index < end, FormatASCII.isDigit(utf8[index]) {
                index += 1
            }
        }
        if index < end, utf8[index] == UInt8(ascii: "#") {
            return index + 1 == end
        }
        return isJSONPointer(utf8, from: index)
    }

    private static func isJSONPointer(_ utf8: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        let end = utf8.count
        guard start < end else { return true }
        guard utf8[start] == UInt8(ascii: "/") else { return false }
        var index = start + 1
        while index < end {
            if utf8[index] == UInt8(ascii: "~") {
                guard index + 1 < end, utf8[index + 1] &- 0x30 < 2 else { return false }
                index += 2
            } else {
                index += 1
            }
        }
        return true
    }
}
