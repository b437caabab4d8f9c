import Foundation

/// Runs `body`, which blocks (a broker client's loop), on a thread of its own, so its blocking calls
/// stay off Swift's cooperative pool; returns or throws what `body` does.
public func runOnDedicatedThread(named name: String, stackSize: Int = 16 << 20,
                                 _ body: @escaping @Sendable () throws -> Void) async throws
{
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
        let thread = Thread {
            do {
                try body()
                continuation.resume()
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.name = name
        thread.stackSize = stackSize
        thread.start()
    }
}

/// Messages per second: `count` over the span from `first` to `last`, when there is one.
public func messagesPerSecond(_ count: Int, from first: ContinuousClock.Instant?, to last: ContinuousClock.Instant?) -> Double? {
    guard let first, let last, last > first else { return nil }
    let span = last - first
    return Double(count) / (Double(span.components.seconds) + Double(span.components.attoseconds) / 1e18)
}
