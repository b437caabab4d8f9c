import Foundation
import TollgateSchema
import Synchronization

/// Runs captured traffic through a pipeline and reports what would have been approved or
/// quarantined: to test a schema change against real messages before it is deployed.
///
/// ```swift
/// let pipeline = try PipelineConfiguration.load(file: "tollgate.yaml").makePipeline()
/// let report = try Replay.run(captures: ["captures/orders.jsonl"], pipeline: pipeline)
/// print(report.summary)
/// ```
public enum Replay {
    /// Progress of a running replay, for progress bars.
    public struct Progress: Sendable {
        public var messages: Int
        public var bytesRead: Int
        public var totalBytes: Int
    }

    /// Replays every message of `captures`, in order.
    ///
    /// One thread reads the files and cuts them into batches of lines; `threads` workers decode the
    /// lines and screen the messages (parse, select, validate) in parallel; the calling thread then
    /// takes the batches back in file order, runs the rules and records the verdicts. So the report
    /// is the same as a one-message-at-a-time replay, rules with memory (duplicate detection)
    /// included, and memory stays bounded: at most a few batches per worker are in flight. A capture
    /// line that cannot be read is recorded in the report's ``ReplayReport/captureErrors`` and
    /// skipped.
    ///
    /// - Parameters:
    ///   - threads: workers decoding and screening; default: the number of active processors.
    ///   - progress: called now and then from the calling thread.
    /// - Throws: ``TollgateError`` when a capture file cannot be opened.
    public static func run(captures: [String], pipeline: Pipeline, threads: Int? = nil,
                           progress: ((Progress) -> Void)? = nil) throws(TollgateError) -> ReplayReport
    {
        var readers: [CaptureReader] = []
        var totalBytes = 0
        for path in captures {
            readers.append(try CaptureReader(path: path))
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            totalBytes += (attributes?[.size] as? Int) ?? 0
        }
        let workers = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let inFlight = DispatchSemaphore(value: workers * 4)
        let lines = WorkQueue<Numbered<CaptureReader.LineBatch>>()
        let screened = ReorderBuffer<ScreenedBatch>()

        let owned = ReaderBox(readers)
        let reading = Thread {
            var sequence = 0
            var bytesBefore = 0
            for reader in owned.readers {
                while true {
                    inFlight.wait()
                    let batch = reader.nextLines(maxLines: batchLines, maxBytes: batchBytes)
                    // Lines out and not yet decoded: at most the batches in flight (and a line each).
                    reader.releaseMappedPages(keeping: (workers * 4 + 1) * batchBytes + (1 << 20))
                    if batch.entries.isEmpty {
                        inFlight.signal()
                        break
                    }
                    lines.put(Numbered(sequence: sequence, bytesRead: bytesBefore + reader.bytesRead, value: batch))
                    sequence += 1
                }
                bytesBefore += reader.bytesRead
            }
            lines.finish()
            screened.finish(count: sequence)
        }
        reading.start()

        // Spent batches go back to the worker that made them, to be freed there: memory freed on
        // the thread that allocated it stays in that thread's malloc arena and cache, where freeing
        // it from the reporting thread would contend for the worker's arena lock on every message.
        let spent = (0..<workers).map { _ in SpentBatches() }
        for index in 0..<workers {
            let bin = spent[index]
            let worker = Thread {
                let workspace = JSONParseWorkspace()
                // A kcat payload is screened where it stands in the line when the pipeline can
                // (see `Pipeline.screen(payloadLiteral:topic:hasHeader:headers:workspace:)`), and neither it nor
                // the key is then decoded: the screening is a verdict, and the report keeps a
                // message's coordinates and its verdict, not its bytes.
                let inPlace = !pipeline.screensPayloadsInPlace ? nil : CaptureRecord.PayloadCheck<Pipeline.Screening>(
                    check: { topic, headers, literal in
                        pipeline.screen(payloadLiteral: literal, topic: topic, hasHeader: { headers.contains($0) }, headers: { headers.all },
                                        workspace: workspace)
                    },
                    // An approval is only counted; the report names a quarantined message by its coordinates.
                    needs: { $0.isPlainApproval ? .nothing : .coordinates })
                while let numbered = lines.take() {
                    bin.batches.withLock { $0.removeAll() }
                    let batch = numbered.value
                    var items: [ScreenedBatch.Item] = []
                    var approved = ApprovedCounts()
                    batch.withBytes { bytes in
                        for entry in batch.entries {
                            switch entry {
                            case .line(let range, let number):
                                switch CaptureReader.decode(bytes, range, file: batch.file, line: number, checkingPayload: inPlace) {
                                case .success((nil, .decided(let verdict)?)):
                                    // Approved in place: nothing of the message was built.
                                    approved.add(schema: verdict.schema)
                                case .success((let captured?, let screenedInPlace)):
                                    let screening = screenedInPlace ?? pipeline.screen(captured.message, workspace: workspace)
                                    if case .decided(let verdict) = screening, screening.isPlainApproval {
                                        // The report only counts it, and keeps nothing of the message,
                                        // which is freed here, on the thread that made it.
                                        approved.add(schema: verdict.schema)
                                    } else {
                                        items.append(.screened(captured, screening))
                                    }
                                case .success:
                                    preconditionFailure("a message is built unless its screening is an approval")
                                case .failure(let error):
                                    items.append(.unreadable(error))
                                }
                            case .failure(let error):
                                items.append(.unreadable(error))
                            }
                        }
                    }
                    screened.put(ScreenedBatch(items: items, approved: approved, bytesRead: numbered.bytesRead, worker: index),
                                 at: numbered.sequence)
                }
            }
            worker.stackSize = workerStackBytes
            worker.start()
        }

        var builder = ReplayReport.Builder()
        var lastProgress = ContinuousClock.now
        while let batch = screened.next() {
            inFlight.signal()
            for (schema, count) in batch.approved.counts {
                builder.recordApproved(schema: schema, count: count)
            }
            for item in batch.items {
                switch item {
                case .screened(let captured, let screening):
                    builder.record(captured, verdict: pipeline.finish(screening, message: captured.message))
                case .unreadable(let error):
                    builder.recordCaptureError(error)
                }
            }
            let (worker, bytesRead) = (batch.worker, batch.bytesRead)
            spent[worker].batches.withLock { $0.append(batch) }
            if let progress, ContinuousClock.now - lastProgress > .milliseconds(100) {
                lastProgress = ContinuousClock.now
                progress(Progress(messages: builder.total, bytesRead: bytesRead, totalBytes: totalBytes))
            }
        }
        progress?(Progress(messages: builder.total, bytesRead: totalBytes, totalBytes: totalBytes))
        return builder.report(captures: captures)
    }

