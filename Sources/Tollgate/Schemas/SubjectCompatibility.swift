import TollgateSchema

extension CompatibilityMode {
    /// The directions a new version must not break under this mode: none for `.none`.
    public var directions: Set<CompatibilityDirection> {
        switch self {
        case .backward, .backwardTransitive: [.backward]
        case .forward, .forwardTransitive: [.forward]
        case .full, .fullTransitive: [.backward, .forward]
        case .none: []
        }
    }
}

/// The compatibility check of one pair of versions of a subject, under the subject's mode.
public struct VersionPairCompatibility: Sendable {
    public let subject: String
    /// The earlier version.
    public let old: SchemaVersion
    /// The later version, the one that must be compatible with ``old``.
    public let new: SchemaVersion
    public let mode: CompatibilityMode
    /// Every change the static check reports, whichever direction it breaks.
    public let findings: [CompatibilityFinding]

    /// Changes that break a direction the mode requires: each makes the pair incompatible.
    public var violations: [CompatibilityFinding] {
        findings.filter { !$0.isUndecidable && !$0.breaks.isDisjoint(with: mode.directions) }
    }

    /// Changes whose effect on a required direction cannot be judged statically.
    public var undecidable: [CompatibilityFinding] {
        findings.filter { $0.isUndecidable && !$0.breaks.isDisjoint(with: mode.directions) }
    }

    /// Changes that break only directions the mode does not require (informational).
    public var otherFindings: [CompatibilityFinding] {
        findings.filter { $0.breaks.isDisjoint(with: mode.directions) }
    }

    /// `true` when no change breaks a required direction (undecidable ones are not counted).
    public var isCompatible: Bool { violations.isEmpty }
}

extension SchemaRegistry {
    /// Checks `subject`'s versions as its `compatibility` mode asks: each version against the one
    /// before it, or against every earlier version for a `*-transitive` mode; nothing for `none`.
    ///
    /// Pairs come oldest first, ordered by the later version, then the earlier one.
    public func compatibility(of subject: SchemaSubject) -> [VersionPairCompatibility] {
        let mode = subject.configuration.compatibility
        guard mode != .none else { return [] }
        var pairs: [VersionPairCompatibility] = []
        for (index, new) in subject.versions.enumerated() where index > 0 {
            let earlier = mode.isTransitive ? Array(subject.versions[..<index]) : [subject.versions[index - 1]]
            for old in earlier {
                let findings = SchemaCompatibility.compare(old: old.document, new: new.document, oldURI: old.uri,
                                                           newURI: new.uri, store: store)
                pairs.append(VersionPairCompatibility(subject: subject.name, old: old, new: new, mode: mode,
                                                      findings: findings))
            }
        }
        return pairs
    }
}
