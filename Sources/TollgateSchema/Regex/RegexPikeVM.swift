/// Thompson simulation of an NFA (a Pike VM without captures): linear in the input for any NFA,
/// used when the DFA would be too large and for `\b` / `\B`.
final class RegexPikeVM: Sendable {
    private let instructions: [RegexNFAInstruction]
    private let classifier: RegexClassifier
    private let start: Int32
    /// Whether a match can begin after position 0 (false when every alternative starts with `^`).
    private let restarts: Bool

    init(_ nfa: RegexNFA, classifier: RegexClassifier) {
        instructions = nfa.instructions
        self.classifier = classifier
        start = nfa.start
        restarts = Self.canMatchAfterStart(nfa)
    }

    /// Whether anything is reachable from the start without `^` holding.
    private static func canMatchAfterStart(_ nfa: RegexNFA) -> Bool {
        var seen = [Bool](repeating: false, count: nfa.instructions.count)
        var stack = [nfa.start]
        while let state = stack.popLast() {
            if seen[Int(state)] { continue }
            seen[Int(state)] = true
            switch nfa.instructions[Int(state)] {
            case .consume, .match: return true
            case .split(let first, let second): stack.append(first); stack.append(second)
            case .jump(let target): stack.append(target)
            case .assert(.start, _): continue
            case .assert(_, let next): stack.append(next)
            }
        }
        return false
    }

    private struct Context {
        var atStart: Bool
        var atEnd: Bool
        var previousIsWord: Bool
        var nextIsWord: Bool

        init(_ input: UnsafeBufferPointer<UInt8>, position: Int) {
            atStart = position == 0
            atEnd = position == input.count
            previousIsWord = RegexUTF8.isWordByte(input, at: position - 1)
            nextIsWord = RegexUTF8.isWordByte(input, at: position)
        }
    }

    func test(_ input: UnsafeBufferPointer<UInt8>) -> ECMARegex.Outcome {
        let count = instructions.count
        // Two thread lists, visit stamps, and a DFS stack (each state is pushed at most twice per step).
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 5 * count + 4) { scratch in
            scratch.initialize(repeating: 0)
            var current = UnsafeMutableBufferPointer(rebasing: scratch[0..<count])
            var next = UnsafeMutableBufferPointer(rebasing: scratch[count..<(2 * count)])
            let stamps = UnsafeMutableBufferPointer(rebasing: scratch[(2 * count)..<(3 * count)])
            let stack = UnsafeMutableBufferPointer(rebasing: scratch[(3 * count)...])
            var currentCount = 0
            var nextCount = 0
            var generation = 1

            /// Adds the closure of `state` to `list`; true if it reaches the match state.
            func addThread(_ state: Int32, to list: UnsafeMutableBufferPointer<Int>, count listCount: inout Int,
                           context: Context) -> Bool
            {
                var top = 0
                stack[top] = Int(state)
                top = 1
                while top > 0 {
                    top -= 1
                    let state = stack[top]
                    if stamps[state] == generation { continue }
                    stamps[state] = generation
                    switch instructions[state] {
                    case .consume:
                        list[listCount] = state
                        listCount += 1
                    case .split(let first, let second):
                        stack[top] = Int(second)
                        stack[top + 1] = Int(first)
                        top += 2
                    case .jump(let target):
                        stack[top] = Int(target)
                        top += 1
                    case .assert(let assertion, let target):
                        let holds: Bool
                        switch assertion {
                        case .start: holds = context.atStart
                        case .end: holds = context.atEnd
                        case .wordBoundary: holds = context.previousIsWord != context.nextIsWord
                        case .notWordBoundary: holds = context.previousIsWord == context.nextIsWord
                        }
                        if holds {
                            stack[top] = Int(target)
                            top += 1
                        }
                    case .match:
                        return true
                    }
                }
                return false
            }

            if addThread(start, to: current, count: &currentCount, context: Context(input, position: 0)) {
                return .match
            }
            var position = 0
            while position < input.count {
                if currentCount == 0 && !restarts {
                    return .noMatch
                }
                let decoded = ValidUTF8.decode(input, at: position)
                let classIndex = classifier.classOf(decoded.scalar)
                position += decoded.length
                let context = Context(input, position: position)
                generation += 1
                nextCount = 0
                for index in 0..<currentCount {
                    guard case .consume(let set, let target) = instructions[current[index]] else { continue }
                    if classifier.set(Int(set), contains: classIndex),
                       addThread(target, to: next, count: &nextCount, context: context)
                    {
                        return .match
                    }
                }
                if restarts, addThread(start, to: next, count: &nextCount, context: context) {
                    return .match
                }
                swap(&current, &next)
                currentCount = nextCount
            }
            return .noMatch
        }
    }
}
