import Testing
import TollgateSchema
@testable import Tollgate

@Suite("Quarantine record: tollgate.errors cap")
struct QuarantineRecordErrorsCapTests {
    /// The `tollgate.errors` value as a quarantined message would carry it.
    static func errorsHeader(_ details: [RejectionDetail], cap: Int) -> [UInt8] {
        let verdict = Verdict(outcome: .quarantined(.schemaViolation), details: details)
        let headers = QuarantineRecord.headers(for: Message(value: []), verdict: verdict, quarantinedAt: 0,
                                               options: QuarantineOptions(errorsCapBytes: cap))
        return headers.first { $0.name == "tollgate.errors" }!.value!
    }

    /// Parses the header with the strict parser and checks what must always hold: valid JSON, within
    /// the cap, whole leading entries (the first possibly shortened), and an honest "N more" count.
    @discardableResult
    static func check(_ details: [RejectionDetail], cap: Int, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> (kept: [RejectionDetail], omitted: Int)
    {
        let bytes = errorsHeader(details, cap: cap)
        #expect(bytes.count <= max(cap, 256), "\(bytes.count) bytes for a cap of \(cap)", sourceLocation: sourceLocation)
        let parsed = try JSONValue(parsing: bytes)
        let array = try #require(parsed.arrayValue, sourceLocation: sourceLocation)
        var entries: [RejectionDetail] = []
        for element in array {
            let object = try #require(element.objectValue, sourceLocation: sourceLocation)
            #expect(object.keys == ["instanceLocation", "keywordLocation", "message"], sourceLocation: sourceLocation)
            entries.append(RejectionDetail(instanceLocation: object["instanceLocation"]!.stringValue!,
                                           keywordLocation: object["keywordLocation"]!.stringValue!,
                                           message: object["message"]!.stringValue!))
        }
        var omitted = 0
        if let last = entries.last, last.instanceLocation.isEmpty, last.keywordLocation.isEmpty {
            let words = last.message.split(separator: " ", omittingEmptySubsequences: false)
            let tail = words.dropFirst().joined(separator: " ")
            if let n = Int(words[0]), tail == (n == 1 ? "more error not shown" : "more errors not shown") {
                omitted = n
                entries.removeLast()
            }
        }
        #expect(entries.count + omitted == details.count, "every error is listed or counted", sourceLocation: sourceLocation)
        for (index, (kept, original)) in zip(entries, details).enumerated() {
            if kept == original { continue }
            // Only a lone first entry may be shortened, and then it ends with "…".
            #expect(index == 0 && entries.count == 1, "entry \(index) was changed", sourceLocation: sourceLocation)
            #expect(kept.message.hasSuffix("…"), sourceLocation: sourceLocation)
            #expect(original.message.hasPrefix(kept.message.dropLast()), sourceLocation: sourceLocation)
        }
        return (entries, omitted)
    }

    static func detail(_ index: Int, message: String = "value is not of type \"string\"") -> RejectionDetail {
        RejectionDetail(instanceLocation: "/lines/\(index)/sku", keywordLocation: "/properties/lines/items/properties/sku/type",
                        message: message)
    }

    @Test("an array exactly at the cap is kept whole; one byte less cuts it")
    func exactlyAtCap() throws {
        let details = (0..<10).map { Self.detail($0) }
        let full = Self.errorsHeader(details, cap: 1 << 20)
        #expect(full.count > 1000)
        let whole = try Self.check(details, cap: full.count)
        #expect(whole.kept == details && whole.omitted == 0)
        #expect(Self.errorsHeader(details, cap: full.count) == full)

        let cut = try Self.check(details, cap: full.count - 1)
        #expect(cut.omitted >= 1)
        #expect(cut.kept.count == 10 - cut.omitted)
        let text = String(decoding: Self.errorsHeader(details, cap: full.count - 1), as: UTF8.self)
        #expect(text.hasSuffix(#"{"instanceLocation":"","keywordLocation":"","message":"\#(cut.omitted) more error\#(cut.omitted == 1 ? "" : "s") not shown"}]"#))
    }

    @Test("many small errors: as many as fit, then the count of the rest")
    func manySmall() throws {
        let details = (0..<1000).map { Self.detail($0) }
        let (kept, omitted) = try Self.check(details, cap: 4096)
        #expect(kept.count > 10)
        #expect(omitted == 1000 - kept.count)
        // Packed tight: one more whole entry would not have fitted next to the marker.
        let bytes = Self.errorsHeader(details, cap: 4096)
        let nextEntry = JSONValue.object(JSONObject([
            (key: "instanceLocation", value: .string(details[kept.count].instanceLocation)),
            (key: "keywordLocation", value: .string(details[kept.count].keywordLocation)),
            (key: "message", value: .string(details[kept.count].message)),
        ])).serialized()
        #expect(bytes.count + nextEntry.utf8.count + 1 > 4096)
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"\(omitted) more errors not shown\""))
    }

    @Test("a single huge message is shortened with an ellipsis so the entry fits")
    func singleHuge() throws {
        let huge = String(repeating: "é\"\\\u{1}x", count: 20_000)
        let (kept, omitted) = try Self.check([Self.detail(0, message: huge)], cap: 4096)
        #expect(omitted == 0)
        #expect(kept.count == 1)
        #expect(kept[0].message.hasSuffix("…"))
        #expect(kept[0].instanceLocation == "/lines/0/sku")
        #expect(Self.errorsHeader([Self.detail(0, message: huge)], cap: 4096).count > 4000, "the shortened entry uses the room")
    }

    @Test("a huge first error is shortened, and the rest are counted")
    func hugeThenMany() throws {
        let details = [Self.detail(0, message: String(repeating: "x", count: 50_000))] + (1..<30).map { Self.detail($0) }
        let (kept, omitted) = try Self.check(details, cap: 2048)
        #expect(kept.count == 1 && omitted == 29)
    }

    @Test("huge locations are shortened too")
    func hugeLocations() throws {
        let name = String(repeating: "k", count: 30_000)
        let detail = RejectionDetail(instanceLocation: "/" + name, keywordLocation: "/properties/" + name + "/maxLength",
                                     message: "too long")
        let (kept, _) = try Self.check([detail, detail], cap: 1000)
        #expect(kept.count == 1)
        #expect(kept[0].instanceLocation.hasSuffix("…") && kept[0].keywordLocation.hasSuffix("…"))
    }

    @Test("caps below 256 bytes are raised to 256")
    func tinyCap() throws {
        let details = (0..<5).map { Self.detail($0) }
        for cap in [0, 1, 2, 100, 255] {
            let bytes = Self.errorsHeader(details, cap: cap)
            #expect(bytes.count <= 256)
            try Self.check(details, cap: cap)
        }
    }

    @Test("any mix of sizes, escapes and caps stays valid, within the cap and honest")
    func randomized() throws {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["a", "é", "€", "😀", "\"", "\\", "\n", "\u{1}", "\u{7F}", "/", "~1", " "]
        func text(_ maxCount: Int) -> String {
            String((0..<Int.random(in: 0...maxCount, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for _ in 0..<300 {
            let count = Int.random(in: 0...40, using: &generator)
            let details = (0..<count).map { _ in
                RejectionDetail(instanceLocation: text(Bool.random(using: &generator) ? 10 : 400), keywordLocation: text(60),
                                message: text(Bool.random(using: &generator) ? 80 : 3000))
            }
            try Self.check(details, cap: Int.random(in: 200...6000, using: &generator))
        }
    }
}