    /// Room for the deepest evaluation the schema options allow (4 MiB of evaluator stack) and more.
    static let workerStackBytes = 16 << 20

    /// Lines per batch, and bytes after which a batch is closed early: small enough to spread a
    /// capture over the workers evenly. A batch shares the mapped file, or for a pipe the reader's
    /// buffer (1 MiB chunks), so at most a few of those are held while batches are in flight.
    static let batchLines = 256
    static let batchBytes = 512 << 10

    /// Replays messages already in memory (for tests and embedding).
    public static func run(messages: some Sequence<CapturedMessage>, pipeline: Pipeline, captures: [String] = []) -> ReplayReport {
        var builder = ReplayReport.Builder()
        let evaluator = pipeline.makeEvaluator()
        for captured in messages {
            builder.record(captured, verdict: evaluator.evaluate(captured.message))
        }
        return builder.report(captures: captures)
    }

    /// Hands the readers to the reading thread.
    ///
    /// `@unchecked Sendable`: the readers are created here and used only by that thread afterwards.
    final class ReaderBox: @unchecked Sendable {
        let readers: [CaptureReader]
        init(_ readers: [CaptureReader]) { self.readers = readers }
    }

    struct Numbered<Value: Sendable>: Sendable {
        var sequence: Int
        /// Bytes of the captures read up to the end of this batch, for progress.
        var bytesRead: Int
        var value: Value
    }

