/// A zero-width assertion that looks only at the position and its neighbours.
enum RegexAssertion: Sendable, Equatable {
    /// `^`: the start of the input (no multiline flag).
    case start
    /// `$`: the very end of the input (not before a final newline).
    case end
    /// `\b`
    case wordBoundary
    /// `\B`
    case notWordBoundary
}

/// The syntax tree of a pattern.
indirect enum RegexNode: Sendable {
    case empty
    case characters(RegexCodePointSet)
    case concatenation([RegexNode])
    case alternation([RegexNode])
    /// A group; `capture` is the 1-based number of a capturing group.
    case group(RegexNode, capture: Int?)
    /// `captures` are the numbers of the capturing groups inside the atom, which every iteration resets.
    case quantified(RegexNode, min: Int, max: Int?, greedy: Bool, captures: Range<Int>)
    case assertion(RegexAssertion)
    case lookaround(RegexNode, behind: Bool, negated: Bool)
    case backreference(Int)
    /// Only while parsing: `\k<name>`, resolved once every group name is known.
    case namedBackreference(String, offset: Int)
}

/// A parsed pattern.
struct RegexSyntaxTree: Sendable {
    var root: RegexNode
    var captureCount: Int
}

/// Parses ECMA-262 pattern syntax with the `u` flag (strict: no Annex B extensions).
struct RegexParser {
    /// Deeper nesting of groups is refused, so that no pattern can exhaust the stack of the
    /// recursive passes over the tree.
    static let maxNestingDepth = 100

    /// Counts in `{n,m}` above this are clamped; no input is that long.
    private static let countCeiling = 1 << 40

    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var captureCount = 0
    private var captureNames: [String: Int] = [:]
    private var numberedReferences: [(number: Int, offset: Int)] = []

    static func parse(_ pattern: String) throws(ECMARegexSyntaxError) -> RegexSyntaxTree {
        var parser = RegexParser(scalars: Array(pattern.unicodeScalars))
        let root = try parser.parseDisjunction(depth: 0)
        if parser.position < parser.scalars.count {
            throw ECMARegexSyntaxError(message: "unmatched ')'", offset: parser.position)
        }
        for reference in parser.numberedReferences where reference.number > parser.captureCount {
            throw ECMARegexSyntaxError(
                message: "backreference \\\(reference.number) refers to a group that does not exist",
                offset: reference.offset)
        }
        let resolved = try parser.resolveNames(root)
        return RegexSyntaxTree(root: resolved, captureCount: parser.captureCount)
    }

    private init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    // MARK: - Reading

    private var current: Unicode.Scalar? {
        position < scalars.count ? scalars[position] : nil
    }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    private mutating func take(_ scalar: Unicode.Scalar) -> Bool {
        guard current == scalar else { return false }
        position += 1
        return true
    }

    private func error(_ message: String, at offset: Int) -> ECMARegexSyntaxError {
        ECMARegexSyntaxError(message: message, offset: offset)
    }

    // MARK: - Disjunction, alternative, term

    private mutating func parseDisjunction(depth: Int) throws(ECMARegexSyntaxError) -> RegexNode {
        var alternatives = [try parseAlternative(depth: depth)]
        while take("|") {
            alternatives.append(try parseAlternative(depth: depth))
        }
        return alternatives.count == 1 ? alternatives[0] : .alternation(alternatives)
    }

    private mutating func parseAlternative(depth: Int) throws(ECMARegexSyntaxError) -> RegexNode {
        var terms: [RegexNode] = []
        while let scalar = current, scalar != "|", scalar != ")" {
            terms.append(try parseTerm(depth: depth))
        }
        switch terms.count {
        case 0: return .empty
        case 1: return terms[0]
        default: return .concatenation(terms)
        }
    }

