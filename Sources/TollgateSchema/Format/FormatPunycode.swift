/// Punycode (RFC 3492) with the IDNA parameters, over caller-provided buffers so that checking an
/// A-label allocates nothing.
enum FormatPunycode {
    private static let base = 36
    private static let tMin = 1
    private static let tMax = 26
    private static let skew = 38
    private static let damp = 700
    private static let initialBias = 72
    private static let initialN = 0x80
    /// Larger intermediate values can only come from garbage input; stopping there keeps the
    /// arithmetic far from overflow.
    private static let limit = 0x7FFF_FFFF

    /// Decodes the Punycode in `input` (the part of an A-label after `xn--`) into `output`.
    ///
    /// Basic code points are lower-cased, since DNS names ignore ASCII case (RFC 4343).
    /// - Returns: the number of code points written, or nil if `input` is not valid Punycode or
    ///   decodes to more than `output.count` code points.
    static func decode(
        _ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt32>
    ) -> Int? {
        var basicCount = 0
        if let lastDelimiter = input.lastIndex(of: UInt8(ascii: "-")) {
            basicCount = lastDelimiter
        }
        guard basicCount <= output.count else { return nil }
        for index in 0..<basicCount {
            let byte = input[index]
            guard byte < 0x80 else { return nil }
            output[index] = UInt32(FormatASCII.lowercased(byte))
        }
        var length = basicCount
        var position = basicCount > 0 ? basicCount + 1 : 0
        var n = initialN
        var i = 0
        var bias = initialBias
        while position < input.count {
            let oldI = i
            var weight = 1
            var k = base
            while true {
                guard position < input.count, let digit = digitValue(input[position]) else { return nil }
                position += 1
                i += digit * weight
                guard i <= limit else { return nil }
                let t = threshold(k, bias: bias)
                if digit < t {
                    break
                }
                weight *= base - t
                guard weight <= limit else { return nil }
                k += base
            }
            bias = adapt(delta: i - oldI, count: length + 1, isFirst: oldI == 0)
            n += i / (length + 1)
            i %= length + 1
            // A basic code point must be written literally, and the result must be a scalar value.
            guard n >= initialN, n <= 0x10FFFF, !(0xD800...0xDFFF).contains(n), length < output.count else {
                return nil
            }
            var move = length
            while move > i {
                output[move] = output[move - 1]
                move -= 1
            }
            output[i] = UInt32(n)
            length += 1
            i += 1
        }
        return length
    }

    /// Encodes `input` as Punycode into `output` (lower case).
    /// - Returns: the number of bytes written, or nil if they do not fit in `output`.
    static func encode(
        _ input: UnsafeBufferPointer<UInt32>, into output: UnsafeMutableBufferPointer<UInt8>
    ) -> Int? {
        var length = 0
        for scalar in input where scalar < 0x80 {
            guard length < output.count else { return nil }
            output[length] = UInt8(scalar)
            length += 1
        }
        let basicCount = length
        var handled = basicCount
        if basicCount > 0 {
            guard length < output.count else { return nil }
            output[length] = UInt8(ascii: "-")
            length += 1
        }
        var n = initialN
        var delta = 0
        var bias = initialBias
        while handled < input.count {
            var next = Int.max
            for scalar in input where Int(scalar) >= n && Int(scalar) < next {
                next = Int(scalar)
            }
            delta += (next - n) * (handled + 1)
            n = next
            for scalar in input {
                if Int(scalar) < n {
                    delta += 1
                } else if Int(scalar) == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = threshold(k, bias: bias)
                        if q < t {
                            break
                        }
                        guard length < output.count else { return nil }
                        output[length] = digitCharacter(t + (q - t) % (base - t))
                        length += 1
                        q = (q - t) / (base - t)
                        k += base
                    }
                    guard length < output.count else { return nil }
                    output[length] = digitCharacter(q)
                    length += 1
                    bias = adapt(delta: delta, count: handled + 1, isFirst: handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return length
    }

    @inline(__always)
    private static func threshold(_ k: Int, bias: Int) -> Int {
        k <= bias ? tMin : k >= bias + tMax ? tMax : k - bias
    }

    private static func adapt(delta: Int, count: Int, isFirst: Bool) -> Int {
        var delta = isFirst ? delta / damp : delta / 2
        delta += delta / count
        var k = 0
        while delta > (base - tMin) * tMax / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    @inline(__always)
    private static func digitValue(_ byte: UInt8) -> Int? {
        if FormatASCII.isAlpha(byte) {
            return Int((byte | 0x20) - UInt8(ascii: "a"))
        }
        if FormatASCII.isDigit(byte) {
            return Int(byte - UInt8(ascii: "0")) + 26
        }
        return nil
    }

    @inline(__always)
    private static func digitCharacter(_ digit: Int) -> UInt8 {
        digit < 26 ? UInt8(ascii: "a") + UInt8(digit) : UInt8(ascii: "0") + UInt8(digit - 26)
    }
}
