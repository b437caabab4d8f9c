/// IDNA2008 label rules: the code point categories of RFC 5892, its contextual rules (appendix A),
/// the hyphen and combining-mark restrictions of RFC 5891 section 4.2.3 and the Bidi rule of RFC 5893.
///
/// Categories are derived from Swift's own Unicode data (`Unicode.Scalar.Properties`); Bidi_Class,
/// Joining_Type and Script come from `FormatUnicodeTables`, which Perl's Unicode data generates.
/// U-labels are not checked for Normalization Form C: the standard library has no public
/// normalizer, and the JSON-Schema-Test-Suite expects a non-NFC label to pass.
enum FormatIDNA {
    /// IDNA2008 derived property values (RFC 5892 section 2); UNASSIGNED counts as disallowed.
    enum Category {
        case protocolValid
        case contextJ
        case contextO
        case disallowed
    }

    /// The longest U-label worth decoding: its A-label has at least one byte per code point.
    static let maximumLabelScalars = 63

    /// The derived property of `codePoint` (RFC 5892 section 3).
    static func category(of codePoint: UInt32) -> Category {
        switch codePoint {
        // Exceptions (section 2.6).
        case 0x00DF, 0x03C2, 0x06FD, 0x06FE, 0x0F0B, 0x3007:
            return .protocolValid
        case 0x00B7, 0x0375, 0x05F3, 0x05F4, 0x30FB, 0x0660...0x0669, 0x06F0...0x06F9:
            return .contextO
        case 0x0640, 0x07FA, 0x302E, 0x302F, 0x3031...0x3035, 0x303B:
            return .disallowed
        // LDH (section 2.5) and JoinControl (section 2.8).
        case 0x61...0x7A, 0x30...0x39, 0x2D:
            return .protocolValid
        case 0x200C, 0x200D:
            return .contextJ
        case 0...0x7F:
            return .disallowed
        // IgnorableBlocks (section 2.4): Combining Diacritical Marks for Symbols, Musical Symbols,
        // Ancient Greek Musical Notation.
        case 0x20D0...0x20FF, 0x1D100...0x1D1FF, 0x1D200...0x1D24F:
            return .disallowed
        // OldHangulJamo (section 2.9): Hangul_Syllable_Type L, V and T.
        case 0x1100...0x11FF, 0xA960...0xA97C, 0xD7B0...0xD7C6, 0xD7CB...0xD7FB:
            return .disallowed
        default:
            break
        }
        guard let scalar = Unicode.Scalar(codePoint) else { return .disallowed }
        let properties = scalar.properties
        // LetterDigits (section 2.1) is the only rule left that yields PVALID. The other general
        // categories hold every Unassigned (2.10) code point, the noncharacters and white space.
        switch properties.generalCategory {
        case .lowercaseLetter, .uppercaseLetter, .otherLetter, .decimalNumber, .modifierLetter,
             .nonspacingMark, .spacingMark:
            // Unstable (2.2) and the rest of IgnorableProperties (2.3): NFKC_Casefold changes a
            // code point when toNFKC(toCaseFold(toNFKC(cp))) does, and also when it is a
            // Default_Ignorable_Code_Point, which it removes. Asked last: each property costs a
            // search in the standard library's tables.
            return properties.changesWhenNFKCCaseFolded ? .disallowed : .protocolValid
        default:
            return .disallowed
        }
    }

    /// What a valid label contributes to the Bidi rule, which applies to a whole domain name.
    struct LabelBidi {
        /// The label has a character of Bidi class R, AL or AN (RFC 5893 section 1.4).
        var isRightToLeft: Bool
        /// The label satisfies the six conditions of the Bidi rule (RFC 5893 section 2).
        var satisfiesBidiRule: Bool
    }

