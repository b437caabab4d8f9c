import TollgateSchema

/// What a replay found: totals, counts by reason and by schema, the most frequent failure
/// locations, and every quarantined message with its coordinates. Deterministic: the same input
/// gives the same report, field for field.
public struct ReplayReport: Sendable, Hashable {
    /// A quarantined message and where it was.
    public struct QuarantinedMessage: Sendable, Hashable {
        /// `file:line` in the capture.
        public var capture: String
        /// Topic, partition and offset (or queue coordinates) as captured, when known.
        public var origin: MessageOrigin
        public var reason: QuarantineReason
        public var schema: String?
        public var details: [RejectionDetail]
    }

    /// Approved and quarantined counts for one schema version (or none).
    public struct SchemaCounts: Sendable, Hashable {
        public var schema: String?
        public var approved: Int
        public var quarantined: Int
    }

    public var captures: [String]
    public var total: Int
    public var approved: Int
    public var quarantined: Int
    /// Reason header value → count, most frequent first.
    public var byReason: [(reason: String, count: Int)]
    /// Per schema applied (`nil`: no schema was selected), by name.
    public var bySchema: [SchemaCounts]
    /// Keyword locations of schema violations, most frequent first (at most 10).
    public var topKeywordLocations: [(location: String, count: Int)]
    /// Instance locations of schema violations, most frequent first (at most 10).
    public var topInstanceLocations: [(location: String, count: Int)]
    /// Every quarantined message, in capture order.
    public var quarantinedMessages: [QuarantinedMessage]
    /// Shadow rule → how many messages it would have rejected.
    public var shadowRejections: [(rule: String, count: Int)]
    /// Capture lines that could not be read (`file:line: why`); they are not counted as messages.
    public var captureErrors: [String]

    public static func == (a: ReplayReport, b: ReplayReport) -> Bool {
        a.jsonValue == b.jsonValue
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(jsonValue)
    }

    /// One line: `1,204 messages: 1,180 approved, 24 quarantined (schema-violation 20, malformed-json 4)`.
    public var summary: String {
        var text = "\(total) message\(total == 1 ? "" : "s"): \(approved) approved, \(quarantined) quarantined"
        if !byReason.isEmpty {
            text += " (" + byReason.map { "\($0.reason) \($0.count)" }.joined(separator: ", ") + ")"
        }
        if !captureErrors.isEmpty { text += "; \(captureErrors.count) capture line\(captureErrors.count == 1 ? "" : "s") unreadable" }
        return text
    }

    /// Accumulates verdicts into a report.
    struct Builder {
        var total = 0
        var approved = 0
        var quarantined = 0
        var reasons: [String: Int] = [:]
        var schemas: [String: (approved: Int, quarantined: Int)] = [:]
        var noSchema = (approved: 0, quarantined: 0)
        var keywordLocations: [String: Int] = [:]
        var instanceLocations: [String: Int] = [:]
        var messages: [QuarantinedMessage] = []
        var shadow: [String: Int] = [:]
        var captureErrors: [String] = []

        mutating func record(_ captured: CapturedMessage, verdict: Verdict) {
            guard let reason = count(verdict) else { return }
            messages.append(QuarantinedMessage(capture: "\(captured.file):\(captured.line)", origin: captured.message.origin,
                                               reason: reason, schema: verdict.schema, details: verdict.details))
        }

        /// Records `count` messages approved by `schema` without shadow rejections, for which the
        /// report keeps nothing but the counts.
        mutating func recordApproved(schema: String?, count: Int) {
            tally(count, approved: true, schema: schema)
        }

        /// Adds `count` messages to the totals and to their schema's counts.
        private mutating func tally(_ count: Int, approved isApproved: Bool, schema: String?) {
            total += count
            if isApproved { approved += count } else { quarantined += count }
            if let schema {
                if isApproved { schemas[schema, default: (0, 0)].approved += count } else { schemas[schema, default: (0, 0)].quarantined += count }
            } else if isApproved {
                noSchema.approved += count
            } else {
                noSchema.quarantined += count
            }
        }

        /// Counts `verdict` in the totals; returns its quarantine reason, if any.
        private mutating func count(_ verdict: Verdict) -> QuarantineReason? {
            tally(1, approved: verdict.isApproved, schema: verdict.schema)
            for rule in verdict.shadowRejections { shadow[rule, default: 0] += 1 }
            guard let reason = verdict.reason else { return nil }
            reasons[reason.description, default: 0] += 1
            if reason == .schemaViolation {
                for detail in verdict.details {
                    keywordLocations[detail.keywordLocation.isEmpty ? "/" : detail.keywordLocation, default: 0] += 1
                    instanceLocations[detail.instanceLocation.isEmpty ? "/" : detail.instanceLocation, default: 0] += 1
                }
            }
            return reason
        }

        mutating func recordCaptureError(_ error: TollgateError) {
            captureErrors.append(error.description)
        }

        func report(captures: [String]) -> ReplayReport {
            func ranked(_ counts: [String: Int], limit: Int = .max) -> [(String, Int)] {
                Array(counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit).map { ($0.key, $0.value) })
            }
            var bySchema = schemas.sorted { $0.key < $1.key }.map { SchemaCounts(schema: $0.key, approved: $0.value.approved, quarantined: $0.value.quarantined) }
            if noSchema.approved + noSchema.quarantined > 0 {
                bySchema.append(SchemaCounts(schema: nil, approved: noSchema.approved, quarantined: noSchema.quarantined))
            }
            return ReplayReport(
                captures: captures, total: total, approved: approved, quarantined: quarantined,
                byReason: ranked(reasons).map { (reason: $0.0, count: $0.1) },
                bySchema: bySchema,
                topKeywordLocations: ranked(keywordLocations, limit: 10).map { (location: $0.0, count: $0.1) },
                topInstanceLocations: ranked(instanceLocations, limit: 10).map { (location: $0.0, count: $0.1) },
                quarantinedMessages: messages,
                shadowRejections: ranked(shadow).map { (rule: $0.0, count: $0.1) },
                captureErrors: captureErrors)
        }
    }
}

extension MessageOrigin {
    /// `topic[partition]@offset`, `queue#delivery-tag`, or nil.
    public var coordinates: String? {
        switch self {
        case .kafka(let topic, let partition, let offset, _): return "\(topic)[\(partition)]@\(offset)"
        case .rabbitMQ(_, _, let queue, let tag): return "\(queue)#\(tag)"
        case .none: return nil
        }
    }
}
