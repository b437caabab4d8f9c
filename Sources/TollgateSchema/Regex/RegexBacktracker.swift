/// A backtracking matcher with ECMA-262 semantics, for what automata cannot do: backreferences and
/// lookarounds (lookbehinds match right to left, as the standard says). It runs on an explicit
/// stack, so the input's length never deepens the call stack (only nested lookarounds recurse), and
/// it gives up with `.limitExceeded` after `ECMARegex.backtrackingStepLimit(forInputLength:)` steps.
final class RegexBacktracker: Sendable {
    enum Operation: Sendable {
        /// Consume one code point of the set, forwards or (in a lookbehind) backwards.
        case consume(set: Int32, backward: Bool)
        /// A quantified single character set, without the general loop machinery.
        case repeatSet(set: Int32, min: Int, max: Int, greedy: Bool, backward: Bool)
        /// Try `first`; on failure resume at `second`.
        case split(Int32, Int32)
        case jump(Int32)
        case assert(RegexAssertion)
        /// registers[register] = position
        case savePosition(register: Int32)
        /// Sets the capture from the position saved at the group's entry and the current position.
        case capture(group: Int32, register: Int32, backward: Bool)
        /// Resets the captures of a quantified atom at the start of each iteration.
        case clearCaptures(Range<Int32>)
        case backreference(group: Int32, backward: Bool)
        case setRegister(Int32, Int)
        /// The decision point of a general quantifier; the body follows, then `loopEnd`.
        case loop(counter: Int32, min: Int, max: Int, greedy: Bool, exit: Int32)
        /// End of one iteration: an optional iteration that matched the empty string fails.
        case loopEnd(counter: Int32, position: Int32, min: Int, loop: Int32)
        /// Runs the body (from the next operation to its `succeed`) as an atomic sub-match.
        case lookaround(behind: Bool, negated: Bool, exit: Int32)
        case succeed
    }

    private let operations: [Operation]
    private let classifier: RegexClassifier
    private let captureSlots: Int
    private let registerCount: Int
    private let anchoredAtStart: Bool

    init(_ tree: RegexSyntaxTree) {
        var compiler = Compiler()
        compiler.compile(tree.root, backward: false)
        compiler.emit(.succeed)
        operations = compiler.operations
        classifier = RegexClassifier(sets: compiler.sets)
        captureSlots = 2 * (tree.captureCount + 1)
        registerCount = compiler.registerCount
        anchoredAtStart = Self.isAnchoredAtStart(tree.root)
    }

    private static func isAnchoredAtStart(_ node: RegexNode) -> Bool {
        switch node {
        case .assertion(.start): return true
        case .concatenation(let nodes): return nodes.first.map(isAnchoredAtStart) ?? false
        case .alternation(let nodes): return nodes.allSatisfy(isAnchoredAtStart)
        case .group(let body, _): return isAnchoredAtStart(body)
        default: return false
        }
    }

    private struct Compiler {
        var operations: [Operation] = []
        var sets: [RegexCodePointSet] = []
        var setIndex: [RegexCodePointSet: Int32] = [:]
        var registerCount = 0

        @discardableResult
        mutating func emit(_ operation: Operation) -> Int32 {
            operations.append(operation)
            return Int32(operations.count - 1)
        }

        var here: Int32 { Int32(operations.count) }

        mutating func newRegister() -> Int32 {
            registerCount += 1
            return Int32(registerCount - 1)
        }

        mutating func index(of set: RegexCodePointSet) -> Int32 {
            if let existing = setIndex[set] { return existing }
            let index = Int32(sets.count)
            sets.append(set)
            setIndex[set] = index
            return index
        }

