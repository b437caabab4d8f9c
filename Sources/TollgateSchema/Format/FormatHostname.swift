/// `hostname` (RFC 1123 section 2.1 with the IDNA2008 A-label rules of RFC 5890 section 2.3.2.1)
/// and `idn-hostname` (RFC 5890 to RFC 5893).
///
/// Both: labels of 1 to 63 octets (in A-label form), at most 253 octets in all, no empty label, so
/// no trailing dot. An LDH label is letters, digits and hyphens, with no hyphen first or last;
/// either case is fine. A label starting `xn--` (any case) is an A-label: valid Punycode that
/// decodes to a valid U-label and re-encodes to itself. If any label is right-to-left, all must
/// satisfy the Bidi rule.
enum FormatHostname {
    /// The most octets a host name may have in text form (255 on the wire, RFC 1034 section 3.1).
    private static let maximumLength = 253
    private static let maximumLabelLength = 63

    static func isValidHostname(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        let end = utf8.count
        guard end > 0, end <= maximumLength else { return false }
        if end <= maximumLabelLength {
            switch FormatHostnameWords.check(utf8) {
            case .valid: return true
            case .invalid: return false
            case .undecided: break
            }
        }
        return isValidHostnameByLabels(utf8)
    }

    /// The label-by-label check: exact, for any host name (internal so that tests can compare).
    static func isValidHostnameByLabels(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        var bidi = FormatBidiDomain()
        var labelStart = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            if byte == UInt8(ascii: ".") {
                guard isValidLDHLabel(utf8, from: labelStart, to: index, bidi: &bidi) else { return false }
                labelStart = index + 1
            } else if !FormatASCIISet.letterDigitHyphen.contains(byte) {
                return false
            }
        }
        return isValidLDHLabel(utf8, from: labelStart, to: utf8.count, bidi: &bidi) && bidi.isValid
    }

    /// Checks the label `utf8[start..<end]` of letters, digits and hyphens, which may be an A-label,
    /// and adds it to `bidi`.
    @inline(__always)
    private static func isValidLDHLabel(
        _ utf8: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, bidi: inout FormatBidiDomain
    ) -> Bool {
        let length = end - start
        guard length >= 1, length <= maximumLabelLength,
              utf8[start] != UInt8(ascii: "-"), utf8[end - 1] != UInt8(ascii: "-")
        else {
            return false
        }
        if length >= 4, utf8[start + 2] == UInt8(ascii: "-"), utf8[start + 3] == UInt8(ascii: "-"),
           FormatASCII.hasPrefixIgnoringCase(utf8, at: start, end: end, "xn")
        {
            return isValidALabel(utf8, from: start, to: end, bidi: &bidi)
        }
        bidi.addLDHLabel(startsWithLetter: FormatASCII.isAlpha(utf8[start]))
        return true
    }

    /// Checks the A-label `utf8[start..<end]` (which starts with `xn--`) and adds it to `bidi`.
    private static func isValidALabel(
        _ utf8: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, bidi: inout FormatBidiDomain
    ) -> Bool {
        let punycode = UnsafeBufferPointer(rebasing: utf8[(start + 4)..<end])
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: FormatIDNA.maximumLabelScalars) {
            scalars in
            guard let count = FormatPunycode.decode(punycode, into: scalars) else { return false }
            let label = UnsafeBufferPointer(rebasing: scalars[0..<count])
            // A U-label has at least one non-ASCII character ("xn--abc-" is not an A-label).
            guard label.contains(where: { $0 >= 0x80 }), let labelBidi = FormatIDNA.checkULabel(label) else {
                return false
            }
            // Only the canonical encoding is an A-label (so "xn---9uc" is not one).
            let matchesEncoding = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: punycode.count) {
                encoded in
                guard let encodedCount = FormatPunycode.encode(label, into: encoded),
                      encodedCount == punycode.count
                else {
                    return false
                }
                for index in 0..<encodedCount where encoded[index] != FormatASCII.lowercased(punycode[index]) {
                    return false
                }
                return true
            }
            guard matchesEncoding else { return false }
            bidi.add(labelBidi)
            return true
        }
    }

    /// Full stops that separate labels in an internationalized domain name (RFC 3490 section 3.1,
    /// kept by IDNA2008 implementations): IDEOGRAPHIC, FULLWIDTH and HALFWIDTH IDEOGRAPHIC FULL STOP.
    @inline(__always)
    private static func isIdeographicFullStop(_ scalar: UInt32) -> Bool {
        scalar == 0x3002 || scalar == 0xFF0E || scalar == 0xFF61
    }

    static func isValidIDNHostname(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        let end = utf8.count
        guard end > 0 else { return false }
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: FormatIDNA.maximumLabelScalars) {
            scalars in
            var bidi = FormatBidiDomain()
            // Length of the name with every U-label replaced by its A-label.
            var totalLength = 0
            var index = 0
            while true {
                let labelStart = index
                var labelEnd = end
                var separatorLength = 0
                var scalarCount = 0
                var isASCII = true
                while index < end {
                    let (scalar, length) = ValidUTF8.decode(utf8, at: index)
                    if scalar == 0x2E || isIdeographicFullStop(scalar) {
                        labelEnd = index
                        separatorLength = length
                        break
                    }
                    if scalarCount < scalars.count {
                        scalars[scalarCount] = scalar
                    }
                    scalarCount += 1
                    isASCII = isASCII && scalar < 0x80
                    index += length
                }
                if isASCII {
                    for byte in utf8[labelStart..<labelEnd] where !FormatASCIISet.letterDigitHyphen.contains(byte) {
                        return false
                    }
                    guard isValidLDHLabel(utf8, from: labelStart, to: labelEnd, bidi: &bidi) else {
                        return false
                    }
                    totalLength += labelEnd - labelStart
                } else {
                    guard scalarCount <= scalars.count else { return false }
                    let label = UnsafeBufferPointer(rebasing: scalars[0..<scalarCount])
                    guard let labelBidi = FormatIDNA.checkULabel(label),
                          let encodedLength = aLabelLength(of: label)
                    else {
                        return false
                    }
                    bidi.add(labelBidi)
                    totalLength += encodedLength
                }
                if index == end {
                    return totalLength <= maximumLength && bidi.isValid
                }
                index += separatorLength
                totalLength += 1
                // A separator at the very end leaves an empty last label.
                guard index < end else { return false }
            }
        }
    }

    /// The length of the A-label of the U-label `label`, or nil if it exceeds 63 octets.
    private static func aLabelLength(of label: UnsafeBufferPointer<UInt32>) -> Int? {
        let prefixLength = 4  // "xn--"
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maximumLabelLength - prefixLength) {
            encoded in
            FormatPunycode.encode(label, into: encoded).map { $0 + prefixLength }
        }
    }
}

