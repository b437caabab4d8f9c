/// Decoding of text the JSON parser has already checked: every string on a tape is valid UTF-8, so
/// these only assemble scalars. They stay memory-safe on other input (a sequence cut short or a stray
/// byte decodes as one byte) without promising a meaningful value for it.
enum ValidUTF8 {
    /// The scalar that starts at `index` (which must be `< input.count`) and its length in bytes.
    @inline(__always)
    static func decode(_ input: UnsafeBufferPointer<UInt8>, at index: Int) -> (scalar: UInt32, length: Int) {
        let lead = UInt32(input[index])
        if lead < 0x80 {
            return (lead, 1)
        }
        return decodeMultiByte(input, at: index, lead: lead)
    }

    /// `decode` for a lead byte of 0x80 or more; out of line to keep ASCII loops small.
    @inline(never)
    static func decodeMultiByte(_ input: UnsafeBufferPointer<UInt8>, at index: Int, lead: UInt32)
        -> (scalar: UInt32, length: Int)
    {
        let count = input.count
        if lead >= 0xF0, index + 3 < count {
            let value = (lead & 0x07) << 18 | (UInt32(input[index + 1]) & 0x3F) << 12
                | (UInt32(input[index + 2]) & 0x3F) << 6 | (UInt32(input[index + 3]) & 0x3F)
            return (min(value, 0x10FFFF), 4)
        }
        if lead >= 0xE0, lead < 0xF0, index + 2 < count {
            let value = (lead & 0x0F) << 12 | (UInt32(input[index + 1]) & 0x3F) << 6
                | (UInt32(input[index + 2]) & 0x3F)
            return (value, 3)
        }
        if lead >= 0xC0, lead < 0xE0, index + 1 < count {
            return ((lead & 0x1F) << 6 | (UInt32(input[index + 1]) & 0x3F), 2)
        }
        return (lead, 1)
    }

    /// The start of the scalar that ends at `index` (which must be `> 0`).
    @inline(__always)
    static func previousStart(_ input: UnsafeBufferPointer<UInt8>, before index: Int) -> Int {
        var start = index - 1
        let limit = max(0, index - 4)
        while start > limit, input[start] & 0xC0 == 0x80 {
            start -= 1
        }
        return start
    }
}