    /// A batch of decoded and screened messages, waiting for the rules and the report.
    struct ScreenedBatch: Sendable {
        enum Item: Sendable {
            /// Quarantined before the rules, or waiting for them.
            case screened(CapturedMessage, Pipeline.Screening)
            /// A line that could not be read.
            case unreadable(TollgateError)
        }

        /// The messages the report needs to see one by one, in capture order.
        var items: [Item]
        /// Messages approved before the rules (so there are none): the report only counts them.
        var approved: ApprovedCounts
        var bytesRead: Int
        /// The worker that screened the batch, and frees it once it is recorded.
        var worker: Int
    }

    /// Approved messages of a batch by schema (usually one), counted on the worker.
    struct ApprovedCounts: Sendable {
        private(set) var counts: [(schema: String?, count: Int)] = []

        mutating func add(schema: String?) {
            if let i = counts.firstIndex(where: { $0.schema == schema }) {
                counts[i].count += 1
            } else {
                counts.append((schema, 1))
            }
        }
    }

    /// Batches recorded by the reporting thread, waiting for their worker to free them.
    final class SpentBatches: Sendable {
        let batches = Mutex<[ScreenedBatch]>([])
    }

    /// An unbounded blocking queue (the producer bounds it) from the reading thread to the workers.
    final class WorkQueue<Element: Sendable>: Sendable {
        private struct State {
            var items: [Element] = []
            var head = 0
            var finished = false

            mutating func popFirst() -> Element? {
                guard head < items.count else { return nil }
                let first = items[head]
                head += 1
                if head == items.count {
                    items.removeAll(keepingCapacity: true)
                    head = 0
                } else if head >= 64 && head * 2 >= items.count {
                    items.removeFirst(head)
                    head = 0
                }
                return first
            }
        }

        private let state = Mutex(State())
        private let available = DispatchSemaphore(value: 0)

        func put(_ item: Element) {
            state.withLock { $0.items.append(item) }
            available.signal()
        }

        /// Wakes every taker once the queue is empty.
        func finish() {
            state.withLock { $0.finished = true }
            available.signal()
        }

        /// The next item, or `nil` once the queue is finished and empty.
        func take() -> Element? {
            while true {
                available.wait()
                let item = state.withLock { state -> Element?? in
                    if let first = state.popFirst() { return .some(first) }
                    return state.finished ? .some(nil) : .none
                }
                switch item {
                case .some(let value?): return value
                case .some(nil):
                    available.signal()   // let the other takers see the end too
                    return nil
                case .none: continue
                }
            }
        }
    }

    /// Results that arrive in any order, handed out in sequence order.
    final class ReorderBuffer<Element: Sendable>: Sendable {
        private struct State {
            var ready: [Int: Element] = [:]
            var next = 0
            var count: Int?
        }

        private let state = Mutex(State())
        private let changed = DispatchSemaphore(value: 0)

        func put(_ element: Element, at sequence: Int) {
            state.withLock { $0.ready[sequence] = element }
            changed.signal()
        }

        /// No more than `count` elements will come.
        func finish(count: Int) {
            state.withLock { $0.count = count }
            changed.signal()
        }

        /// The element after the last one handed out, waiting for it; `nil` after the last.
        func next() -> Element? {
            while true {
                let result = state.withLock { state -> Element?? in
                    if let element = state.ready.removeValue(forKey: state.next) {
                        state.next += 1
                        return .some(element)
                    }
                    if let count = state.count, state.next >= count { return .some(nil) }
                    return .none
                }
                if let result { return result }
                changed.wait()
            }
        }
    }
}
