/// A set of Unicode code points (0...0x10FFFF, surrogates included) as sorted, disjoint,
/// non-adjacent closed ranges.
struct RegexCodePointSet: Hashable, Sendable {
    static let maxCodePoint: UInt32 = 0x10FFFF

    /// Sorted, disjoint and non-adjacent.
    private(set) var ranges: [ClosedRange<UInt32>]

    init() {
        ranges = []
    }

    init(_ codePoint: UInt32) {
        ranges = [codePoint...codePoint]
    }

    /// Any ranges, in any order, overlapping or not.
    init<S: Sequence>(ranges unsorted: S) where S.Element == ClosedRange<UInt32> {
        ranges = Self.normalized(Array(unsorted))
    }

    /// Decodes an inversion list: the starts of alternating in/out ranges, beginning with "in".
    init(inversionList boundaries: [UInt32]) {
        var result: [ClosedRange<UInt32>] = []
        result.reserveCapacity(boundaries.count / 2 + 1)
        var index = 0
        while index < boundaries.count {
            let low = boundaries[index]
            let high = index + 1 < boundaries.count ? boundaries[index + 1] - 1 : Self.maxCodePoint
            if low <= high, low <= Self.maxCodePoint {
                result.append(low...min(high, Self.maxCodePoint))
            }
            index += 2
        }
        ranges = Self.normalized(result)
    }

    static let all = RegexCodePointSet(ranges: [0...maxCodePoint])

    var isEmpty: Bool { ranges.isEmpty }

    func contains(_ codePoint: UInt32) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < codePoint {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low < ranges.count && ranges[low].lowerBound <= codePoint
    }

    mutating func insert(_ codePoint: UInt32) {
        insert(codePoint...codePoint)
    }

    mutating func insert(_ range: ClosedRange<UInt32>) {
        if let last = ranges.last, last.upperBound + 1 < range.lowerBound {
            ranges.append(range)
        } else {
            ranges = Self.normalized(ranges + [range])
        }
    }

    mutating func formUnion(_ other: RegexCodePointSet) {
        guard !other.ranges.isEmpty else { return }
        ranges = Self.normalized(ranges + other.ranges)
    }

    func union(_ other: RegexCodePointSet) -> RegexCodePointSet {
        var result = self
        result.formUnion(other)
        return result
    }

    /// The code points of 0...0x10FFFF that are not in the set.
    func inverted() -> RegexCodePointSet {
        var result: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for range in ranges {
            if range.lowerBound > next {
                result.append(next...(range.lowerBound - 1))
            }
            next = range.upperBound + 1
        }
        if next <= Self.maxCodePoint {
            result.append(next...Self.maxCodePoint)
        }
        var set = RegexCodePointSet()
        set.ranges = result
        return set
    }

    private static func normalized(_ input: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        guard input.count > 1 else { return input }
        let sorted = input.sorted { $0.lowerBound < $1.lowerBound }
        var result: [ClosedRange<UInt32>] = []
        result.reserveCapacity(sorted.count)
        var current = sorted[0]
        for range in sorted.dropFirst() {
            if range.lowerBound <= current.upperBound || range.lowerBound == current.upperBound + 1 {
                if range.upperBound > current.upperBound {
                    current = current.lowerBound...range.upperBound
                }
            } else {
                result.append(current)
                current = range
            }
        }
        result.append(current)
        return result
    }
}

extension RegexCodePointSet {
    /// `\d`: ASCII digits only.
    static let digits = RegexCodePointSet(ranges: [0x30...0x39])

    /// `\w`: `[A-Za-z0-9_]` (the `u` flag without `i` adds nothing).
    static let wordCharacters = RegexCodePointSet(ranges: [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])

    /// `\s`: ECMA-262 WhiteSpace (TAB, VT, FF, ZWNBSP and the Space_Separator category) and
    /// LineTerminator (LF, CR, LS, PS).
    static let whiteSpace = RegexCodePointSet(ranges: [
        0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A, 0x2028...0x2029,
        0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF,
    ])

    /// `.` without the `s` flag: everything but the line terminators.
    static let dot = RegexCodePointSet(ranges: [0x0A...0x0A, 0x0D...0x0D, 0x2028...0x2029]).inverted()
}

/// Byte-level helpers for the matchers; decoding itself is `ValidUTF8`.
enum RegexUTF8 {
    /// Whether the byte at `index` is an ASCII word character (`\w`); false outside the input.
    /// `\w` is ASCII-only, so one byte decides.
    @inline(__always)
    static func isWordByte(_ input: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard index >= 0, index < input.count else { return false }
        let byte = input[index]
        return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F
            || (byte >= 0x61 && byte <= 0x7A)
    }
}