        mutating func compile(_ node: RegexNode, backward: Bool) {
            switch node {
            case .empty:
                break
            case .characters(let set):
                emit(.consume(set: index(of: set), backward: backward))
            case .concatenation(let nodes):
                for child in backward ? nodes.reversed() : nodes {
                    compile(child, backward: backward)
                }
            case .alternation(let nodes):
                var jumpsToEnd: [Int32] = []
                for (offset, child) in nodes.enumerated() {
                    if offset == nodes.count - 1 {
                        compile(child, backward: backward)
                    } else {
                        let split = emit(.split(0, 0))
                        compile(child, backward: backward)
                        jumpsToEnd.append(emit(.jump(0)))
                        operations[Int(split)] = .split(split + 1, here)
                    }
                }
                for jump in jumpsToEnd {
                    operations[Int(jump)] = .jump(here)
                }
            case .group(let body, nil):
                compile(body, backward: backward)
            case .group(let body, let capture?):
                let register = newRegister()
                emit(.savePosition(register: register))
                compile(body, backward: backward)
                emit(.capture(group: Int32(capture), register: register, backward: backward))
            case .assertion(let assertion):
                emit(.assert(assertion))
            case .backreference(let group):
                emit(.backreference(group: Int32(group), backward: backward))
            case .namedBackreference:
                preconditionFailure("names are resolved by the parser")
            case .lookaround(let body, let behind, let negated):
                let start = emit(.lookaround(behind: behind, negated: negated, exit: 0))
                compile(body, backward: behind)
                emit(.succeed)
                operations[Int(start)] = .lookaround(behind: behind, negated: negated, exit: here)
            case .quantified(let body, let min, let max, let greedy, let captures):
                if max == 0 { return }
                if let set = Self.singleSet(body) {
                    emit(.repeatSet(set: index(of: set), min: min, max: max ?? Int.max, greedy: greedy,
                                    backward: backward))
                    return
                }
                let counter = newRegister()
                let position = newRegister()
                emit(.setRegister(counter, 0))
                let loop = emit(.loop(counter: counter, min: min, max: 0, greedy: greedy, exit: 0))
                emit(.savePosition(register: position))
                if !captures.isEmpty {
                    emit(.clearCaptures(Int32(captures.lowerBound)..<Int32(captures.upperBound)))
                }
                compile(body, backward: backward)
                emit(.loopEnd(counter: counter, position: position, min: min, loop: loop))
                operations[Int(loop)] = .loop(counter: counter, min: min, max: max ?? Int.max, greedy: greedy,
                                              exit: here)
            }
        }

        private static func singleSet(_ node: RegexNode) -> RegexCodePointSet? {
            switch node {
            case .characters(let set): return set
            case .group(let body, nil): return singleSet(body)
            default: return nil
            }
        }
    }

    // MARK: - Matching

    private enum RunResult {
        case matched, failed, limitExceeded
    }

    /// Kinds of backtrack stack entries; each entry is four Ints: kind, then three operands.
    private enum Entry {
        /// (pc, position): resume there.
        static let choice = 0
        /// (slot, old value): undo a capture write.
        static let capture = 1
        /// (register, old value): undo a register write.
        static let register = 2
        /// (pc of repeatSet, position after the iterations, count): give back one code point.
        static let giveBack = 3
        /// (pc of repeatSet, position after the iterations, count): take one more code point.
        static let takeMore = 4
    }

    private struct Matcher: ~Copyable {
        let operations: [Operation]
        let classifier: RegexClassifier
        let input: UnsafeBufferPointer<UInt8>
        var captures: [Int]
        var registers: [Int]
        var stack: [Int] = []
        var steps = 0
        let stepLimit: Int

        /// The code point before or after `position` in the given direction, and the position past it.
        @inline(__always)
        func read(at position: Int, backward: Bool) -> (codePoint: UInt32, next: Int)? {
            if backward {
                guard position > 0 else { return nil }
                let start = ValidUTF8.previousStart(input, before: position)
                return (ValidUTF8.decode(input, at: start).scalar, start)
            }
            guard position < input.count else { return nil }
            let decoded = ValidUTF8.decode(input, at: position)
            return (decoded.scalar, position + decoded.length)
        }

        @inline(__always)
        func matches(_ set: Int32, at position: Int, backward: Bool) -> Int? {
            guard let (codePoint, next) = read(at: position, backward: backward),
                  classifier.set(Int(set), contains: classifier.classOf(codePoint)) else { return nil }
            return next
        }

