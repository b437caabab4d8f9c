import Testing

@testable import TollgateSchema

/// One string and the verdict a format should give it.
struct FormatCase: CustomTestStringConvertible, Sendable {
    let format: JSONSchemaFormat
    let instance: String
    let isValid: Bool
    let why: String

    init(_ format: JSONSchemaFormat, _ instance: String, _ isValid: Bool, _ why: String) {
        self.format = format
        self.instance = instance
        self.isValid = isValid
        self.why = why
    }

    var testDescription: String {
        "\(format.rawValue) \(instance.debugDescription) \(isValid ? "valid" : "invalid"): \(why)"
    }
}

/// Edge cases that the JSON-Schema-Test-Suite does not cover.
@Suite("Format edge cases")
struct FormatTests {
    static let dateTimeCases: [FormatCase] = [
        FormatCase(.dateTime, "2024-02-29T00:00:00Z", true, "leap year"),
        FormatCase(.dateTime, "2023-02-29T00:00:00Z", false, "not a leap year"),
        FormatCase(.dateTime, "2000-02-29T00:00:00Z", true, "divisible by 400"),
        FormatCase(.dateTime, "1900-02-29T00:00:00Z", false, "century, not divisible by 400"),
        FormatCase(.dateTime, "0000-01-01T00:00:00Z", true, "year zero is a four-digit year"),
        FormatCase(.dateTime, "2024-01-01T00:00:00.Z", false, "empty fraction"),
        FormatCase(.dateTime, "2024-01-01T00:00:00.123", false, "fraction without offset"),
        FormatCase(.dateTime, "2024-01-01 00:00:00Z", false, "space instead of T"),
        FormatCase(.dateTime, "2024-01-01T00:00:00+0100", false, "offset without colon"),
        FormatCase(.dateTime, "2024-01-01T00:00:00+01:00:00", false, "offset with seconds"),
        FormatCase(.dateTime, "2024-06-30T23:59:60Z", true, "leap second at the end of June"),
        FormatCase(.dateTime, "2024-07-01T00:29:60+00:30", true, "leap second at 23:59 UTC"),
        FormatCase(.dateTime, "2024-12-31T23:59:60.5-00:00", true, "leap second with unknown offset"),
        FormatCase(.dateTime, "2024-01-01T00:00:00ZZ", false, "two Zs"),
        FormatCase(.dateTime, "2024-01-01T00:00:00", false, "no offset"),
        FormatCase(.dateTime, "2024-01-01t00:00:00z", true, "lower-case t and z"),
        FormatCase(.date, "2024-02-29", true, "leap day"),
        FormatCase(.date, "9999-12-31", true, "last day"),
        FormatCase(.time, "23:59:60+23:59", false, "UTC 00:00, not 23:59"),
        FormatCase(.time, "00:00:00.000000000000000000001Z", true, "long fraction"),
        FormatCase(.time, "00:00:00+00:00Z", false, "offset then Z"),
        FormatCase(.time, "00:00:00", false, "no offset"),
        FormatCase(.duration, "P1W", true, "one week"),
        FormatCase(.duration, "PT1H1M1S", true, "all time elements"),
        FormatCase(.duration, "P1Y1M1DT1H1M1S", true, "all elements"),
        FormatCase(.duration, "p1d", false, "designators are upper case"),
        FormatCase(.duration, "P1DT", false, "T without time elements"),
        FormatCase(.duration, "PT1S1M", false, "time elements out of order"),
        FormatCase(.duration, "P1M1Y", false, "date elements out of order"),
        FormatCase(.duration, "P1Y1Y", false, "repeated element"),
        FormatCase(.duration, "P1W1D", false, "weeks with days"),
        FormatCase(.duration, "PW", false, "designator without number"),
        FormatCase(.duration, "PT1W", false, "weeks in the time part"),
    ]

