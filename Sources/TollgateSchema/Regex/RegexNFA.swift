/// One state of a Thompson NFA.
enum RegexNFAInstruction: Sendable, Equatable {
    /// Consume one code point of `set` (an index into `RegexNFA.sets`).
    case consume(set: Int32, next: Int32)
    case split(Int32, Int32)
    case jump(Int32)
    case assert(RegexAssertion, next: Int32)
    case match
}

/// A Thompson NFA for a pattern without backreferences or lookarounds. It only answers "is there a
/// match", so greedy and lazy quantifiers compile alike and groups leave no trace.
struct RegexNFA: Sendable {
    /// NFAs larger than this are not built; such patterns (huge counted repetitions) run on the
    /// backtracking matcher instead, under its step limit. It also bounds the work of the Pike VM
    /// per code point of input.
    static let maxInstructions = 20_000

    var instructions: [RegexNFAInstruction] = []
    var sets: [RegexCodePointSet] = []
    var start: Int32 = 0
    var hasWordAssertions = false

    /// Nil if the pattern needs the backtracking matcher (backreferences, lookarounds) or would
    /// make more than `maxInstructions` states.
    init?(_ tree: RegexSyntaxTree) {
        guard Self.fitsAutomaton(tree.root),
              Self.estimatedSize(tree.root) < Self.maxInstructions else { return nil }
        var builder = Builder()
        let matchState = builder.emit(.match)
        start = builder.compile(tree.root, next: matchState)
        instructions = builder.instructions
        sets = builder.sets
        hasWordAssertions = builder.hasWordAssertions
    }

    private static func fitsAutomaton(_ node: RegexNode) -> Bool {
        switch node {
        case .backreference, .namedBackreference, .lookaround:
            return false
        case .empty, .characters, .assertion:
            return true
        case .concatenation(let nodes), .alternation(let nodes):
            return nodes.allSatisfy(fitsAutomaton)
        case .group(let body, _), .quantified(let body, _, _, _, _):
            return fitsAutomaton(body)
        }
    }

    /// An upper bound on the number of instructions `compile` emits, saturating at `maxInstructions`.
    static func estimatedSize(_ node: RegexNode) -> Int {
        switch node {
        case .empty, .group(.empty, _):
            return 0
        case .characters, .assertion, .backreference, .namedBackreference:
            return 1
        case .concatenation(let nodes):
            return Swift.min(maxInstructions, nodes.reduce(0) { $0 + estimatedSize($1) })
        case .alternation(let nodes):
            return Swift.min(maxInstructions, nodes.reduce(0) { $0 + estimatedSize($1) + 1 })
        case .group(let body, _), .lookaround(let body, _, _):
            return estimatedSize(body) + 2
        case .quantified(let body, let min, let max, _, _):
            let copies = (max ?? min) + 1
            let (product, overflow) = (estimatedSize(body) + 1).multipliedReportingOverflow(by: copies)
            return overflow ? maxInstructions : Swift.min(maxInstructions, product)
        }
    }

    private struct Builder {
        var instructions: [RegexNFAInstruction] = []
        var sets: [RegexCodePointSet] = []
        var setIndex: [RegexCodePointSet: Int32] = [:]
        var hasWordAssertions = false

        mutating func emit(_ instruction: RegexNFAInstruction) -> Int32 {
            instructions.append(instruction)
            return Int32(instructions.count - 1)
        }

        /// Compiles `node` so that it continues to `next`; returns its entry state.
        mutating func compile(_ node: RegexNode, next: Int32) -> Int32 {
            switch node {
            case .empty:
                return next
            case .characters(let set):
                let index: Int32
                if let existing = setIndex[set] {
                    index = existing
                } else {
                    index = Int32(sets.count)
                    sets.append(set)
                    setIndex[set] = index
                }
                return emit(.consume(set: index, next: next))
            case .concatenation(let nodes):
                var entry = next
                for child in nodes.reversed() {
                    entry = compile(child, next: entry)
                }
                return entry
            case .alternation(let nodes):
                var entries = nodes.map { compile($0, next: next) }
                var entry = entries.removeLast()
                while let previous = entries.popLast() {
                    entry = emit(.split(previous, entry))
                }
                return entry
            case .group(let body, _):
                return compile(body, next: next)
            case .assertion(let assertion):
                if assertion == .wordBoundary || assertion == .notWordBoundary {
                    hasWordAssertions = true
                }
                return emit(.assert(assertion, next: next))
            case .quantified(let body, let min, let max, _, _):
                var entry = next
                if let max {
                    // Optional copies, innermost first: (x(x(x)?)?)?
                    for _ in 0..<(max - min) {
                        let bodyEntry = compile(body, next: entry)
                        entry = emit(.split(bodyEntry, next))
                    }
                } else {
                    let loop = emit(.jump(0))
                    let bodyEntry = compile(body, next: loop)
                    instructions[Int(loop)] = .split(bodyEntry, next)
                    entry = loop
                }
                for _ in 0..<min {
                    entry = compile(body, next: entry)
                }
                return entry
            case .lookaround, .backreference, .namedBackreference:
                preconditionFailure("checked by fitsAutomaton")
            }
        }
    }
}
