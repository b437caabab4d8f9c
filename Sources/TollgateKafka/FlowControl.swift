import Foundation

/// Bounds the messages taken from a consumer and not yet settled, for ``KafkaRouter`` and
/// ``KafkaSource``: at the bound, take no more until some settle, but still poll at least every
/// 100 ms so the group membership stays alive (a record such a poll returns is taken: a bounded
/// overshoot). Only a stall of over a second pauses the partitions, since pausing also drops what
/// librdkafka prefetched; they resume at half the bound.
///
/// Used on the consumer's polling thread only.
struct FlowControl {
    let maxInFlight: Int
    private(set) var paused = false
    private var stalledSince: ContinuousClock.Instant?
    private var lastPoll = ContinuousClock.now

    init(maxInFlight: Int) { self.maxInFlight = maxInFlight }

    /// Whether to poll now. When not, the caller should do its housekeeping, sleep a moment
    /// (``pause()``) and ask again. `resumable` gives the partitions to resume (e.g. without the
    /// ones stopped by a failed write).
    mutating func shouldPoll(inFlight: Int, consumer: KafkaConsumerClient, resumable: (([TopicPartition]) -> [TopicPartition])? = nil) -> Bool {
        let now = ContinuousClock.now
        if inFlight >= maxInFlight {
            if let since = stalledSince {
                if !paused && now - since > .seconds(1) {
                    consumer.pause(consumer.assignment())
                    paused = true
                }
            } else {
                stalledSince = now
            }
            if now - lastPoll < .milliseconds(100) { return false }
        } else {
            stalledSince = nil
            if paused && inFlight <= maxInFlight / 2 {
                let assignment = consumer.assignment()
                consumer.resume(resumable?(assignment) ?? assignment)
                paused = false
            }
        }
        lastPoll = now
        return true
    }

    /// The wait between two ``shouldPoll(inFlight:consumer:resumable:)`` that said no.
    func pause() { Thread.sleep(forTimeInterval: 0.002) }
}