    static let internetCases: [FormatCase] = [
        FormatCase(.ipv4, "01.2.3.4", false, "leading zero in the first octet"),
        FormatCase(.ipv4, "1.2.3.04", false, "leading zero in the last octet"),
        FormatCase(.ipv4, "1.2.3.4.", false, "trailing dot"),
        FormatCase(.ipv4, "1.2.3.1000", false, "four digits"),
        FormatCase(.ipv4, "249.250.251.255", true, "high octets"),
        FormatCase(.ipv6, "1:2:3:4:5:6:1.2.3.4", true, "six groups and IPv4"),
        FormatCase(.ipv6, "1:2:3:4:5:6:7:1.2.3.4", false, "seven groups and IPv4"),
        FormatCase(.ipv6, "::1.2.3.4", true, "IPv4-compatible"),
        FormatCase(.ipv6, "1:2:3:4:5:6:7::", true, ":: for one group"),
        FormatCase(.ipv6, "::1:2:3:4:5:6:7", true, ":: for one leading group"),
        FormatCase(.ipv6, "::1:2:3:4:5:6:7:8", false, ":: with eight more groups"),
        FormatCase(.ipv6, "1::2::", false, "two ::"),
        FormatCase(.ipv6, "FFFF:ABCD::", true, "upper-case hex"),
        FormatCase(.ipv6, "1:2:3:4:5:6:7:8:9", false, "nine groups"),
        FormatCase(.ipv6, "1.2.3.4::", false, "IPv4 not at the end"),
        FormatCase(.ipv6, ":", false, "lone colon"),
        FormatCase(.hostname, "xn--bcher-kva", true, "A-label of bücher"),
        FormatCase(.hostname, "XN--BCHER-KVA", true, "A-labels ignore ASCII case, as DNS does"),
        FormatCase(.hostname, "xn--bcher-kv", false, "Punycode cut short"),
        FormatCase(.hostname, "xn--bcher-kvaa", true, "A-label of büücher"),
        FormatCase(.hostname, "xn--abc-", false, "A-label of an ASCII-only label"),
        FormatCase(.hostname, "xn--hxargifdar.xn--jxalpdlp", true, "Greek A-labels"),
        FormatCase(.hostname, "xn--mgbh0fb.example", true, "Arabic A-label with an LTR label"),
        FormatCase(.hostname, "xn--mgbh0fb.1example", false, "Bidi domain with a label starting with a digit"),
        FormatCase(.hostname, "ab--cd.example", true, "hyphens in the third and fourth place of a plain label"),
        FormatCase(.hostname, "1.2.3.4", true, "numeric labels"),
        FormatCase(.hostname, String(repeating: "a.", count: 126) + "a", true, "253 octets"),
        FormatCase(.hostname, String(repeating: "a.", count: 126) + "ab", false, "254 octets"),
        FormatCase(.hostname, "a b", false, "space"),
        FormatCase(.hostname, "bücher.example", false, "U-label in a hostname"),
        FormatCase(.idnHostname, "bücher.example", true, "U-label"),
        FormatCase(.idnHostname, "Bücher.example", false, "upper case in a U-label is DISALLOWED"),
        FormatCase(.idnHostname, "xn--bcher-kva.example", true, "A-label"),
        FormatCase(.idnHostname, "ελληνικά。δοκιμή", true, "Greek with an ideographic full stop"),
        FormatCase(.idnHostname, "ⅷ", false, "Roman numeral changes under NFKC"),
        FormatCase(.idnHostname, "a\u{00A0}b", false, "no-break space"),
        FormatCase(.idnHostname, "♥.example", false, "symbols are DISALLOWED"),
        FormatCase(.idnHostname, String(repeating: "ü", count: 57), true, "A-label of 63 octets"),
        FormatCase(.idnHostname, String(repeating: "ü", count: 58), false, "A-label of 64 octets"),
        FormatCase(.idnHostname, "a" + String(repeating: "ü", count: 70), false, "label of more than 63 scalars"),
        FormatCase(.idnHostname, "a\u{200D}b", false, "ZWJ without virama"),
        FormatCase(.idnHostname, "ب\u{200C}", false, "ZWNJ with nothing right-joining after it"),
        FormatCase(.idnHostname, "\u{5D1}\u{5BC}", true, "Hebrew letter with a nonspacing mark"),
        FormatCase(.idnHostname, "abc.א1", true, "LTR label in a Bidi domain ending in a digit"),
        FormatCase(.idnHostname, "a1.א", true, "LTR label with a digit in a Bidi domain"),
        FormatCase(.idnHostname, "א-", false, "trailing hyphen"),
        FormatCase(.email, "a@b", true, "shortest"),
        FormatCase(.email, String(repeating: "a", count: 64) + "@example.com", true, "local part of 64 octets"),
        FormatCase(.email, String(repeating: "a", count: 65) + "@example.com", false, "local part of 65 octets"),
        FormatCase(.email, "\"\"@example.com", true, "empty quoted string"),
        FormatCase(.email, "\"a\\\"b\"@example.com", true, "quoted pair"),
        FormatCase(.email, "\"a\"b@example.com", false, "text after the quoted string"),
        FormatCase(.email, "\"ab@example.com", false, "unterminated quoted string"),
        FormatCase(.email, "a@[IPv6:2001:db8::1]", true, "IPv6 literal"),
        FormatCase(.email, "a@[ipv6:::1]", true, "the IPv6 tag ignores case"),
        FormatCase(.email, "a@[::1]", false, "IPv6 literal without its tag"),
        FormatCase(.email, "a@[1.2.3.4", false, "unclosed literal"),
        FormatCase(.email, "a@[x-tag:abc]", false, "general address literal"),
        FormatCase(.email, "a@b..c", false, "empty domain label"),
        FormatCase(.email, "a@-b.com", false, "domain label with a leading hyphen"),
        FormatCase(.email, "a@b@c", false, "two at signs"),
        FormatCase(.email, "δ@example.com", false, "non-ASCII local part in email"),
        FormatCase(.email, "a@bücher.example", false, "U-label domain in email"),
        FormatCase(.email, "a!#$%&'*+-/=?^_`{|}~@example.com", true, "every atext character"),
        FormatCase(.idnEmail, "δοκιμή@παράδειγμα.δοκιμή", true, "Greek address"),
        FormatCase(.idnEmail, "a@Bücher.example", false, "domain that is not an IDN host name"),
        FormatCase(.idnEmail, "\"δ\\é\"@example.com", false, "quoted pair of a non-ASCII character"),
    ]

