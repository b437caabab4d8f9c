extension ECMARegex {
    /// Whether `utf8` is an ECMA-262 regular expression this engine accepts (the `regex` format).
    static func isValidPattern(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        (try? ECMARegex(String(decoding: utf8, as: UTF8.self))) != nil
    }
}