    /// Checks a U-label (RFC 5891 section 4.2.3 and RFC 5892 appendix A).
    /// - Returns: nil if `label` is not a valid U-label, otherwise its Bidi summary.
    static func checkULabel(_ label: UnsafeBufferPointer<UInt32>) -> LabelBidi? {
        let count = label.count
        let hyphen = UInt32(UInt8(ascii: "-"))
        guard count > 0, label[0] != hyphen, label[count - 1] != hyphen,
              !(count >= 4 && label[2] == hyphen && label[3] == hyphen)
        else {
            return nil
        }
        if let first = Unicode.Scalar(label[0]) {
            switch first.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark:
                return nil
            default:
                break
            }
        }
        for index in 0..<count {
            switch category(of: label[index]) {
            case .protocolValid:
                continue
            case .contextJ:
                guard isJoinerAllowed(label, at: index) else { return nil }
            case .contextO:
                guard isContextOAllowed(label, at: index) else { return nil }
            case .disallowed:
                return nil
            }
        }
        return bidi(of: label)
    }

    /// ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER (RFC 5892 appendices A.1 and A.2).
    private static func isJoinerAllowed(_ label: UnsafeBufferPointer<UInt32>, at index: Int) -> Bool {
        if index > 0, let before = Unicode.Scalar(label[index - 1]),
           before.properties.canonicalCombiningClass == .virama
        {
            return true
        }
        guard label[index] == 0x200C else { return false }
        // (Joining_Type:{L,D})(Joining_Type:T)*\u200C(Joining_Type:T)*(Joining_Type:{R,D})
        var before = index - 1
        while before >= 0, FormatUnicodeProperties(label[before]).joiningType == .transparent {
            before -= 1
        }
        guard before >= 0 else { return false }
        let left = FormatUnicodeProperties(label[before]).joiningType
        guard left == .leftJoining || left == .dualJoining else { return false }
        var after = index + 1
        while after < label.count, FormatUnicodeProperties(label[after]).joiningType == .transparent {
            after += 1
        }
        guard after < label.count else { return false }
        let right = FormatUnicodeProperties(label[after]).joiningType
        return right == .rightJoining || right == .dualJoining
    }

    /// The CONTEXTO rules (RFC 5892 appendices A.3 to A.9).
    private static func isContextOAllowed(_ label: UnsafeBufferPointer<UInt32>, at index: Int) -> Bool {
        switch label[index] {
        case 0x00B7:
            // MIDDLE DOT: between two 'l's (Catalan "l·l").
            return index > 0 && index + 1 < label.count && label[index - 1] == 0x6C && label[index + 1] == 0x6C
        case 0x0375:
            // GREEK LOWER NUMERAL SIGN (KERAIA): followed by a Greek character.
            return index + 1 < label.count && FormatUnicodeProperties(label[index + 1]).script == .greek
        case 0x05F3, 0x05F4:
            // HEBREW PUNCTUATION GERESH and GERSHAYIM: preceded by a Hebrew character.
            return index > 0 && FormatUnicodeProperties(label[index - 1]).script == .hebrew
        case 0x30FB:
            // KATAKANA MIDDLE DOT: somewhere in the label a Hiragana, Katakana or Han character.
            return label.contains { scalar in
                switch FormatUnicodeProperties(scalar).script {
                case .hiragana, .katakana, .han: true
                default: false
                }
            }
        case 0x0660...0x0669:
            // ARABIC-INDIC DIGITS: not mixed with EXTENDED ARABIC-INDIC DIGITS.
            return !label.contains { (0x06F0...0x06F9).contains($0) }
        case 0x06F0...0x06F9:
            return !label.contains { (0x0660...0x0669).contains($0) }
        default:
            return false
        }
    }

    /// The Bidi class of an ASCII letter (L), digit (EN) or hyphen (ES), the only ASCII a valid
    /// U-label has; other ASCII gets `.other`, which no label allows.
    @inline(__always)
    private static func ldhBidiClass(_ scalar: UInt32) -> FormatBidiClass {
        let byte = UInt8(truncatingIfNeeded: scalar)
        if FormatASCII.isAlpha(byte) {
            return .leftToRight
        }
        if FormatASCII.isDigit(byte) {
            return .europeanNumber
        }
        return byte == UInt8(ascii: "-") ? .europeanSeparator : .other
    }

    /// Evaluates the Bidi rule (RFC 5893 section 2) for one label.
    static func bidi(of label: UnsafeBufferPointer<UInt32>) -> LabelBidi {
        var isRightToLeft = false
        var hasEuropeanNumber = false
        var hasArabicNumber = false
        var allowedInLeftToRight = true
        var allowedInRightToLeft = true
        // Bidi class of the last character that is not a nonspacing mark.
        var last = FormatBidiClass.other
        var first = FormatBidiClass.other
        for (index, scalar) in label.enumerated() {
            let bidiClass = scalar < 0x80 ? ldhBidiClass(scalar) : FormatUnicodeProperties(scalar).bidiClass
            if index == 0 {
                first = bidiClass
            }
            switch bidiClass {
            case .rightToLeft, .arabicLetter:
                isRightToLeft = true
                allowedInLeftToRight = false
            case .arabicNumber:
                isRightToLeft = true
                hasArabicNumber = true
                allowedInLeftToRight = false
            case .europeanNumber:
                hasEuropeanNumber = true
            case .leftToRight:
                allowedInRightToLeft = false
            case .europeanSeparator, .europeanTerminator, .commonSeparator, .nonspacingMark,
                 .boundaryNeutral, .otherNeutral:
                break
            case .other:
                allowedInLeftToRight = false
                allowedInRightToLeft = false
            }
            if bidiClass != .nonspacingMark {
                last = bidiClass
            }
        }
        let satisfiesBidiRule: Bool
        switch first {
        case .leftToRight:
            // Conditions 5 and 6.
            satisfiesBidiRule = allowedInLeftToRight && (last == .leftToRight || last == .europeanNumber)
        case .rightToLeft, .arabicLetter:
            // Conditions 2, 3 and 4.
            let endsWell = switch last {
            case .rightToLeft, .arabicLetter, .europeanNumber, .arabicNumber: true
            default: false
            }
            satisfiesBidiRule = allowedInRightToLeft && endsWell && !(hasEuropeanNumber && hasArabicNumber)
        default:
            // Condition 1.
            satisfiesBidiRule = false
        }
        return LabelBidi(isRightToLeft: isRightToLeft, satisfiesBidiRule: satisfiesBidiRule)
    }
}

/// The Bidi rule over a whole domain name: once any label is right-to-left, every label must
/// satisfy the rule (RFC 5893 section 2, "Bidi domain name").
struct FormatBidiDomain {
    private var hasRightToLeftLabel = false
    private var allLabelsSatisfyBidiRule = true

    mutating func add(_ label: FormatIDNA.LabelBidi) {
        hasRightToLeftLabel = hasRightToLeftLabel || label.isRightToLeft
        allLabelsSatisfyBidiRule = allLabelsSatisfyBidiRule && label.satisfiesBidiRule
    }

    /// Adds an LDH label that is not an A-label: left-to-right, and it satisfies the rule exactly
    /// when it starts with a letter (digits are EN, the hyphen is ES).
    @inline(__always)
    mutating func addLDHLabel(startsWithLetter: Bool) {
        allLabelsSatisfyBidiRule = allLabelsSatisfyBidiRule && startsWithLetter
    }

    var isValid: Bool {
        !hasRightToLeftLabel || allLabelsSatisfyBidiRule
    }
}
