/// A quarantine record read back from a message's headers, as ``QuarantineRecord`` wrote it: what
/// replay and tests use to see why a message was quarantined and where it came from.
///
/// Only `tollgate.*` headers are read (the alias sets are for other tools). When a header appears
/// more than once, the last one counts, as Kafka clients' `lastHeader` does.
public struct DecodedQuarantine: Sendable, Hashable {
    /// `tollgate.reason`.
    public var reason: QuarantineReason
    /// The entries of `tollgate.errors`, without the closing "N more errors not shown" entry (empty
    /// when the header is missing or not a JSON array).
    public var errors: [RejectionDetail]
    /// The N of a closing "N more errors not shown" entry: errors left out to respect the cap.
    public var omittedErrorCount: Int
    /// `tollgate.schema`: the `subject/version` applied, when one was.
    public var schema: String?
    /// The coordinates from `tollgate.source.*`: `.kafka` when topic, partition and offset are all
    /// present and well-formed, `.rabbitMQ` when exchange, routing key, queue and delivery tag are,
    /// `.none` otherwise.
    public var origin: MessageOrigin
    /// `tollgate.source.timestamp`: the original message's time, in milliseconds since the Unix epoch.
    public var sourceTimestamp: Int64?
    /// `tollgate.quarantined-at`, in milliseconds since the Unix epoch (`nil` when missing or not an
    /// RFC 3339 time).
    public var quarantinedAt: UInt64?

    public init(reason: QuarantineReason, errors: [RejectionDetail] = [], omittedErrorCount: Int = 0,
                schema: String? = nil, origin: MessageOrigin = .none, sourceTimestamp: Int64? = nil,
                quarantinedAt: UInt64? = nil)
    {
        self.reason = reason
        self.errors = errors
        self.omittedErrorCount = omittedErrorCount
        self.schema = schema
        self.origin = origin
        self.sourceTimestamp = sourceTimestamp
        self.quarantinedAt = quarantinedAt
    }

    /// Reads the record from `headers`; `nil` when there is no `tollgate.reason` header or its value is
    /// not a known reason. Other fields are read when present and well-formed, and left empty otherwise.
    public init?(headers: [MessageHeader]) {
        func text(_ name: String) -> String? { headers.last { $0.name == name }?.stringValue }
        func source(_ field: String) -> String? { text(QuarantineRecord.sourceHeaderPrefix + field) }

        guard let reasonText = text(QuarantineRecord.reasonHeader),
              let reason = QuarantineReason(headerValue: reasonText)
        else { return nil }
        self.reason = reason

        if let errorsValue = headers.last(where: { $0.name == QuarantineRecord.errorsHeader })?.value,
           let decoded = QuarantineErrorsHeader.decode(errorsValue)
        {
            errors = decoded.details
            omittedErrorCount = decoded.omitted
        } else {
            errors = []
            omittedErrorCount = 0
        }
        schema = text(QuarantineRecord.schemaHeader)
        quarantinedAt = text(QuarantineRecord.quarantinedAtHeader).flatMap(RFC3339Time.parse)
        sourceTimestamp = source("timestamp").flatMap { Int64($0) }

        if let topic = source("topic"), let partition = source("partition").flatMap({ Int32($0) }),
           let offset = source("offset").flatMap({ Int64($0) })
        {
            origin = .kafka(topic: topic, partition: partition, offset: offset, group: source("group"))
        } else if let exchange = source("exchange"), let routingKey = source("routing-key"), let queue = source("queue"),
                  let deliveryTag = source("delivery-tag").flatMap({ UInt64($0) })
        {
            origin = .rabbitMQ(exchange: exchange, routingKey: routingKey, queue: queue, deliveryTag: deliveryTag)
        } else {
            origin = .none
        }
    }

    /// The verdict this record describes (without shadow rejections, which are not recorded).
    public var verdict: Verdict {
        Verdict(outcome: .quarantined(reason), schema: schema, details: errors)
    }
}