    private mutating func parseTerm(depth: Int) throws(ECMARegexSyntaxError) -> RegexNode {
        let start = position
        switch current {
        case "^":
            position += 1
            return try unquantifiable(.assertion(.start))
        case "$":
            position += 1
            return try unquantifiable(.assertion(.end))
        case "\\" where peek(1) == "b":
            position += 2
            return try unquantifiable(.assertion(.wordBoundary))
        case "\\" where peek(1) == "B":
            position += 2
            return try unquantifiable(.assertion(.notWordBoundary))
        case "(" where peek(1) == "?" && (peek(2) == "=" || peek(2) == "!"):
            position += 3
            return try unquantifiable(
                parseLookaround(behind: false, negated: scalars[start + 2] == "!", start: start, depth: depth))
        case "(" where peek(1) == "?" && peek(2) == "<" && (peek(3) == "=" || peek(3) == "!"):
            position += 4
            return try unquantifiable(
                parseLookaround(behind: true, negated: scalars[start + 3] == "!", start: start, depth: depth))
        default:
            let capturesBefore = captureCount
            let atom = try parseAtom(depth: depth)
            return try parseQuantifier(atom, captures: (capturesBefore + 1)..<(captureCount + 1))
        }
    }

    /// With the `u` flag no assertion may be quantified, lookaheads included.
    private mutating func unquantifiable(_ node: RegexNode) throws(ECMARegexSyntaxError) -> RegexNode {
        if let scalar = current, scalar == "*" || scalar == "+" || scalar == "?" || scalar == "{" {
            throw error("nothing to repeat: an assertion cannot be quantified", at: position)
        }
        return node
    }

    private mutating func parseLookaround(behind: Bool, negated: Bool, start: Int, depth: Int)
        throws(ECMARegexSyntaxError) -> RegexNode
    {
        guard depth < Self.maxNestingDepth else {
            throw error("groups are nested more than \(Self.maxNestingDepth) deep", at: start)
        }
        let body = try parseDisjunction(depth: depth + 1)
        guard take(")") else { throw error("unterminated group", at: start) }
        return .lookaround(body, behind: behind, negated: negated)
    }

    // MARK: - Quantifiers

    private mutating func parseQuantifier(_ atom: RegexNode, captures: Range<Int>)
        throws(ECMARegexSyntaxError) -> RegexNode
    {
        let start = position
        let min: Int
        let max: Int?
        switch current {
        case "*":
            position += 1
            (min, max) = (0, nil)
        case "+":
            position += 1
            (min, max) = (1, nil)
        case "?":
            position += 1
            (min, max) = (0, 1)
        case "{":
            guard let bounds = parseBraceQuantifier() else {
                throw error("incomplete quantifier: '{' must be escaped as \\{ when it does not start {n}, {n,} or {n,m}",
                            at: start)
            }
            if let upper = bounds.max, upper < bounds.min {
                throw error("numbers out of order in {} quantifier", at: start)
            }
            (min, max) = bounds
        default:
            return atom
        }
        let greedy = !take("?")
        return .quantified(atom, min: min, max: max, greedy: greedy, captures: captures)
    }

    /// `{n}`, `{n,}` or `{n,m}` at the current position; nil (position unchanged) if it is not one.
    private mutating func parseBraceQuantifier() -> (min: Int, max: Int?)? {
        let start = position
        position += 1
        guard let min = parseDecimal() else {
            position = start
            return nil
        }
        var max: Int? = min
        if take(",") {
            max = parseDecimal()
        }
        guard take("}") else {
            position = start
            return nil
        }
        return (min, max)
    }

    private mutating func parseDecimal() -> Int? {
        var value: Int?
        while let digit = current.flatMap(Self.asciiDigit) {
            value = Swift.min((value ?? 0) * 10 + digit, Self.countCeiling)
            position += 1
        }
        return value
    }

    private static func asciiDigit(_ scalar: Unicode.Scalar) -> Int? {
        scalar.value >= 0x30 && scalar.value <= 0x39 ? Int(scalar.value - 0x30) : nil
    }

    // MARK: - Atoms

    private mutating func parseAtom(depth: Int) throws(ECMARegexSyntaxError) -> RegexNode {
        let start = position
        guard let scalar = current else { throw error("unexpected end of pattern", at: start) }
        switch scalar {
        case ".":
            position += 1
            return .characters(.dot)
        case "(":
            return try parseGroup(depth: depth)
        case "[":
            return .characters(try parseClass())
        case "\\":
            return try parseAtomEscape()
        case "*", "+", "?":
            throw error("nothing to repeat", at: start)
        case "{":
            if parseBraceQuantifier() != nil {
                position = start
                throw error("nothing to repeat", at: start)
            }
            throw error("lone '{': escape it as \\{", at: start)
        case "}":
            throw error("lone '}': escape it as \\}", at: start)
        case "]":
            throw error("lone ']': escape it as \\]", at: start)
        default:
            position += 1
            return .characters(RegexCodePointSet(scalar.value))
        }
    }

