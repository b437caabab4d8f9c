import Dispatch
import TollgateSchema

extension ReplayReport {
    // MARK: JSON

    /// The report as JSON, with a fixed member order (the same input gives byte-identical text).
    public var jsonValue: JSONValue {
        func count(_ n: Int) -> JSONValue { .number(JSONNumber(n)) }
        func origin(_ origin: MessageOrigin) -> JSONValue {
            switch origin {
            case .kafka(let topic, let partition, let offset, let group):
                var members: [(key: String, value: JSONValue)] = [("topic", .string(topic)), ("partition", count(Int(partition))),
                                                                  ("offset", .number(JSONNumber(offset)))]
                if let group { members.append(("group", .string(group))) }
                return .object(JSONObject(members))
            case .rabbitMQ(let exchange, let routingKey, let queue, let tag):
                return .object(JSONObject([("exchange", .string(exchange)), ("routingKey", .string(routingKey)),
                                           ("queue", .string(queue)), ("deliveryTag", .number(JSONNumber(negative: false, significand: tag, exponent: 0)))]))
            case .none:
                return .null
            }
        }
        return .object(JSONObject([
            ("captures", .array(captures.map { .string($0) })),
            ("total", count(total)),
            ("approved", count(approved)),
            ("quarantined", count(quarantined)),
            ("byReason", .array(byReason.map { .object(JSONObject([("reason", .string($0.reason)), ("count", count($0.count))])) })),
            ("bySchema", .array(bySchema.map {
                .object(JSONObject([("schema", $0.schema.map(JSONValue.string) ?? .null), ("approved", count($0.approved)),
                                    ("quarantined", count($0.quarantined))]))
            })),
            ("topKeywordLocations", .array(topKeywordLocations.map { .object(JSONObject([("keywordLocation", .string($0.location)), ("count", count($0.count))])) })),
            ("topInstanceLocations", .array(topInstanceLocations.map { .object(JSONObject([("instanceLocation", .string($0.location)), ("count", count($0.count))])) })),
            ("shadowRejections", .array(shadowRejections.map { .object(JSONObject([("rule", .string($0.rule)), ("count", count($0.count))])) })),
            ("quarantinedMessages", .array(quarantinedMessages.map { message in
                .object(JSONObject([
                    ("capture", .string(message.capture)),
                    ("origin", origin(message.origin)),
                    ("reason", .string(message.reason.description)),
                    ("schema", message.schema.map(JSONValue.string) ?? .null),
                    ("errors", .array(message.details.map {
                        .object(JSONObject([("instanceLocation", .string($0.instanceLocation)),
                                            ("keywordLocation", .string($0.keywordLocation)), ("message", .string($0.message))]))
                    })),
                ]))
            })),
            ("captureErrors", .array(captureErrors.map { .string($0) })),
        ]))
    }

