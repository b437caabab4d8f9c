/// How the JSON text a parser reads is written down. The parser is specialised for each form, so
/// plain JSON pays nothing for the other.
protocol JSONTextForm {
    /// Whether the text is the content of a JSON string literal (``StringLiteralText``).
    static var isStringLiteralContent: Bool { get }
    /// Bytes a quote of the document takes: 1 for `"`, 2 for `\"`.
    static var quoteWidth: Int { get }
    /// Whether a quote of the document starts at `p`.
    static func isQuote(_ base: UnsafePointer<UInt8>, _ p: Int, _ end: Int) -> Bool
    /// Moves `p` past the document's whitespace.
    static func skipSpace(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int)
    /// Scans a string body that starts at `start` (just after the opening quote) and needs no
    /// decoding: returns the offset of the closing quote, or -1 when the string has an escape, a
    /// control character or non-ASCII bytes, or is unterminated (the slow path handles those).
    static func scanPlainString(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int
}

/// JSON text as it is.
enum PlainText: JSONTextForm {
    static var isStringLiteralContent: Bool { false }
    static var quoteWidth: Int { 1 }

    @inline(__always)
    static func isQuote(_ base: UnsafePointer<UInt8>, _ p: Int, _ end: Int) -> Bool {
        p < end && base[p] == UInt8(ascii: "\"")
    }

    @inline(__always)
    static func skipSpace(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) {
        // Space, \t, \n, \r as a bit mask over byte values 0...32.
        while p < end {
            let c = base[p]
            guard c <= 0x20 && (UInt64(0x1_0000_2600) >> UInt64(c)) & 1 != 0 else { return }
            p &+= 1
        }
    }

    @inline(__always)
    static func scanPlainString(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        JSONParser.scanPlainString(base, start, end)
    }
}

/// A JSON document written as the content of a JSON string literal, as a message's payload is in a
/// `kcat -J` line: its quotes appear as `\"` and its line breaks and tabs between tokens as `\n`,
/// `\r` and `\t`; a quote that is not escaped ends the literal, and so the document.
///
/// Parsing this form spares unescaping the literal first. It takes only the common case: a document
/// whose own strings need no escapes (`\\`, `\/`, `\u` and escaped control characters make the
/// parser stop; the caller then unescapes the literal and parses that). Strings on the tape point
/// into the literal, where their bytes are the same as in the document.
enum StringLiteralText: JSONTextForm {
    static var isStringLiteralContent: Bool { true }
    static var quoteWidth: Int { 2 }

    @inline(__always)
    static func isQuote(_ base: UnsafePointer<UInt8>, _ p: Int, _ end: Int) -> Bool {
        p &+ 1 < end && base[p] == UInt8(ascii: "\\") && base[p &+ 1] == UInt8(ascii: "\"")
    }

    @inline(__always)
    static func skipSpace(_ base: UnsafePointer<UInt8>, _ p: inout Int, _ end: Int) {
        while p < end {
            let c = base[p]
            if c == 0x20 {
                p &+= 1
                continue
            }
            guard c == UInt8(ascii: "\\") && p &+ 1 < end else { return }
            // `\n`, `\r` or `\t`: 'n', 'r' and 't' as a bit mask over 'n'...'t'.
            let e = base[p &+ 1] &- UInt8(ascii: "n")
            guard e <= 6 && (0b101_0001 as UInt8) >> e & 1 != 0 else { return }
            p &+= 2
        }
    }

    @inline(__always)
    static func scanPlainString(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        let p = JSONParser.firstSpecial(base, start, end)
        return isQuote(base, p, end) ? p : -1
    }
}

extension JSONParser {
    /// Thrown by a string-literal parse for whatever it leaves to the parse of the unescaped text:
    /// that parse decides, and gives the exact error when there is one.
    static let notTaken = JSONParseError(code: .invalidString, message: "left to the unescaped document's parse",
                                         offset: 0, line: 0, column: 0)
}