        mutating func push(_ kind: Int, _ first: Int, _ second: Int, _ third: Int) {
            stack.append(kind)
            stack.append(first)
            stack.append(second)
            stack.append(third)
        }

        mutating func setCapture(_ slot: Int, _ value: Int) {
            push(Entry.capture, slot, captures[slot], 0)
            captures[slot] = value
        }

        mutating func setRegister(_ register: Int, _ value: Int) {
            push(Entry.register, register, registers[register], 0)
            registers[register] = value
        }

        func holds(_ assertion: RegexAssertion, at position: Int) -> Bool {
            switch assertion {
            case .start: return position == 0
            case .end: return position == input.count
            case .wordBoundary:
                return RegexUTF8.isWordByte(input, at: position - 1) != RegexUTF8.isWordByte(input, at: position)
            case .notWordBoundary:
                return RegexUTF8.isWordByte(input, at: position - 1) == RegexUTF8.isWordByte(input, at: position)
            }
        }

        /// Pops entries above `base`, undoing writes.
        mutating func unwind(to base: Int) {
            while stack.count > base {
                let kind = stack[stack.count - 4]
                let first = stack[stack.count - 3]
                let second = stack[stack.count - 2]
                stack.removeLast(4)
                if kind == Entry.capture {
                    captures[first] = second
                } else if kind == Entry.register {
                    registers[first] = second
                }
            }
        }

        /// After a successful positive lookaround: forgets its choice points, keeps its undo entries.
        mutating func dropChoices(above base: Int) {
            var write = base
            var read = base
            while read < stack.count {
                let kind = stack[read]
                if kind == Entry.capture || kind == Entry.register {
                    for offset in 0..<4 {
                        stack[write + offset] = stack[read + offset]
                    }
                    write += 4
                }
                read += 4
            }
            stack.removeLast(stack.count - write)
        }

        mutating func run(pc startPC: Int, position startPosition: Int, base: Int) -> RunResult {
            var pc = startPC
            var position = startPosition
            while true {
                steps &+= 1
                if steps > stepLimit { return .limitExceeded }
                var failed = false
                switch operations[pc] {
                case .consume(let set, let backward):
                    if let next = matches(set, at: position, backward: backward) {
                        position = next
                        pc += 1
                    } else {
                        failed = true
                    }
                case .repeatSet(let set, let min, let max, let greedy, let backward):
                    var count = 0
                    let limit = greedy ? max : min
                    while count < limit, let next = matches(set, at: position, backward: backward) {
                        position = next
                        count += 1
                        steps &+= 1
                        if steps > stepLimit { return .limitExceeded }
                    }
                    if count < min {
                        failed = true
                    } else {
                        if greedy, count > min {
                            push(Entry.giveBack, pc, position, count)
                        } else if !greedy, count < max {
                            push(Entry.takeMore, pc, position, count)
                        }
                        pc += 1
                    }
                case .split(let first, let second):
                    push(Entry.choice, Int(second), position, 0)
                    pc = Int(first)
                case .jump(let target):
                    pc = Int(target)
                case .assert(let assertion):
                    if holds(assertion, at: position) {
                        pc += 1
                    } else {
                        failed = true
                    }
                case .savePosition(let register):
                    setRegister(Int(register), position)
                    pc += 1
                case .capture(let group, let register, let backward):
                    let saved = registers[Int(register)]
                    setCapture(2 * Int(group), backward ? position : saved)
                    setCapture(2 * Int(group) + 1, backward ? saved : position)
                    pc += 1
                case .clearCaptures(let groups):
                    for slot in (2 * Int(groups.lowerBound))..<(2 * Int(groups.upperBound)) where captures[slot] != -1 {
                        setCapture(slot, -1)
                    }
                    pc += 1
                case .backreference(let group, let backward):
                    let start = captures[2 * Int(group)]
                    let end = captures[2 * Int(group) + 1]
                    if start < 0 || end < 0 {
                        pc += 1
                    } else if let next = matchBackreference(start: start, end: end, at: position, backward: backward) {
                        steps &+= end - start
                        position = next
                        pc += 1
                    } else {
                        failed = true
                    }
                case .setRegister(let register, let value):
                    setRegister(Int(register), value)
                    pc += 1
                case .loop(let counter, let min, let max, let greedy, let exit):
                    let count = registers[Int(counter)]
                    if count < min {
                        pc += 1
                    } else if count >= max {
                        pc = Int(exit)
                    } else if greedy {
                        push(Entry.choice, Int(exit), position, 0)
                        pc += 1
                    } else {
                        push(Entry.choice, pc + 1, position, 0)
                        pc = Int(exit)
                    }
                case .loopEnd(let counter, let positionRegister, let min, let loop):
                    let count = registers[Int(counter)]
                    if count >= min && position == registers[Int(positionRegister)] {
                        failed = true
                    } else {
                        setRegister(Int(counter), count + 1)
                        pc = Int(loop)
                    }
                case .lookaround(_, let negated, let exit):
                    let height = stack.count
                    switch run(pc: pc + 1, position: position, base: height) {
                    case .limitExceeded:
                        return .limitExceeded
                    case .matched:
                        if negated {
                            unwind(to: height)
                            failed = true
                        } else {
                            dropChoices(above: height)
                            pc = Int(exit)
                        }
                    case .failed:
                        if negated {
                            pc = Int(exit)
                        } else {
                            failed = true
                        }
                    }
                case .succeed:
                    return .matched
                }
                if failed {
                    guard let resumed = backtrack(to: base) else { return .failed }
                    (pc, position) = resumed
                }
            }
        }

