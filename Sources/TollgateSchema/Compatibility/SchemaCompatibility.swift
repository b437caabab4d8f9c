/// Which readers a schema change can break, as Confluent Schema Registry names the directions.
///
/// With an old version O and a new version N of a subject:
/// - ``backward``: consumers using N read data written with O. Broken when some instance valid under
///   O is invalid under N (N accepts less somewhere).
/// - ``forward``: consumers using O read data written with N. Broken when some instance valid under
///   N is invalid under O (N accepts more somewhere).
///
/// `full` compatibility is both; the `*-transitive` modes repeat the pairwise check against every
/// earlier version, which is the caller's loop.
public enum CompatibilityDirection: String, Sendable, Hashable, CaseIterable {
    case backward
    case forward
}

/// One change between two schema versions that breaks a direction, or that cannot be judged statically.
public struct CompatibilityFinding: Sendable, Hashable, CustomStringConvertible {
    /// A JSON Pointer to the keyword or subschema that changed: into the new schema, or into the old
    /// one when the change is a removal (``pointerIsInOldSchema`` says which). A change found inside a
    /// schema reached through a `$ref` that leaves the document points at that `$ref` in the schema
    /// being compared, and ``change`` names the referenced URI.
    public var pointer: String
    /// What changed, in words: `property "email" became required`, `maximum lowered from 100 to 50`.
    public var change: String
    /// The directions this change breaks. For an undecidable finding, the directions it may break:
    /// the ones the check could not show to be safe.
    public var breaks: Set<CompatibilityDirection>
    /// Whether the effect cannot be judged statically (a changed `pattern`, an unresolvable or
    /// incomparable `$ref` target, a restructured `oneOf`, a changed `if` condition): the finding
    /// says so instead of guessing.
    public var isUndecidable: Bool
    /// Whether ``pointer`` points into the old schema, because what changed is no longer in the new one.
    public var pointerIsInOldSchema: Bool

    public init(pointer: String, change: String, breaks: Set<CompatibilityDirection>, isUndecidable: Bool = false,
                pointerIsInOldSchema: Bool = false)
    {
        self.pointer = pointer
        self.change = change
        self.breaks = breaks
        self.isUndecidable = isUndecidable
        self.pointerIsInOldSchema = pointerIsInOldSchema
    }

    /// Whether this finding breaks (or, when undecidable, may break) `direction`.
    public func breaks(_ direction: CompatibilityDirection) -> Bool { breaks.contains(direction) }

    /// One line: where, what, and which directions break, e.g.
    /// `/required/1: property "email" became required [breaks backward]`.
    public var description: String {
        let location = (pointer.isEmpty ? "(root)" : pointer) + (pointerIsInOldSchema ? " (in the old schema)" : "")
        let directions = CompatibilityDirection.allCases.filter(breaks.contains).map(\.rawValue).joined(separator: ", ")
        let verdict = isUndecidable ? "cannot be judged statically; may break \(directions)" : "breaks \(directions)"
        return "\(location): \(change) [\(verdict)]"
    }
}

