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

/// Turns the fields of one capture line into a message.
enum CaptureRecord {
    typealias Name = CaptureLineParser.Name

    static func decode(_ parser: inout CaptureLineParser) throws(CaptureLineError) -> (Message, CaptureFormat) {
        let fields = try parser.parseFields()

        func bytes(_ name: Name, encoded: Name) throws(CaptureLineError) -> (present: Bool, value: [UInt8]?) {
            switch (fields[name], fields[encoded]) {
            case (.some, .some):
                throw CaptureLineError(message: "both \"\(name.text)\" and \"\(encoded.text)\" are present; a record has one of them")
            case (.some(let field), nil):
                switch field.value {
                case .string(let raw): return (true, raw)
                case .null: return (true, nil)
                // kcat -s avro writes the decoded value as verbatim JSON: its text is the value.
                default: return (true, parser.slice(field.raw))
                }
            case (nil, .some(let field)):
                guard case .string(let text) = field.value else {
                    throw CaptureLineError(message: "\"\(encoded.text)\" must be a base64 string, not \(field.value.typeName)")
                }
                guard let decoded = Base64.decode(text) else {
                    throw CaptureLineError(message: "\"\(encoded.text)\" is not valid base64")
                }
                return (true, decoded)
            case (nil, nil):
                return (false, nil)
            }
        }

        let payload = try bytes(.payload, encoded: .payloadB64)
        guard payload.present else {
            throw CaptureLineError(message: "no \"payload\" or \"payload_b64\" field, so this is neither a kcat -J record nor a Tollgate capture record")
        }
        let key = try bytes(.key, encoded: .keyB64).value
        let headers = try decodeHeaders(fields[.headers]?.value)
        let timestamp: Int64? = try optionalInteger(fields[.ts], .ts, as: Int64.self)
        let origin = try decodeOrigin(fields)
        let format: CaptureFormat = fields[.broker] != nil ? .kcat : .tollgate
        let message = Message(key: key, value: payload.value ?? [], headers: headers, origin: origin, timestamp: timestamp)
        return (message, format)
    }

    private static func decodeOrigin(_ fields: CaptureLineParser.Fields) throws(CaptureLineError) -> MessageOrigin {
        if let topic = fields[.topic] {
            let name = try string(topic, .topic)
            guard let partition = try optionalInteger(fields[.partition], .partition, as: Int32.self) else {
                throw CaptureLineError(message: "\"topic\" is present but \"partition\" is missing")
            }
            guard let offset = try optionalInteger(fields[.offset], .offset, as: Int64.self) else {
                throw CaptureLineError(message: "\"topic\" is present but \"offset\" is missing")
            }
            var group: String?
            if let field = fields[.group], case .string = field.value { group = try string(field, .group) }
            return .kafka(topic: name, partition: partition, offset: offset, group: group)
        }
        let rabbit: [Name] = [.exchange, .routingKey, .queue, .deliveryTag]
        guard rabbit.contains(where: { fields[$0] != nil }) else { return .none }
        for name in rabbit where fields[name] == nil {
            throw CaptureLineError(message: "a RabbitMQ record needs \(rabbit.map { "\"\($0.text)\"" }.joined(separator: ", ")); \"\(name.text)\" is missing")
        }
        guard let deliveryTag = try optionalInteger(fields[.deliveryTag], .deliveryTag, as: UInt64.self) else {
            throw CaptureLineError(message: "\"delivery_tag\" must be an integer, not null")
        }
        return .rabbitMQ(exchange: try string(fields[.exchange]!, .exchange), routingKey: try string(fields[.routingKey]!, .routingKey),
                         queue: try string(fields[.queue]!, .queue), deliveryTag: deliveryTag)
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

    private static func string(_ field: CaptureLineParser.Field, _ name: Name) throws(CaptureLineError) -> String {
        guard case .string(let bytes) = field.value else {
            throw CaptureLineError(message: "\"\(name.text)\" must be a string, not \(field.value.typeName)")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func optionalInteger<T: FixedWidthInteger>(_ field: CaptureLineParser.Field?, _ name: Name,
                                                             as type: T.Type) throws(CaptureLineError) -> T?
    {
        guard let field else { return nil }
        switch field.value {
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
            throw CaptureLineError(message: "\"\(name.text)\" must be an integer, not \(field.value.typeName)")
        }
    }
}
