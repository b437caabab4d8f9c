/// Partitions the code point space into equivalence classes for a list of sets: two code points
/// are in the same class exactly when every set contains both or neither. The automata then work
/// on class numbers instead of code points.
///
/// ASCII goes through a 128-entry table; other code points through a binary search over the starts
/// of the ranges that make up the partition.
struct RegexClassifier: Sendable {
    let classCount: Int
    /// Class of each ASCII code point.
    let asciiClasses: [Int32]
    /// Sorted starts of the non-ASCII ranges of the partition; the first is 0x80.
    let rangeStarts: [UInt32]
    /// Class of each range in `rangeStarts`.
    let rangeClasses: [Int32]
    /// For each set, a bit per class: whether the set contains that class.
    let membership: [UInt64]
    let wordsPerSet: Int

    init(sets: [RegexCodePointSet]) {
        var boundarySet: Set<UInt32> = [0, 0x80, RegexCodePointSet.maxCodePoint + 1]
        for set in sets {
            for range in set.ranges {
                boundarySet.insert(range.lowerBound)
                boundarySet.insert(range.upperBound + 1)
            }
        }
        let boundaries = boundarySet.sorted()
        let pieceCount = boundaries.count - 1

        // The sets that contain each piece, in set order.
        var signatures = [[Int32]](repeating: [], count: pieceCount)
        for (setIndex, set) in sets.enumerated() {
            for range in set.ranges {
                var piece = Self.lastIndex(in: boundaries, notAbove: range.lowerBound)
                while piece < pieceCount, boundaries[piece] <= range.upperBound {
                    signatures[piece].append(Int32(setIndex))
                    piece += 1
                }
            }
        }
        var classBySignature: [[Int32]: Int32] = [:]
        var classSignatures: [[Int32]] = []
        var pieceClasses = [Int32](repeating: 0, count: pieceCount)
        for piece in 0..<pieceCount {
            if let existing = classBySignature[signatures[piece]] {
                pieceClasses[piece] = existing
            } else {
                let newClass = Int32(classSignatures.count)
                classBySignature[signatures[piece]] = newClass
                classSignatures.append(signatures[piece])
                pieceClasses[piece] = newClass
            }
        }
        classCount = classSignatures.count

        var ascii = [Int32](repeating: 0, count: 128)
        var piece = 0
        for codePoint in 0..<128 {
            while boundaries[piece + 1] <= UInt32(codePoint) {
                piece += 1
            }
            ascii[codePoint] = pieceClasses[piece]
        }
        asciiClasses = ascii

        var starts: [UInt32] = []
        var classes: [Int32] = []
        for piece in 0..<pieceCount where boundaries[piece] >= 0x80 {
            if let last = classes.last, last == pieceClasses[piece] {
                continue
            }
            starts.append(boundaries[piece])
            classes.append(pieceClasses[piece])
        }
        rangeStarts = starts
        rangeClasses = classes

        let words = (classCount + 63) / 64
        wordsPerSet = words
        var bits = [UInt64](repeating: 0, count: max(1, sets.count * words))
        for (classIndex, signature) in classSignatures.enumerated() {
            for setIndex in signature {
                bits[Int(setIndex) * words + classIndex / 64] |= 1 << UInt64(classIndex % 64)
            }
        }
        membership = bits
    }

    /// Index of the last element of the sorted `values` that is `<= value` (0 if none is).
    @inline(__always)
    static func lastIndex(in values: [UInt32], notAbove value: UInt32) -> Int {
        var low = 0
        var high = values.count
        while low < high {
            let middle = (low + high) &>> 1
            if values[middle] <= value {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return Swift.max(0, low - 1)
    }

    @inline(__always)
    func classOf(_ codePoint: UInt32) -> Int32 {
        if codePoint < 0x80 {
            return asciiClasses[Int(codePoint)]
        }
        return rangeClasses[Self.lastIndex(in: rangeStarts, notAbove: codePoint)]
    }

    @inline(__always)
    func set(_ set: Int, contains classIndex: Int32) -> Bool {
        let word = membership[set * wordsPerSet + Int(classIndex) / 64]
        return word & (1 << UInt64(classIndex % 64)) != 0
    }
}
