/// Which input offsets may be committed: per partition, the offset after the longest run of
/// handled records that starts at the first one not yet committed. A record counts as handled when
/// its output write is confirmed; a later offset never commits past an earlier one still in flight,
/// so a crash replays at most the unconfirmed window and loses nothing.
///
/// Not thread-safe: the owner serialises access (``KafkaRouter`` holds it under a lock).
struct OffsetTracker {
    private struct Partition {
        /// Offsets in flight, in the order they were consumed (increasing), with whether each is
        /// handled; a prefix of handled ones is popped as soon as it forms.
        var offsets: [Int64] = []
        var handled: [Bool] = []
        var head = 0
        /// The offset to commit (one past the last handled offset of the popped prefix), if any
        /// was popped since it was last taken.
        var committable: Int64?
        /// A write failed for good: nothing at or after it may be committed.
        var failedAt: Int64?

        /// Records not yet handled.
        var pending = 0

        mutating func compact() {
            if head > 1024 && head * 2 > offsets.count {
                offsets.removeFirst(head)
                handled.removeFirst(head)
                head = 0
            }
        }
    }

    private var partitions: [TopicPartition: Partition] = [:]
    /// Records consumed and not yet handled, over all partitions.
    private(set) var inFlight = 0

    /// A record was consumed and its output is on its way. Offsets of a partition must come in
    /// increasing order, as a consumer delivers them.
    mutating func begin(_ partition: TopicPartition, offset: Int64) {
        var p = partitions[partition] ?? Partition()
        precondition(p.offsets.last.map { $0 < offset } ?? true, "offsets of \(partition) must increase: \(offset) after \(p.offsets.last!)")
        p.offsets.append(offset)
        p.handled.append(false)
        p.pending += 1
        partitions[partition] = p
        inFlight += 1
    }

    /// The record's output is confirmed. Returns `true` when the partition's committable offset
    /// moved. An offset the tracker does not know (its partition was revoked since) is ignored.
    @discardableResult
    mutating func finish(_ partition: TopicPartition, offset: Int64) -> Bool {
        guard var p = partitions[partition] else { return false }
        // Binary search: offsets are increasing.
        var low = p.head
        var high = p.offsets.count
        while low < high {
            let mid = (low + high) / 2
            if p.offsets[mid] < offset { low = mid + 1 } else { high = mid }
        }
        guard low < p.offsets.count, p.offsets[low] == offset, !p.handled[low] else { return false }
        p.handled[low] = true
        p.pending -= 1
        inFlight -= 1
        var moved = false
        while p.head < p.offsets.count && p.handled[p.head] && p.offsets[p.head] < (p.failedAt ?? .max) {
            p.committable = p.offsets[p.head] + 1
            p.head += 1
            moved = true
        }
        p.compact()
        partitions[partition] = p
        return moved
    }

    /// The record's output failed for good: the partition's committable offset stays below it
    /// forever (until the partition is dropped), so it is consumed again after a restart.
    mutating func fail(_ partition: TopicPartition, offset: Int64) {
        guard var p = partitions[partition] else { return }
        if p.failedAt.map({ offset < $0 }) ?? true { p.failedAt = offset }
        // Still count it as no longer in flight, so backpressure does not wait for it.
        if let index = p.offsets[p.head...].firstIndex(of: offset), !p.handled[index] {
            // Marked handled so backpressure does not wait for it; failedAt keeps the prefix from
            // passing it.
            p.handled[index] = true
            p.pending -= 1
            inFlight -= 1
        }
        partitions[partition] = p
    }

    /// The offsets that became committable since the last call, to store with the consumer.
    mutating func takeCommittable() -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for (key, var p) in partitions {
            if let offset = p.committable {
                result[key] = offset
                p.committable = nil
                partitions[key] = p
            }
        }
        return result
    }

    /// Records still in flight on `partition`.
    func inFlight(_ partition: TopicPartition) -> Int { partitions[partition]?.pending ?? 0 }

    /// Whether a write on `partition` failed for good.
    func hasFailed(_ partition: TopicPartition) -> Bool { partitions[partition]?.failedAt != nil }

    /// Forgets a partition (revoked): its in-flight records are abandoned, late confirmations for it
    /// are ignored. Returns its committable offset, if one was not taken yet.
    mutating func drop(_ partition: TopicPartition) -> Int64? {
        guard let p = partitions.removeValue(forKey: partition) else { return nil }
        inFlight -= p.pending
        return p.committable
    }
}