    private mutating func parseGroup(depth: Int) throws(ECMARegexSyntaxError) -> RegexNode {
        let start = position
        guard depth < Self.maxNestingDepth else {
            throw error("groups are nested more than \(Self.maxNestingDepth) deep", at: start)
        }
        position += 1
        var capture: Int?
        if take("?") {
            if take(":") {
                capture = nil
            } else if take("<") {
                let nameOffset = position
                let name = try parseGroupName()
                if captureNames[name] != nil {
                    throw error("duplicate capture group name '\(name)'", at: nameOffset)
                }
                captureCount += 1
                captureNames[name] = captureCount
                capture = captureCount
            } else {
                throw error("invalid group: '(?' must be followed by ':', '=', '!', '<=', '<!' or '<name>'",
                            at: start)
            }
        } else {
            captureCount += 1
            capture = captureCount
        }
        let body = try parseDisjunction(depth: depth + 1)
        guard take(")") else { throw error("unterminated group", at: start) }
        return .group(body, capture: capture)
    }

    /// A RegExpIdentifierName followed by '>', the '<' already read.
    private mutating func parseGroupName() throws(ECMARegexSyntaxError) -> String {
        let start = position
        var name = String.UnicodeScalarView()
        while true {
            guard let scalar = current else { throw error("invalid capture group name", at: start) }
            if scalar == ">" {
                position += 1
                break
            }
            var value = scalar.value
            if scalar == "\\" {
                position += 1
                guard take("u"), let escaped = parseUnicodeEscapeBody(allowBraces: true) else {
                    throw error("invalid capture group name", at: start)
                }
                value = escaped
            } else {
                position += 1
            }
            let allowed: Bool
            if value == 0x24 || value == 0x5F {
                allowed = true
            } else if name.isEmpty {
                allowed = RegexUnicodeProperties.idStart.contains(value)
            } else {
                allowed = value == 0x200C || value == 0x200D || RegexUnicodeProperties.idContinue.contains(value)
            }
            guard allowed, let decoded = Unicode.Scalar(value) else {
                throw error("invalid capture group name", at: start)
            }
            name.append(decoded)
        }
        guard !name.isEmpty else { throw error("invalid capture group name", at: start) }
        return String(name)
    }

    // MARK: - Escapes

    private mutating func parseAtomEscape() throws(ECMARegexSyntaxError) -> RegexNode {
        let start = position
        position += 1
        guard let scalar = current else { throw error("\\ at end of pattern", at: start) }
        switch scalar {
        case "1"..."9":
            var number = 0
            while let digit = current.flatMap(Self.asciiDigit) {
                number = Swift.min(number * 10 + digit, Self.countCeiling)
                position += 1
            }
            numberedReferences.append((number, start))
            return .backreference(number)
        case "k":
            position += 1
            guard take("<") else {
                throw error("invalid named reference: \\k must be followed by <name>", at: start)
            }
            return .namedBackreference(try parseGroupName(), offset: start)
        default:
            if let set = try parseCharacterClassEscape() {
                return .characters(set)
            }
            return .characters(RegexCodePointSet(try parseCharacterEscape(escapeOffset: start, inClass: false)))
        }
    }

    /// `\d \D \s \S \w \W \p{..} \P{..}` with the backslash already read, or nil for any other escape.
    private mutating func parseCharacterClassEscape() throws(ECMARegexSyntaxError) -> RegexCodePointSet? {
        let escapeOffset = position - 1
        switch current {
        case "d": position += 1; return .digits
        case "D": position += 1; return RegexCodePointSet.digits.inverted()
        case "s": position += 1; return .whiteSpace
        case "S": position += 1; return RegexCodePointSet.whiteSpace.inverted()
        case "w": position += 1; return .wordCharacters
        case "W": position += 1; return RegexCodePointSet.wordCharacters.inverted()
        case "p", "P":
            let negated = current == "P"
            position += 1
            let set = try parsePropertyExpression(escapeOffset: escapeOffset)
            return negated ? set.inverted() : set
        default:
            return nil
        }
    }

