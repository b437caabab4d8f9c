/// Bidi_Class values as the Bidi rule (RFC 5893 section 2) groups them.
enum FormatBidiClass: UInt8 {
    case leftToRight = 0        // L
    case rightToLeft            // R
    case arabicLetter           // AL
    case europeanNumber         // EN
    case europeanSeparator      // ES
    case europeanTerminator     // ET
    case arabicNumber           // AN
    case commonSeparator        // CS
    case nonspacingMark         // NSM
    case boundaryNeutral        // BN
    case otherNeutral           // ON
    /// B, S, WS and the explicit embedding, override and isolate controls: allowed in no label.
    case other
}

/// Joining_Type values, for the ZERO WIDTH NON-JOINER rule (RFC 5892 appendix A.1).
enum FormatJoiningType: UInt8 {
    case nonJoining = 0
    case dualJoining
    case leftJoining
    case rightJoining
    case transparent
    case joinCausing
}

/// The scripts that the CONTEXTO rules of RFC 5892 appendix A ask about.
enum FormatScript: UInt8 {
    case other = 0
    case greek
    case hebrew
    case hiragana
    case katakana
    case han
}

/// The Unicode properties of one code point that Swift's `Unicode.Scalar.Properties` lacks,
/// looked up in the generated `FormatUnicodeTables`.
struct FormatUnicodeProperties {
    private let packed: UInt16

    init(_ codePoint: UInt32) {
        let starts = FormatUnicodeTables.starts
        // Invariant: starts[low] <= codePoint < starts[low + size] (starts[0] is 0, and past the
        // end counts as infinite). The select compiles without a branch, which a binary search
        // would mispredict half the time.
        var low = 0
        var size = starts.count
        while size > 1 {
            let half = size / 2
            low = starts[low + half] <= codePoint ? low + half : low
            size -= half
        }
        packed = FormatUnicodeTables.values[low]
    }

    var bidiClass: FormatBidiClass {
        FormatBidiClass(rawValue: UInt8(packed & 0xF)) ?? .other
    }

    var joiningType: FormatJoiningType {
        FormatJoiningType(rawValue: UInt8(packed >> 4 & 0x7)) ?? .nonJoining
    }

    var script: FormatScript {
        FormatScript(rawValue: UInt8(packed >> 7 & 0x7)) ?? .other
    }
}