    static let referenceCases: [FormatCase] = [
        FormatCase(.uri, "http://[v1.x]", true, "IPvFuture"),
        FormatCase(.uri, "http://[vg.x]", false, "IPvFuture version is hex"),
        FormatCase(.uri, "http://[v1.]", false, "IPvFuture without address"),
        FormatCase(.uri, "http://[::1]:80/", true, "IPv6 and port"),
        FormatCase(.uri, "http://[::1", false, "unclosed IP literal"),
        FormatCase(.uri, "http://[::1]x/", false, "text after the IP literal"),
        FormatCase(.uri, "http://[fe80::1%25eth0]/", false, "zone id (RFC 6874 is not part of RFC 3986)"),
        FormatCase(.uri, "http://a:b@c:1/", true, "userinfo and port"),
        FormatCase(.uri, "http://:80", true, "empty host"),
        FormatCase(.uri, "foo:", true, "scheme and empty path"),
        FormatCase(.uri, "HTTP://X", true, "upper-case scheme"),
        FormatCase(.uri, "a+b-c.d:x", true, "scheme punctuation"),
        FormatCase(.uri, "http://example.com/#a#b", false, "two #"),
        FormatCase(.uri, "http://example.com/?a?b/c", true, "? and / in the query"),
        FormatCase(.uri, "http://example.com/%7e", true, "lower-case percent-encoding"),
        FormatCase(.uri, "http://ex%41mple.com/", true, "percent-encoded reg-name"),
        FormatCase(.uri, "http://example.com/\u{7F}", false, "DEL"),
        FormatCase(.uriReference, "?", true, "empty query"),
        FormatCase(.uriReference, "#", true, "empty fragment"),
        FormatCase(.uriReference, "a/b:c", true, "colon after the first segment"),
        FormatCase(.uriReference, ":a", false, "empty scheme"),
        FormatCase(.iri, "http://例え.テスト/パス?クエリ#断片", true, "Japanese IRI"),
        FormatCase(.iri, "http://example.com/\u{E000}", false, "private use in the path"),
        FormatCase(.iri, "http://example.com/?\u{E000}", true, "private use in the query"),
        FormatCase(.iri, "http://example.com/#\u{E000}", false, "private use in the fragment"),
        FormatCase(.iri, "http://example.com/\u{FFFE}", false, "noncharacter"),
        FormatCase(.iri, "http://example.com/\u{85}", false, "C1 control"),
        FormatCase(.iri, "δ://example.com/", false, "non-ASCII scheme"),
        FormatCase(.iriReference, "δ", true, "relative IRI"),
        FormatCase(.uriTemplate, "{a}{b}", true, "adjacent expressions"),
        FormatCase(.uriTemplate, "{+a,b*,c:3}", true, "operator, explode and prefix"),
        FormatCase(.uriTemplate, "{=a}", true, "operator reserved for extensions"),
        FormatCase(.uriTemplate, "{a:}", false, "prefix without length"),
        FormatCase(.uriTemplate, "{a*:3}", false, "explode and prefix together"),
        FormatCase(.uriTemplate, "{a", false, "unclosed expression"),
        FormatCase(.uriTemplate, "{{a}}", false, "nested braces"),
        FormatCase(.uriTemplate, "{.a.b}", true, "label operator and dotted name"),
        FormatCase(.uriTemplate, "{a.}", false, "trailing dot in a name"),
        FormatCase(.uriTemplate, "{%4}", false, "incomplete percent-encoding in a name"),
        FormatCase(.uriTemplate, "%4", false, "incomplete percent-encoding in a literal"),
        FormatCase(.jsonPointer, "/~01", true, "~0 then 1"),
        FormatCase(.jsonPointer, "~1", false, "no leading slash"),
        FormatCase(.relativeJSONPointer, "0", true, "zero"),
        FormatCase(.relativeJSONPointer, "0/", true, "zero and an empty token"),
        FormatCase(.relativeJSONPointer, "00", false, "leading zero"),
        FormatCase(.relativeJSONPointer, "#", false, "no integer"),
        FormatCase(.relativeJSONPointer, "10#", true, "index of a multi-digit ancestor"),
        FormatCase(.uuid, "2EB8AA08-AA98-11EA-B4AA-73B441D1638G", false, "G in the last group"),
        FormatCase(.uuid, "{2eb8aa08-aa98-11ea-b4aa-73b441d16380}", false, "braces"),
        FormatCase(.uuid, "2eb8aa08-aa98-11ea-b4aa-73b441d16380 ", false, "trailing space"),
        FormatCase(.uuid, "2eb8aa08+aa98-11ea-b4aa-73b441d16380", false, "plus instead of a hyphen"),
    ]