    /// `{name}` or `{name=value}` after `\p` / `\P`.
    private mutating func parsePropertyExpression(escapeOffset: Int) throws(ECMARegexSyntaxError)
        -> RegexCodePointSet
    {
        guard take("{") else {
            throw error("invalid property name: \\p and \\P must be followed by {name}", at: escapeOffset)
        }
        var text = ""
        while let scalar = current, scalar != "}" {
            let value = scalar.value
            let isNameCharacter = (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A)
                || (value >= 0x30 && value <= 0x39) || value == 0x5F || value == 0x3D
            guard isNameCharacter else {
                throw error("invalid property name", at: escapeOffset)
            }
            text.unicodeScalars.append(scalar)
            position += 1
        }
        guard take("}") else { throw error("invalid property name: missing '}'", at: escapeOffset) }
        let parts = text.split(separator: "=", omittingEmptySubsequences: false).map(String.init)
        let set: RegexCodePointSet?
        switch parts.count {
        case 1 where !parts[0].isEmpty:
            set = RegexUnicodeProperties.codePoints(name: parts[0], value: nil)
        case 2 where !parts[0].isEmpty && !parts[1].isEmpty:
            set = RegexUnicodeProperties.codePoints(name: parts[0], value: parts[1])
        default:
            set = nil
        }
        guard let set else {
            throw error("unknown Unicode property name or value '\(text)'", at: escapeOffset)
        }
        return set
    }

    /// A CharacterEscape with the backslash already read: the code point it stands for.
    private mutating func parseCharacterEscape(escapeOffset: Int, inClass: Bool) throws(ECMARegexSyntaxError)
        -> UInt32
    {
        guard let scalar = current else { throw error("\\ at end of pattern", at: escapeOffset) }
        position += 1
        switch scalar {
        case "f": return 0x0C
        case "n": return 0x0A
        case "r": return 0x0D
        case "t": return 0x09
        case "v": return 0x0B
        case "c":
            if let letter = current, letter.isASCII, letter.properties.isAlphabetic {
                position += 1
                return letter.value % 32
            }
            throw error("invalid escape: \\c must be followed by an ASCII letter", at: escapeOffset)
        case "0":
            if current.flatMap(Self.asciiDigit) != nil {
                throw error("invalid decimal escape: octal escapes are not allowed with the u flag", at: escapeOffset)
            }
            return 0
        case "x":
            guard let high = current.flatMap(Self.hexValue), let low = peek(1).flatMap(Self.hexValue) else {
                throw error("invalid escape: \\x must be followed by two hex digits", at: escapeOffset)
            }
            position += 2
            return high << 4 | low
        case "u":
            guard let value = parseUnicodeEscapeBody(allowBraces: true) else {
                throw error("invalid Unicode escape", at: escapeOffset)
            }
            return value
        case "^", "$", "\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "/":
            return scalar.value
        case "-" where inClass:
            return scalar.value
        case _ where scalar.isASCII && !scalar.properties.isAlphabetic && !("0"..."9").contains(scalar):
            // Strict `u`-mode syntax allows only syntax characters here, but schemas in the wild
            // escape other punctuation (`\-`, `\_`, `\:`, `\ `) as ECMA-262 without `u` and other
            // validators allow. Such an escape can only mean the character itself, so accept it.
            return scalar.value
        default:
            let what = inClass ? "invalid class escape" : "invalid escape"
            throw error("\(what) '\\\(scalar)': with the u flag only syntax characters may be escaped",
                        at: escapeOffset)
        }
    }

    /// After `\u`: `XXXX` (joining an escaped surrogate pair into one code point) or `{X...}`.
    /// Nil if malformed.
    private mutating func parseUnicodeEscapeBody(allowBraces: Bool) -> UInt32? {
        if allowBraces, current == "{" {
            let start = position
            position += 1
            var value: UInt32 = 0
            var digits = 0
            while let digit = current.flatMap(Self.hexValue) {
                value = Swift.min(value << 4 | digit, 0x110000)
                digits += 1
                position += 1
            }
            guard digits > 0, take("}"), value <= RegexCodePointSet.maxCodePoint else {
                position = start
                return nil
            }
            return value
        }
        guard let lead = parseFourHexDigits() else { return nil }
        if lead >= 0xD800, lead <= 0xDBFF, current == "\\", peek(1) == "u" {
            let save = position
            position += 2
            if let trail = parseFourHexDigits(), trail >= 0xDC00, trail <= 0xDFFF {
                return 0x10000 + ((lead - 0xD800) << 10) + (trail - 0xDC00)
            }
            position = save
        }
        return lead
    }

