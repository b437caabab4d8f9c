/// The two JSON-lines formats a capture file may use; a file may mix them, line by line.
public enum CaptureFormat: String, Sendable, Hashable {
    /// `kcat -C -J`: strings hold the raw key, payload and header bytes. Recognised by its `broker`
    /// field, which kcat always writes and Tollgate never does.
    case kcat
    /// `tollgate capture` (``CaptureWriter``): valid UTF-8 JSON, with `key_b64` / `payload_b64` for a
    /// key or value that is not valid UTF-8.
    case tollgate
}

/// One message read from a capture file, with where it was read.
public struct CapturedMessage: Sendable, Hashable {
    /// The message: origin `.kafka(topic:partition:offset:group:)` (or `.rabbitMQ` / `.none` from a
    /// Tollgate capture of such messages), the timestamp from `ts`, headers in order, key and value.
    /// A `null` payload (a Kafka tombstone) reads as an empty value.
    public var message: Message
    /// The capture file, as given to the reader.
    public var file: String
    /// 1-based line number in `file`.
    public var line: Int
    /// The format the line was written in.
    public var format: CaptureFormat

    /// A captured message, e.g. for tests that build a replay by hand.
    public init(message: Message, file: String, line: Int, format: CaptureFormat) {
        self.message = message
        self.file = file
        self.line = line
        self.format = format
    }
}

/// Turns the members of one capture line into a message.
enum CaptureRecord {
    typealias Name = CaptureLineParser.Name

    /// A scalar member, read as the line is parsed and judged once the record is put together, so
    /// that a member only one kind of record uses (a partition, a delivery tag) is only checked for
    /// that kind, and the last of a repeated member is the one that counts.
    ///
    /// Plain data (a string is where it stands in the line), so a record's members cost nothing to
    /// set up or tear down.
    enum Scalar {
        case null
        case integer(negative: Bool, magnitude: UInt64)
        /// A string's content in the line, and whether it holds escapes (checked when it was read).
        case string(Range<Int>, escaped: Bool)
        /// Anything else, by its type's name ("a number" for one that is not an integer).
        case other(StaticString)

        static func read(_ parser: inout CaptureLineParser) throws(CaptureLineError) -> Scalar {
            if parser.atString {
                let (content, escaped) = try parser.readTextSpan()
                return .string(content, escaped: escaped)
            }
            if parser.atNumber {
                guard let integer = try parser.readInteger() else { return .other("a number") }
                return .integer(negative: integer.negative, magnitude: integer.magnitude)
            }
            if try parser.readNull() { return .null }
            let typeName = parser.valueTypeName
            try parser.skipValue()
            return .other(typeName)
        }

        var typeName: StaticString {
            switch self {
            case .null: return "null"
            case .integer: return "a number"
            case .string: return "a string"
            case .other(let name): return name
            }
        }
    }

    /// The members of one line that a record uses, as read.
    struct Members {
        /// `payload` and `key`: nil when absent, `.some(nil)` when null.
        var payload: [UInt8]??
        var key: [UInt8]??
        var payloadB64: CaptureValue?
        var keyB64: CaptureValue?
        var headers: [MessageHeader] = []
        /// Where kcat's flat header array stands in the line, when it is read only if needed.
        var headerSpan: Range<Int>?
        var scalars = InlineArray<15, Scalar?>(repeating: nil)
        var kcat = false

        subscript(name: Name) -> Scalar? { scalars[name.rawValue] }
    }

    static func decode(_ parser: inout CaptureLineParser) throws(CaptureLineError) -> (Message, CaptureFormat) {
        let (message, format, _) = try decode(&parser, checkingPayload: PayloadCheck<Void>?.none)
        return (message!, format)   // without a check, the whole message is built
    }

