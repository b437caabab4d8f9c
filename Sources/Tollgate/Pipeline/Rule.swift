import Synchronization
import TollgateSchema

/// A check beyond the schema, run on messages whose payload passed it.
///
/// Implement it to add your own checks in Swift. `evaluate` may be called from several threads at
/// once: a rule with state (like ``DuplicateRule``) protects it itself.
public protocol Rule: Sendable {
    /// Names the rule in `tollgate.reason` (`rule:<name>`) and in metrics. Keep it short and stable.
    var name: String { get }
    /// Decides on `message`, whose payload `document` passed `schema`.
    func evaluate(_ message: Message, document: JSONDocument, schema: SchemaVersion) -> RuleOutcome
}

/// A rule's decision.
public enum RuleOutcome: Sendable, Hashable {
    case pass
    /// Rejected, with why (the message of the quarantine record's error entry).
    case reject(String)
}

/// A rule and whether it is enforced.
public struct RuleSetting: Sendable {
    public enum Enforcement: String, Sendable, Hashable {
        /// A rejection quarantines the message.
        case enforce
        /// Evaluated and counted (``Verdict/shadowRejections``), never enforced: to trial a rule on
        /// live traffic before it blocks anything.
        case shadow
    }

    public var rule: any Rule
    public var enforcement: Enforcement

    public init(_ rule: any Rule, enforcement: Enforcement = .enforce) {
        self.rule = rule
        self.enforcement = enforcement
    }
}

/// Requires headers to be present, optionally with values that match an ECMA-262 pattern.
public struct RequiredHeadersRule: Rule {
    public let name: String
    public let requirements: [(header: String, pattern: ECMARegex?)]

    /// - Parameter headers: header names, each with an optional value pattern (`^[0-9a-f-]{36}$`).
    /// - Throws: the pattern's syntax error.
    public init(name: String = "required-headers", headers: [(String, String?)]) throws(ECMARegexSyntaxError) {
        self.name = name
        var requirements: [(header: String, pattern: ECMARegex?)] = []
        for (header, pattern) in headers {
            requirements.append((header, try pattern.map { (p) throws(ECMARegexSyntaxError) in try ECMARegex(p) }))
        }
        self.requirements = requirements
    }

    public func evaluate(_ message: Message, document: JSONDocument, schema: SchemaVersion) -> RuleOutcome {
        for (header, pattern) in requirements {
            guard let found = message.header(header), let value = found.value else {
                return .reject("missing required header \"\(header)\"")
            }
            guard let pattern else { continue }
            let outcome = value.withUnsafeBufferPointer { bytes -> ECMARegex.Outcome in
                String(validating: bytes, as: UTF8.self) == nil ? .noMatch : pattern.test(bytes)
            }
            if outcome != .match {
                let shown = found.stringValue.map { "\"\(String($0.prefix(64)))\"" } ?? "(not UTF-8)"
                return .reject("header \"\(header)\" value \(shown) does not match \(pattern.pattern)")
            }
        }
        return .pass
    }
}

/// Rejects a message whose key was already seen among the last `window` messages it checked.
///
/// The key is the message key or a value inside the payload (by JSON Pointer). Memory is bounded:
/// the rule remembers at most `window` keys, forgetting the oldest first. A message without the key
/// passes (there is nothing to compare).
public final class DuplicateRule: Rule {
    public enum Key: Sendable, Hashable {
        case messageKey
        /// The JSON text of the value at this pointer, e.g. `/eventId`.
        case payloadPointer(String)
    }

    public let name: String
    public let key: Key
    public let window: Int

    private struct State {
        var seen: Set<[UInt8]> = []
        /// Keys in arrival order; `next` is where the oldest sits once the ring is full.
        var ring: [[UInt8]] = []
        var next = 0
    }

    private let state = Mutex(State())

    public init(name: String = "duplicate", key: Key, window: Int = 100_000) {
        precondition(window > 0, "the duplicate window must hold at least one key")
        self.name = name
        self.key = key
        self.window = window
    }

    public func evaluate(_ message: Message, document: JSONDocument, schema: SchemaVersion) -> RuleOutcome {
        let bytes: [UInt8]
        switch key {
        case .messageKey:
            guard let k = message.key else { return .pass }
            bytes = k
        case .payloadPointer(let pointer):
            guard let value = document.value(atPointer: pointer) else { return .pass }
            bytes = Array(value.serialized().utf8)
        }
        let duplicate = state.withLock { state -> Bool in
            if state.seen.contains(bytes) { return true }
            if state.ring.count < window {
                state.ring.append(bytes)
            } else {
                state.seen.remove(state.ring[state.next])
                state.ring[state.next] = bytes
                state.next = (state.next + 1) % window
            }
            state.seen.insert(bytes)
            return false
        }
        guard duplicate else { return .pass }
        let shown = String(decoding: bytes.prefix(64), as: UTF8.self)
        return .reject("duplicate \(key == .messageKey ? "key" : "value at \(keyPointer)") \(shown) seen within the last \(window) messages")
    }

    private var keyPointer: String {
        if case .payloadPointer(let pointer) = key { return pointer }
        return ""
    }
}