    private mutating func parseFourHexDigits() -> UInt32? {
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = peek(offset).flatMap(Self.hexValue) else { return nil }
            value = value << 4 | digit
        }
        position += 4
        return value
    }

    private static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar.value {
        case 0x30...0x39: return scalar.value - 0x30
        case 0x41...0x46: return scalar.value - 0x41 + 10
        case 0x61...0x66: return scalar.value - 0x61 + 10
        default: return nil
        }
    }

    // MARK: - Character classes

    private enum ClassAtom {
        case codePoint(UInt32)
        case set(RegexCodePointSet)
    }

    private mutating func parseClass() throws(ECMARegexSyntaxError) -> RegexCodePointSet {
        let start = position
        position += 1
        let negated = take("^")
        // Collected first and normalized once, so a class with many members costs n log n.
        var ranges: [ClosedRange<UInt32>] = []
        while true {
            guard let scalar = current else { throw error("unterminated character class", at: start) }
            if scalar == "]" {
                position += 1
                break
            }
            let lowOffset = position
            let low = try parseClassAtom()
            if current == "-", let next = peek(1), next != "]" {
                let dashOffset = position
                position += 1
                let high = try parseClassAtom()
                guard case .codePoint(let lowValue) = low, case .codePoint(let highValue) = high else {
                    throw error("invalid character class: a class escape like \\d cannot bound a range",
                                at: dashOffset)
                }
                guard lowValue <= highValue else {
                    throw error("range out of order in character class", at: lowOffset)
                }
                ranges.append(lowValue...highValue)
            } else {
                switch low {
                case .codePoint(let value): ranges.append(value...value)
                case .set(let other): ranges.append(contentsOf: other.ranges)
                }
            }
        }
        let set = RegexCodePointSet(ranges: ranges)
        return negated ? set.inverted() : set
    }

    private mutating func parseClassAtom() throws(ECMARegexSyntaxError) -> ClassAtom {
        guard let scalar = current else { throw error("unterminated character class", at: position) }
        guard scalar == "\\" else {
            position += 1
            return .codePoint(scalar.value)
        }
        let escapeOffset = position
        position += 1
        switch current {
        case nil:
            throw error("\\ at end of pattern", at: escapeOffset)
        case "b":
            position += 1
            return .codePoint(0x08)
        case "B", "k", "1", "2", "3", "4", "5", "6", "7", "8", "9":
            throw error("invalid class escape '\\\(current!)'", at: escapeOffset)
        default:
            if let set = try parseCharacterClassEscape() {
                return .set(set)
            }
            return .codePoint(try parseCharacterEscape(escapeOffset: escapeOffset, inClass: true))
        }
    }

    // MARK: - Names

    private func resolveNames(_ node: RegexNode) throws(ECMARegexSyntaxError) -> RegexNode {
        switch node {
        case .namedBackreference(let name, let offset):
            guard let number = captureNames[name] else {
                throw error("invalid named reference: there is no group named '\(name)'", at: offset)
            }
            return .backreference(number)
        case .concatenation(let nodes):
            var resolved: [RegexNode] = []
            for child in nodes { resolved.append(try resolveNames(child)) }
            return .concatenation(resolved)
        case .alternation(let nodes):
            var resolved: [RegexNode] = []
            for child in nodes { resolved.append(try resolveNames(child)) }
            return .alternation(resolved)
        case .group(let body, let capture):
            return .group(try resolveNames(body), capture: capture)
        case .quantified(let body, let min, let max, let greedy, let captures):
            return .quantified(try resolveNames(body), min: min, max: max, greedy: greedy, captures: captures)
        case .lookaround(let body, let behind, let negated):
            return .lookaround(try resolveNames(body), behind: behind, negated: negated)
        case .empty, .characters, .assertion, .backreference:
            return node
        }
    }
}