    /// Decodes a line, offering a `payload` string that comes after the record's `topic` to `check`
    /// where it stands in the line, still escaped, with the topic and the headers read before it.
    /// When `check` takes it, the outcome is returned with as much of the message as `check` says
    /// the outcome needs (see ``MessageNeed``). A record whose topic or headers change after its
    /// payload (a repeated member) is decoded as if `check` had not been asked. The whole line is
    /// checked whatever is built of it: a line that is not a record is an error either way.
    static func decode<Outcome>(_ parser: inout CaptureLineParser, checkingPayload check: PayloadCheck<Outcome>?,
                                kcatLayout: Bool = true) throws(CaptureLineError) -> (Message?, CaptureFormat, Outcome?)
    {
        var check = check
        if kcatLayout, let layoutCheck = check {
            switch decodeKcatLayout(parser, layoutCheck) {
            case .decoded(let message, let outcome): return (message, .kcat, outcome)
            case .payloadDeclined: check = nil   // it would decline again
            case .otherLayout: break
            }
        }
        var members = Members()
        // The outcome for the payload that counts (the last), whether it still holds (no topic or
        // headers came after it), and where the payload's string starts, to unescape it after all.
        var checked: Outcome?
        var checkedHolds = false
        var checkedAt = 0
        // A key string without escapes, read only if the message needs it.
        var keySpan: Range<Int>?
        try parser.parseMembers { (name, p: inout CaptureLineParser) throws(CaptureLineError) in
            switch name {
            case .payload:
                checked = nil
                if let check, p.atString, case .string(let span, let escaped)? = members[.topic] {
                    let topic = p.text(span, escaped: escaped)
                    let at = p.position
                    let headers = CapturedHeaders(members.headers, span: members.headerSpan, in: p)
                    if let outcome = p.readStringInPlace({ check.check(topic, headers, $0) }) {
                        (checked, checkedHolds, checkedAt) = (outcome, true, at)
                        members.payload = .some([])
                        return
                    }
                }
                members.payload = .some(try plainBytes(&p))
            case .key:
                keySpan = nil
                if p.atString, let span = try p.readUnescapedStringSpan() {
                    keySpan = span
                    members.key = .some([])
                } else {
                    members.key = .some(try plainBytes(&p))
                }
            case .payloadB64: members.payloadB64 = try p.readValue().value
            case .keyB64: members.keyB64 = try p.readValue().value
            case .headers:
                checkedHolds = false
                let start = p.position
                if skipFlatHeaderPairs(&p) {
                    members.headerSpan = start..<p.position
                    members.headers = []
                } else {
                    p.rewind(to: start)
                    members.headerSpan = nil
                    members.headers = try readHeaders(&p)
                }
            case .broker:
                members.kcat = true
                try p.skipValue()
            case .topic, .partition, .offset, .group, .ts, .exchange, .routingKey, .queue, .deliveryTag:
                if name == .topic { checkedHolds = false }
                members.scalars[name.rawValue] = try Scalar.read(&p)
            }
        }

        func bytes(_ plain: [UInt8]??, _ name: Name, encoded: CaptureValue?, _ encodedName: Name) throws(CaptureLineError)
            -> (present: Bool, value: [UInt8]?)
        {
            switch (plain, encoded) {
            case (.some, .some):
                throw CaptureLineError(message: "both \"\(name.text)\" and \"\(encodedName.text)\" are present; a record has one of them")
            case (.some(let value), nil):
                return (true, value)
            case (nil, .some(let value)):
                guard case .string(let text) = value else {
                    throw CaptureLineError(message: "\"\(encodedName.text)\" must be a base64 string, not \(value.typeName)")
                }
                guard let decoded = Base64.decode(text) else {
                    throw CaptureLineError(message: "\"\(encodedName.text)\" is not valid base64")
                }
                return (true, decoded)
            case (nil, nil):
                return (false, nil)
            }
        }

        let payload = try bytes(members.payload, .payload, encoded: members.payloadB64, .payloadB64)
        guard payload.present else {
            throw CaptureLineError(message: "no \"payload\" or \"payload_b64\" field, so this is neither a kcat -J record nor a Tollgate capture record")
        }
        var key = try bytes(members.key, .key, encoded: members.keyB64, .keyB64).value
        let timestamp: Int64? = try optionalInteger(members[.ts], .ts, as: Int64.self)
        let origin = try decodeOrigin(members, parser)
        var value = payload.value ?? []
        var outcome: Outcome?
        if let checked, checkedHolds, case .kafka = origin { outcome = checked }
        let format: CaptureFormat = members.kcat ? .kcat : .tollgate
        let need: MessageNeed = if let check, let outcome { check.needs(outcome) } else { .everything }
        switch need {
        case .nothing:
            return (nil, format, outcome)
        case .coordinates:
            if keySpan != nil { key = nil }
        case .everything:
            if checked != nil {
                parser.rewind(to: checkedAt)
                value = try parser.readStringBytes()
            }
            if let keySpan { key = parser.slice(keySpan) }
        }
        let headers = CapturedHeaders(members.headers, span: members.headerSpan, in: parser).all
        let message = Message(key: key, value: value, headers: headers, origin: origin, timestamp: timestamp)
        return (message, format, outcome)
    }

