import Foundation
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
    /// Reading and deciding run on two threads (a capture line costs about as much to decode as a
    /// message to validate), joined by a bounded queue of batches, so memory stays bounded for
    /// captures of any size. A capture line that cannot be read is recorded in the report's
    /// ``ReplayReport/captureErrors`` and skipped.
    ///
    /// - Parameter progress: called now and then from the calling thread.
    /// - Throws: ``TollgateError`` when a capture file cannot be opened.
    public static func run(captures: [String], pipeline: Pipeline,
                           progress: ((Progress) -> Void)? = nil) throws(TollgateError) -> ReplayReport
    {
        var readers: [CaptureReader] = []
        var totalBytes = 0
        for path in captures {
            readers.append(try CaptureReader(path: path))
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            totalBytes += (attributes?[.size] as? Int) ?? 0
        }
        let queue = BatchQueue(capacity: 8)
        let owned = ReaderBox(readers)
        let reading = Thread {
            let readers = owned.readers
            var batch: [Item] = []
            batch.reserveCapacity(BatchQueue.batchSize)
            var bytesBefore = 0
            for reader in readers {
                for result in reader {
                    batch.append(Item(result: result, bytesRead: bytesBefore + reader.bytesRead))
                    if batch.count == BatchQueue.batchSize {
                        queue.put(batch)
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                bytesBefore += reader.bytesRead
            }
            if !batch.isEmpty { queue.put(batch) }
            queue.finish()
        }
        reading.start()

        var builder = ReplayReport.Builder()
        var lastProgress = ContinuousClock.now
        while let batch = queue.take() {
            for item in batch {
                switch item.result {
                case .success(let captured):
                    builder.record(captured, verdict: pipeline.evaluate(captured.message))
                case .failure(let error):
                    builder.recordCaptureError(error)
                }
            }
            if let progress, ContinuousClock.now - lastProgress > .milliseconds(100) {
                lastProgress = ContinuousClock.now
                progress(Progress(messages: builder.total, bytesRead: batch.last?.bytesRead ?? 0, totalBytes: totalBytes))
            }
        }
        progress?(Progress(messages: builder.total, bytesRead: totalBytes, totalBytes: totalBytes))
        return builder.report(captures: captures)
    }

    /// Replays messages already in memory (for tests and embedding).
    public static func run(messages: some Sequence<CapturedMessage>, pipeline: Pipeline, captures: [String] = []) -> ReplayReport {
        var builder = ReplayReport.Builder()
        for captured in messages {
            builder.record(captured, verdict: pipeline.evaluate(captured.message))
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

    struct Item: Sendable {
        var result: Result<CapturedMessage, TollgateError>
        var bytesRead: Int
    }

    /// A bounded, blocking queue of batches between the reading thread and the deciding one.
    final class BatchQueue: Sendable {
        static let batchSize = 512

        private struct State {
            var batches: [[Item]] = []
            var finished = false
        }

        private let state = Mutex(State())
        private let capacity: Int
        private let slots: DispatchSemaphore
        private let available = DispatchSemaphore(value: 0)

        init(capacity: Int) {
            self.capacity = capacity
            slots = DispatchSemaphore(value: capacity)
        }

        func put(_ batch: [Item]) {
            slots.wait()
            state.withLock { $0.batches.append(batch) }
            available.signal()
        }

        func finish() {
            state.withLock { $0.finished = true }
            available.signal()
        }

        /// The next batch, or `nil` once the reader has finished and everything was taken.
        func take() -> [Item]? {
            while true {
                available.wait()
                let batch = state.withLock { state -> [Item]?? in
                    if !state.batches.isEmpty { return .some(state.batches.removeFirst()) }
                    if state.finished { return .some(nil) }
                    return .none
                }
                switch batch {
                case .some(let value?):
                    slots.signal()
                    return value
                case .some(nil):
                    available.signal()   // let later calls see the end too
                    return nil
                case .none:
                    continue
                }
            }
        }
    }
}
