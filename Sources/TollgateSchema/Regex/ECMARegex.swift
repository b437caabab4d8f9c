/// A compiled ECMA-262 regular expression with the semantics of the `u` flag (code points), no
/// other flags: what JSON Schema's `pattern`, `patternProperties` and `format: regex` mean.
///
/// Matching is linear in the input for every pattern without backreferences or lookarounds: such a
/// pattern compiles to a DFA built eagerly here (or, past the DFA's size caps and for `\b` / `\B`,
/// to a Pike VM simulating the NFA). Patterns with backreferences or lookarounds run on a
/// backtracking matcher bounded by `backtrackingStepLimit`.
///
/// Immutable after `init`: no lazy caches, so a value can be shared by any number of threads.
public struct ECMARegex: Sendable {
    /// The verdict of `test`.
    public enum Outcome: Sendable, Equatable {
        case match
        case noMatch
        /// The backtracking matcher ran out of steps before it could decide.
        case limitExceeded
    }

    /// Which matcher runs the pattern, for tests and diagnostics.
    enum Engine: Sendable, Equatable {
        case dfa
        case pikeVM
        case backtracking
    }

    /// The fewest steps the backtracking matcher may take in one `test` (all start positions
    /// together) before it answers `.limitExceeded`. A step is one matcher operation or one code
    /// point taken by a quantifier; a million take a few milliseconds. Only patterns with
    /// backreferences or lookarounds (or counted repetitions too large to expand into an automaton)
    /// use this matcher; see `backtrackingStepLimit(forInputLength:)` for the budget of a string.
    public static let backtrackingStepLimit = 1_000_000

    /// The most steps any one `test` may take, whatever the input's length: about 0.3 s.
    static let backtrackingStepCap = 20_000_000

    /// The step budget for a string of `length` bytes: 2·length², at least `backtrackingStepLimit`
    /// and at most `backtrackingStepCap`. Patterns that rescan the rest of the string from every
    /// start position (`(?!_)\w+$`) take time quadratic in its length; this budget lets them
    /// finish on strings of several thousand characters, while exponential patterns still run out
    /// quickly and nothing runs longer than the cap.
    static func backtrackingStepLimit(forInputLength length: Int) -> Int {
        let (square, overflow) = length.multipliedReportingOverflow(by: length)
        if overflow || square > backtrackingStepCap / 2 { return backtrackingStepCap }
        return max(backtrackingStepLimit, 2 * square)
    }

    /// The pattern as written.
    public let pattern: String

    private let matcher: Matcher
    /// The DFA of `matcher`, unretained: `matcher` keeps it alive, and `test` calls it without
    /// reference counting, which is measurable on the validator's hot path.
    private let dfa: Unmanaged<RegexDFA>?

    private enum Matcher: Sendable {
        case dfa(RegexDFA)
        case pikeVM(RegexPikeVM)
        case backtracking(RegexBacktracker)
    }

    /// Compiles `pattern`.
    /// - Throws: `ECMARegexSyntaxError` if the pattern is not valid ECMA-262 syntax with the `u` flag.
    public init(_ pattern: String) throws(ECMARegexSyntaxError) {
        try self.init(pattern, engine: .dfa)
    }

    /// Compiles `pattern` for the fastest matcher that can run it, starting from `engine`: `.dfa`
    /// falls back to `.pikeVM` (past the DFA's caps, or for `\b` / `\B`), and both fall back to
    /// `.backtracking` (backreferences, lookarounds, huge counted repetitions). Tests pass
    /// `.pikeVM` or `.backtracking` to compare the matchers.
    init(_ pattern: String, engine: Engine) throws(ECMARegexSyntaxError) {
        self.pattern = pattern
        let tree = try RegexParser.parse(pattern)
        guard engine != .backtracking, let nfa = RegexNFA(tree) else {
            matcher = .backtracking(RegexBacktracker(tree))
            dfa = nil
            return
        }
        let classifier = RegexClassifier(sets: nfa.sets)
        if engine == .dfa, let dfa = RegexDFA(nfa, classifier: classifier) {
            matcher = .dfa(dfa)
            self.dfa = Unmanaged.passUnretained(dfa)
        } else {
            matcher = .pikeVM(RegexPikeVM(nfa, classifier: classifier))
            dfa = nil
        }
    }

    /// The DFA, unretained, for callers that keep this regex alive and call `test` on a hot path.
    var unmanagedDFA: Unmanaged<RegexDFA>? { dfa }

    var engine: Engine {
        switch matcher {
        case .dfa: return .dfa
        case .pikeVM: return .pikeVM
        case .backtracking: return .backtracking
        }
    }

    /// Unanchored search, like `RegExp.prototype.test`: is there a match anywhere in `utf8`?
    /// - Parameter utf8: valid UTF-8 (the JSON parser guarantees it).
    public func test(_ utf8: UnsafeBufferPointer<UInt8>) -> Outcome {
        if let dfa {
            return dfa._withUnsafeGuaranteedRef { $0.test(utf8) }
        }
        switch matcher {
        case .dfa(let dfa): return dfa.test(utf8)
        case .pikeVM(let vm): return vm.test(utf8)
        case .backtracking(let backtracker): return backtracker.test(utf8)
        }
    }

    /// `test` on the UTF-8 of `string`.
    public func test(_ string: String) -> Outcome {
        if let outcome = string.utf8.withContiguousStorageIfAvailable({ test($0) }) {
            return outcome
        }
        var contiguous = string
        return contiguous.withUTF8 { test($0) }
    }
}

/// A pattern that is not valid ECMA-262 syntax with the `u` flag.
public struct ECMARegexSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. "unterminated character class".
    public var message: String
    /// Where in the pattern (in Unicode scalars from its start) the problem was found.
    public var offset: Int

    public var description: String {
        "invalid regular expression: \(message) (at offset \(offset))"
    }
}