    @Test("date and time", arguments: dateTimeCases)
    func dateTime(_ testCase: FormatCase) {
        #expect(testCase.format.isValid(testCase.instance) == testCase.isValid, "\(testCase.testDescription)")
    }

    @Test("addresses and host names", arguments: internetCases)
    func internet(_ testCase: FormatCase) {
        #expect(testCase.format.isValid(testCase.instance) == testCase.isValid, "\(testCase.testDescription)")
    }

    @Test("references, templates and identifiers", arguments: referenceCases)
    func references(_ testCase: FormatCase) {
        #expect(testCase.format.isValid(testCase.instance) == testCase.isValid, "\(testCase.testDescription)")
    }

    @Test("every format name maps to its case")
    func names() {
        #expect(JSONSchemaFormat.allCases.count == 19)
        for format in JSONSchemaFormat.allCases {
            #expect(JSONSchemaFormat(rawValue: format.rawValue) == format)
        }
        #expect(JSONSchemaFormat(rawValue: "date-time") == .dateTime)
        #expect(JSONSchemaFormat(rawValue: "relative-json-pointer") == .relativeJSONPointer)
        #expect(JSONSchemaFormat(rawValue: "unknown") == nil)
    }

    @Test("Punycode decodes and re-encodes RFC 3492 sample strings")
    func punycodeRoundTrip() {
        // RFC 3492 section 7.1, samples (A) Arabic and (L) Japanese.
        let samples: [(String, String)] = [
            ("egbpdaj6bu4bxfgehfvwxn", "ليهمابتكلموشعربي؟"),
            ("3B-ww4c5e180e575a65lsy2b", "3年B組金八先生"),
        ]
        for (encoded, decoded) in samples {
            let expected = decoded.unicodeScalars.map { $0.value }
            var input = Array(encoded.utf8)
            input.withUnsafeMutableBufferPointer { input in
                var scalars = [UInt32](repeating: 0, count: 64)
                let count = scalars.withUnsafeMutableBufferPointer {
                    FormatPunycode.decode(UnsafeBufferPointer(input), into: $0)
                }
                // Basic code points come back lower-cased.
                let lowered = expected.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
                #expect(count.map { Array(scalars[0..<$0]) } == lowered, "decoding \(encoded)")
                var output = [UInt8](repeating: 0, count: 64)
                let length = lowered.withUnsafeBufferPointer { lowered in
                    output.withUnsafeMutableBufferPointer { FormatPunycode.encode(lowered, into: $0) }
                }
                #expect(length.map { Array(output[0..<$0]) } == Array(encoded.lowercased().utf8), "encoding \(decoded)")
            }
        }
    }

