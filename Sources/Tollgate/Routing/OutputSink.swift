/// Which of a sidecar's two outputs a decided message goes to.
public enum OutputRoute: String, Sendable, Hashable {
    case approved
    case quarantine
}

/// A decided message on its way to an output: the message as consumed, and the headers to write
/// it with (its own, plus `tollgate.*` per the quarantine record, or `tollgate.schema` when approved).
public struct OutputRecord: Sendable {
    public var route: OutputRoute
    public var message: Message
    public var headers: [MessageHeader]
    /// What the source broker knows beyond ``Message`` (RabbitMQ's properties and typed headers),
    /// for a sink on the same kind of broker to forward unchanged; other sinks ignore it.
    public var native: (any Sendable)?

    public init(route: OutputRoute, message: Message, headers: [MessageHeader], native: (any Sendable)? = nil) {
        self.route = route
        self.message = message
        self.headers = headers
        self.native = native
    }

    /// The record for `message` and its verdict: approved ones keep their headers plus
    /// `tollgate.schema`; quarantined ones get the quarantine record's headers.
    public init(message: Message, verdict: Verdict, quarantine: QuarantineOptions, quarantinedAt: UInt64, native: (any Sendable)? = nil) {
        if verdict.isApproved {
            self.init(route: .approved, message: message, headers: QuarantineRecord.approvedHeaders(for: message, verdict: verdict), native: native)
        } else {
            self.init(route: .quarantine, message: message,
                      headers: QuarantineRecord.headers(for: message, verdict: verdict, quarantinedAt: quarantinedAt, options: quarantine),
                      native: native)
        }
    }
}

/// A write an output could not make. `retriable`: the same write may succeed later (a broker
/// restarting, a destination being recreated); otherwise it never will as configured.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public var retriable: Bool

    public init(_ description: String, retriable: Bool) {
        self.description = description
        self.retriable = retriable
    }
}

/// An output that confirms writes asynchronously: a broker producer or publisher the sidecar
/// writes approved and quarantined messages to, and settles an input only after its confirmation.
/// Broker adapters implement it, so a source on one broker can route to another.
public protocol OutputSink: AnyObject, Sendable {
    /// Starts the sink. `confirm` is called exactly once for every ``write(_:token:)`` (from any
    /// thread), with the token given there.
    func start(confirm: @escaping @Sendable (_ token: UInt64, _ result: Result<Void, OutputError>) -> Void) throws
    /// Queues a write; returns without waiting for the broker.
    func write(_ record: OutputRecord, token: UInt64)
    /// Whether the sink is connected and writing (for readiness probes).
    var isReady: Bool { get }
    /// Waits up to `timeout` for queued writes to be confirmed, then disconnects. Writes still
    /// unconfirmed are reported as failed.
    func close(timeout: Duration)
    /// A description for logs, without secrets.
    var description: String { get }
}

/// Two sinks as one: approved records go to one, quarantined records to the other (for routes on
/// different brokers).
public final class SplitSink: OutputSink {
    public let approved: any OutputSink
    public let quarantine: any OutputSink

    public init(approved: any OutputSink, quarantine: any OutputSink) {
        self.approved = approved
        self.quarantine = quarantine
    }

    public func start(confirm: @escaping @Sendable (UInt64, Result<Void, OutputError>) -> Void) throws {
        try approved.start(confirm: confirm)
        try quarantine.start(confirm: confirm)
    }

    public func write(_ record: OutputRecord, token: UInt64) {
        (record.route == .approved ? approved : quarantine).write(record, token: token)
    }

    public var isReady: Bool { approved.isReady && quarantine.isReady }

    public func close(timeout: Duration) {
        approved.close(timeout: timeout)
        quarantine.close(timeout: timeout)
    }

    public var description: String { "approved: \(approved.description); quarantine: \(quarantine.description)" }
}
