import TollgateSchema

/// The `tollgate.errors` header value: a compact JSON array of `{instanceLocation, keywordLocation,
/// message}` objects that never exceeds a byte cap and is always valid JSON.
enum QuarantineErrorsHeader {
    /// The smallest cap honoured: room for one shortened entry plus the "N more errors not shown"
    /// entry, whatever N is.
    static let minimumCap = 256

    private static let ellipsis = "…"

    /// Encodes `details` within `cap` bytes (raised to ``minimumCap``).
    ///
    /// When the whole array does not fit, it keeps as many leading entries whole as fit, followed by
    /// one entry `{"instanceLocation":"","keywordLocation":"","message":"N more errors not shown"}`.
    /// When not even the first entry fits, that entry's message (and, if still needed, its locations)
    /// is shortened and ends with "…".
    static func encode(_ details: [RejectionDetail], cap requestedCap: Int) -> String {
        let cap = max(requestedCap, minimumCap)
        let entries = details.map { entry($0.instanceLocation, $0.keywordLocation, $0.message) }
        let full = "[" + entries.joined(separator: ",") + "]"
        if full.utf8.count <= cap { return full }

        // The longest prefix of whole entries that fits together with the "N more" entry.
        var best: Int?
        var prefixBytes = 1   // "["
        for k in 0..<entries.count {
            let total = prefixBytes + marker(omitting: entries.count - k).utf8.count + 1   // + "]"
            if total <= cap { best = k }
            prefixBytes += entries[k].utf8.count + 1                                         // + ","
            if prefixBytes > cap { break }
        }
        var result: String
        if let k = best, k > 0 {
            result = "[" + entries[..<k].joined(separator: ",") + "," + marker(omitting: entries.count - k) + "]"
        } else {
            // Not even the first entry fits whole: shorten it.
            let rest = entries.count - 1
            let tail = rest > 0 ? "," + marker(omitting: rest) : ""
            let budget = cap - 2 - tail.utf8.count
            let first = details[0]
            result = "[" + shortenedEntry(first, budget: budget) + tail + "]"
        }
        if result.utf8.count > cap {
            // Defensive: cannot happen with cap >= minimumCap, but the header must stay within the cap.
            result = "[" + marker(omitting: entries.count) + "]"
        }
        return result
    }

    /// Parses a `tollgate.errors` value back: the listed entries and the count the final
    /// "N more errors not shown" entry gives (0 when there is none). `nil` when it is not a JSON array.
    static func decode(_ bytes: [UInt8]) -> (details: [RejectionDetail], omitted: Int)? {
        guard let value = try? JSONValue(parsing: bytes), let array = value.arrayValue else { return nil }
        var details: [RejectionDetail] = []
        for element in array {
            guard let object = element.objectValue else { continue }
            details.append(RejectionDetail(instanceLocation: object["instanceLocation"]?.stringValue ?? "",
                                           keywordLocation: object["keywordLocation"]?.stringValue ?? "",
                                           message: object["message"]?.stringValue ?? ""))
        }
        var omitted = 0
        if let last = details.last, last.instanceLocation.isEmpty, last.keywordLocation.isEmpty,
           let count = omittedCount(inMarker: last.message)
        {
            omitted = count
            details.removeLast()
        }
        return (details, omitted)
    }

    static func marker(omitting count: Int) -> String {
        entry("", "", count == 1 ? "1 more error not shown" : "\(count) more errors not shown")
    }

    private static func omittedCount(inMarker message: String) -> Int? {
        for suffix in [" more errors not shown", " more error not shown"] where message.hasSuffix(suffix) {
            let digits = message.dropLast(suffix.count)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let n = Int(digits) else { return nil }
            return n
        }
        return nil
    }

    private static func entry(_ instanceLocation: String, _ keywordLocation: String, _ message: String) -> String {
        let object = JSONObject([
            (key: "instanceLocation", value: .string(instanceLocation)),
            (key: "keywordLocation", value: .string(keywordLocation)),
            (key: "message", value: .string(message)),
        ])
        return JSONValue.object(object).serialized()
    }

    /// One entry within `budget` bytes: the message shortened first, then the locations if needed.
    private static func shortenedEntry(_ detail: RejectionDetail, budget: Int) -> String {
        let withoutMessage = entry(detail.instanceLocation, detail.keywordLocation, "").utf8.count
        if withoutMessage + ellipsis.utf8.count <= budget {
            let message = shorten(detail.message, toEscapedBytes: budget - withoutMessage)
            return entry(detail.instanceLocation, detail.keywordLocation, message)
        }
        // The locations alone are too long (a huge property name in the pointer): shorten them too.
        let bare = entry("", "", ellipsis).utf8.count
        let room = max(0, budget - bare)
        let keywordRoom = min(escapedLength(detail.keywordLocation), room / 2)
        let keyword = shorten(detail.keywordLocation, toEscapedBytes: keywordRoom)
        let instance = shorten(detail.instanceLocation, toEscapedBytes: room - escapedLength(keyword))
        return entry(instance, keyword, ellipsis)
    }

    /// `text` unchanged when its JSON-escaped form fits in `limit` bytes; otherwise its longest
    /// prefix (whole Unicode scalars) that fits together with a final "…", or "" when not even "…" fits.
    static func shorten(_ text: String, toEscapedBytes limit: Int) -> String {
        if escapedLength(text) <= limit { return text }
        let room = limit - ellipsis.utf8.count
        guard room >= 0 else { return "" }
        var used = 0
        var kept = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let n = escapedLength(scalar)
            if used + n > room { break }
            used += n
            kept.append(scalar)
        }
        return String(kept) + ellipsis
    }

    /// Bytes `text` takes inside a JSON string literal, as `JSONValue`'s serializer escapes it.
    static func escapedLength(_ text: String) -> Int {
        var total = 0
        for scalar in text.unicodeScalars { total += escapedLength(scalar) }
        return total
    }

    private static func escapedLength(_ scalar: Unicode.Scalar) -> Int {
        switch scalar.value {
        case 0x22, 0x5C, 0x0A, 0x0D, 0x09, 0x08, 0x0C: return 2
        case 0..<0x20: return 6
        case 0..<0x80: return 1
        case 0..<0x800: return 2
        case 0..<0x10000: return 3
        default: return 4
        }
    }
}