    /// A line exactly as kcat -J lays it out (`{"topic":...,"partition":...,"offset":...,"tstype":...,
    /// "ts":...,"broker":...[,"headers":[...]],"key":...,"payload":"..."}`, no whitespace, strings
    /// without escapes but the payload's), read member by member without looking names up, with
    /// the payload checked in place: what ``decode(_:checkingPayload:kcatLayout:)`` returns for it.
    /// Any other line is read the general way, errors included.
    static func decodeKcatLayout<Outcome>(_ line: CaptureLineParser, _ check: PayloadCheck<Outcome>) -> KcatLayout<Outcome> {
        var p = line
        func integer<T: FixedWidthInteger>(_ type: T.Type) -> T? {
            guard p.atNumber, let read = try? p.readInteger() else { return nil }
            return try? optionalInteger(.integer(negative: read.negative, magnitude: read.magnitude), .offset, as: T.self)
        }
        func unescapedString() -> Range<Int>? {
            guard p.atString else { return nil }
            return (try? p.readUnescapedStringSpan()) ?? nil
        }
        guard p.readExactly(#"{"topic":"#), let topicSpan = unescapedString(),
              p.readExactly(#","partition":"#), let partition = integer(Int32.self),
              p.readExactly(#","offset":"#), let offset = integer(Int64.self),
              p.readExactly(#","tstype":"#), unescapedString() != nil,
              p.readExactly(#","ts":"#), let timestamp = integer(Int64.self),
              p.readExactly(#","broker":"#), integer(Int64.self) != nil
        else { return .otherLayout }
        var headerSpan: Range<Int>?
        if p.readExactly(#","headers":"#) {
            let start = p.position
            guard skipFlatHeaderPairs(&p) else { return .otherLayout }
            headerSpan = start..<p.position
        }
        guard p.readExactly(#","key":"#) else { return .otherLayout }
        var keySpan: Range<Int>?
        if p.atString {
            guard let span = unescapedString() else { return .otherLayout }
            keySpan = span
        } else if (try? p.readNull()) != true {
            return .otherLayout
        }
        guard p.readExactly(#","payload":"#), p.atString else { return .otherLayout }
        let topic = p.text(topicSpan, escaped: false)
        let payloadAt = p.position
        guard let outcome = p.readStringInPlace({ check.check(topic, CapturedHeaders([], span: headerSpan, in: line), $0) }) else {
            return .payloadDeclined
        }
        guard p.readExactly("}"), p.atLineEnd() else { return .otherLayout }

        let need = check.needs(outcome)
        if need == .nothing { return .decoded(nil, outcome) }
        let headers = CapturedHeaders([], span: headerSpan, in: line).all
        var key: [UInt8]?
        var value: [UInt8] = []
        if need == .everything {
            key = keySpan.map { p.slice($0) }
            p.rewind(to: payloadAt)
            guard let payload = try? p.readStringBytes() else { return .otherLayout }
            value = payload
        }
        let message = Message(key: key, value: value, headers: headers,
                              origin: .kafka(topic: topic, partition: partition, offset: offset, group: nil), timestamp: timestamp)
        return .decoded(message, outcome)
    }

    enum KcatLayout<Outcome> {
        /// The line, with as much of its message as the outcome needs.
        case decoded(Message?, Outcome)
        /// Laid out as kcat does, up to a payload the check declined.
        case payloadDeclined
        /// Anything else.
        case otherLayout
    }

    /// How much of a message whose payload was checked in place is built.
    enum MessageNeed {
        /// None: the line is checked, the outcome is all that is wanted.
        case nothing
        /// Coordinates, headers and timestamp, without the key's and the payload's bytes.
        case coordinates
        /// The whole message.
        case everything
    }

    /// A record's headers as read before its payload: decoded, or (kcat's flat array of strings
    /// without escapes) still where they stand in the line, decoded only when asked for.
    struct CapturedHeaders {
        private let decoded: [MessageHeader]
        private let span: Range<Int>?
        private let parser: CaptureLineParser

        init(_ decoded: [MessageHeader], span: Range<Int>?, in parser: CaptureLineParser) {
            self.decoded = decoded
            self.span = span
            self.parser = parser
        }

        /// Whether a header is called `name`.
        func contains(_ name: String) -> Bool {
            guard let span else { return decoded.contains { $0.name == name } }
            var p = parser
            p.rewind(to: span.lowerBound)
            var name = name
            return name.withUTF8 { wanted in CaptureRecord.walkFlatHeaders(&p) { $0.elementsEqual(wanted) } == .found }
        }

        /// All of them, in order.
        var all: [MessageHeader] {
            guard let span else { return decoded }
            var p = parser
            p.rewind(to: span.lowerBound)
            return ((try? CaptureRecord.flatHeaderPairs(&p)) ?? nil) ?? []
        }
    }

    /// What ``decode(_:checkingPayload:kcatLayout:)`` asks of a payload it offers to be checked in place.
    struct PayloadCheck<Outcome> {
        /// Given the record's topic and headers and the line from just after the payload string's
        /// opening quote: an outcome and the offset there of the string's closing quote, or nil to
        /// have the payload unescaped and decoded as usual.
        var check: (_ topic: String, _ headers: CapturedHeaders, _ literal: UnsafeRawBufferPointer) -> (Outcome, end: Int)?
        /// How much of the message is built, given the outcome.
        var needs: (Outcome) -> MessageNeed
    }

    /// The bytes of a `payload` or `key` member: a string's bytes, nil for null, or the text of any
    /// other value (kcat -s avro writes the decoded value as verbatim JSON: its text is the value).
    private static func plainBytes(_ p: inout CaptureLineParser) throws(CaptureLineError) -> [UInt8]? {
        if p.atString { return try p.readStringBytes() }
        if try p.readNull() { return nil }
        return p.slice(try p.readValue().raw)
    }

    /// The `headers` member. kcat's flat array of name and value strings is read straight into
    /// headers; anything else (an object, `{"b64": ...}` values, a mistake to report) is read as a
    /// value and taken apart by ``decodeHeaders(_:)``.
    private static func readHeaders(_ p: inout CaptureLineParser) throws(CaptureLineError) -> [MessageHeader] {
        let start = p.position
        if let headers = try flatHeaderPairs(&p) { return headers }
        p.rewind(to: start)
        return try decodeHeaders(p.readValue().value)
    }

    /// Moves past `["name", "value" or null, ...]` when every string in it is free of escapes,
    /// checking it as ``flatHeaderPairs(_:)`` would read it; false (having read some of it) for
    /// anything else, which is then read the usual way.
    private static func skipFlatHeaderPairs(_ p: inout CaptureLineParser) -> Bool {
        walkFlatHeaders(&p) { _ in false } == .ended
    }

    enum FlatHeaderWalk { case found, ended, other }

    /// Walks kcat's flat header array of strings without escapes, calling `visit` with each name's
    /// bytes until it returns true (`.found`); `.ended` after the array, `.other` (having read some
    /// of it) when the value is not of that form.
    fileprivate static func walkFlatHeaders(_ p: inout CaptureLineParser, _ visit: (UnsafeBufferPointer<UInt8>) -> Bool) -> FlatHeaderWalk {
        do throws(CaptureLineError) {
            guard p.readArrayBracket() == true else { return .other }
            if p.readArrayBracket() == false { return .ended }
            while true {
                guard p.atString, let name = try p.readUnescapedStringSpan() else { return .other }
                if visit(p.span(name)) { return .found }
                guard p.readComma() else { return .other }
                if p.atString {
                    guard try p.readUnescapedStringSpan() != nil else { return .other }
                } else if try !p.readNull() {
                    return .other
                }
                if p.readComma() { continue }
                return p.readArrayBracket() == false ? .ended : .other
            }
        } catch {
            return .other
        }
    }

    /// `["name", "value" or null, ...]`, or nil (having read some of it) when the value is not
    /// exactly that.
    fileprivate static func flatHeaderPairs(_ p: inout CaptureLineParser) throws(CaptureLineError) -> [MessageHeader]? {
        guard p.readArrayBracket() == true else { return nil }
        var headers: [MessageHeader] = []
        if p.readArrayBracket() == false { return headers }
        while true {
            guard p.atString else { return nil }
            let name = try p.readText()
            guard p.readComma() else { return nil }
            let value: [UInt8]?
            if p.atString {
                value = try p.readStringBytes()
            } else if try p.readNull() {
                value = nil
            } else {
                return nil
            }
            headers.append(MessageHeader(name: name, value: value))
            if p.readComma() { continue }
            return p.readArrayBracket() == false ? headers : nil
        }
    }

    private static func decodeOrigin(_ members: Members, _ parser: CaptureLineParser) throws(CaptureLineError) -> MessageOrigin {
        func string(_ scalar: Scalar, _ name: Name) throws(CaptureLineError) -> String {
            guard case .string(let span, let escaped) = scalar else {
                throw CaptureLineError(message: "\"\(name.text)\" must be a string, not \(scalar.typeName)")
            }
            return parser.text(span, escaped: escaped)
        }
        if let topic = members[.topic] {
            let name = try string(topic, .topic)
            guard let partition = try optionalInteger(members[.partition], .partition, as: Int32.self) else {
                throw CaptureLineError(message: "\"topic\" is present but \"partition\" is missing")
            }
            guard let offset = try optionalInteger(members[.offset], .offset, as: Int64.self) else {
                throw CaptureLineError(message: "\"topic\" is present but \"offset\" is missing")
            }
            var group: String?
            if case .string(let span, let escaped)? = members[.group] { group = parser.text(span, escaped: escaped) }
            return .kafka(topic: name, partition: partition, offset: offset, group: group)
        }
        let rabbit: [Name] = [.exchange, .routingKey, .queue, .deliveryTag]
        guard rabbit.contains(where: { members[$0] != nil }) else { return .none }
        for name in rabbit where members[name] == nil {
            throw CaptureLineError(message: "a RabbitMQ record needs \(rabbit.map { "\"\($0.text)\"" }.joined(separator: ", ")); \"\(name.text)\" is missing")
        }
        guard let deliveryTag = try optionalInteger(members[.deliveryTag], .deliveryTag, as: UInt64.self) else {
            throw CaptureLineError(message: "\"delivery_tag\" must be an integer, not null")
        }
        return .rabbitMQ(exchange: try string(members[.exchange]!, .exchange), routingKey: try string(members[.routingKey]!, .routingKey),
                         queue: try string(members[.queue]!, .queue), deliveryTag: deliveryTag)
    }

    /// Headers as kcat writes them by default (a flat array of name, value, name, value, ... where a
    /// value may be null), or as an object of name to value or to an array of values. A value that is
    /// not valid UTF-8 may be written `{"b64": "..."}` (Tollgate's capture format).
    private static func decodeHeaders(_ value: CaptureValue?) throws(CaptureLineError) -> [MessageHeader] {
        guard let value else { return [] }
        switch value {
        case .null:
            return []
        case .array(let elements):
            guard elements.count % 2 == 0 else {
                throw CaptureLineError(message: "\"headers\" must list name and value pairs, but has an odd number (\(elements.count)) of elements")
            }
            var headers: [MessageHeader] = []
            headers.reserveCapacity(elements.count / 2)
            for pair in stride(from: 0, to: elements.count, by: 2) {
                guard case .string(let name) = elements[pair] else {
                    throw CaptureLineError(message: "header name \(pair / 2 + 1) in \"headers\" must be a string, not \(elements[pair].typeName)")
                }
                let headerName = String(decoding: name, as: UTF8.self)
                headers.append(MessageHeader(name: headerName, value: try headerValue(elements[pair + 1], headerName)))
            }
            return headers
        case .object(let members):
            var headers: [MessageHeader] = []
            for (name, member) in members {
                if case .array(let values) = member {
                    for value in values { headers.append(MessageHeader(name: name, value: try headerValue(value, name))) }
                } else {
                    headers.append(MessageHeader(name: name, value: try headerValue(member, name)))
                }
            }
            return headers
        default:
            throw CaptureLineError(message: "\"headers\" must be an array of name and value pairs, not \(value.typeName)")
        }
    }

    private static func headerValue(_ value: CaptureValue, _ name: String) throws(CaptureLineError) -> [UInt8]? {
        switch value {
        case .string(let bytes):
            return bytes
        case .null:
            return nil
        case .object(let members) where members.count == 1 && members[0].key == "b64":
            guard case .string(let text) = members[0].value, let decoded = Base64.decode(text) else {
                throw CaptureLineError(message: "the value of header \"\(name)\" has a \"b64\" member that is not valid base64")
            }
            return decoded
        default:
            throw CaptureLineError(message: "the value of header \"\(name)\" must be a string or null, not \(value.typeName)")
        }
    }

    private static func optionalInteger<T: FixedWidthInteger>(_ scalar: Scalar?, _ name: Name,
                                                             as type: T.Type) throws(CaptureLineError) -> T?
    {
        guard let scalar else { return nil }
        switch scalar {
        case .null:
            return nil
        case .integer(let negative, let magnitude):
            let value: T?
            if !negative {
                value = magnitude <= UInt64(T.max) ? T(magnitude) : nil
            } else if magnitude == 0 {
                value = 0
            } else if T.isSigned, magnitude - 1 <= UInt64(T.max) {
                value = T(truncatingIfNeeded: 0 &- magnitude)   // two's complement, down to T.min
            } else {
                value = nil
            }
            guard let value else {
                throw CaptureLineError(message: "\"\(name.text)\" is out of range for \(T.self)")
            }
            return value
        default:
            throw CaptureLineError(message: "\"\(name.text)\" must be an integer, not \(scalar.typeName)")
        }
    }
}
