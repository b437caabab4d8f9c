/// Resolves the names inside `\p{...}` to code point sets, as ECMA-262 specifies them: names are
/// matched exactly (no loose matching), a lone name is a General_Category value or a binary
/// property, and `name=value` accepts General_Category / gc, Script / sc and
/// Script_Extensions / scx.
enum RegexUnicodeProperties {
    /// The set for `\p{name}` or `\p{name=value}`, or nil when ECMA-262 does not allow the name.
    static func codePoints(name: String, value: String?) -> RegexCodePointSet? {
        guard let value else {
            if let set = generalCategory(name) {
                return set
            }
            guard let index = binaryPropertyIndex[name] else { return nil }
            return decode(RegexUnicodeTables.binaryProperties[index].ranges)
        }
        switch name {
        case "General_Category", "gc":
            return generalCategory(value)
        case "Script", "sc":
            guard let index = scriptIndex[value] else { return nil }
            return decode(RegexUnicodeTables.scripts[index].script)
        case "Script_Extensions", "scx":
            guard let index = scriptIndex[value] else { return nil }
            return decode(RegexUnicodeTables.scripts[index].scriptExtensions)
        default:
            return nil
        }
    }

    /// ID_Start and ID_Continue, for the names of capture groups.
    static let idStart = codePoints(name: "ID_Start", value: nil) ?? RegexCodePointSet()
    static let idContinue = codePoints(name: "ID_Continue", value: nil) ?? RegexCodePointSet()

    /// ECMA-262, table "Value aliases and canonical values for the Unicode property
    /// General_Category": every name, with the leaf categories it stands for.
    private static let generalCategoryAliases: [(names: [String], leaves: [String])] = [
        (["Cased_Letter", "LC"], ["Lu", "Ll", "Lt"]),
        (["Close_Punctuation", "Pe"], ["Pe"]),
        (["Connector_Punctuation", "Pc"], ["Pc"]),
        (["Control", "Cc", "cntrl"], ["Cc"]),
        (["Currency_Symbol", "Sc"], ["Sc"]),
        (["Dash_Punctuation", "Pd"], ["Pd"]),
        (["Decimal_Number", "Nd", "digit"], ["Nd"]),
        (["Enclosing_Mark", "Me"], ["Me"]),
        (["Final_Punctuation", "Pf"], ["Pf"]),
        (["Format", "Cf"], ["Cf"]),
        (["Initial_Punctuation", "Pi"], ["Pi"]),
        (["Letter", "L"], ["Lu", "Ll", "Lt", "Lm", "Lo"]),
        (["Letter_Number", "Nl"], ["Nl"]),
        (["Line_Separator", "Zl"], ["Zl"]),
        (["Lowercase_Letter", "Ll"], ["Ll"]),
        (["Mark", "M", "Combining_Mark"], ["Mn", "Mc", "Me"]),
        (["Math_Symbol", "Sm"], ["Sm"]),
        (["Modifier_Letter", "Lm"], ["Lm"]),
        (["Modifier_Symbol", "Sk"], ["Sk"]),
        (["Nonspacing_Mark", "Mn"], ["Mn"]),
        (["Number", "N"], ["Nd", "Nl", "No"]),
        (["Open_Punctuation", "Ps"], ["Ps"]),
        (["Other", "C"], ["Cc", "Cf", "Cs", "Co", "Cn"]),
        (["Other_Letter", "Lo"], ["Lo"]),
        (["Other_Number", "No"], ["No"]),
        (["Other_Punctuation", "Po"], ["Po"]),
        (["Other_Symbol", "So"], ["So"]),
        (["Paragraph_Separator", "Zp"], ["Zp"]),
        (["Private_Use", "Co"], ["Co"]),
        (["Punctuation", "P", "punct"], ["Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"]),
        (["Separator", "Z"], ["Zs", "Zl", "Zp"]),
        (["Space_Separator", "Zs"], ["Zs"]),
        (["Spacing_Mark", "Mc"], ["Mc"]),
        (["Surrogate", "Cs"], ["Cs"]),
        (["Symbol", "S"], ["Sm", "Sc", "Sk", "So"]),
        (["Titlecase_Letter", "Lt"], ["Lt"]),
        (["Unassigned", "Cn"], ["Cn"]),
        (["Uppercase_Letter", "Lu"], ["Lu"]),
    ]

    private static let generalCategoryLeaves: [String: [String]] = {
        var result: [String: [String]] = [:]
        for alias in generalCategoryAliases {
            for name in alias.names {
                result[name] = alias.leaves
            }
        }
        return result
    }()

    /// The leaf categories, decoded once per process (about 3,000 ranges in all).
    private static let leafSets: [String: RegexCodePointSet] = {
        var result: [String: RegexCodePointSet] = [:]
        for entry in RegexUnicodeTables.generalCategories {
            result[entry.name] = decode(entry.ranges)
        }
        return result
    }()

    private static let scriptIndex: [String: Int] = {
        var result: [String: Int] = [:]
        for (index, entry) in RegexUnicodeTables.scripts.enumerated() {
            for name in entry.names {
                result[name] = index
            }
        }
        return result
    }()

    private static let binaryPropertyIndex: [String: Int] = {
        var result: [String: Int] = [:]
        for (index, entry) in RegexUnicodeTables.binaryProperties.enumerated() {
            for name in entry.names {
                result[name] = index
            }
        }
        return result
    }()

    private static func generalCategory(_ name: String) -> RegexCodePointSet? {
        guard let leaves = generalCategoryLeaves[name] else { return nil }
        if leaves.count == 1 {
            return leafSets[leaves[0]]
        }
        return RegexCodePointSet(ranges: leaves.flatMap { leafSets[$0]?.ranges ?? [] })
    }

    /// Decodes the delta encoding written by scripts/generate-regex-unicode-tables.pl.
    static func decode(_ encoded: String) -> RegexCodePointSet {
        var boundaries: [UInt32] = []
        var previous: UInt32 = 0
        var delta: UInt32 = 0
        var shift: UInt32 = 0
        for byte in encoded.utf8 {
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = UInt32(byte - UInt8(ascii: "A")) + 10
            case UInt8(ascii: "a")...UInt8(ascii: "z"): digit = UInt32(byte - UInt8(ascii: "a")) + 36
            case UInt8(ascii: "-"): digit = 62
            default: digit = 63
            }
            delta |= (digit & 31) << shift
            if digit >= 32 {
                shift += 5
            } else {
                previous += delta
                boundaries.append(previous)
                delta = 0
                shift = 0
            }
        }
        return RegexCodePointSet(inversionList: boundaries)
    }
}
