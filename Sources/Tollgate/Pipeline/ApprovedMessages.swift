import Synchronization

/// Where rejected messages go. A broker adapter writes them to a quarantine topic or exchange; tests
/// and embedding services can keep them in memory (``InMemoryQuarantine``).
///
/// Contract: `quarantine` returns only once the message is safely stored (the broker confirmed the
/// write); it throws when it cannot be, and the caller must then not treat the input as handled.
public protocol QuarantineSink: Sendable {
    func quarantine(_ message: Message, verdict: Verdict) async throws
}

/// A message the pipeline approved, with the verdict (the schema that was applied, shadow rules).
public struct ApprovedMessage: Sendable {
    public var message: Message
    public var verdict: Verdict
}

extension AsyncSequence where Element == Message, Self: Sendable {
    /// The approved messages of this sequence. Each rejected message is handed to `quarantine`
    /// first, and only then is the next message considered, so the order of the input is kept.
    ///
    /// ```swift
    /// for try await approved in consumer.messages.approved(by: pipeline, quarantine: sink) {
    ///     try await handle(approved.message)
    /// }
    /// ```
    ///
    /// - Parameter telemetry: when given, each verdict is counted and timed in the same metrics
    ///   `tollgate run` exports (``TollgateMetric``), and quarantined messages are logged at its
    ///   rate; bootstrap a swift-metrics backend to export them.
    public func approved(by pipeline: Pipeline, quarantine: some QuarantineSink, telemetry: RoutingTelemetry? = nil) -> ApprovedMessages<Self> {
        ApprovedMessages(base: self, pipeline: pipeline, quarantine: quarantine, telemetry: telemetry)
    }
}

/// See ``_Concurrency/AsyncSequence/approved(by:quarantine:)``.
public struct ApprovedMessages<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == Message {
    public typealias Element = ApprovedMessage

    let base: Base
    let pipeline: Pipeline
    let quarantine: any QuarantineSink
    let telemetry: RoutingTelemetry?

    init(base: Base, pipeline: Pipeline, quarantine: some QuarantineSink, telemetry: RoutingTelemetry?) {
        self.base = base
        self.pipeline = pipeline
        self.quarantine = quarantine
        self.telemetry = telemetry
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        /// The iterator's own evaluator: one task iterates at a time, so its buffers are reused safely.
        let evaluator: Pipeline.Evaluator
        let quarantine: any QuarantineSink
        /// This iterator's own recorder, for the same reason.
        let recorder: RoutingTelemetry.Recorder?

        public mutating func next() async throws -> ApprovedMessage? {
            while let message = try await base.next() {
                let verdict = recorder?.decide(message, by: evaluator.evaluate).verdict ?? evaluator.evaluate(message)
                if verdict.isApproved {
                    return ApprovedMessage(message: message, verdict: verdict)
                }
                try await quarantine.quarantine(message, verdict: verdict)
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), evaluator: pipeline.makeEvaluator(), quarantine: quarantine,
                      recorder: telemetry?.makeRecorder())
    }
}

/// A quarantine that keeps rejected messages in memory, for tests and for services that handle
/// rejects themselves.
public final class InMemoryQuarantine: QuarantineSink {
    private let storage = Mutex<[(message: Message, verdict: Verdict)]>([])

    public init() {}

    public func quarantine(_ message: Message, verdict: Verdict) async throws {
        storage.withLock { $0.append((message, verdict)) }
    }

    /// Everything quarantined so far, in order.
    public var messages: [(message: Message, verdict: Verdict)] {
        storage.withLock { $0 }
    }
}