    /// The report as pretty-printed JSON text: exactly ``jsonValue``'s
    /// `serializedBytes(pretty: true)`, written straight into bytes. A replay's report lists every
    /// quarantined message, and building the ``JSONValue`` tree of a large one first takes longer
    /// than the writing.
    public func jsonBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        writeJSON { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Hands ``jsonBytes()``'s text to `write` in pieces, in order, without copying it into one
    /// array, e.g. to write a large report to a file. A report with many quarantined messages has
    /// them rendered on two threads.
    public func writeJSON(_ write: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        var head = PrettyJSON(capacity: 4096 + captureErrors.count * 128)
        head.out.append(UInt8(ascii: "{"))
        head.member("captures", first: true)
        head.array(captures, indent: 1) { json, capture in json.string(capture) }
        head.member("total"); head.integer(total)
        head.member("approved"); head.integer(approved)
        head.member("quarantined"); head.integer(quarantined)
        head.counts("byReason", key: "reason", byReason.map { ($0.reason, $0.count) })
        head.member("bySchema")
        head.array(bySchema, indent: 1) { json, counts in
            json.object(indent: 2) { json in
                json.member("schema", indent: 3, first: true); json.optionalString(counts.schema)
                json.member("approved", indent: 3); json.integer(counts.approved)
                json.member("quarantined", indent: 3); json.integer(counts.quarantined)
            }
        }
        head.counts("topKeywordLocations", key: "keywordLocation", topKeywordLocations.map { ($0.location, $0.count) })
        head.counts("topInstanceLocations", key: "instanceLocation", topInstanceLocations.map { ($0.location, $0.count) })
        head.counts("shadowRejections", key: "rule", shadowRejections.map { ($0.rule, $0.count) })
        head.member("quarantinedMessages")
        head.out.append(quarantinedMessages.isEmpty ? "[]" : "[")
        try head.out.withBytes(write)

        // The messages, as the array's elements: on two threads when there are many.
        let count = quarantinedMessages.count
        let parts = count >= 2048 ? 2 : 1
        let rendered = UnsafeMutablePointer<PrettyJSON>.allocate(capacity: parts)
        defer {
            rendered.deinitialize(count: parts)
            rendered.deallocate()
        }
        let bounds = (0...parts).map { count * $0 / parts }
        let render = { (part: Int) in
            var json = PrettyJSON(capacity: 1024 + (bounds[part + 1] - bounds[part]) * 512)
            for index in bounds[part]..<bounds[part + 1] {
                if index > 0 { json.out.append(UInt8(ascii: ",")) }
                json.newline(2)
                json.message(quarantinedMessages[index])
            }
            (rendered + part).initialize(to: json)
        }
        if parts == 1 {
            render(0)
        } else {
            // Each part writes its own slot of `rendered`.
            let slots = UncheckedSendableRender(render)
            DispatchQueue.concurrentPerform(iterations: parts) { slots.render($0) }
        }
        for part in 0..<parts { try rendered[part].out.withBytes(write) }

        var tail = PrettyJSON(capacity: 1024 + captureErrors.count * 128)
        if !quarantinedMessages.isEmpty {
            tail.newline(1)
            tail.out.append(UInt8(ascii: "]"))
        }
        tail.member("captureErrors")
        tail.array(captureErrors, indent: 1) { json, error in json.string(error) }
        tail.newline(0)
        tail.out.append(UInt8(ascii: "}"))
        try tail.out.withBytes(write)
    }

    // MARK: Text

    /// A readable report: summary, counts, frequent failure locations, then each quarantined message.
    public func text(maxListed: Int = 100) -> String {
        var out = "Replayed \(captures.joined(separator: ", "))\n\(summary)\n"
        if !bySchema.isEmpty {
            out += "\nBy schema:\n"
            for counts in bySchema {
                out += "  \(pad(counts.schema ?? "(none selected)", 24)) \(counts.approved) approved, \(counts.quarantined) quarantined\n"
            }
        }
        if !byReason.isEmpty {
            out += "\nBy reason:\n"
            for (reason, count) in byReason { out += "  \(pad(reason, 24)) \(count)\n" }
        }
        if !topKeywordLocations.isEmpty {
            out += "\nMost frequent failing keywords:\n"
            for (location, count) in topKeywordLocations { out += "  \(pad(String(count), 8)) \(location)\n" }
            out += "\nMost frequent failing instance locations:\n"
            for (location, count) in topInstanceLocations { out += "  \(pad(String(count), 8)) \(location)\n" }
        }
        if !shadowRejections.isEmpty {
            out += "\nShadow rules (not enforced) would have rejected:\n"
            for (rule, count) in shadowRejections { out += "  \(pad(rule, 24)) \(count)\n" }
        }
        if !quarantinedMessages.isEmpty {
            out += "\nQuarantined messages:\n"
            for message in quarantinedMessages.prefix(maxListed) {
                let coordinates = message.origin.coordinates.map { " \($0)" } ?? ""
                let first = message.details.first.map { ": \($0.instanceLocation.isEmpty ? "" : $0.instanceLocation + " ")\($0.message)" } ?? ""
                let more = message.details.count > 1 ? " (+\(message.details.count - 1) more)" : ""
                out += "  \(message.capture)\(coordinates) \(message.reason)\(message.schema.map { " [\($0)]" } ?? "")\(first)\(more)\n"
            }
            if quarantinedMessages.count > maxListed {
                out += "  ... and \(quarantinedMessages.count - maxListed) more (use --report json for all of them)\n"
            }
        }
        if !captureErrors.isEmpty {
            out += "\nUnreadable capture lines:\n"
            for error in captureErrors.prefix(maxListed) { out += "  \(error)\n" }
        }
        return out
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    // MARK: JUnit

    /// JUnit XML that CI systems display: one test suite per replay, one test case per schema
    /// version (plus one for messages that selected no schema). A case fails when any of its
    /// messages was quarantined; its failure lists them (up to `maxListed`). Per schema rather
    /// than per message keeps the report small for captures of any size. Unreadable capture lines
    /// are one more failing case, "capture".
    public func junit(maxListed: Int = 100) -> String {
        var cases: [(name: String, failure: (message: String, body: String)?)] = []
        for counts in bySchema {
            let name = counts.schema ?? "(no schema selected)"
            guard counts.quarantined > 0 else {
                cases.append((name, nil))
                continue
            }
            let listed = quarantinedMessages.filter { $0.schema == counts.schema }
            var body = ""
            for message in listed.prefix(maxListed) {
                let coordinates = message.origin.coordinates.map { " \($0)" } ?? ""
                body += "\(message.capture)\(coordinates): \(message.reason)\n"
                for detail in message.details.prefix(10) {
                    body += "  \(detail.instanceLocation.isEmpty ? "/" : detail.instanceLocation): \(detail.message) (\(detail.keywordLocation.isEmpty ? "/" : detail.keywordLocation))\n"
                }
            }
            if listed.count > maxListed { body += "... and \(listed.count - maxListed) more\n" }
            cases.append((name, ("\(counts.quarantined) of \(counts.approved + counts.quarantined) messages quarantined", body)))
        }
        if !captureErrors.isEmpty {
            cases.append(("capture", ("\(captureErrors.count) capture lines could not be read",
                                      captureErrors.prefix(maxListed).joined(separator: "\n") + "\n")))
        }
        let failures = cases.filter { $0.failure != nil }.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"tollgate replay\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\">\n"
        xml += "  <testsuite name=\"\(escape(captures.joined(separator: ", ")))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"0\">\n"
        xml += "    <properties>\n"
        xml += "      <property name=\"messages\" value=\"\(total)\"/>\n"
        xml += "      <property name=\"approved\" value=\"\(approved)\"/>\n"
        xml += "      <property name=\"quarantined\" value=\"\(quarantined)\"/>\n"
        xml += "    </properties>\n"
        for (name, failure) in cases {
            if let failure {
                xml += "    <testcase classname=\"tollgate.replay\" name=\"\(escape(name))\">\n"
                xml += "      <failure message=\"\(escape(failure.message))\" type=\"quarantined\">\(escape(failure.body))</failure>\n"
                xml += "    </testcase>\n"
            } else {
                xml += "    <testcase classname=\"tollgate.replay\" name=\"\(escape(name))\"/>\n"
            }
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    /// XML text and attribute escaping; characters XML 1.0 cannot hold become U+FFFD.
    private func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                let allowed = (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
                out.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return out
    }
}

/// The pretty layout of ``JSONValue/serializedBytes(pretty:)``, written piece by piece: two spaces
/// per level, `"name": value`, `[]` for an empty array.
private struct PrettyJSON: ~Copyable {
    var out: JSONTextBuffer

    init(capacity: Int) { out = JSONTextBuffer(capacity: capacity) }

    mutating func newline(_ indent: Int) {
        out.append(UInt8(ascii: "\n"))
        out.appendSpaces(indent * 2)
    }

    /// `{`, the members `body` writes (each starting with ``member(_:indent:first:)``), `}`.
    mutating func object(indent: Int = 0, _ body: (inout PrettyJSON) -> Void) {
        out.append(UInt8(ascii: "{"))
        body(&self)
        newline(indent)
        out.append(UInt8(ascii: "}"))
    }

    /// A member's name, on a new line after a comma unless it is the first.
    mutating func member(_ name: StaticString, indent: Int = 1, first: Bool = false) {
        if !first { out.append(UInt8(ascii: ",")) }
        newline(indent)
        // Member names are plain words: quoted as they are.
        out.append(UInt8(ascii: "\""))
        out.append(name)
        out.append("\": ")
    }

    /// An array of `elements` at nesting level `indent` (of the array itself), each written by `element`.
    mutating func array<C: Collection>(_ elements: C, indent: Int, _ element: (inout PrettyJSON, C.Element) -> Void) {
        if elements.isEmpty {
            out.append("[]")
            return
        }
        out.append(UInt8(ascii: "["))
        var first = true
        for value in elements {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            newline(indent + 1)
            element(&self, value)
        }
        newline(indent)
        out.append(UInt8(ascii: "]"))
    }

    /// A top-level member `name` listing `{key: text, "count": n}` objects.
    mutating func counts(_ name: StaticString, key: StaticString, _ entries: [(String, Int)]) {
        member(name)
        array(entries, indent: 1) { json, entry in
            json.object(indent: 2) { json in
                json.member(key, indent: 3, first: true); json.string(entry.0)
                json.member("count", indent: 3); json.integer(entry.1)
            }
        }
    }

    mutating func string(_ text: String) { out.appendString(text) }

    mutating func optionalString(_ text: String?) {
        if let text { string(text) } else { out.append("null") }
    }

    mutating func integer(_ n: Int) { out.appendInteger(n) }

    /// One entry of `quarantinedMessages`.
    mutating func message(_ message: ReplayReport.QuarantinedMessage) {
        object(indent: 2) { json in
            json.member("capture", indent: 3, first: true); json.string(message.capture)
            json.member("origin", indent: 3)
            switch message.origin {
            case .kafka(let topic, let partition, let offset, let group):
                json.object(indent: 3) { json in
                    json.member("topic", indent: 4, first: true); json.string(topic)
                    json.member("partition", indent: 4); json.integer(Int(partition))
                    json.member("offset", indent: 4); json.integer(Int(offset))
                    if let group { json.member("group", indent: 4); json.string(group) }
                }
            case .rabbitMQ(let exchange, let routingKey, let queue, let tag):
                json.object(indent: 3) { json in
                    json.member("exchange", indent: 4, first: true); json.string(exchange)
                    json.member("routingKey", indent: 4); json.string(routingKey)
                    json.member("queue", indent: 4); json.string(queue)
                    json.member("deliveryTag", indent: 4); var text = String(tag); text.withUTF8 { json.out.append($0) }
                }
            case .none:
                json.out.append("null")
            }
            json.member("reason", indent: 3); json.string(message.reason.description)
            json.member("schema", indent: 3); json.optionalString(message.schema)
            json.member("errors", indent: 3)
            json.array(message.details, indent: 3) { json, detail in
                json.object(indent: 4) { json in
                    json.member("instanceLocation", indent: 5, first: true); json.string(detail.instanceLocation)
                    json.member("keywordLocation", indent: 5); json.string(detail.keywordLocation)
                    json.member("message", indent: 5); json.string(detail.message)
                }
            }
        }
    }
}

/// Hands the rendering of a part of the report to `concurrentPerform`.
///
/// `@unchecked Sendable`: each iteration renders from the report (a `Sendable` value) into its own
/// slot of a buffer that outlives the call and is read only after it.
private struct UncheckedSendableRender: @unchecked Sendable {
    let render: (Int) -> Void
    init(_ render: @escaping (Int) -> Void) { self.render = render }
}
