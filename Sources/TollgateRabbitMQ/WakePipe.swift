import Foundation
import Synchronization

/// Lets other threads wake a thread that waits on a socket: it polls the socket and this pipe
/// together, so work handed to it (confirmations, writes) is picked up at once, not after a timeout.
final class WakePipe: Sendable {
    private let readEnd: Int32
    private let writeEnd: Int32
    private let armed = Atomic<Bool>(false)

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 {
            fatalError("tollgate: pipe failed: \(String(cString: strerror(errno)))")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Wakes the waiting thread (a no-op when a wake-up is already pending).
    func wake() {
        guard !armed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Waits until `socket` is readable, the pipe is woken, or `timeout` passes. `socket` may be -1.
    /// - Returns: whether the socket is readable.
    @discardableResult
    func wait(socket: Int32, timeout: Duration) -> Bool {
        var fds = [pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
        let (seconds, attoseconds) = timeout.components
        let milliseconds = Int32(clamping: max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
        let ready = poll(&fds, socket >= 0 ? 2 : 1, milliseconds)
        if ready > 0, fds[0].revents != 0 { drain() }
        return ready > 0 && socket >= 0 && fds[1].revents != 0
    }

    /// Empties the pipe, then disarms. In this order, a wake-up that lands in between finds the
    /// pipe still armed and writes nothing, and its work is seen by the caller, which looks for work
    /// after every wait; the other order could leave the pipe armed with no byte in it, and every
    /// later wake-up lost.
    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readEnd, &buffer, buffer.count) > 0 {}
        armed.store(false, ordering: .releasing)
    }
}

/// Exponential backoff with jitter, for reconnecting and retrying writes: attempt n waits a random
/// time between half and all of min(maximum, initial × 2^n), so clients restarting together spread out.
struct Backoff: Sendable {
    var initial: Duration = .milliseconds(100)
    var maximum: Duration = .seconds(30)

    func delay(attempt: Int) -> Duration {
        let ceiling = min(maximum, initial * (1 << min(attempt, 20)))
        let milliseconds = max(1, Int(ceiling.components.seconds * 1000 + ceiling.components.attoseconds / 1_000_000_000_000_000))
        return .milliseconds(Int.random(in: milliseconds / 2...milliseconds))
    }
}