/// Static compatibility check between two versions of a JSON Schema, with Confluent Schema Registry's
/// meaning of backward and forward (see ``CompatibilityDirection``).
///
/// The check walks both schemas in parallel and compares keywords location by location: `type`,
/// `enum`/`const`, numeric and length bounds, `multipleOf`, `pattern`, `format`, the object keywords
/// (`properties`, `required`, `additionalProperties`, `patternProperties`, `unevaluatedProperties`,
/// `propertyNames`, `dependentRequired`, `dependentSchemas`, `minProperties`/`maxProperties`), the array
/// keywords (`items`, `prefixItems`, `additionalItems`, `contains`, `uniqueItems`, `unevaluatedItems`,
/// counts), the combinators (`allOf`, `anyOf`, `oneOf`, `not`, `if`/`then`/`else`) and `$ref`, whose
/// targets are compared (local `#/...` pointers, anchors and `$id`s; cycles are cut). Each draft's own
/// spelling is honoured (draft-4 boolean `exclusiveMaximum`, array `items` before 2020-12,
/// `dependencies`, `$ref` hiding its siblings up to draft 7).
///
/// It is structural, so it judges each keyword as if the others stayed put: a tightened bound is
/// reported even when another keyword already excluded the values it removes. It does not miss what
/// it can see, though: for every pair of schemas in the official test suite's files (drafts 7 and
/// 2020-12), no instance of that file is valid under one and invalid under the other unless a finding
/// says so. Values listed by `enum`/`const` (and the values of `boolean`/`null`) are checked one by
/// one against the other version's type, bounds, lengths and pattern, which makes changes around
/// enumerations exact. As in Confluent's rules for JSON Schema, adding a constrained property to an
/// open object breaks backward (old data may carry that name with any value) and removing one breaks
/// forward; a closed object (`additionalProperties: false`, or `unevaluatedProperties: false` around
/// `allOf`/`$ref` parts) turns these around.
///
/// Undecidable, and reported as such: a changed `pattern`; a `$ref` whose target cannot be resolved
/// or differs from the other version's unresolvable one; `anyOf`/`oneOf`/`allOf` whose branches were
/// added, removed and changed at once; changes inside `oneOf` alternatives that may overlap (ones told
/// apart by disjoint types or a required `const`/`enum` discriminator are compared like `anyOf`);
/// an added `anyOf`/`oneOf` whose alternatives cannot be shown to cover the old schema; a changed `if`
/// condition; a changed `$dynamicRef`/`$recursiveRef`, or an unchanged one whose dynamic targets
/// differ; a property moved between `properties` and a conditional subschema; and
/// `unevaluatedProperties`/`unevaluatedItems` when the applicators that decide what they see changed.
public enum SchemaCompatibility {
    /// Compares two schema documents and returns the changes that break a direction or cannot be judged.
    ///
    /// An empty result means the versions are fully compatible as far as a static check can tell.
    /// Findings come in document order of the new schema, then changes located in the old schema
    /// (removed keywords), each once.
    ///
    /// - Parameters:
    ///   - old: the earlier version's schema document.
    ///   - new: the later version's schema document.
    ///   - oldURI: the old document's retrieval URI, the base for its relative references
    ///     (e.g. `file:///schemas/orders/1.json`).
    ///   - newURI: the new document's retrieval URI.
    ///   - resolve: turns a `$ref` that leaves the document (an absolute URI resolved against the
    ///     referring schema's base) into the schema it names; `nil` when unknown. For a reference with a
    ///     fragment it is first asked for the whole document (the URI without fragment), in which the
    ///     fragment is then resolved as a JSON Pointer or anchor; only when that is `nil` is it asked for
    ///     the URI with its fragment. Called synchronously, at most once per URI and side. A reference
    ///     that cannot be resolved is compared by its URI alone: the same URI on both sides is no change,
    ///     anything else is an undecidable finding.
    public static func compare(old: JSONValue, new: JSONValue, oldURI: String, newURI: String,
                               resolve: (String) -> JSONValue? = { _ in nil }) -> [CompatibilityFinding]
    {
        withoutActuallyEscaping(resolve) { resolve in
            let oldSide = CompatibilityDocuments(root: old, uri: oldURI, resolve: resolve)
            let newSide = CompatibilityDocuments(root: new, uri: newURI, resolve: resolve)
            let checker = CompatibilityChecker(old: oldSide, new: newSide)
            return checker.run()
        }
    }

    /// Compares two schema documents whose references that leave the document resolve through `store`
    /// (documents added by retrieval URI or `$id`, the store's loader, and the built-in meta-schemas),
    /// as the validator resolves them.
    public static func compare(old: JSONValue, new: JSONValue, oldURI: String, newURI: String,
                               store: JSONSchemaStore) -> [CompatibilityFinding]
    {
        compare(old: old, new: new, oldURI: oldURI, newURI: newURI) { uri in
            let reference = URIReference(uri)
            return (reference.fragment ?? "").isEmpty ? store.document(for: reference.withoutFragment.description) : nil
        }
    }
}
