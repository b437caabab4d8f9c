/// A JSON number held by its exact decimal value.
///
/// JSON numbers are decimal text of any length; converting them to `Double` would make `0.1 + 0.2`-style
/// errors, big integers and long decimals part of a validation verdict. `JSONNumber` keeps the value
/// exactly as `sign × significand × 10^exponent`, normalized so that equal values have equal
/// representations: `1`, `1.0` and `10e-1` are the same number, and `==`, `<` and hashing agree.
public struct JSONNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The largest exponent magnitude a document may use; larger ones are rejected by the parser
    /// (RFC 8259 §6 allows implementations to limit the range of numbers).
    public static let maxExponentMagnitude = 100_000

    @usableFromInline
    enum Significand: Sendable, Hashable {
        /// Fits in 64 bits and has no trailing zero digit (or is zero).
        case small(UInt64)
        /// More than 19 significant digits: ASCII digit values 0...9, most significant first,
        /// no leading or trailing zeros.
        case big([UInt8])
    }

    @usableFromInline var negative: Bool
    @usableFromInline var significand: Significand
    @usableFromInline var exponent: Int

    /// Zero.
    public static let zero = JSONNumber(negative: false, significand: .small(0), exponent: 0)

    @usableFromInline
    init(negative: Bool, significand: Significand, exponent: Int) {
        self.negative = negative
        self.significand = significand
        self.exponent = exponent
    }

    /// An integer value.
    public init(_ value: Int64) {
        self.init(negative: value < 0, significand: value.magnitude, exponent: 0)
    }

    /// An integer value.
    public init(_ value: Int) { self.init(Int64(value)) }

    /// `negative ? -1 : 1` × `significand` × 10^`exponent`, normalized.
    public init(negative: Bool, significand: UInt64, exponent: Int) {
        var s = significand
        var e = exponent
        if s == 0 {
            self.init(negative: false, significand: .small(0), exponent: 0)
            return
        }
        while s % 10 == 0 {
            s /= 10
            e += 1
        }
        self.init(negative: negative, significand: .small(s), exponent: e)
    }

    /// Builds a number from decimal digits (ASCII values `0`...`9` as 0...9), most significant first.
    init(negative: Bool, digits: some Collection<UInt8>, exponent: Int) {
        var start = digits.startIndex
        while start != digits.endIndex, digits[start] == 0 { start = digits.index(after: start) }
        var trimmed = Array(digits[start...])
        var e = exponent
        while let last = trimmed.last, last == 0 {
            trimmed.removeLast()
            e += 1
        }
        if trimmed.isEmpty {
            self = .zero
        } else if trimmed.count <= 19 {
            var v: UInt64 = 0
            var fits = true
            for d in trimmed {
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(UInt64(d))
                if o1 || o2 { fits = false; break }
                v = a
            }
            self.init(negative: negative, significand: fits ? .small(v) : .big(trimmed), exponent: e)
        } else {
            self.init(negative: negative, significand: .big(trimmed), exponent: e)
        }
    }

    /// Parses JSON number text (RFC 8259 grammar). Returns `nil` for text that is not a JSON number or
    /// whose exponent is out of range.
    public init?(_ text: String) {
        var t = text
        let parsed: JSONNumber? = t.withUTF8 { JSONNumber.parse($0) }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Parses a JSON number from UTF-8 bytes that hold exactly one number.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONNumber? {
        var i = 0
        let n = bytes.count
        var negative = false
        if i < n, bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < n else { return nil }
        var digits: [UInt8] = []
        digits.reserveCapacity(n)
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else if bytes[i] >= UInt8(ascii: "1") && bytes[i] <= UInt8(ascii: "9") {
            while i < n, bytes[i] &- UInt8(ascii: "0") < 10 { digits.append(bytes[i] &- 48); i += 1 }
        } else {
            return nil
        }
        var exponent = 0
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < n, bytes[i] &- UInt8(ascii: "0") < 10 { digits.append(bytes[i] &- 48); i += 1 }
            guard i > start else { return nil }
            exponent -= i - start
        }
        if i < n, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var expNegative = false
            if i < n, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                expNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            let start = i
            var e = 0
            while i < n, bytes[i] &- UInt8(ascii: "0") < 10 {
                if e <= maxExponentMagnitude * 10 { e = e * 10 + Int(bytes[i] &- 48) }
                i += 1
            }
            guard i > start else { return nil }
            exponent += expNegative ? -e : e
        }
        guard i == n else { return nil }
        let result = JSONNumber(negative: negative, digits: digits, exponent: exponent)
        guard result.isZero || abs(result.adjustedExponent) <= maxExponentMagnitude else { return nil }
        return result
    }

    /// Whether the value is zero.
    public var isZero: Bool {
        if case .small(0) = significand { return true }
        return false
    }

    /// Whether the value is negative (zero is not).
    public var isNegative: Bool { negative }

    /// Whether the value has no fractional part (`1.0` is an integer).
    public var isInteger: Bool { exponent >= 0 }

    /// Number of significant decimal digits.
    @usableFromInline
    var digitCount: Int {
        switch significand {
        case .small(let v): return v == 0 ? 1 : JSONNumber.decimalDigitCount(v)
        case .big(let d): return d.count
        }
    }

    /// The exponent of the most significant digit: the value's magnitude is in [10^a, 10^(a+1)).
    @usableFromInline
    var adjustedExponent: Int { exponent + digitCount - 1 }

    @inlinable
    static func decimalDigitCount(_ v: UInt64) -> Int {
        var count = 1
        var x = v
        while x >= 10 { x /= 10; count += 1 }
        return count
    }

    /// Significant digits as values 0...9, most significant first.
    var digits: [UInt8] {
        switch significand {
        case .small(let v):
            if v == 0 { return [0] }
            var out: [UInt8] = []
            var x = v
            while x > 0 { out.append(UInt8(x % 10)); x /= 10 }
            return out.reversed()
        case .big(let d): return d
        }
    }

    /// The value as an `Int64`, when it is an integer in range.
    public var int64Value: Int64? {
        guard exponent >= 0, case .small(let v) = significand else { return nil }
        var m = v
        for _ in 0..<exponent {
            let (r, o) = m.multipliedReportingOverflow(by: 10)
            if o { return nil }
            m = r
        }
        if negative {
            return m <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- m) : nil
        }
        return m <= UInt64(Int64.max) ? Int64(m) : nil
    }

    /// The nearest `Double` (for display and heuristics only, never for verdicts).
    public var doubleValue: Double {
        Double(description) ?? (negative ? -.infinity : .infinity)
    }

    // MARK: Ordering

    /// Compares magnitudes: -1, 0 or 1.
    static func compareMagnitude(_ a: JSONNumber, _ b: JSONNumber) -> Int {
        if a.isZero { return b.isZero ? 0 : -1 }
        if b.isZero { return 1 }
        let ea = a.adjustedExponent
        let eb = b.adjustedExponent
        if ea != eb { return ea < eb ? -1 : 1 }
        if case .small(let x) = a.significand, case .small(let y) = b.significand {
            // Same adjusted exponent: align the digit counts before comparing.
            let ca = decimalDigitCount(x)
            let cb = decimalDigitCount(y)
            // Both have at most 20 digits; scaled to the same digit count they can exceed
            // UInt64, so compare as UInt128 (exact).
            var x128 = UInt128(x)
            var y128 = UInt128(y)
            for _ in 0..<max(0, cb - ca) { x128 *= 10 }
            for _ in 0..<max(0, ca - cb) { y128 *= 10 }
            return x128 == y128 ? 0 : (x128 < y128 ? -1 : 1)
        }
        let da = a.digits
        let db = b.digits
        let n = max(da.count, db.count)
        for i in 0..<n {
            let x = i < da.count ? da[i] : 0
            let y = i < db.count ? db[i] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }

    /// Three-way comparison: -1, 0 or 1.
    public static func compare(_ a: JSONNumber, _ b: JSONNumber) -> Int {
        if a.negative != b.negative { return a.negative ? -1 : 1 }
        let m = compareMagnitude(a, b)
        return a.negative ? -m : m
    }

    public static func < (a: JSONNumber, b: JSONNumber) -> Bool { compare(a, b) < 0 }

    // MARK: Arithmetic used by `multipleOf`

    /// Whether `self` is an integer multiple of `divisor` (which must be positive), exactly.
    public func isMultiple(of divisor: JSONNumber) -> Bool {
        if isZero { return true }
        precondition(!divisor.isZero && !divisor.negative, "multipleOf divisor must be positive")
        // self = X·10^a, divisor = M·10^b; self/divisor = (X/M)·10^(a-b).
        let d = exponent - divisor.exponent
        if d >= 0, case .small(let x) = significand, case .small(let m) = divisor.significand {
            // Both fit in 64 bits: X·10^d mod M by square-and-multiply, no allocation.
            return JSONNumber.mulMod(UInt64(x % m), JSONNumber.powMod(10, d, m), m) == 0
        }
        if d >= 0 {
            // Integer iff M divides X·10^d.
            return JSONNumber.remainder(digits: digits, trailingZeros: d, modulus: divisor.digits)
        }
        // Integer iff M·10^(-d) divides X. M has no trailing zeros, so X must end in at least -d zeros,
        // which a normalized X cannot: unless X carries the needed zeros, it is not a multiple.
        // X is normalized (no trailing zeros), so 10^(-d) | X is impossible for d < 0.
        return false
    }

    @inline(__always)
    static func mulMod(_ a: UInt64, _ b: UInt64, _ m: UInt64) -> UInt64 {
        UInt64(UInt128(a) * UInt128(b) % UInt128(m))
    }

    /// base^exponent mod m.
    static func powMod(_ base: UInt64, _ exponent: Int, _ m: UInt64) -> UInt64 {
        var result: UInt64 = 1 % m
        var b = base % m
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result = mulMod(result, b, m) }
            b = mulMod(b, b, m)
            e >>= 1
        }
        return result
    }

    /// Whether (`digits` followed by `trailingZeros` zeros) mod `modulus` is zero.
    static func remainder(digits: [UInt8], trailingZeros: Int, modulus: [UInt8]) -> Bool {
        if modulus.count <= 18 {
            var m: UInt64 = 0
            for d in modulus { m = m * 10 + UInt64(d) }
            if m == 1 { return true }
            var r: UInt64 = 0
            for d in digits { r = UInt64((UInt128(r) * 10 + UInt128(d)) % UInt128(m)) }
            // r·10^z mod m by square-and-multiply, so huge exponents stay cheap.
            var base = UInt64(10 % m)
            var z = trailingZeros
            var pow: UInt64 = 1 % m
            while z > 0 {
                if z & 1 == 1 { pow = UInt64(UInt128(pow) * UInt128(base) % UInt128(m)) }
                base = UInt64(UInt128(base) * UInt128(base) % UInt128(m))
                z >>= 1
            }
            return UInt128(r) * UInt128(pow) % UInt128(m) == 0
        }
        // Long modulus: decimal long division, one digit at a time. The exponent range is bounded by
        // `maxExponentMagnitude`, so this loop is bounded too.
        var r = DecimalNatural()
        let m = DecimalNatural(digits: modulus)
        for d in digits { r.shiftAppend(d); r.reduce(modulo: m) }
        for _ in 0..<trailingZeros {
            r.shiftAppend(0); r.reduce(modulo: m)
            if r.isZero { return true }
        }
        return r.isZero
    }

    // MARK: Text

    /// The shortest exact JSON text for the value (`1.5`, `-2`, `1e+400`, `1.25e-9`).
    public var description: String {
        if isZero { return "0" }
        if exponent >= 0, exponent < 108, case .small = significand {
            var bytes: [UInt8] = []
            write(to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        let ds = digits.map { Character(Unicode.Scalar($0 + 48)) }
        var out = negative ? "-" : ""
        let count = ds.count
        let adjusted = exponent + count - 1
        if exponent >= 0 && adjusted < 128 {
            out += String(ds) + String(repeating: "0", count: exponent)
        } else if exponent < 0 && adjusted >= -7 {
            if adjusted >= 0 {
                let intPart = ds[0..<(adjusted + 1)]
                let frac = ds[(adjusted + 1)...]
                out += String(intPart) + "." + String(frac)
            } else {
                out += "0." + String(repeating: "0", count: -adjusted - 1) + String(ds)
            }
        } else {
            out += String(ds[0])
            if count > 1 { out += "." + String(ds[1...]) }
            out += "e" + (adjusted >= 0 ? "+" : "-") + String(abs(adjusted))
        }
        return out
    }
}

/// A non-negative integer in decimal digits, for the rare `multipleOf` with more than 18 digits.
struct DecimalNatural {
    /// Most significant first, no leading zeros; empty is zero.
    var digits: [UInt8] = []

    init() {}
    init(digits: [UInt8]) {
        self.digits = Array(digits.drop(while: { $0 == 0 }))
    }

    var isZero: Bool { digits.isEmpty }

    mutating func shiftAppend(_ d: UInt8) {
        if digits.isEmpty && d == 0 { return }
        digits.append(d)
    }

    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return 0
    }

    /// Reduces a value below 10·m to below m by repeated subtraction.
    mutating func reduce(modulo m: DecimalNatural) {
        while DecimalNatural.compare(digits, m.digits) >= 0 {
            var borrow: Int = 0
            var result = digits
            var j = m.digits.count - 1
            var i = result.count - 1
            while i >= 0 {
                var v = Int(result[i]) - borrow - (j >= 0 ? Int(m.digits[j]) : 0)
                if v < 0 { v += 10; borrow = 1 } else { borrow = 0 }
                result[i] = UInt8(v)
                i -= 1
                j -= 1
            }
            digits = Array(result.drop(while: { $0 == 0 }))
        }
    }
}

extension JSONNumber {
    /// Appends ``description``'s text as UTF-8.
    func write(to out: inout [UInt8]) {
        // Integers below 10^127 are written in full, as `description` does.
        if exponent >= 0, exponent < 108, case .small(var s) = significand {
            if negative { out.append(UInt8(ascii: "-")) }
            var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)   // 32 bytes: room for 20 digits
            withUnsafeMutableBytes(of: &digits) { buffer in
                var start = 32
                repeat {
                    start -= 1
                    buffer[start] = UInt8(truncatingIfNeeded: s % 10) + UInt8(ascii: "0")
                    s /= 10
                } while s > 0
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start...]))
            }
            for _ in 0..<exponent { out.append(UInt8(ascii: "0")) }
            return
        }
        out.append(contentsOf: description.utf8)
    }
}
