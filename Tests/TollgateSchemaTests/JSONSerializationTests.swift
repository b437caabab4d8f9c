import Testing
import TollgateSchema

@Suite("JSON serialization")
struct JSONSerializationTests {
    @Test("strings: quotes, backslashes and every control character escaped; other text copied as UTF-8")
    func strings() throws {
        var text = "a\"b\\c/é\u{1F600}"
        for code in 0..<0x20 { text.unicodeScalars.append(Unicode.Scalar(UInt8(code))) }
        text += "\u{7F}end"
        let serialized = JSONValue.string(text).serialized()
        #expect(serialized.hasPrefix(#""a\"b\\c/é😀\u0000\u0001"#), "\(serialized)")
        #expect(serialized.contains(#"\u0007\b\t\n\u000b\f\r\u000e"#), "\(serialized)")
        #expect(serialized.hasSuffix("\\u001f\u{7F}end\""), "\(serialized)")
        // Round trip through the parser.
        #expect(try JSONValue(parsing: Array(serialized.utf8)) == .string(text))
        #expect(JSONValue.string("").serialized() == #""""#)
    }

    @Test("a character to escape at every offset of a long clean run is escaped, and the run copied whole")
    func escapeAtEveryOffset() throws {
        // Each special character, and how many bytes its escape adds.
        for (special, added) in [("\"", 1), ("\\", 1), ("\u{0}", 5), ("\u{1F}", 5), ("\n", 1), ("é", 0)] {
            for length in [0, 7, 8, 9, 16, 23, 40] {
                for position in 0...length {
                    let clean = String(repeating: "abcdefgh", count: 6)
                    let text = String(clean.prefix(position)) + special + String(clean.dropFirst(position).prefix(length - position))
                    let serialized = JSONValue.string(text).serialized()
                    #expect(try JSONValue(parsing: Array(serialized.utf8)) == .string(text), "\(serialized)")
                    #expect(serialized.utf8.count == text.utf8.count + 2 + added, "\(serialized)")
                }
            }
        }
    }

    @Test("JSONTextBuffer writes strings as writeString does, integers in full, and grows past its capacity")
    func textBuffer() throws {
        var text = "a\"b\\c/é\u{1F600}\u{7F}"
        for code in 0..<0x20 { text.unicodeScalars.append(Unicode.Scalar(UInt8(code))) }
        let clean = String(repeating: "abcdefgh", count: 6)
        var strings = [text, "", clean]
        for special in ["\"", "\\", "\u{0}", "\u{1F}", "\n", "é"] {
            for position in 0...23 { strings.append(String(clean.prefix(position)) + special + String(clean.dropFirst(position).prefix(23 - position))) }
        }
        let integers = [0, 7, 9, 10, 99, 100, -1, -10, 1_000_000, Int.max, Int.min]
        var buffer = JSONTextBuffer(capacity: 16)   // grows many times
        var expected: [UInt8] = []
        for s in strings {
            buffer.appendString(s)
            JSONValue.writeString(s, to: &expected)
            buffer.append(", ")
            expected += Array(", ".utf8)
        }
        for n in integers {
            buffer.appendInteger(n)
            buffer.appendSpaces(2)
            expected += Array(String(n).utf8) + [32, 32]
        }
        buffer.append("null")
        expected += Array("null".utf8)
        #expect(buffer.count == expected.count)
        #expect(buffer.bytes() == expected)
        #expect(JSONTextBuffer().bytes() == [])
    }

    @Test("numbers: integers in full, others as description", arguments: [
        ("0", "0"), ("-0", "0"), ("7", "7"), ("-8900", "-8900"), ("100", "100"), ("18446744073709551615", "18446744073709551615"),
        ("1e20", "100000000000000000000"), ("0.5", "0.5"), ("-1.25e-3", "-0.00125"), ("1e200", "1e+200"),
        ("123456789012345678901234567890", "123456789012345678901234567890"),
    ])
    func numbers(_ input: String, _ expected: String) throws {
        let value = try JSONValue(parsing: Array(input.utf8))
        #expect(value.serialized() == expected)
        guard case .number(let number) = value else { Issue.record("not a number: \(value)"); return }
        #expect(number.description == expected)
    }

    @Test("compact and pretty forms; member order kept; serializedBytes equals serialized")
    func layout() throws {
        let value = try JSONValue(parsing: Array(#"{"b": [1, {"x": null}, []], "a": {}, "c": true}"#.utf8))
        #expect(value.serialized() == #"{"b":[1,{"x":null},[]],"a":{},"c":true}"#)
        #expect(value.serialized(pretty: true) == """
            {
              "b": [
                1,
                {
                  "x": null
                },
                []
              ],
              "a": {},
              "c": true
            }
            """)
        #expect(value.serializedBytes(pretty: true) == Array(value.serialized(pretty: true).utf8))
    }
}

@Suite("JSON objects")
struct JSONObjectTests {
    @Test("lookup, replacement and removal, below and above the size where an index is kept", arguments: [3, 8, 9, 40])
    func members(_ count: Int) {
        var object = JSONObject((0..<count).map { (key: "k\($0)", value: JSONValue.number(JSONNumber($0))) })
        #expect(object.count == count)
        for i in 0..<count { #expect(object["k\(i)"] == .number(JSONNumber(i))) }
        #expect(object["missing"] == nil)
        object["k1"] = "one"
        #expect(object["k1"] == "one" && object.count == count)
        object["k0"] = nil
        #expect(object["k0"] == nil && object.count == count - 1)
        #expect(object.keys.first == "k1")
        for i in 2..<count { #expect(object["k\(i)"] == .number(JSONNumber(i)), "k\(i)") }
        object["new"] = true
        #expect(object["new"] == true && object.keys.last == "new")
        // Member order does not matter for equality; values do.
        let reversed = JSONObject(object.members.reversed())
        #expect(reversed == object && reversed.hashValue == object.hashValue)
    }

    @Test("names compare by code points: canonically equivalent names are different members", arguments: [1, 20])
    func codePoints(_ padding: Int) {
        var object = JSONObject((0..<padding).map { (key: "p\($0)", value: JSONValue.null) })
        object["\u{E9}"] = 1
        object["e\u{301}"] = 2
        #expect(object.count == padding + 2)
        #expect(object["\u{E9}"] == 1)
        #expect(object["e\u{301}"] == 2)
    }
}