    @Test("Unicode tables answer the properties the IDNA rules ask for")
    func unicodeTables() {
        #expect(FormatUnicodeProperties(0x61).bidiClass == .leftToRight)
        #expect(FormatUnicodeProperties(0x5D0).bidiClass == .rightToLeft)
        #expect(FormatUnicodeProperties(0x628).bidiClass == .arabicLetter)
        #expect(FormatUnicodeProperties(0x660).bidiClass == .arabicNumber)
        #expect(FormatUnicodeProperties(0x6F0).bidiClass == .europeanNumber)
        #expect(FormatUnicodeProperties(0x300).bidiClass == .nonspacingMark)
        #expect(FormatUnicodeProperties(0x20).bidiClass == .other)
        #expect(FormatUnicodeProperties(0x628).joiningType == .dualJoining)
        #expect(FormatUnicodeProperties(0x627).joiningType == .rightJoining)
        #expect(FormatUnicodeProperties(0x64B).joiningType == .transparent)
        #expect(FormatUnicodeProperties(0x3B1).script == .greek)
        #expect(FormatUnicodeProperties(0x5D0).script == .hebrew)
        #expect(FormatUnicodeProperties(0x3041).script == .hiragana)
        #expect(FormatUnicodeProperties(0x30A1).script == .katakana)
        #expect(FormatUnicodeProperties(0x4E08).script == .han)
        #expect(FormatUnicodeProperties(0x30FB).script == .other)
        #expect(FormatUnicodeProperties(0x10FFFF).script == .other)
    }

    @Test("ASCII set constants match their member lists")
    func asciiSets() {
        let letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        let digits = "0123456789"
        #expect(FormatASCIISet.letterDigitHyphen == FormatASCIISet(letters + digits + "-"))
        #expect(FormatASCIISet.atomText == FormatASCIISet(letters + digits + "!#$%&'*+-/=?^_`{|}~"))
        for byte in UInt8.min...UInt8.max {
            let isLDH = byte < 0x80 && (letters + digits + "-").utf8.contains(byte)
            #expect(FormatASCIISet.letterDigitHyphen.contains(byte) == isLDH, "byte \(byte)")
        }
    }

    /// A deterministic xorshift generator, so that a failure can be reproduced.
    struct Generator {
        var state: UInt64

