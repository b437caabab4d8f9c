/// A DFA over code point classes, built eagerly from an NFA by subset construction. It answers the
/// unanchored "is there a match" question in one pass without allocating: a pattern that can match
/// anywhere restarts the NFA at every position (the restart is folded into every state).
///
/// Row layout: each state is a row of `classCount + 1` entries of `transitions`. Entry `c` is the
/// offset of the row of the next state on class `c`; the last entry is 1 if the state accepts at the
/// end of the input (through `$`) and 0 otherwise. Row 0 is the dead state (no match possible any
/// more) and row 1 the accepting state (a match was found); both end the search at once.
final class RegexDFA: Sendable {
    /// Construction gives up (and the Pike VM takes over) past this many states...
    static let maxStates = 4096
    /// ...or past this many table entries (4 bytes each)...
    static let maxTableEntries = 1 << 20
    /// ...or once the closures it computed have visited this many NFA states in all, which bounds
    /// the time `init` can take (tens of milliseconds) whatever the pattern.
    static let maxConstructionWork = 2_000_000

    let classifier: RegexClassifier
    let transitions: [Int32]
    let stride: Int
    let startRow: Int32

    init?(_ nfa: RegexNFA, classifier: RegexClassifier) {
        guard !nfa.hasWordAssertions else { return nil }
        var builder = Builder(nfa: nfa, classifier: classifier)
        guard let table = builder.build() else { return nil }
        self.classifier = classifier
        transitions = table.transitions
        stride = classifier.classCount + 1
        startRow = table.startRow
    }

    @inline(__always)
    func test(_ input: UnsafeBufferPointer<UInt8>) -> ECMARegex.Outcome {
        let stride = Int32(self.stride)
        let acceptRow = stride
        var row = startRow
        if row <= acceptRow {
            return row == acceptRow ? .match : .noMatch
        }
        return transitions.withUnsafeBufferPointer { table in
            classifier.asciiClasses.withUnsafeBufferPointer { ascii in
                var index = 0
                let count = input.count
                while index < count {
                    let byte = input[index]
                    let classIndex: Int32
                    if byte < 0x80 {
                        classIndex = ascii[Int(byte)]
                        index &+= 1
                    } else {
                        let decoded = ValidUTF8.decodeMultiByte(input, at: index, lead: UInt32(byte))
                        classIndex = classifier.classOf(decoded.scalar)
                        index &+= decoded.length
                    }
                    row = table[Int(row &+ classIndex)]
                    if row <= acceptRow {
                        return row == acceptRow ? .match : .noMatch
                    }
                }
                return table[Int(row &+ stride &- 1)] != 0 ? .match : .noMatch
            }
        }
    }

    /// The result of an epsilon closure: the consuming NFA states reached, and whether the match
    /// state was reached directly or only through `$`.
    private struct Closure: Hashable {
        var consumers: [Int32]
        var acceptsNow: Bool
        var acceptsAtEnd: Bool
    }

    private struct Builder {
        let nfa: RegexNFA
        let classifier: RegexClassifier
        /// Visit stamps for (state, after `$`) pairs.
        var stamps: [Int]
        var stamp = 0
        var work = 0
        var restartSeeds: [Int32] = []

        init(nfa: RegexNFA, classifier: RegexClassifier) {
            self.nfa = nfa
            self.classifier = classifier
            stamps = [Int](repeating: 0, count: nfa.instructions.count * 2)
        }

        mutating func closure(_ seeds: [Int32], atStart: Bool) -> Closure {
            stamp += 1
            var result = Closure(consumers: [], acceptsNow: false, acceptsAtEnd: false)
            var stack: [(state: Int32, afterEnd: Bool)] = seeds.reversed().map { ($0, false) }
            while let (state, afterEnd) = stack.popLast() {
                work += 1
                let key = Int(state) * 2 + (afterEnd ? 1 : 0)
                if stamps[key] == stamp { continue }
                stamps[key] = stamp
                switch nfa.instructions[Int(state)] {
                case .consume:
                    // Nothing can be consumed after `$` held.
                    if !afterEnd { result.consumers.append(state) }
                case .split(let first, let second):
                    stack.append((second, afterEnd))
                    stack.append((first, afterEnd))
                case .jump(let target):
                    stack.append((target, afterEnd))
                case .assert(.start, let next):
                    if atStart { stack.append((next, afterEnd)) }
                case .assert(.end, let next):
                    stack.append((next, true))
                case .assert:
                    preconditionFailure("word assertions are left to the Pike VM")
                case .match:
                    if afterEnd { result.acceptsAtEnd = true } else { result.acceptsNow = true }
                }
            }
            result.consumers.sort()
            return result
        }

        mutating func build() -> (transitions: [Int32], startRow: Int32)? {
            let classCount = classifier.classCount
            let stride = classCount + 1
            let restart = closure([nfa.start], atStart: false)
            restartSeeds = restart.consumers.isEmpty && !restart.acceptsAtEnd && !restart.acceptsNow
                ? [] : [nfa.start]

            var states: [Closure] = []
            var rowOf: [Closure: Int32] = [:]
            var transitions = [Int32](repeating: 0, count: 2 * stride)
            transitions[stride + classCount] = 1
            // Rows 0 and 1 loop to themselves; the matcher never follows them.
            for classIndex in 0..<classCount {
                transitions[stride + classIndex] = Int32(stride)
            }

            func row(for state: Closure) -> Int32? {
                if state.acceptsNow { return Int32(stride) }
                if state.consumers.isEmpty && !state.acceptsAtEnd { return 0 }
                if let existing = rowOf[state] { return existing }
                guard states.count < RegexDFA.maxStates,
                      transitions.count + stride <= RegexDFA.maxTableEntries else { return nil }
                let newRow = Int32(transitions.count)
                rowOf[state] = newRow
                states.append(state)
                transitions.append(contentsOf: repeatElement(0, count: stride))
                transitions[Int(newRow) + classCount] = state.acceptsAtEnd ? 1 : 0
                return newRow
            }

            guard let startRow = row(for: closure([nfa.start], atStart: true)) else { return nil }
            var targetBySeeds: [[Int32]: Int32] = [:]
            var next = 0
            while next < states.count {
                guard work < RegexDFA.maxConstructionWork else { return nil }
                let state = states[next]
                let stateRow = Int(rowOf[state]!)
                next += 1
                for classIndex in 0..<classCount {
                    var seeds: [Int32] = []
                    for consumer in state.consumers {
                        guard case .consume(let set, let target) = nfa.instructions[Int(consumer)] else { continue }
                        if classifier.set(Int(set), contains: Int32(classIndex)) {
                            seeds.append(target)
                        }
                    }
                    seeds.append(contentsOf: restartSeeds)
                    work += seeds.count
                    let target: Int32
                    if let known = targetBySeeds[seeds] {
                        target = known
                    } else {
                        guard let computed = row(for: closure(seeds, atStart: false)) else { return nil }
                        targetBySeeds[seeds] = computed
                        target = computed
                    }
                    transitions[stateRow + classIndex] = target
                }
            }
            return (transitions, startRow)
        }
    }
}
