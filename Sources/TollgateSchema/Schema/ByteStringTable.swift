/// An immutable set of byte strings (property names, enum strings) with lookup by bytes, so member
/// names from a parsed document are matched without building `String`s.
///
/// `@unchecked Sendable`: the storage is written only in `init` and freed only in `deinit`.
final class ByteStringTable: @unchecked Sendable {
    /// The strings as given, in order; entry `i` of a lookup refers to `strings[i]`.
    let strings: [String]
    private let storage: UnsafeMutablePointer<UInt8>
    private let offsets: [Int]
    private let lengths: [Int]
    /// Open-addressing slots holding entry index + 1 (0 = empty); used above `linearLimit` entries.
    private let slots: [Int32]
    private let mask: Int
    private static let linearLimit = 8

    init(_ strings: [String]) {
        self.strings = strings
        var offsets: [Int] = []
        var lengths: [Int] = []
        let total = strings.reduce(0) { $0 + $1.utf8.count }
        storage = .allocate(capacity: max(total, 1))
        var at = 0
        for s in strings {
            offsets.append(at)
            lengths.append(s.utf8.count)
            for b in s.utf8 {
                storage[at] = b
                at += 1
            }
        }
        self.offsets = offsets
        self.lengths = lengths
        if strings.count > ByteStringTable.linearLimit {
            var size = 16
            while size < strings.count * 2 { size *= 2 }
            var slots = [Int32](repeating: 0, count: size)
            for i in strings.indices {
                var h = ByteStringTable.hash(UnsafeBufferPointer(start: storage + offsets[i], count: lengths[i])) & (size - 1)
                while slots[h] != 0 { h = (h + 1) & (size - 1) }
                slots[h] = Int32(i + 1)
            }
            self.slots = slots
            self.mask = size - 1
        } else {
            self.slots = []
            self.mask = 0
        }
    }

    deinit { storage.deallocate() }

    var count: Int { strings.count }

    /// The bytes of entry `i`.
    @inline(__always)
    func bytes(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage + offsets[i], count: lengths[i])
    }

    /// FNV-1a over the bytes.
    @inline(__always)
    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in b {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// The index of the entry equal to `key`, if any.
    @inline(__always)
    func index(of key: UnsafeBufferPointer<UInt8>) -> Int? {
        let n = key.count
        if slots.isEmpty {
            var i = 0
            let c = lengths.count
            while i < c {
                if lengths[i] == n && memoryEqual(UnsafeBufferPointer(start: storage + offsets[i], count: n), key) {
                    return i
                }
                i &+= 1
            }
            return nil
        }
        var h = ByteStringTable.hash(key) & mask
        while true {
            let e = Int(slots[h])
            if e == 0 { return nil }
            let i = e &- 1
            if lengths[i] == n && memoryEqual(UnsafeBufferPointer(start: storage + offsets[i], count: n), key) {
                return i
            }
            h = (h &+ 1) & mask
        }
    }
}
