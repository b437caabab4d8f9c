import Foundation
import Tollgate

/// A value in an AMQP 0-9-1 field table (message headers, queue arguments), with every type
/// RabbitMQ sends or accepts. The type codes are RabbitMQ's (and rabbitmq-c's): `s` is a signed
/// 16-bit integer, `l` a signed 64-bit one, `x` a byte array.
public indirect enum AMQPValue: Sendable, Hashable {
    case boolean(Bool)
    case int8(Int8)
    case uint8(UInt8)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case float(Float)
    case double(Double)
    /// `value` × 10^-`scale`.
    case decimal(scale: UInt8, value: UInt32)
    /// A long string (`S`): bytes, usually UTF-8 text.
    case string([UInt8])
    case bytes([UInt8])
    /// Seconds since the Unix epoch.
    case timestamp(UInt64)
    case array([AMQPValue])
    case table(AMQPTable)
    case void

    public static func string(_ text: String) -> AMQPValue { .string(Array(text.utf8)) }

    /// The value as the bytes of a Tollgate ``MessageHeader``: strings and byte arrays as they are,
    /// numbers and booleans as their decimal text, a timestamp as seconds, tables and arrays as
    /// compact JSON. `nil` for void.
    public var headerBytes: [UInt8]? {
        switch self {
        case .string(let bytes), .bytes(let bytes): return bytes
        case .void: return nil
        default: return Array(text.utf8)
        }
    }

    private var text: String {
        switch self {
        case .boolean(let v): return v ? "true" : "false"
        case .int8(let v): return String(v)
        case .uint8(let v): return String(v)
        case .int16(let v): return String(v)
        case .uint16(let v): return String(v)
        case .int32(let v): return String(v)
        case .uint32(let v): return String(v)
        case .int64(let v): return String(v)
        case .uint64(let v): return String(v)
        case .float(let v): return v.isFinite ? String(v) : "null"
        case .double(let v): return v.isFinite ? String(v) : "null"
        case .decimal(let scale, let value):
            var digits = String(value)
            guard scale > 0 else { return digits }
            if digits.count <= Int(scale) { digits = String(repeating: "0", count: Int(scale) - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -Int(scale)))
            return digits
        case .timestamp(let v): return String(v)
        case .string(let bytes), .bytes(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .void: return "null"
        case .array, .table:
            var out: [UInt8] = []
            appendJSON(to: &out)
            return String(decoding: out, as: UTF8.self)
        }
    }

    private func appendJSON(to out: inout [UInt8]) {
        switch self {
        case .string(let bytes), .bytes(let bytes): Self.appendJSONString(bytes, to: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (i, v) in values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.appendJSON(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .table(let table):
            out.append(UInt8(ascii: "{"))
            for (i, entry) in table.entries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.appendJSONString(Array(entry.name.utf8), to: &out)
                out.append(UInt8(ascii: ":"))
                entry.value.appendJSON(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        default: out.append(contentsOf: text.utf8)
        }
    }

    private static func appendJSONString(_ bytes: [UInt8], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: "\\\"".utf8)
            case "\\": out.append(contentsOf: "\\\\".utf8)
            case "\n": out.append(contentsOf: "\\n".utf8)
            case "\r": out.append(contentsOf: "\\r".utf8)
            case "\t": out.append(contentsOf: "\\t".utf8)
            default:
                if scalar.value < 0x20 {
                    out.append(contentsOf: String(format: "\\u%04x", scalar.value).utf8)
                } else {
                    out.append(contentsOf: String(scalar).utf8)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// An AMQP field table: named values, in order (names may repeat on the wire; the last one wins
/// for lookups).
public struct AMQPTable: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var value: AMQPValue
        public init(name: String, value: AMQPValue) {
            self.name = name
            self.value = value
        }
    }

    public var entries: [Entry]

    public init(_ entries: [Entry] = []) { self.entries = entries }

    public init(dictionaryLiteral elements: (String, AMQPValue)...) {
        entries = elements.map { Entry(name: $0.0, value: $0.1) }
    }

    public subscript(name: String) -> AMQPValue? {
        entries.last { $0.name == name }?.value
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// The headers as a ``Message`` carries them (see ``AMQPValue/headerBytes``).
    public var messageHeaders: [MessageHeader] {
        entries.map { MessageHeader(name: $0.name, value: $0.value.headerBytes) }
    }

    /// The table to publish for `headers`: an entry of this table whose text form is unchanged keeps
    /// its AMQP type (so a message forwarded from RabbitMQ to RabbitMQ keeps its typed headers);
    /// every other header becomes a long string (or void for a null value).
    public func updated(to headers: [MessageHeader]) -> AMQPTable {
        var typed: [String: AMQPValue] = [:]
        for entry in entries { typed[entry.name] = entry.value }
        return AMQPTable(headers.map { header in
            if let original = typed[header.name], original.headerBytes == header.value {
                return Entry(name: header.name, value: original)
            }
            return Entry(name: header.name, value: header.value.map(AMQPValue.string) ?? .void)
        })
    }

    /// A table of long strings (or voids) for plain headers.
    public init(headers: [MessageHeader]) {
        self = AMQPTable().updated(to: headers)
    }
}

// MARK: Wire format

/// The AMQP 0-9-1 wire encoding of field tables, as RabbitMQ and rabbitmq-c use it.
enum AMQPTableCodec {
    struct DecodingError: Error, CustomStringConvertible {
        var description: String
    }

    /// The table's encoding, without the leading 32-bit length.
    static func encode(_ table: AMQPTable) -> [UInt8] {
        var out: [UInt8] = []
        for entry in table.entries {
            let name = Array(entry.name.utf8.prefix(255))
            out.append(UInt8(name.count))
            out.append(contentsOf: name)
            encode(entry.value, to: &out)
        }
        return out
    }

    /// The table's encoding after its 32-bit length, as it appears in a frame.
    static func encodeWithLength(_ table: AMQPTable) -> [UInt8] {
        let entries = encode(table)
        return withUnsafeBytes(of: UInt32(entries.count).bigEndian) { Array($0) } + entries
    }

    private static func encode(_ value: AMQPValue, to out: inout [UInt8]) {
        func be<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) } }
        switch value {
        case .boolean(let v): out.append(UInt8(ascii: "t")); out.append(v ? 1 : 0)
        case .int8(let v): out.append(UInt8(ascii: "b")); be(v)
        case .uint8(let v): out.append(UInt8(ascii: "B")); be(v)
        case .int16(let v): out.append(UInt8(ascii: "s")); be(v)
        case .uint16(let v): out.append(UInt8(ascii: "u")); be(v)
        case .int32(let v): out.append(UInt8(ascii: "I")); be(v)
        case .uint32(let v): out.append(UInt8(ascii: "i")); be(v)
        case .int64(let v): out.append(UInt8(ascii: "l")); be(v)
        case .uint64(let v): out.append(UInt8(ascii: "L")); be(v)
        case .float(let v): out.append(UInt8(ascii: "f")); be(v.bitPattern)
        case .double(let v): out.append(UInt8(ascii: "d")); be(v.bitPattern)
        case .decimal(let scale, let v): out.append(UInt8(ascii: "D")); out.append(scale); be(v)
        case .string(let bytes): out.append(UInt8(ascii: "S")); be(UInt32(bytes.count)); out.append(contentsOf: bytes)
        case .bytes(let bytes): out.append(UInt8(ascii: "x")); be(UInt32(bytes.count)); out.append(contentsOf: bytes)
        case .timestamp(let v): out.append(UInt8(ascii: "T")); be(v)
        case .void: out.append(UInt8(ascii: "V"))
        case .array(let values):
            out.append(UInt8(ascii: "A"))
            var inner: [UInt8] = []
            for v in values { encode(v, to: &inner) }
            be(UInt32(inner.count))
            out.append(contentsOf: inner)
        case .table(let table):
            out.append(UInt8(ascii: "F"))
            let inner = encode(table)
            be(UInt32(inner.count))
            out.append(contentsOf: inner)
        }
    }

    /// Decodes a table's entries (the bytes after its 32-bit length).
    static func decode(_ bytes: some Collection<UInt8>) throws(DecodingError) -> AMQPTable {
        var reader = Reader(bytes: Array(bytes))
        var entries: [AMQPTable.Entry] = []
        while !reader.atEnd {
            let length = Int(try reader.byte())
            let name = String(decoding: try reader.take(length), as: UTF8.self)
            entries.append(.init(name: name, value: try value(&reader)))
        }
        return AMQPTable(entries)
    }

    private struct Reader {
        var bytes: [UInt8]
        var index = 0
        var atEnd: Bool { index >= bytes.count }

        mutating func byte() throws(DecodingError) -> UInt8 {
            guard index < bytes.count else { throw DecodingError(description: "field table ends early") }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func take(_ count: Int) throws(DecodingError) -> [UInt8] {
            guard count >= 0, bytes.count - index >= count else { throw DecodingError(description: "field table ends early") }
            defer { index += count }
            return Array(bytes[index..<index + count])
        }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) throws(DecodingError) -> T {
            let raw = try take(MemoryLayout<T>.size)
            return raw.reduce(T.zero) { ($0 << 8) | T(truncatingIfNeeded: $1) }
        }
    }

    private static func value(_ reader: inout Reader) throws(DecodingError) -> AMQPValue {
        let kind = try reader.byte()
        switch kind {
        case UInt8(ascii: "t"): return .boolean(try reader.byte() != 0)
        case UInt8(ascii: "b"): return .int8(try reader.integer(Int8.self))
        case UInt8(ascii: "B"): return .uint8(try reader.integer(UInt8.self))
        case UInt8(ascii: "s"), UInt8(ascii: "U"): return .int16(try reader.integer(Int16.self))
        case UInt8(ascii: "u"): return .uint16(try reader.integer(UInt16.self))
        case UInt8(ascii: "I"): return .int32(try reader.integer(Int32.self))
        case UInt8(ascii: "i"): return .uint32(try reader.integer(UInt32.self))
        case UInt8(ascii: "l"): return .int64(try reader.integer(Int64.self))
        case UInt8(ascii: "L"): return .uint64(try reader.integer(UInt64.self))
        case UInt8(ascii: "f"): return .float(Float(bitPattern: try reader.integer(UInt32.self)))
        case UInt8(ascii: "d"): return .double(Double(bitPattern: try reader.integer(UInt64.self)))
        case UInt8(ascii: "D"):
            let scale = try reader.byte()
            return .decimal(scale: scale, value: try reader.integer(UInt32.self))
        case UInt8(ascii: "S"): return .string(try reader.take(Int(try reader.integer(UInt32.self))))
        case UInt8(ascii: "x"): return .bytes(try reader.take(Int(try reader.integer(UInt32.self))))
        case UInt8(ascii: "T"): return .timestamp(try reader.integer(UInt64.self))
        case UInt8(ascii: "V"): return .void
        case UInt8(ascii: "A"):
            var inner = Reader(bytes: try reader.take(Int(try reader.integer(UInt32.self))))
            var values: [AMQPValue] = []
            while !inner.atEnd { values.append(try value(&inner)) }
            return .array(values)
        case UInt8(ascii: "F"):
            return .table(try decode(try reader.take(Int(try reader.integer(UInt32.self)))))
        default:
            throw DecodingError(description: "unknown field type '\(Character(Unicode.Scalar(kind)))' in a field table")
        }
    }
}
