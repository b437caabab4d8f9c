import Foundation
import Synchronization

/// Runs work that recurses deeply on a thread of its own with a large stack.
///
/// The schema evaluator recurses once per nested schema it enters, up to
/// `JSONSchemaOptions.maxEvaluationDepth` (512) levels; in a debug build that needs more than the 8 MiB
/// that dispatch and cooperative-pool threads get (measured: a 500-deep array under
/// `{"items": {"$ref": "#"}}` overflowed). The stack is reserved address space; only the pages used are
/// committed.
enum LargeStack {
    /// Default: 256 MiB.
    static let defaultSize = 256 << 20

    /// Runs `body` on a new thread with a `size`-byte stack and returns its result, without blocking
    /// the caller's thread.
    static func run<T: Sendable>(size: Int = defaultSize, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.stackSize = size
            thread.start()
        }
    }
}
