import Testing
@testable import TollgateKafka

@Suite("Offset tracker: commit only confirmed, contiguous offsets")
struct OffsetTrackerTests {
    let p0 = TopicPartition("orders", 0)
    let p1 = TopicPartition("orders", 1)

    @Test("a later confirmation never commits past an earlier offset still in flight")
    func contiguous() {
        var tracker = OffsetTracker()
        for offset in Int64(10)...14 { tracker.begin(p0, offset: offset) }
        #expect(tracker.finish(p0, offset: 12) == false)
        #expect(tracker.finish(p0, offset: 11) == false)
        #expect(tracker.takeCommittable().isEmpty)
        #expect(tracker.finish(p0, offset: 10) == true)
        #expect(tracker.takeCommittable() == [p0: 13])
        #expect(tracker.takeCommittable().isEmpty, "taken once")
        tracker.finish(p0, offset: 14)
        #expect(tracker.takeCommittable().isEmpty)
        tracker.finish(p0, offset: 13)
        #expect(tracker.takeCommittable() == [p0: 15])
        #expect(tracker.inFlight == 0)
    }

    @Test("gaps in offsets (compaction, transaction markers) do not block the commit")
    func gaps() {
        var tracker = OffsetTracker()
        for offset: Int64 in [3, 7, 8, 20] { tracker.begin(p0, offset: offset) }
        for offset: Int64 in [20, 8, 3, 7] { tracker.finish(p0, offset: offset) }
        #expect(tracker.takeCommittable() == [p0: 21])
    }

    @Test("partitions are independent")
    func partitions() {
        var tracker = OffsetTracker()
        tracker.begin(p0, offset: 0)
        tracker.begin(p1, offset: 0)
        tracker.begin(p1, offset: 1)
        tracker.finish(p1, offset: 0)
        #expect(tracker.takeCommittable() == [p1: 1])
        #expect(tracker.inFlight(p0) == 1 && tracker.inFlight(p1) == 1 && tracker.inFlight == 2)
    }

    @Test("a failed write holds the partition's commit below it forever, but not below earlier confirmed offsets")
    func failure() {
        var tracker = OffsetTracker()
        for offset in Int64(0)...3 { tracker.begin(p0, offset: offset) }
        tracker.fail(p0, offset: 1)
        #expect(tracker.hasFailed(p0))
        tracker.finish(p0, offset: 2)
        tracker.finish(p0, offset: 3)
        #expect(tracker.takeCommittable().isEmpty)
        tracker.finish(p0, offset: 0)
        #expect(tracker.takeCommittable() == [p0: 1], "offset 1 failed: it is consumed again after a restart")
        #expect(tracker.inFlight == 0, "a failed write no longer holds back backpressure")
    }

    @Test("a dropped (revoked) partition ignores late confirmations and starts afresh when assigned again")
    func revocation() {
        var tracker = OffsetTracker()
        tracker.begin(p0, offset: 5)
        tracker.begin(p0, offset: 6)
        tracker.finish(p0, offset: 5)
        #expect(tracker.drop(p0) == 6)
        #expect(tracker.inFlight == 0)
        #expect(tracker.finish(p0, offset: 6) == false)
        #expect(tracker.takeCommittable().isEmpty)
        tracker.begin(p0, offset: 6)
        tracker.finish(p0, offset: 6)
        #expect(tracker.takeCommittable() == [p0: 7])
    }

    @Test("duplicate and unknown confirmations change nothing")
    func unknown() {
        var tracker = OffsetTracker()
        tracker.begin(p0, offset: 1)
        #expect(tracker.finish(p0, offset: 2) == false)
        #expect(tracker.finish(p1, offset: 1) == false)
        #expect(tracker.finish(p0, offset: 1) == true)
        #expect(tracker.finish(p0, offset: 1) == false)
        #expect(tracker.inFlight == 0)
    }

    @Test("long runs stay correct across internal compaction", arguments: [1, 7, 1000])
    func longRuns(stride: Int) {
        var tracker = OffsetTracker()
        let count = 10_000
        for offset in 0..<Int64(count) { tracker.begin(p0, offset: offset) }
        // Confirm in blocks of `stride`, each block backwards.
        var committed: Int64 = 0
        var start = 0
        while start < count {
            let end = min(start + stride, count)
            for offset in (start..<end).reversed() { tracker.finish(p0, offset: Int64(offset)) }
            if let offset = tracker.takeCommittable()[p0] { committed = offset }
            #expect(committed == Int64(end))
            start = end
        }
        #expect(tracker.inFlight == 0)
    }
}