/// The hot path of `hostname` for names of at most 63 bytes, 8 bytes at a time (SWAR), with no
/// branch that depends on where the dots are: label lengths vary from name to name, and a
/// mispredicted branch per label would cost more than the whole check.
///
/// A name that short cannot have a label over 63 octets, so it is valid exactly when every byte is
/// a letter, digit, hyphen or dot, it neither starts nor ends with a dot or hyphen, and no dot
/// touches another dot or a hyphen. Two adjacent hyphens may belong to an A-label, which this
/// leaves to the label-by-label check.
enum FormatHostnameWords {
    enum Verdict {
        case valid
        case invalid
        case undecided
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let topBits: UInt64 = 0x8080_8080_8080_8080

    @inline(__always)
    static func check(_ utf8: UnsafeBufferPointer<UInt8>) -> Verdict {
        let end = utf8.count
        let first = utf8[0]
        let last = utf8[end - 1]
        if first == UInt8(ascii: ".") || first == UInt8(ascii: "-") || last == UInt8(ascii: ".")
            || last == UInt8(ascii: "-")
        {
            return .invalid
        }
        var invalid: UInt64 = 0
        var doubleHyphens: UInt64 = 0
        if end < 8 {
            // Pad with letters, which are valid and pair with anything.
            var word: UInt64 = ones &* UInt64(UInt8(ascii: "a"))
            for index in 0..<end {
                let shift = UInt64(8 * index)
                word = word & ~(0xFF << shift) | UInt64(utf8[index]) << shift
            }
            classify(word, invalid: &invalid, doubleHyphens: &doubleHyphens)
        } else if let base = utf8.baseAddress {
            // Words at offsets 0, 7, 14, ... overlap by one byte, so every adjacent pair lies within
            // one word; the last word is aligned with the end.
            let raw = UnsafeRawPointer(base)
            var offset = 0
            while offset + 8 < end {
                classify(load(raw, offset), invalid: &invalid, doubleHyphens: &doubleHyphens)
                offset += 7
            }
            classify(load(raw, end - 8), invalid: &invalid, doubleHyphens: &doubleHyphens)
        }
        if invalid != 0 {
            return .invalid
        }
        return doubleHyphens == 0 ? .valid : .undecided
    }

    @inline(__always)
    private static func load(_ raw: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// 0x80 in each byte of `word` that equals `byte`, 0 elsewhere (exact: no carries between bytes).
    @inline(__always)
    private static func equalMask(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let difference = word ^ ones &* UInt64(byte)
        let low7 = ones &* 0x7F
        return ~((difference & low7 &+ low7) | difference) & topBits
    }

    /// 0x80 in each byte of `word` within `low...high`, for bytes below 0x80 (see `FormatUUID`).
    @inline(__always)
    private static func rangeMask(_ word: UInt64, _ low: UInt8, _ high: UInt8) -> UInt64 {
        (word &+ ones &* UInt64(0x80 - low)) & ~(word &+ ones &* UInt64(0x7F - high)) & topBits
    }

    @inline(__always)
    private static func classify(_ word: UInt64, invalid: inout UInt64, doubleHyphens: inout UInt64) {
        let dots = equalMask(word, UInt8(ascii: "."))
        let hyphens = equalMask(word, UInt8(ascii: "-"))
        let letters = rangeMask(word | ones &* 0x20, UInt8(ascii: "a"), UInt8(ascii: "z"))
        let digits = rangeMask(word, UInt8(ascii: "0"), UInt8(ascii: "9"))
        let allowed = dots | hyphens | letters | digits
        // Shifting right by 8 bits lines each byte up with the one after it.
        let nextDots = dots >> 8
        let nextHyphens = hyphens >> 8
        invalid |= word & topBits | ~allowed & topBits | dots & nextDots | dots & nextHyphens | hyphens & nextDots
        doubleHyphens |= hyphens & nextHyphens
    }
}
