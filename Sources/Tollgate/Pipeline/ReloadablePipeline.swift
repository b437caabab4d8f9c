import Synchronization

/// A pipeline whose schema registry can be replaced while messages flow: the sidecar's schema
/// reload. Each message is decided wholly by one registry, the old or the new; never a mix.
///
/// ```swift
/// let live = ReloadablePipeline(pipeline)
/// let evaluator = live.makeEvaluator()          // one per consumer thread
/// let verdict = evaluator.evaluate(message)
/// let outcome = live.reload(directory: "schemas", options: .init())   // from another thread
/// ```
public final class ReloadablePipeline: Sendable {
    private let slot: Mutex<Pipeline>
    /// Bumped by every swap; evaluators compare it (one relaxed load a message) to notice.
    private let generation = Atomic<Int>(0)

    public init(_ pipeline: Pipeline) {
        slot = Mutex(pipeline)
    }

    /// The pipeline in use.
    public var current: Pipeline { slot.withLock { $0 } }

    /// Puts `pipeline` in use for every message decided from now on.
    public func replace(with pipeline: Pipeline) {
        slot.withLock { $0 = pipeline }
        generation.add(1, ordering: .releasing)
    }

    /// Why a reload was refused; the pipeline in use stays.
    public struct ReloadFailure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Loads the registry in `directory` afresh and swaps it in if every version compiles, every
    /// binding still resolves and no new or changed version breaks its subject's compatibility
    /// mode (what `tollgate schemas check` checks; a break between two versions already in use,
    /// both unchanged, is not new). Bindings, limits and rules (with their state, such as
    /// duplicate detection) carry over.
    /// - Returns: the registry now in use.
    /// - Throws: ``ReloadFailure`` naming the file, pointer or incompatible change; nothing changes.
    @discardableResult
    public func reload(directory: String, options: SchemaRegistry.Options) throws(ReloadFailure) -> SchemaRegistry {
        let old = current
        let registry: SchemaRegistry
        let pipeline: Pipeline
        do {
            registry = try SchemaRegistry.load(directory: directory, options: options)
            pipeline = try Pipeline(registry: registry, bindings: old.bindings, rules: old.rules, limits: old.limits)
        } catch {
            throw ReloadFailure(description: "\(error)")
        }
        var breaking: [String] = []
        for subject in registry.subjects {
            // A break between two versions already in use, unchanged, was accepted when they were
            // loaded: only a new break refuses the reload (so reloading an unchanged directory works).
            let inUse = old.registry.subject(subject.name)
            func unchanged(_ version: SchemaVersion) -> Bool { inUse?.version(version.version)?.document == version.document }
            for pair in registry.compatibility(of: subject) where !pair.isCompatible && !(unchanged(pair.old) && unchanged(pair.new)) {
                let first = pair.violations[0]
                breaking.append("\(pair.subject) \(pair.old.version) -> \(pair.new.version) is not \(pair.mode.rawValue) compatible: \(first)")
            }
        }
        guard breaking.isEmpty else {
            throw ReloadFailure(description: "schemas check failed: " + breaking.joined(separator: "; "))
        }
        replace(with: pipeline)
        return registry
    }

    /// An evaluator for one thread that picks up a replaced pipeline at its next message.
    public func makeEvaluator() -> Evaluator { Evaluator(self) }

    /// Decides messages on one thread, with the pipeline in use; see ``Pipeline/Evaluator``.
    public final class Evaluator {
        private let owner: ReloadablePipeline
        private var seen: Int
        private var evaluator: Pipeline.Evaluator

        init(_ owner: ReloadablePipeline) {
            self.owner = owner
            seen = owner.generation.load(ordering: .acquiring)
            evaluator = owner.current.makeEvaluator()
        }

        /// The pipeline this evaluator decides with now.
        public var pipeline: Pipeline { evaluator.pipeline }

        public func evaluate(_ message: Message) -> Verdict {
            let generation = owner.generation.load(ordering: .acquiring)
            if generation != seen {
                seen = generation
                evaluator = owner.current.makeEvaluator()
            }
            return evaluator.evaluate(message)
        }
    }
}