        mutating func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }

        mutating func string(from alphabet: [String], length: Int) -> String {
            (0..<length).map { _ in alphabet[next(alphabet.count)] }.joined()
        }
    }

    @Test("the 8-bytes-at-a-time host name check agrees with the label-by-label one")
    func hostnameWords() {
        var generator = Generator(state: 0x9E37_79B9_7F4A_7C15)
        // Half the strings use only host name characters, so that many are valid.
        let alphabets = [["a", "a", "a", "0", "-", ".", ".", "x", "n", "Z"], ["a", "0", "-", ".", "_", "ü"]]
        var validCount = 0
        for round in 0..<50_000 {
            var string = generator.string(from: alphabets[round % 2], length: 1 + generator.next(70))
            let verdict = string.withUTF8 { FormatHostname.isValidHostname($0) }
            let reference = string.withUTF8 { FormatHostname.isValidHostnameByLabels($0) }
            #expect(verdict == reference, "\(string.debugDescription)")
            validCount += verdict ? 1 : 0
        }
        #expect(validCount > 2_000)
    }

    @Test("the 8-bytes-at-a-time UUID check agrees with a byte-by-byte one")
    func uuidWords() {
        var generator = Generator(state: 0x2545_F491_4F6C_DD1D)
        let alphabet = Array("0123456789abcdefABCDEF").map(String.init) + ["g", "G", "/", ":", "@", "`", " ", "-", "é"]
        for _ in 0..<50_000 {
            var characters = (0..<36).map { _ in alphabet[generator.next(alphabet.count)] }
            for index in [8, 13, 18, 23] where generator.next(8) != 0 {
                characters[index] = "-"
            }
            let string = characters.joined()
            let bytes = Array(string.utf8)
            let reference = bytes.count == 36 && bytes.indices.allSatisfy { index in
                if [8, 13, 18, 23].contains(index) {
                    return bytes[index] == UInt8(ascii: "-")
                }
                return bytes[index] < 0x80 && Character(UnicodeScalar(bytes[index])).isHexDigit
            }
            #expect(JSONSchemaFormat.uuid.isValid(string) == reference, "\(string.debugDescription)")
        }
    }

    /// Formats whose valid strings are all valid for another, laxer format.
    static let implications: [(JSONSchemaFormat, JSONSchemaFormat)] = [
        (.uri, .uriReference), (.uri, .iri), (.iri, .iriReference), (.uriReference, .iriReference),
        (.hostname, .idnHostname), (.email, .idnEmail), (.ipv4, .hostname),
    ]

    @Test("random strings: no crash, and stricter formats imply laxer ones")
    func randomStrings() {
        // Pieces that the checks care about, joined at random (deterministic generator).
        let pieces = [
            "a", "Z", "0", "9", "-", ".", ":", "/", "?", "#", "[", "]", "@", "%", "%4", "%41", "~", "~0", "~2",
            "{", "}", "*", ",", "+", "=", "\"", "\\", " ", "T", "Z", "P", "1", "60", "xn--", "http://", "//",
            "ü", "δ", "ب", "א", "٠", "۰", "\u{200C}", "\u{200D}", "्", "・", "·", "l", "͵", "׳", "。",
            "\u{E000}",
            "𝕏", "\u{0}", "\n", "2024-01-31", "23:59:60", "::", "::1", "1.2.3.4", "255", "256", "IPv6:",
        ]
        var generator = Generator(state: 0x2545_F491_4F6C_DD1D)
        for _ in 0..<20_000 {
            let string = generator.string(from: pieces, length: generator.next(12))
            var verdicts: [JSONSchemaFormat: Bool] = [:]
            for format in JSONSchemaFormat.allCases where format != .regex {
                verdicts[format] = format.isValid(string)
            }
            for (strict, lax) in Self.implications where verdicts[strict] == true {
                #expect(
                    verdicts[lax] == true, "\(string.debugDescription) is \(strict.rawValue) but not \(lax.rawValue)"
                )
            }
        }
    }
}
