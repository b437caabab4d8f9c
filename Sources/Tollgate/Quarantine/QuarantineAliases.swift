/// The optional dead-letter header sets of other Kafka tooling, written next to Tollgate's own record.
///
/// Names and encodings follow the originals:
/// - Kafka Connect, `org.apache.kafka.connect.runtime.errors.DeadLetterQueueReporter`
///   (`errors.deadletterqueue.context.headers.enable`): every value is UTF-8 text, numbers in decimal;
///   without a consumer record Connect writes topic "", partition -1 and offset -1.
/// - Spring for Apache Kafka, `KafkaHeaders.DLT_*` as `DeadLetterPublishingRecoverer` writes them:
///   partition a 4-byte big-endian int, offset and timestamp 8-byte big-endian longs, everything else
///   UTF-8 text.
enum QuarantineAliases {
    static let connectPrefix = "__connect.errors."
    static let springPrefix = "kafka_dlt-"

    /// Stands in for Connect's executing class (`__connect.errors.class.name`).
    static let executingClassName = "tollgate.Pipeline"

    /// Stands in for the Java exception class both sets name.
    static func exceptionClassName(for reason: QuarantineReason) -> String {
        switch reason {
        case .malformedJSON: return "tollgate.MalformedJSON"
        case .unknownSchema: return "tollgate.UnknownSchema"
        case .schemaViolation: return "tollgate.SchemaViolation"
        case .tooLarge: return "tollgate.TooLarge"
        case .tooDeep: return "tollgate.TooDeep"
        case .rule: return "tollgate.RuleViolation"
        }
    }

    /// Connect's stage: the value converter is where Connect itself fails on bytes that are not JSON.
    static func connectStage(for reason: QuarantineReason) -> String {
        reason == .malformedJSON ? "VALUE_CONVERTER" : "TRANSFORMATION"
    }

    static func kafkaConnect(message: Message, reason: QuarantineReason, verdict: Verdict,
                             options: QuarantineOptions) -> [MessageHeader]
    {
        var topic = ""
        var partition = "-1"
        var offset = "-1"
        if case .kafka(let t, let p, let o, _) = message.origin {
            topic = t
            partition = String(p)
            offset = String(o)
        }
        let cap = max(options.errorsCapBytes, QuarantineErrorsHeader.minimumCap)
        return [
            MessageHeader(name: connectPrefix + "topic", string: topic),
            MessageHeader(name: connectPrefix + "partition", string: partition),
            MessageHeader(name: connectPrefix + "offset", string: offset),
            MessageHeader(name: connectPrefix + "connector.name", string: options.connectorName),
            MessageHeader(name: connectPrefix + "task.id", string: String(options.connectTaskID)),
            MessageHeader(name: connectPrefix + "stage", string: connectStage(for: reason)),
            MessageHeader(name: connectPrefix + "class.name", string: executingClassName),
            MessageHeader(name: connectPrefix + "exception.class.name", string: exceptionClassName(for: reason)),
            MessageHeader(name: connectPrefix + "exception.message", string: exceptionMessage(reason, verdict, cap: cap)),
            MessageHeader(name: connectPrefix + "exception.stacktrace", string: stackTrace(reason, verdict, cap: cap)),
        ]
    }

    static func spring(message: Message, reason: QuarantineReason, verdict: Verdict,
                       options: QuarantineOptions) -> [MessageHeader]
    {
        var headers: [MessageHeader] = []
        if case .kafka(let topic, let partition, let offset, let group) = message.origin {
            headers.append(MessageHeader(name: springPrefix + "original-topic", string: topic))
            headers.append(MessageHeader(name: springPrefix + "original-partition", value: bigEndian(partition)))
            headers.append(MessageHeader(name: springPrefix + "original-offset", value: bigEndian(offset)))
            // Spring copies ConsumerRecord.timestamp(), which is -1 with NoTimestampType when absent.
            headers.append(MessageHeader(name: springPrefix + "original-timestamp", value: bigEndian(message.timestamp ?? -1)))
            headers.append(MessageHeader(name: springPrefix + "original-timestamp-type",
                                         string: message.timestamp == nil ? "NoTimestampType" : "CreateTime"))
            if let group {
                headers.append(MessageHeader(name: springPrefix + "original-consumer-group", string: group))
            }
        }
        let cap = max(options.errorsCapBytes, QuarantineErrorsHeader.minimumCap)
        headers.append(MessageHeader(name: springPrefix + "exception-fqcn", string: exceptionClassName(for: reason)))
        headers.append(MessageHeader(name: springPrefix + "exception-message", string: exceptionMessage(reason, verdict, cap: cap)))
        headers.append(MessageHeader(name: springPrefix + "exception-stacktrace", string: stackTrace(reason, verdict, cap: cap)))
        return headers
    }

    /// One line: the reason, the first error and how many more there are.
    static func exceptionMessage(_ reason: QuarantineReason, _ verdict: Verdict, cap: Int) -> String {
        var text = reason.description
        if let first = verdict.details.first {
            text += ": " + describe(first)
            if verdict.details.count > 1 { text += " (and \(verdict.details.count - 1) more)" }
        }
        return truncated(text, toUTF8Bytes: cap)
    }

    /// Java's `printStackTrace` shape, one "frame" per error: readers that show a stack trace show
    /// the error list.
    static func stackTrace(_ reason: QuarantineReason, _ verdict: Verdict, cap: Int) -> String {
        var text = truncated(exceptionClassName(for: reason) + ": " + exceptionMessage(reason, verdict, cap: cap),
                             toUTF8Bytes: cap / 2) + "\n"
        for (index, detail) in verdict.details.enumerated() {
            let location = detail.instanceLocation.isEmpty ? "(document)" : detail.instanceLocation
            let line = "\tat \(location) [\(detail.keywordLocation)]: \(detail.message)\n"
            let remaining = verdict.details.count - index - 1
            let reserve = remaining > 0 ? "\t... \(remaining) more\n".utf8.count : 0
            if text.utf8.count + line.utf8.count + reserve > cap {
                text += "\t... \(verdict.details.count - index) more\n"
                break
            }
            text += line
        }
        return text
    }

    private static func describe(_ detail: RejectionDetail) -> String {
        detail.instanceLocation.isEmpty ? detail.message : "\(detail.instanceLocation): \(detail.message)"
    }

    /// `text` cut at a scalar boundary to at most `limit` UTF-8 bytes, ending with "…" when cut.
    static func truncated(_ text: String, toUTF8Bytes limit: Int) -> String {
        if text.utf8.count <= limit { return text }
        var kept = String.UnicodeScalarView()
        var used = 0
        for scalar in text.unicodeScalars {
            let n = String(scalar).utf8.count
            if used + n > limit - 3 { break }
            used += n
            kept.append(scalar)
        }
        return String(kept) + "…"
    }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }
}
