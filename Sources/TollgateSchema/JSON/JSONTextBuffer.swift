/// Bytes of JSON text being written: quoted strings, integers, raw pieces. For writers of large
/// documents that do not build a ``JSONValue`` first; appending here costs a few instructions a
/// byte, where appending to an array piece by piece costs a uniqueness and capacity check each.
///
/// ```swift
/// var text = JSONTextBuffer()
/// text.append("{")
/// text.appendString("name")
/// text.append(": ")
/// text.appendInteger(42)
/// text.append("}")
/// let bytes = text.bytes()   // {"name": 42}
/// ```
public struct JSONTextBuffer: ~Copyable {
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written so far.
    public private(set) var count = 0

    public init(capacity: Int = 4096) {
        self.capacity = max(capacity, 64)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    /// The text written, as an array.
    public func bytes() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            if count > 0 { out.baseAddress!.update(from: storage, count: count) }
            initialized = count
        }
    }

    /// Runs `body` on the text written, without copying it.
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage, count: count))
    }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    private mutating func reserve(_ extra: Int) {
        if count &+ extra > capacity { grow(extra) }
    }

    @inline(never)
    private mutating func grow(_ extra: Int) {
        let newCapacity = max(capacity * 2, count + extra)
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity = newCapacity
    }

    @inline(__always)
    public mutating func append(_ byte: UInt8) {
        reserve(1)
        storage[count] = byte
        count &+= 1
    }

    /// Appends raw bytes (already JSON text).
    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (storage + count).update(from: base, count: bytes.count)
        count &+= bytes.count
    }

    /// Appends literal JSON text, such as `": "` or `null`.
    public mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Appends `n` spaces (indentation).
    public mutating func appendSpaces(_ n: Int) {
        guard n > 0 else { return }
        reserve(n)
        (storage + count).initialize(repeating: UInt8(ascii: " "), count: n)
        count &+= n
    }

    /// Appends an integer in decimal.
    public mutating func appendInteger(_ value: Int) {
        reserve(20)
        if value < 0 { storage[count] = UInt8(ascii: "-"); count &+= 1 }
        var magnitude = value.magnitude
        var digits = 1
        var scale: UInt = 1
        while magnitude / scale >= 10 {
            scale &*= 10
            digits &+= 1
        }
        for _ in 0..<digits {
            storage[count] = UInt8(ascii: "0") &+ UInt8(magnitude / scale)
            magnitude %= scale
            scale /= 10
            count &+= 1
        }
    }

    /// Appends `s` as a JSON string, exactly as ``JSONValue/writeString(_:to:)`` writes it.
    public mutating func appendString(_ s: String) {
        var s = s
        s.withUTF8 { appendString(utf8: $0) }
    }

    private mutating func appendString(utf8: UnsafeBufferPointer<UInt8>) {
        // An escape is at most six bytes for one.
        reserve(utf8.count &* 6 &+ 2)
        let out = storage
        var n = count
        out[n] = UInt8(ascii: "\"")
        n &+= 1
        if let base = utf8.baseAddress {
            let end = utf8.count
            var i = 0
            while i < end {
                // Eight clean bytes at a time, then byte by byte up to the next escape.
                if i &+ 8 <= end {
                    let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    if JSONValue.escapeMask(UInt64(littleEndian: word)) == 0 {
                        UnsafeMutableRawPointer(out + n).storeBytes(of: word, as: UInt64.self)
                        i &+= 8
                        n &+= 8
                        continue
                    }
                }
                let byte = base[i]
                i &+= 1
                if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                    out[n] = byte
                    n &+= 1
                    continue
                }
                n = JSONTextBuffer.writeEscape(byte, at: out + n) - out
            }
        }
        out[n] = UInt8(ascii: "\"")
        count = n &+ 1
    }

    /// Writes the escape for `byte` (a quote, a backslash or a control character) at `p`: at most
    /// six bytes. Returns the address after it.
    static func writeEscape(_ byte: UInt8, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        p[0] = UInt8(ascii: "\\")
        let short: UInt8
        switch byte {
        case UInt8(ascii: "\""): short = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): short = UInt8(ascii: "\\")
        case UInt8(ascii: "\n"): short = UInt8(ascii: "n")
        case UInt8(ascii: "\r"): short = UInt8(ascii: "r")
        case UInt8(ascii: "\t"): short = UInt8(ascii: "t")
        case 0x08: short = UInt8(ascii: "b")
        case 0x0C: short = UInt8(ascii: "f")
        default:
            let hex: StaticString = "0123456789abcdef"
            p[1] = UInt8(ascii: "u")
            p[2] = UInt8(ascii: "0")
            p[3] = UInt8(ascii: "0")
            p[4] = hex.utf8Start[Int(byte >> 4)]
            p[5] = hex.utf8Start[Int(byte & 0xF)]
            return p + 6
        }
        p[1] = short
        return p + 2
    }
}

@available(*, unavailable)
extension JSONTextBuffer: Sendable {}
