/// How ``QuarantineRecord`` writes the headers of a quarantined message.
public struct QuarantineOptions: Sendable, Hashable {
    /// The most bytes the `tollgate.errors` header may take; longer lists are cut and end with a
    /// "N more errors not shown" entry. Also caps the exception message and stack trace of the alias
    /// header sets. Values below 256 are treated as 256.
    ///
    /// Default: 4096.
    public var errorsCapBytes: Int

    /// Also writes Kafka Connect's dead-letter-queue context headers (`__connect.errors.*`), so
    /// tooling built for Connect DLQs can read Tollgate's quarantine.
    ///
    /// Default: `false`.
    public var kafkaConnectAliases: Bool

    /// Also writes Spring for Apache Kafka's dead-letter headers (`kafka_dlt-*`, with Spring's binary
    /// encodings), so tooling built for `DeadLetterPublishingRecoverer` topics can read Tollgate's
    /// quarantine.
    ///
    /// Default: `false`.
    public var springAliases: Bool

    /// The `__connect.errors.connector.name` value when ``kafkaConnectAliases`` is on.
    ///
    /// Default: `"tollgate"`.
    public var connectorName: String

    /// The `__connect.errors.task.id` value when ``kafkaConnectAliases`` is on.
    ///
    /// Default: 0.
    public var connectTaskID: Int

    public init(errorsCapBytes: Int = 4096, kafkaConnectAliases: Bool = false, springAliases: Bool = false,
                connectorName: String = "tollgate", connectTaskID: Int = 0)
    {
        self.errorsCapBytes = errorsCapBytes
        self.kafkaConnectAliases = kafkaConnectAliases
        self.springAliases = springAliases
        self.connectorName = connectorName
        self.connectTaskID = connectTaskID
    }
}
