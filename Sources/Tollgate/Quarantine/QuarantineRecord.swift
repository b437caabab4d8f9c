/// The headers Tollgate writes on a quarantined message, and on an approved one, identical for every
/// broker.
///
/// A quarantined message keeps its key and value bytes and its own headers; Tollgate appends:
///
/// | header | value |
/// | --- | --- |
/// | `tollgate.reason` | `schema-violation`, `malformed-json`, `unknown-schema`, `too-large`, `too-deep`, `rule:<name>` |
/// | `tollgate.errors` | compact JSON array of `{instanceLocation, keywordLocation, message}`, capped |
/// | `tollgate.schema` | `subject/version`, when a schema was applied |
/// | `tollgate.source.*` | Kafka: `topic`, `partition`, `offset`, `timestamp`, `group`; RabbitMQ: `exchange`, `routing-key`, `queue`, `delivery-tag` |
/// | `tollgate.quarantined-at` | RFC 3339 UTC time with milliseconds |
///
/// plus, on request, Kafka Connect's and Spring's dead-letter header sets (``QuarantineOptions``).
/// Quarantining a message again (say, one replayed from a quarantine topic) replaces the earlier
/// record instead of stacking a second one. Read a record back with ``DecodedQuarantine``.
public enum QuarantineRecord {
    /// Every Tollgate record header starts with this; earlier ones are removed on re-quarantine.
    public static let headerPrefix = "tollgate."
    /// Why: a ``QuarantineReason`` as text.
    public static let reasonHeader = "tollgate.reason"
    /// The capped JSON array of errors.
    public static let errorsHeader = "tollgate.errors"
    /// The `subject/version` applied; also written on approved messages.
    public static let schemaHeader = "tollgate.schema"
    /// When the message was quarantined, RFC 3339 UTC with milliseconds.
    public static let quarantinedAtHeader = "tollgate.quarantined-at"
    /// Prefix of the source coordinates: `tollgate.source.topic`, `tollgate.source.queue`, ...
    public static let sourceHeaderPrefix = "tollgate.source."

    /// The headers of the quarantined copy of `message`: its own headers, in order, without any
    /// earlier Tollgate record (and without earlier alias headers of the sets `options` turns on),
    /// followed by this record's headers.
    ///
    /// - Parameters:
    ///   - message: the message as it arrived (its key and value are not touched).
    ///   - verdict: the verdict that quarantined it. An approved verdict gets
    ///     ``approvedHeaders(for:verdict:)`` instead, since there is no reason to record.
    ///   - quarantinedAt: milliseconds since the Unix epoch; a parameter so callers (and tests) decide
    ///     the clock.
    ///   - options: the errors cap and the alias header sets. Default: `QuarantineOptions()`.
    public static func headers(for message: Message, verdict: Verdict, quarantinedAt: UInt64,
                               options: QuarantineOptions = QuarantineOptions()) -> [MessageHeader]
    {
        guard let reason = verdict.reason else { return approvedHeaders(for: message, verdict: verdict) }
        var headers = message.headers.filter { header in
            !header.name.hasPrefix(headerPrefix)
                && !(options.kafkaConnectAliases && header.name.hasPrefix(QuarantineAliases.connectPrefix))
                && !(options.springAliases && header.name.hasPrefix(QuarantineAliases.springPrefix))
        }
        headers.append(MessageHeader(name: reasonHeader, string: reason.description))
        headers.append(MessageHeader(name: errorsHeader,
                                     string: QuarantineErrorsHeader.encode(verdict.details, cap: options.errorsCapBytes)))
        if let schema = verdict.schema {
            headers.append(MessageHeader(name: schemaHeader, string: schema))
        }
        headers.append(contentsOf: sourceHeaders(for: message))
        headers.append(MessageHeader(name: quarantinedAtHeader, string: RFC3339Time.format(milliseconds: quarantinedAt)))
        if options.kafkaConnectAliases {
            headers.append(contentsOf: QuarantineAliases.kafkaConnect(message: message, reason: reason, verdict: verdict,
                                                                      options: options))
        }
        if options.springAliases {
            headers.append(contentsOf: QuarantineAliases.spring(message: message, reason: reason, verdict: verdict,
                                                                options: options))
        }
        return headers
    }

    /// The headers of an approved message forwarded onward: its own headers unchanged, except that
    /// earlier `tollgate.*` headers are dropped (a message replayed from a quarantine topic must not
    /// carry its old `tollgate.reason` onward, and an old `tollgate.schema` would name a schema this
    /// pass did not apply), followed by `tollgate.schema` when `verdict` names the schema applied.
    public static func approvedHeaders(for message: Message, verdict: Verdict) -> [MessageHeader] {
        var headers = message.headers.filter { !$0.name.hasPrefix(headerPrefix) }
        if let schema = verdict.schema {
            headers.append(MessageHeader(name: schemaHeader, string: schema))
        }
        return headers
    }

    /// `tollgate.source.*` for the message's origin; values as decimal text.
    static func sourceHeaders(for message: Message) -> [MessageHeader] {
        switch message.origin {
        case .kafka(let topic, let partition, let offset, let group):
            var headers = [
                MessageHeader(name: sourceHeaderPrefix + "topic", string: topic),
                MessageHeader(name: sourceHeaderPrefix + "partition", string: String(partition)),
                MessageHeader(name: sourceHeaderPrefix + "offset", string: String(offset)),
            ]
            if let timestamp = message.timestamp {
                headers.append(MessageHeader(name: sourceHeaderPrefix + "timestamp", string: String(timestamp)))
            }
            if let group {
                headers.append(MessageHeader(name: sourceHeaderPrefix + "group", string: group))
            }
            return headers
        case .rabbitMQ(let exchange, let routingKey, let queue, let deliveryTag):
            return [
                MessageHeader(name: sourceHeaderPrefix + "exchange", string: exchange),
                MessageHeader(name: sourceHeaderPrefix + "routing-key", string: routingKey),
                MessageHeader(name: sourceHeaderPrefix + "queue", string: queue),
                MessageHeader(name: sourceHeaderPrefix + "delivery-tag", string: String(deliveryTag)),
            ]
        case .none:
            return []
        }
    }
}
