/// Writes messages as Tollgate capture lines, which ``CaptureReader`` reads back byte for byte.
///
/// A line is one valid UTF-8 JSON object with kcat's field names:
///
/// ```
/// {"topic":"orders","partition":0,"offset":12,"ts":1700000000000,"headers":["k1","v1"],"key":"o-1","payload":"{\"id\":1}"}
/// ```
///
/// - origin: Kafka `topic`, `partition`, `offset` (and `group` when known); RabbitMQ `exchange`,
///   `routing_key`, `queue`, `delivery_tag`; nothing for `.none`.
/// - `ts`: the timestamp in milliseconds since the Unix epoch, when known.
/// - `headers`: name and value pairs in order (left out when there are none); a null value is `null`,
///   a value that is not valid UTF-8 is `{"b64":"<base64>"}`.
/// - `key` / `payload`: a JSON string when the bytes are valid UTF-8; otherwise `key_b64` /
///   `payload_b64` with the standard, padded base64 of the bytes. A missing key is `"key":null`.
public enum CaptureWriter {
    /// The capture line for `message`, ending with a newline.
    public static func line(for message: Message) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.value.count + (message.key?.count ?? 0) + 128)
        appendLine(for: message, to: &out)
        return out
    }

    /// Appends the capture line for `message`, newline included, to `out`: for writers that batch
    /// many lines into one buffer.
    public static func appendLine(for message: Message, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        var first = true
        func name(_ text: StaticString) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: text.description.utf8)
            out.append(contentsOf: "\":".utf8)
        }
        switch message.origin {
        case .kafka(let topic, let partition, let offset, let group):
            name("topic"); appendString(topic.utf8, to: &out)
            name("partition"); out.append(contentsOf: String(partition).utf8)
            name("offset"); out.append(contentsOf: String(offset).utf8)
            if let group { name("group"); appendString(group.utf8, to: &out) }
        case .rabbitMQ(let exchange, let routingKey, let queue, let deliveryTag):
            name("exchange"); appendString(exchange.utf8, to: &out)
            name("routing_key"); appendString(routingKey.utf8, to: &out)
            name("queue"); appendString(queue.utf8, to: &out)
            name("delivery_tag"); out.append(contentsOf: String(deliveryTag).utf8)
        case .none:
            break
        }
        if let timestamp = message.timestamp {
            name("ts"); out.append(contentsOf: String(timestamp).utf8)
        }
        if !message.headers.isEmpty {
            name("headers")
            out.append(UInt8(ascii: "["))
            for (index, header) in message.headers.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(header.name.utf8, to: &out)
                out.append(UInt8(ascii: ","))
                if let value = header.value {
                    if isValidUTF8(value) {
                        appendString(value, to: &out)
                    } else {
                        out.append(contentsOf: "{\"b64\":\"".utf8)
                        Base64.encode(value, into: &out)
                        out.append(contentsOf: "\"}".utf8)
                    }
                } else {
                    out.append(contentsOf: "null".utf8)
                }
            }
            out.append(UInt8(ascii: "]"))
        }
        if let key = message.key {
            if isValidUTF8(key) {
                name("key"); appendString(key, to: &out)
            } else {
                name("key_b64"); appendBase64(key, to: &out)
            }
        } else {
            name("key"); out.append(contentsOf: "null".utf8)
        }
        if isValidUTF8(message.value) {
            name("payload"); appendString(message.value, to: &out)
        } else {
            name("payload_b64"); appendBase64(message.value, to: &out)
        }
        out.append(contentsOf: "}\n".utf8)
    }

    private static func appendBase64(_ bytes: [UInt8], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        Base64.encode(bytes, into: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// Appends valid UTF-8 `bytes` as a JSON string literal: `"` and `\` escaped, and the control
    /// characters below U+0020, which JSON does not allow raw.
    private static func appendString(_ bytes: some Collection<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        // ASCII is the common case and needs no decoding.
        if bytes.allSatisfy({ $0 < 0x80 }) { return true }
        return String(validating: bytes, as: UTF8.self) != nil
    }
}