        func matchBackreference(start: Int, end: Int, at position: Int, backward: Bool) -> Int? {
            let length = end - start
            let from = backward ? position - length : position
            guard from >= 0, from + length <= input.count else { return nil }
            for offset in 0..<length where input[from + offset] != input[start + offset] {
                return nil
            }
            return backward ? from : position + length
        }

        /// Pops entries until one says where to resume; nil when the stack is back at `base`.
        mutating func backtrack(to base: Int) -> (pc: Int, position: Int)? {
            while stack.count > base {
                let kind = stack[stack.count - 4]
                let first = stack[stack.count - 3]
                let second = stack[stack.count - 2]
                let third = stack[stack.count - 1]
                stack.removeLast(4)
                switch kind {
                case Entry.choice:
                    return (first, second)
                case Entry.capture:
                    captures[first] = second
                case Entry.register:
                    registers[first] = second
                default:
                    steps &+= 1
                    guard case .repeatSet(let set, let min, let max, _, let backward) = operations[first] else {
                        preconditionFailure("repeat entry without repeatSet")
                    }
                    if kind == Entry.giveBack {
                        // Step back over the last code point taken (in the repeat's direction).
                        let previous = backward
                            ? second + ValidUTF8.decode(input, at: second).length
                            : ValidUTF8.previousStart(input, before: second)
                        if third - 1 > min {
                            push(Entry.giveBack, first, previous, third - 1)
                        }
                        return (first + 1, previous)
                    }
                    if let next = matches(set, at: second, backward: backward) {
                        if third + 1 < max {
                            push(Entry.takeMore, first, next, third + 1)
                        }
                        return (first + 1, next)
                    }
                }
            }
            return nil
        }
    }

    func test(_ input: UnsafeBufferPointer<UInt8>) -> ECMARegex.Outcome {
        var matcher = Matcher(
            operations: operations, classifier: classifier, input: input,
            captures: [Int](repeating: -1, count: captureSlots),
            registers: [Int](repeating: 0, count: registerCount),
            stepLimit: ECMARegex.backtrackingStepLimit(forInputLength: input.count))
        var start = 0
        while true {
            switch matcher.run(pc: 0, position: start, base: 0) {
            case .matched: return .match
            case .limitExceeded: return .limitExceeded
            case .failed: break
            }
            if anchoredAtStart || start >= input.count {
                return .noMatch
            }
            start += ValidUTF8.decode(input, at: start).length
        }
    }
}
