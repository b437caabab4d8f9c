import Foundation
import Testing

@testable import TollgateSchema

/// A pattern, an input and whether ECMA-262 (`u` flag) finds a match in it. Every case was checked
/// against a JavaScript engine's `new RegExp(pattern, "u").test(input)`.
struct RegexMatchCase: Sendable, CustomTestStringConvertible {
    var pattern: String
    var input: String
    var matches: Bool

    init(_ pattern: String, _ input: String, _ matches: Bool) {
        self.pattern = pattern
        self.input = input
        self.matches = matches
    }

    var testDescription: String {
        let escaped = input.unicodeScalars.map { $0.escaped(asASCII: true) }.joined()
        return "/\(pattern)/u on \"\(escaped)\" → \(matches ? "match" : "no match")"
    }
}

@Suite("ECMARegex syntax")
struct RegexSyntaxTests {
    /// (pattern, part of the message, offset in Unicode scalars)
    static let invalid: [(String, String, Int)] = [
        ("(abc", "unterminated group", 0),
        ("a(b(c)", "unterminated group", 1),
        ("abc)", "unmatched ')'", 3),
        ("[abc", "unterminated character class", 0),
        ("x[^", "unterminated character class", 1),
        ("a**", "nothing to repeat", 2),
        ("a+*", "nothing to repeat", 2),
        ("*a", "nothing to repeat", 0),
        ("a|?", "nothing to repeat", 2),
        ("a{2}{3}", "nothing to repeat", 4),
        ("a{2,1}", "numbers out of order", 1),
        ("{", "lone '{'", 0),
        ("a{", "incomplete quantifier", 1),
        ("a{1", "incomplete quantifier", 1),
        ("a{,5}", "incomplete quantifier", 1),
        ("a{1,2", "incomplete quantifier", 1),
        ("}", "lone '}'", 0),
        ("ab]", "lone ']'", 2),
        ("^*", "assertion cannot be quantified", 1),
        ("$+", "assertion cannot be quantified", 1),
        (#"\b{2}"#, "assertion cannot be quantified", 2),
        ("(?=a)*", "assertion cannot be quantified", 5),
        ("(?<!a)?", "assertion cannot be quantified", 6),
        (#"\a"#, "invalid escape", 0),
        (#"x\q"#, "invalid escape", 1),
        (#"\e"#, "invalid escape", 0),
        (#"\z"#, "invalid escape", 0),
        (#"\"#, #"\ at end of pattern"#, 0),
        (#"[\"#, #"\ at end of pattern"#, 1),
        (#"\c1"#, #"\c must be followed by an ASCII letter"#, 0),
        (#"\x4"#, #"\x must be followed by two hex digits"#, 0),
        (#"\u12"#, "invalid Unicode escape", 0),
        (#"\u{110000}"#, "invalid Unicode escape", 0),
        (#"\u{}"#, "invalid Unicode escape", 0),
        (#"a\01"#, "octal escapes", 1),
        (#"[\01]"#, "octal escapes", 1),
        (#"[\B]"#, "invalid class escape", 1),
        (#"[\1]"#, "invalid class escape", 1),
        (#"[\k]"#, "invalid class escape", 1),
        (#"[\a]"#, "invalid class escape", 1),
        (#"[\d-z]"#, "cannot bound a range", 3),
        (#"[a-\w]"#, "cannot bound a range", 2),
        ("[z-a]", "range out of order", 1),
        (#"\1"#, "group that does not exist", 0),
        (#"(a)\2"#, "group that does not exist", 3),
        (#"\k<x>"#, "no group named 'x'", 0),
        (#"(?<x>a)\k<y>"#, "no group named 'y'", 7),
        (#"\k"#, "invalid named reference", 0),
        ("(?<x>a)(?<x>b)", "duplicate capture group name 'x'", 10),
        ("(?<1a>x)", "invalid capture group name", 3),
        ("(?<>x)", "invalid capture group name", 3),
        ("(?<a-b>x)", "invalid capture group name", 3),
        ("(?P<name>x)", "invalid group", 0),
        ("(?P=n)", "invalid group", 0),
        ("(?#comment)a", "invalid group", 0),
        ("(?i)abc", "invalid group", 0),
        ("(?ims)abc", "invalid group", 0),
        (#"\p{Foo}"#, "unknown Unicode property name or value 'Foo'", 0),
        (#"a\p{Digit}"#, "unknown Unicode property", 1),
        (#"\p{letter}"#, "unknown Unicode property", 0),
        (#"\p{L&}"#, "invalid property name", 0),
        (#"\p{Script=Foo}"#, "unknown Unicode property", 0),
        (#"\p{sc=Hrkt}"#, "unknown Unicode property", 0),
        (#"\p{ASCII=Yes}"#, "unknown Unicode property", 0),
        (#"\p{Lu=Lu}"#, "unknown Unicode property", 0),
        (#"\p{gc=}"#, "unknown Unicode property", 0),
        (#"\p{}"#, "unknown Unicode property", 0),
        (#"\pL"#, "must be followed by {name}", 0),
        (#"\p{L"#, "missing '}'", 0),
        (String(repeating: "(", count: 101) + String(repeating: ")", count: 101), "nested more than 100 deep", 100),
    ]

    @Test(arguments: invalid)
    func rejects(_ pattern: String, _ message: String, _ offset: Int) {
        do {
            let regex = try ECMARegex(pattern)
            Issue.record("/\(regex.pattern)/u compiled but should fail with \"\(message)\" at \(offset)")
        } catch {
            #expect(error.message.contains(message), "/\(pattern)/u: \(error)")
            #expect(error.offset == offset, "/\(pattern)/u: \(error)")
            #expect(error.description.contains("offset \(offset)"))
        }
    }

    static let valid: [String] = [
        "", "a", "|", "a|", "()", "(?:)", "[]", "[^]", "[-]", "[a-]", "[-a]", "[a-z-0]", "[--0]", #"[\-]"#,
        #"[\b]"#, #"\cA"#, #"\cz"#, #"\0"#, #"[\0]"#, #"\/"#, #"\^\$\\\.\*\+\?\(\)\[\]\{\}\|"#, #"[\]]"#,
        "a{0}", "a{0,0}", "a{1,}", "a{3}?", "a{99999999999999999999}", "(?<name>x)", #"(?<n>a)\k<n>"#,
        #"\k<n>(?<n>a)"#, #"\1(a)"#, "(?<$é_x1>x)", #"(?<\u0061>x)\k<a>"#, "(?<=a+)b", "(?<!a|bc)d",
        "(?=(?!(?<=(?<!a))))", #"\p{L}\p{Letter}\p{gc=L}\p{General_Category=Letter}\p{Lu}\p{digit}"#,
        #"\p{punct}\p{cntrl}\p{Combining_Mark}\p{LC}\p{Any}\p{ASCII}\p{Assigned}\p{Alpha}\p{White_Space}"#,
        #"\p{Script=Greek}\p{sc=Grek}\p{Script_Extensions=Latin}\p{scx=Latn}\p{sc=Zyyy}\p{sc=Zzzz}\p{sc=Qaac}"#,
        #"\P{Emoji}\p{Extended_Pictographic}\p{ID_Start}\p{XIDC}\p{Hex}"#, #"\uD83D\uDE00"#, #"\uD83D"#,
        #"[\uD83D\uDE00-\uD83D\uDE4F]"#, #"\u{1F600}"#, "😀+",
        // Punctuation escaped as ECMA-262 without `u` allows, common in published schemas.
        #"^[a-z]\-[0-9]\_\:\ \!\@\#\%\,\;\=\~$"#, #"[\_\:]"#, String(repeating: "(", count: 100)
            + String(repeating: ")", count: 100),
    ]

    @Test(arguments: valid)
    func accepts(_ pattern: String) throws {
        let regex = try ECMARegex(pattern)
        #expect(regex.pattern == pattern)
    }

    @Test func errorsAreValues() {
        let error = ECMARegexSyntaxError(message: "unterminated character class", offset: 3)
        #expect(error == ECMARegexSyntaxError(message: "unterminated character class", offset: 3))
        #expect(error.description == "invalid regular expression: unterminated character class (at offset 3)")
    }

    @Test func offsetsCountUnicodeScalars() {
        #expect(throws: ECMARegexSyntaxError(message: "unterminated group", offset: 2)) {
            try ECMARegex("😀é(a")
        }
    }
}

@Suite("ECMARegex matching")
struct RegexMatchingTests {
    static let escapes: [RegexMatchCase] = [
        .init(#"^\t$"#, "\t", true), .init(#"^\t$"#, #"\t"#, false), .init(#"^\n$"#, "\n", true),
        .init(#"^\v$"#, "\u{0B}", true), .init(#"^\f$"#, "\u{0C}", true), .init(#"^\r$"#, "\r", true),
        .init(#"^\0$"#, "\u{0}", true), .init(#"^\cJ$"#, "\n", true), .init(#"^\cj$"#, "\n", true),
        .init(#"^\cC$"#, "\u{3}", true), .init(#"^\x41\u0042\u{43}$"#, "ABC", true), .init(#"^\/$"#, "/", true),
        .init(#"^\.$"#, ".", true), .init(#"^\.$"#, "x", false), .init("^.$", "x", true),
        .init("^.$", "\n", false), .init("^.$", "\r", false), .init("^.$", "\u{2028}", false),
        .init("^.$", "\u{2029}", false), .init("^.$", "\u{85}", true), .init("^.$", "😀", true),
        .init("^..$", "😀", false), .init(#"^[\b]$"#, "\u{8}", true), .init(#"^[\-a]+$"#, "-a-", true),
        .init(#"^\d+$"#, "0123456789", true), .init(#"^\d$"#, "\u{07C0}", false), .init(#"^\d$"#, "٣", false),
        .init(#"^\D$"#, "\u{07C0}", true), .init(#"^\D$"#, "5", false), .init(#"^\w+$"#, "aZ_09", true),
        .init(#"^\w$"#, "é", false), .init(#"^\w$"#, "ſ", false), .init(#"^\W$"#, "é", true),
        .init(#"^\W$"#, "_", false), .init(#"^\s+$"#, " \t\n\u{0B}\u{0C}\r\u{A0}\u{1680}\u{2000}\u{200A}", true),
        .init(#"^\s+$"#, "\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}\u{FEFF}", true), .init(#"^\s$"#, "\u{85}", false),
        .init(#"^\s$"#, "\u{180E}", false), .init(#"^\s$"#, "\u{200B}", false), .init(#"^\S$"#, "\u{200B}", true),
        .init(#"^\S$"#, "\u{3000}", false), .init(#"^[\d\s]+$"#, "1 2", true), .init(#"^[^\d\s]+$"#, "ab", true),
        .init(#"^[^\d\s]+$"#, "a b", false), .init(#"^[\W\d]+$"#, "1!", true), .init("^[]$", "a", false),
        .init("^[^]$", "\n", true), .init("[]", "", false), .init("^[^]*$", "any\nthing", true),
    ]

    static let anchors: [RegexMatchCase] = [
        .init("^abc$", "abc", true), .init("^abc$", "abc\n", false), .init("abc$", "abc\n", false),
        .init("^abc", "\nabc", false), .init("a^b", "ab", false), .init("a$b", "ab", false), .init("^$", "", true),
        .init("^$", "\n", false), .init("$^", "", true), .init("(?:^|,)x", ",x", true), .init("(?:^|,)x", "yx", false),
        .init("x(?:$|,)", "x", true), .init("^a|b$", "xb", true), .init("^a|b$", "xa", false), .init("a+", "xxaayy", true),
        .init(#"\bfoo\b"#, "a foo.", true), .init(#"\bfoo\b"#, "afoo", false), .init(#"\bfoo\b"#, "foo_", false),
        .init(#"\Bfoo"#, "afoo", true), .init(#"\Bfoo"#, " foo", false), .init(#"^\b"#, "", false),
        .init(#"^\B$"#, "", true), .init(#"\bé"#, "é", false), .init(#"é\b"#, "aé", false), .init(#"a\b"#, "aé", true),
        .init(#"\b"#, "!", false), .init(#"\B"#, "!", true),
    ]

    static let quantifiers: [RegexMatchCase] = [
        .init("^a*$", "aaa", true), .init("^a*$", "abc", false), .init("^a+?$", "aaa", true), .init("^a{2,3}?$", "aaa", true),
        .init("^a{2,3}?$", "aaaa", false), .init("^a{2}$", "aa", true), .init("^a{2,}$", "aaaaa", true),
        .init("^a{2,}$", "a", false), .init("^(?:ab){0}$", "", true), .init("^(?:ab){0}c$", "abc", false),
        .init("^(.*?),(.*)$", "a,b,c", true), .init("^x*?y", "xxy", true), .init("^(a|ab)(c|bcd)(d*)$", "abcd", true),
        .init("^(?:a|b)*?c$", "ababc", true), .init("^(?:a*)*$", "aaa", true), .init("^(?:a*)+b$", "aab", true),
        .init("^(?:a?)*?$", "aa", true), .init("^(?:(?:a|)*)*b", "aaab", true),
        .init(#"^ORD-[0-9]{4}-[0-9]{6,10}$"#, "ORD-2024-1234567", true),
        .init(#"^ORD-[0-9]{4}-[0-9]{6,10}$"#, "ORD-2024-12345678901", false),
        .init(#"^\+[1-9][0-9]{6,14}$"#, "+4915112345678", true), .init(#"^\+[1-9][0-9]{6,14}$"#, "+0123456", false),
        .init("^[A-Za-z0-9 -]{3,10}$", "AB 12-cd", true), .init("^[A-Za-z0-9 -]{3,10}$", "Hello World!", false),
        .init(#"^[0-9]+\.[0-9]+\.[0-9]+$"#, "1.22.333", true), .init(#"^[0-9]+\.[0-9]+\.[0-9]+$"#, "1.22", false),
    ]

    static let lookarounds: [RegexMatchCase] = [
        .init("foo(?=bar)", "foobar", true), .init("foo(?=bar)", "foobaz", false), .init("foo(?!bar)", "foobaz", true),
        .init("foo(?!bar)", "foobar", false), .init(#"(?<=\$)\d+"#, "$42", true), .init(#"(?<=\$)\d+"#, "42", false),
        .init(#"(?<!\$)\b\d+"#, "42", true), .init(#"(?<!\$)\b\d+"#, "$42", false), .init("(?<=a+)b", "aaab", true),
        .init("(?<=a+)b", "b", false), .init("(?<=^|,)x", ",x", true), .init("(?<=é)x", "éx", true),
        .init("(?<=😀)x", "😀x", true), .init("(?<=.)x", "😀x", true), .init("(?<=^.)x", "😀x", true),
        .init("(?<=^..)x", "😀x", false), .init(#"^(?=.*\d)(?=.*[a-z])(?=.*[A-Z]).{8,}$"#, "Passw0rdX", true),
        .init(#"^(?=.*\d)(?=.*[a-z])(?=.*[A-Z]).{8,}$"#, "password1", false), .init(#"(?=(a+))a*b\1"#, "baaabac", true),
        .init(#"(?=(a+))a*b\1"#, "aaab", false), .init(#"(?<=\1(a))b"#, "aab", true), .init(#"(?<=\1(a))b"#, "ab", false),
        .init(#"(?<=(a)\1)b"#, "aab", true), .init(#"(?<=(\d+)(\d+))$"#, "1053", true), .init(#"(?!(a))\1b"#, "b", true),
        .init(#"(.*?)a(?!(a+)b\2c)\2(.*)"#, "baaabaac", true), .init("(?=(?=a)a)a", "a", true), .init("(?!(?!a))a", "a", true),
        .init(#"^(?:(?=(\w))\1)+$"#, "abc", true), .init(#"(?<!a(?=b))b"#, "ab", false), .init(#"(?<=a(?=b))b"#, "ab", true),
    ]

    static let backreferences: [RegexMatchCase] = [
        .init(#"(a)\1"#, "aa", true), .init(#"(a)\1"#, "ab", false), .init(#"(?<x>ab)\k<x>"#, "abab", true),
        .init(#"(?<x>ab)\k<x>"#, "abba", false), .init(#"^\1(a)$"#, "a", true), .init(#"^(?:(a)|b\1)$"#, "b", true),
        .init(#"^(\w+)\s\1$"#, "hey hey", true), .init(#"^(\w+)\s\1$"#, "hey you", false), .init(#"^(a*)b\1$"#, "aabaa", true),
        .init(#"^(a*)b\1$"#, "aaba", false), .init(#"^(?:(a)|b)+\1$"#, "ab", true), .init(#"^(?:(a)|b)+\1$"#, "aba", false),
        .init(#"^(é😀)\1$"#, "é😀é😀", true), .init(#"^(a+?)\1$"#, "aaaa", true), .init(#"^(a+?)\1$"#, "aaa", false),
        .init(#"^(?:(a)\1)*$"#, "aaaa", true), .init(#"^(a)?\1b$"#, "b", true), .init(#"(a)|\1b"#, "b", true),
        .init(#"^(?<y>.)(?<z>.)\k<z>\k<y>$"#, "abba", true), .init(#"^(?<y>.)(?<z>.)\k<z>\k<y>$"#, "abab", false),
    ]

    static let surrogatesAndProperties: [RegexMatchCase] = [
        .init(#"^\uD83D\uDE00$"#, "😀", true), .init(#"^\uD83D\uDE00$"#, "😁", false), .init(#"^\u{1F600}$"#, "😀", true),
        .init(#"^[\uD83D\uDE00-\uD83D\uDE4F]$"#, "🙏", true), .init(#"^[\uD83D\uDE00-\uD83D\uDE4F]$"#, "🚀", false),
        .init(#"^\uD83D\uDC32*$"#, "🐲🐲", true), .init(#"^\uD83D\uDC32*$"#, "🐉", false), .init(#"\uD83D"#, "😀", false),
        .init(#"^[^a]$"#, "😀", true), .init("^[😀-😂]+$", "😁😂", true), .init(#"^\p{Lu}$"#, "A", true),
        .init(#"^\p{Lu}$"#, "a", false), .init(#"^\p{Uppercase_Letter}$"#, "Ä", true), .init(#"^\p{gc=Lu}$"#, "Σ", true),
        .init(#"^\p{General_Category=Uppercase_Letter}$"#, "σ", false), .init(#"^\P{L}$"#, "1", true),
        .init(#"^\P{L}$"#, "ж", false), .init(#"^\p{Letter}+$"#, "Hello", true), .init(#"^\p{Letter}+$"#, "π", true),
        .init(#"^\p{Letter}+$"#, "123", false), .init(#"^\p{Script=Greek}+$"#, "αβγ", true), .init(#"^\p{sc=Grek}$"#, "a", false),
        .init(#"^\p{sc=Grek}$"#, "\u{342}", false), .init(#"^\p{scx=Grek}$"#, "\u{342}", true),
        .init(#"^\p{Script=Latin}+$"#, "éa", true), .init(#"^\p{sc=Han}$"#, "漢", true), .init(#"^\p{ASCII}+$"#, "abc~", true),
        .init(#"^\p{ASCII}$"#, "é", false), .init(#"^\p{Any}$"#, "\u{10FFFF}", true), .init(#"\P{Any}"#, "abc", false),
        .init(#"^\p{Alphabetic}$"#, "ª", true), .init(#"^\p{White_Space}$"#, "\u{3000}", true),
        .init(#"^\p{Emoji}$"#, "😀", true), .init(#"^\p{Emoji_Presentation}$"#, "#", false), .init(#"^\p{digit}+$"#, "४२", true),
        .init(#"^\p{Nd}$"#, "Ⅳ", false), .init(#"^\p{N}$"#, "Ⅳ", true), .init(#"^\p{punct}$"#, "!", true),
        .init(#"^\p{Hex}+$"#, "09afAF", true), .init(#"^[\p{L}\d]+$"#, "ab12ж", true), .init(#"^[^\p{L}]$"#, "ж", false),
        .init(#"^[^\P{L}]$"#, "ж", true), .init(#"^\p{Cn}$"#, "\u{378}", true), .init(#"^\p{Co}$"#, "\u{E000}", true),
        .init(#"\p{Letter}cole"#, "l'école", true), .init(#"\wcole"#, "l'école", false),
    ]

    static let all = escapes + anchors + quantifiers + lookarounds + backreferences + surrogatesAndProperties

    @Test(arguments: all, [ECMARegex.Engine.dfa, .pikeVM, .backtracking])
    func matches(_ example: RegexMatchCase, engine: ECMARegex.Engine) throws {
        let regex = try ECMARegex(example.pattern, engine: engine)
        let expected: ECMARegex.Outcome = example.matches ? .match : .noMatch
        #expect(regex.test(example.input) == expected, "\(example.testDescription) with \(regex.engine)")
        let viaBuffer = Array(example.input.utf8).withUnsafeBufferPointer { regex.test($0) }
        #expect(viaBuffer == expected, "\(example.testDescription) with \(regex.engine), buffer")
    }

    @Test(arguments: [
        (#"^[0-9]+\.[0-9]+\.[0-9]+$"#, ECMARegex.Engine.dfa), (#"^ORD-[0-9]{4}-[0-9]{6,10}$"#, .dfa),
        (#"^[A-Z]{3}$"#, .dfa), (#"^\+[1-9][0-9]{6,14}$"#, .dfa), (#"^\p{L}+$"#, .dfa), ("a+", .dfa),
        (#"\bword\b"#, .pikeVM), ("(a|b)*a(a|b){15}", .pikeVM), (#"(a)\1"#, .backtracking), ("(?=a)", .backtracking),
        ("(?<!a)b", .backtracking), ("^a{30000}$", .backtracking),
    ])
    func engineSelection(_ pattern: String, _ engine: ECMARegex.Engine) throws {
        #expect(try ECMARegex(pattern).engine == engine, "/\(pattern)/u")
    }

    @Test func largeCountedRepetitions() throws {
        let exact = try ECMARegex("^a{30000}$")
        #expect(exact.test(String(repeating: "a", count: 30000)) == .match)
        #expect(exact.test(String(repeating: "a", count: 29999)) == .noMatch)
        let bounded = try ECMARegex("^[a-z]{1,5000}$")
        #expect(bounded.test(String(repeating: "q", count: 5000)) == .match)
        #expect(bounded.test(String(repeating: "q", count: 5001)) == .noMatch)
        let window = try ECMARegex("(a|b)*a(a|b){15}")
        #expect(window.test("a" + String(repeating: "b", count: 15)) == .match)
        #expect(window.test("a" + String(repeating: "b", count: 14)) == .noMatch)
    }

    @Test func sharedAcrossTasks() async throws {
        let regex = try ECMARegex(#"^[A-Z]{3}-[0-9]{5}$"#)
        let lookaround = try ECMARegex(#"^(?=.*\d)[A-Z0-9-]+$"#)
        let counts = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var matches = 0
                    for index in 0..<2000 {
                        let input = index % 2 == 0 ? "ABC-\(10000 + task)" : "abc-\(task)"
                        if regex.test(input) == .match { matches += 1 }
                        if lookaround.test(input) == .match { matches += 1 }
                    }
                    return matches
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 2000, count: 8))
    }
}

@Suite("ECMARegex never stalls")
struct RegexCatastrophicTests {
    @Test func nestedQuantifiersStayLinear() throws {
        let regex = try ECMARegex("^(a+)+$")
        #expect(regex.engine == .dfa)
        let input = String(repeating: "a", count: 50_000) + "!"
        let start = ContinuousClock.now
        #expect(regex.test(input) == .noMatch)
        #expect(regex.test(String(repeating: "a", count: 50_000)) == .match)
        #expect(ContinuousClock.now - start < .milliseconds(500))
    }

    @Test(arguments: ["(a|aa)+$", "(x+x+)+y", "(\\w*)*\\s$", "^(a|a?)+$"])
    func otherExponentialShapesStayLinear(_ pattern: String) throws {
        let regex = try ECMARegex(pattern)
        #expect(regex.engine != .backtracking)
        let input = String(repeating: pattern.hasPrefix("(x") ? "x" : "a", count: 20_000) + "!"
        let start = ContinuousClock.now
        _ = regex.test(input)
        #expect(ContinuousClock.now - start < .milliseconds(500), "/\(pattern)/u")
    }

    @Test(arguments: [#"(a*)*\1b"#, #"^(a|a)*\1$"#, #"^(a|aa)+(?=b)"#, #"^(?=(a|aa)+$)"#])
    func catastrophicBacktrackingHitsTheLimit(_ pattern: String) throws {
        let regex = try ECMARegex(pattern)
        #expect(regex.engine == .backtracking)
        let start = ContinuousClock.now
        #expect(regex.test(String(repeating: "a", count: 40) + "!") == .limitExceeded, "/\(pattern)/u")
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func longInputsDoNotDeepenTheStack() throws {
        // The backtracker keeps its choices on the heap: a million-character input is fine.
        let regex = try ECMARegex(#"^(?=.*z)(.)\1"#)
        #expect(regex.test("aa" + String(repeating: "b", count: 400_000)) == .noMatch)
        #expect(regex.test("aa" + String(repeating: "b", count: 1_000) + "z") == .match)
    }

    @Test func theStepLimitIsDocumented() {
        #expect(ECMARegex.backtrackingStepLimit == 1_000_000)
        #expect(ECMARegex.backtrackingStepLimit(forInputLength: 10) == 1_000_000)
        #expect(ECMARegex.backtrackingStepLimit(forInputLength: 3_000) == 18_000_000)
        #expect(ECMARegex.backtrackingStepLimit(forInputLength: 1 << 40) == ECMARegex.backtrackingStepCap)
    }

    @Test func quadraticPatternsFinishOnStringsOfThousandsOfCharacters() {
        // Each start position rescans the rest of the string: quadratic, but legitimate.
        let regex = try! ECMARegex(#"(?!_)\w+$"#)
        #expect(regex.engine == .backtracking)
        #expect(regex.test(String(repeating: "a", count: 820) + "-b") == .match)
        #expect(regex.test(String(repeating: "a", count: 3_000) + "-b") == .match)
        let bounded = try! ECMARegex(#"(?=.{1,256}$)[a-z]*"#)
        #expect(bounded.test(String(repeating: "a", count: 2_000)) == .match)
    }
}
