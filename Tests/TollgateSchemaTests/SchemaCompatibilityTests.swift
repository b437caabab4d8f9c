import Testing
import TollgateSchema

/// Compares two schema texts as versions 1 and 2 of a subject.
func compatibilityFindings(_ old: String, _ new: String,
                           resolve: (String) -> JSONValue? = { _ in nil }) throws -> [CompatibilityFinding]
{
    SchemaCompatibility.compare(old: try JSONValue(parsing: old), new: try JSONValue(parsing: new),
                                oldURI: "file:///schemas/orders/1.json", newURI: "file:///schemas/orders/2.json",
                                resolve: resolve)
}

/// Every direction some finding breaks.
func brokenDirections(_ findings: [CompatibilityFinding]) -> Set<CompatibilityDirection> {
    findings.reduce(into: []) { $0.formUnion($1.breaks) }
}

/// One case per rule issue 3 names: a pair that breaks (with the exact directions, pointer and wording)
/// and a pair that does not.
@Suite("Schema compatibility: keyword rules")
struct SchemaCompatibilityTests {
    // MARK: required

    @Test("a new required property breaks backward only")
    func newRequired() throws {
        let old = ##"{"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"}}, "required": ["id"]}"##
        let new = ##"{"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"}}, "required": ["id", "email"]}"##
        let f = try compatibilityFindings(old, new)
        #expect(f.count == 1, "\(f)")
        #expect(f.first?.pointer == "/required/1")
        #expect(f.first?.change == #"property "email" became required"#)
        #expect(f.first?.breaks == [.backward])
        #expect(f.first?.isUndecidable == false)
        #expect(f.first?.pointerIsInOldSchema == false)

        // The mirror image: dropping a requirement lets new data omit it, which old readers refuse.
        let g = try compatibilityFindings(new, old)
        #expect(g.map(\.pointer) == ["/required/1"])
        #expect(g.first?.pointerIsInOldSchema == true)
        #expect(g.first?.change == #"property "email" is no longer required"#)
        #expect(brokenDirections(g) == [.forward])

        // Passing pair: the same requirements in another order.
        let reordered = ##"{"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"}}, "required": ["email", "id"]}"##
        #expect(try compatibilityFindings(new, reordered).isEmpty)
    }

    // MARK: closed objects

    @Test("a removed property under additionalProperties: false breaks backward")
    func removedPropertyClosed() throws {
        let old = ##"{"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"}}, "additionalProperties": false}"##
        let new = ##"{"type": "object", "properties": {"id": {"type": "string"}}, "additionalProperties": false}"##
        let f = try compatibilityFindings(old, new)
        #expect(f.count == 1, "\(f)")
        #expect(f.first?.pointer == "/properties/email")
        #expect(f.first?.pointerIsInOldSchema == true)
        #expect(f.first?.change.contains(#"property "email" removed"#) == true)
        #expect(f.first?.change.contains("additionalProperties: false") == true)
        #expect(f.first?.breaks == [.backward])
        #expect(f.first?.description.contains("(in the old schema)") == true)

        // Adding an optional property to a closed object is the mirror image: forward only.
        let g = try compatibilityFindings(new, old)
        #expect(g.map(\.pointer) == ["/properties/email"])
        #expect(g.first?.pointerIsInOldSchema == false)
        #expect(g.first?.change.contains(#"property "email" added"#) == true)
        #expect(brokenDirections(g) == [.forward])

        // Same with unevaluatedProperties: false.
        let oldU = ##"{"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"}}, "unevaluatedProperties": false}"##
        let newU = ##"{"type": "object", "properties": {"id": {"type": "string"}}, "unevaluatedProperties": false}"##
        let u = try compatibilityFindings(oldU, newU)
        #expect(u.map(\.pointer) == ["/properties/email"])
        #expect(u.first?.change.contains("unevaluatedProperties: false") == true)
        #expect(brokenDirections(u) == [.backward])

        // Passing pair: the property moves under a pattern that accepts the same values.
        let covered = ##"{"type": "object", "properties": {"id": {"type": "string"}}, "patternProperties": {"^e": {"type": "string"}}, "additionalProperties": false}"##
        let c = try compatibilityFindings(old, covered)
        #expect(!brokenDirections(c).contains(.backward), "\(c)")
    }

    @Test("a removed property of an open object breaks forward only; an unconstrained one breaks nothing")
    func removedPropertyOpen() throws {
        let old = ##"{"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"}}}"##
        let new = ##"{"type": "object", "properties": {"id": {"type": "string"}}}"##
        let f = try compatibilityFindings(old, new)
        #expect(f.map(\.pointer) == ["/properties/email"])
        #expect(f.first?.change.contains("open object") == true)
        #expect(brokenDirections(f) == [.forward])

        let unconstrained = ##"{"type": "object", "properties": {"id": {"type": "string"}, "email": {}}}"##
        #expect(try compatibilityFindings(unconstrained, new).isEmpty)
        #expect(try compatibilityFindings(new, unconstrained).isEmpty)
    }

    @Test("additionalProperties: false added breaks backward; removed breaks forward")
    func closingAndOpening() throws {
        let open = ##"{"type": "object", "properties": {"id": {"type": "string"}}}"##
        let closed = ##"{"type": "object", "properties": {"id": {"type": "string"}}, "additionalProperties": false}"##
        let f = try compatibilityFindings(open, closed)
        #expect(f.count == 1, "\(f)")
        #expect(f.first?.pointer == "/additionalProperties")
        #expect(f.first?.change.hasPrefix("additionalProperties: false added") == true)
        #expect(f.first?.breaks == [.backward])

        let g = try compatibilityFindings(closed, open)
        #expect(g.count == 1, "\(g)")
        #expect(g.first?.pointer == "/additionalProperties")
        #expect(g.first?.pointerIsInOldSchema == true)
        #expect(g.first?.change.hasPrefix("additionalProperties: false removed") == true)
        #expect(g.first?.breaks == [.forward])

        // Passing pair: `true` and absent mean the same.
        let explicit = ##"{"type": "object", "properties": {"id": {"type": "string"}}, "additionalProperties": true}"##
        #expect(try compatibilityFindings(open, explicit).isEmpty)
        #expect(try compatibilityFindings(closed, closed).isEmpty)
    }

    // MARK: type

    @Test("a narrowed type breaks backward; a widened one forward only")
    func types() throws {
        let f = try compatibilityFindings(##"{"properties": {"x": {"type": ["string", "null"]}}}"##,
                                          ##"{"properties": {"x": {"type": "string"}}}"##)
        #expect(f.count == 1, "\(f)")
        #expect(f.first?.pointer == "/properties/x/type")
        #expect(f.first?.change == #"type narrowed from ["string","null"] to "string" (null no longer accepted)"#)
        #expect(f.first?.breaks == [.backward])

        let g = try compatibilityFindings(##"{"properties": {"x": {"type": "integer"}}}"##,
                                          ##"{"properties": {"x": {"type": "number"}}}"##)
        #expect(g.map(\.pointer) == ["/properties/x/type"])
        #expect(g.first?.change == #"type widened from "integer" to "number" (non-integer numbers now accepted)"#)
        #expect(brokenDirections(g) == [.forward])

        let h = try compatibilityFindings(##"{"type": "string"}"##, ##"{"type": "number"}"##)
        #expect(h.first?.breaks == [.backward, .forward])

        // Passing pairs: the same types spelled differently, or split across anyOf.
        #expect(try compatibilityFindings(##"{"type": ["number", "integer"]}"##, ##"{"type": "number"}"##).isEmpty)
        #expect(try compatibilityFindings(##"{"type": ["string", "null"]}"##,
                                          ##"{"anyOf": [{"type": "string"}, {"type": "null"}]}"##).isEmpty)
    }

    // MARK: enum and const

    @Test("a removed enum value breaks backward; an added one forward only")
    func enumValues() throws {
        let abc = ##"{"properties": {"status": {"type": "string", "enum": ["new", "paid", "shipped"]}}}"##
        let ab = ##"{"properties": {"status": {"type": "string", "enum": ["new", "paid"]}}}"##
        let f = try compatibilityFindings(abc, ab)
        #expect(f.count == 1, "\(f)")
        #expect(f.first?.pointer == "/properties/status/enum")
        #expect(f.first?.change == #"enum value "shipped" removed"#)
        #expect(f.first?.breaks == [.backward])

        let g = try compatibilityFindings(ab, abc)
        #expect(g.count == 1, "\(g)")
        #expect(g.first?.pointer == "/properties/status/enum/2")
        #expect(g.first?.change == #"enum value "shipped" added"#)
        #expect(g.first?.breaks == [.forward])

        // Passing pairs: reordered values; an enum of one value turned into the same const; a
        // widened type that the enum still pins down.
        #expect(try compatibilityFindings(abc, ##"{"properties": {"status": {"type": "string", "enum": ["shipped", "new", "paid"]}}}"##).isEmpty)
        #expect(try compatibilityFindings(##"{"enum": ["v1"]}"##, ##"{"const": "v1"}"##).isEmpty)
        #expect(try compatibilityFindings(##"{"type": "string", "enum": ["a", "b"]}"##, ##"{"enum": ["a", "b"]}"##).isEmpty)

        let c = try compatibilityFindings(##"{"const": "v1"}"##, ##"{"const": "v2"}"##)
        #expect(c.map(\.change) == [#"const changed from "v1" to "v2""#])
        #expect(brokenDirections(c) == [.backward, .forward])

        // A value the enum keeps but a new bound excludes is still a removal.
        let bounded = try compatibilityFindings(##"{"enum": [1, 5, 10]}"##, ##"{"enum": [1, 5, 10], "maximum": 5}"##)
        #expect(bounded.map(\.pointer) == ["/maximum"])
        #expect(bounded.first?.change == "value 10, allowed by the old enum, is now rejected by maximum")
        #expect(brokenDirections(bounded) == [.backward])
    }

    // MARK: bounds

    @Test("tightened bounds break backward, loosened ones forward", arguments: [
        ("maximum", "100", "50", "maximum lowered from 100 to 50", "maximum raised from 50 to 100"),
        ("maxLength", "20", "10", "maxLength lowered from 20 to 10", "maxLength raised from 10 to 20"),
        ("maxItems", "5", "3", "maxItems lowered from 5 to 3", "maxItems raised from 3 to 5"),
        ("minimum", "0", "1", "minimum raised from 0 to 1", "minimum lowered from 1 to 0"),
        ("minLength", "1", "3", "minLength raised from 1 to 3", "minLength lowered from 3 to 1"),
        ("minItems", "0", "1", "minItems raised from 0 to 1", "minItems lowered from 1 to 0"),
        ("exclusiveMaximum", "10", "9.5", "exclusiveMaximum lowered from 10 to 9.5", "exclusiveMaximum raised from 9.5 to 10"),
        ("maxProperties", "8", "4", "maxProperties lowered from 8 to 4", "maxProperties raised from 4 to 8"),
    ])
    func bounds(keyword: String, loose: String, tight: String, tightening: String, loosening: String) throws {
        let old = #"{"properties": {"x": {"\#(keyword)": \#(loose)}}}"#
        let new = #"{"properties": {"x": {"\#(keyword)": \#(tight)}}}"#
        let f = try compatibilityFindings(old, new)
        #expect(f.count == 1, "\(keyword): \(f)")
        #expect(f.first?.pointer == "/properties/x/\(keyword)")
        #expect(f.first?.change == tightening)
        #expect(f.first?.breaks == [.backward])

        let g = try compatibilityFindings(new, old)
        #expect(g.count == 1, "\(keyword): \(g)")
        #expect(g.first?.pointer == "/properties/x/\(keyword)")
        #expect(g.first?.change == loosening)
        #expect(g.first?.breaks == [.forward])

        // Passing pair: the same bound.
        #expect(try compatibilityFindings(old, old).isEmpty)
    }

    @Test("bounds added, removed, moved between inclusive and exclusive, and in draft 4's spelling")
    func boundSpellings() throws {
        let added = try compatibilityFindings(##"{"type": "integer"}"##, ##"{"type": "integer", "maximum": 10}"##)
        #expect(added.map(\.change) == ["maximum 10 added"])
        #expect(brokenDirections(added) == [.backward])

        let removed = try compatibilityFindings(##"{"type": "integer", "maximum": 10}"##, ##"{"type": "integer"}"##)
        #expect(removed.map(\.pointer) == ["/maximum"])
        #expect(removed.first?.pointerIsInOldSchema == true)
        #expect(brokenDirections(removed) == [.forward])

        let exclusive = try compatibilityFindings(##"{"maximum": 10}"##, ##"{"exclusiveMaximum": 10}"##)
        #expect(exclusive.map(\.change) == ["upper bound tightened from maximum 10 to exclusiveMaximum 10"])
        #expect(brokenDirections(exclusive) == [.backward])

        let draft4 = try compatibilityFindings(##"{"$schema": "http://json-schema.org/draft-04/schema#", "maximum": 10}"##,
                                               ##"{"$schema": "http://json-schema.org/draft-04/schema#", "maximum": 10, "exclusiveMaximum": true}"##)
        #expect(draft4.map(\.pointer) == ["/maximum"])
        #expect(brokenDirections(draft4) == [.backward])

        // Bounds on numbers do not matter where only strings are accepted.
        #expect(try compatibilityFindings(##"{"type": "string", "maximum": 10}"##, ##"{"type": "string", "maximum": 5}"##).isEmpty)
        // The same bound in both spellings.
        #expect(try compatibilityFindings(##"{"minimum": 0, "exclusiveMinimum": 0}"##, ##"{"exclusiveMinimum": 0}"##).isEmpty)
    }

    @Test("multipleOf: a divisor keeps old values, anything else breaks backward")
    func multipleOf() throws {
        #expect(try compatibilityFindings(##"{"multipleOf": 0.02}"##, ##"{"multipleOf": 0.01}"##).allSatisfy { $0.breaks == [.forward] })
        let f = try compatibilityFindings(##"{"multipleOf": 0.01}"##, ##"{"multipleOf": 0.02}"##)
        #expect(f.map(\.change) == ["multipleOf changed from 0.01 to 0.02 (0.01 is not a multiple of 0.02)"])
        #expect(brokenDirections(f) == [.backward])
        let g = try compatibilityFindings(##"{"multipleOf": 2}"##, ##"{"multipleOf": 3}"##)
        #expect(brokenDirections(g) == [.backward, .forward])
        // multipleOf 1 adds nothing for integers.
        #expect(try compatibilityFindings(##"{"type": "integer"}"##, ##"{"type": "integer", "multipleOf": 1}"##).isEmpty)
    }

    // MARK: pattern and format

    @Test("a changed pattern is undecidable; an equal one is no change")
    func patterns() throws {
        let old = ##"{"properties": {"sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$"}}}"##
        let new = ##"{"properties": {"sku": {"type": "string", "pattern": "^[A-Z]{2,3}-[0-9]+$"}}}"##
        let f = try compatibilityFindings(old, new)
        #expect(f.count == 1, "\(f)")
        #expect(f.first?.pointer == "/properties/sku/pattern")
        #expect(f.first?.isUndecidable == true)
        #expect(f.first?.breaks == [.backward, .forward])
        #expect(f.first?.change.hasPrefix(#"pattern changed from "^[A-Z]{3}-[0-9]+$" to "^[A-Z]{2,3}-[0-9]+$""#) == true)
        #expect(f.first?.description.contains("cannot be judged statically") == true)

        #expect(try compatibilityFindings(old, old).isEmpty)

        let added = try compatibilityFindings(##"{"type": "string"}"##, ##"{"type": "string", "pattern": "^a"}"##)
        #expect(added.map(\.change) == [#"pattern "^a" added"#])
        #expect(added.first?.isUndecidable == false)
        #expect(brokenDirections(added) == [.backward])
    }

    @Test("format changes are findings with a note; uri to uri-reference widens")
    func formats() throws {
        let f = try compatibilityFindings(##"{"type": "string"}"##, ##"{"type": "string", "format": "email"}"##)
        #expect(f.map(\.pointer) == ["/format"])
        #expect(f.first?.change.contains("format-assertion") == true)
        #expect(brokenDirections(f) == [.backward])
        let g = try compatibilityFindings(##"{"type": "string", "format": "uri"}"##, ##"{"type": "string", "format": "uri-reference"}"##)
        #expect(brokenDirections(g) == [.forward])
        let h = try compatibilityFindings(##"{"type": "string", "format": "date"}"##, ##"{"type": "string", "format": "date-time"}"##)
        #expect(brokenDirections(h) == [.backward, .forward])
    }

    // MARK: arrays

    @Test("uniqueItems, items, prefixItems and contains")
    func arrays() throws {
        let unique = try compatibilityFindings(##"{"type": "array"}"##, ##"{"type": "array", "uniqueItems": true}"##)
        #expect(unique.map(\.pointer) == ["/uniqueItems"])
        #expect(brokenDirections(unique) == [.backward])

        let items = try compatibilityFindings(##"{"type": "array", "items": {"type": ["string", "integer"]}}"##,
                                              ##"{"type": "array", "items": {"type": "string"}}"##)
        #expect(items.map(\.pointer) == ["/items/type"])
        #expect(brokenDirections(items) == [.backward])

        // A new prefix position narrows what the old `items` allowed there.
        let prefix = try compatibilityFindings(##"{"type": "array", "items": {"type": "string"}}"##,
                                               ##"{"type": "array", "prefixItems": [{"const": "v2"}], "items": {"type": "string"}}"##)
        #expect(prefix.map(\.pointer) == ["/prefixItems/0/const"])
        #expect(prefix.first?.change.hasPrefix("array item 0: const added") == true)
        #expect(brokenDirections(prefix) == [.backward])

        // Draft 7's array form of `items` against 2020-12's prefixItems: the same positions.
        #expect(try compatibilityFindings(
            ##"{"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "string"}], "additionalItems": false}"##,
            ##"{"prefixItems": [{"type": "string"}], "items": false}"##).isEmpty)

        let contains = try compatibilityFindings(##"{"type": "array"}"##, ##"{"type": "array", "contains": {"const": 1}}"##)
        #expect(brokenDirections(contains) == [.backward])
        let containsWider = try compatibilityFindings(##"{"contains": {"const": 1}}"##, ##"{"contains": {"enum": [1, 2]}}"##)
        #expect(brokenDirections(containsWider) == [.forward])
    }

    // MARK: $ref

    @Test("a changed $ref target: equal = nothing, narrower = backward, unresolvable = undecidable")
    func referenceTargets() throws {
        let defs = ##""$defs": {"address": {"type": "object", "properties": {"zip": {"type": "string", "maxLength": 10}}}, "addressCopy": {"type": "object", "properties": {"zip": {"type": "string", "maxLength": 10}}}, "strictAddress": {"type": "object", "properties": {"zip": {"type": "string", "maxLength": 5}}}}"##
        let old = ##"{\##(defs), "properties": {"shipping": {"$ref": "#/$defs/address"}}}"##
        let equal = ##"{\##(defs), "properties": {"shipping": {"$ref": "#/$defs/addressCopy"}}}"##
        let narrower = ##"{\##(defs), "properties": {"shipping": {"$ref": "#/$defs/strictAddress"}}}"##
        let elsewhere = ##"{\##(defs), "properties": {"shipping": {"$ref": "address.json"}}}"##

        #expect(try compatibilityFindings(old, equal).isEmpty)

        let f = try compatibilityFindings(old, narrower)
        #expect(f.count == 1, "\(f)")
        #expect(f.first?.pointer == "/$defs/strictAddress/properties/zip/maxLength")
        #expect(f.first?.change == ##"$ref at /properties/shipping changed from "#/$defs/address" to "#/$defs/strictAddress": maxLength lowered from 10 to 5"##)
        #expect(f.first?.breaks == [.backward])

        let u = try compatibilityFindings(old, elsewhere)
        #expect(u.count == 1, "\(u)")
        #expect(u.first?.pointer == "/properties/shipping/$ref")
        #expect(u.first?.isUndecidable == true)
        #expect(u.first?.breaks == [.backward, .forward])
        #expect(u.first?.change.contains("file:///schemas/orders/address.json") == true)

        // An unresolvable reference that did not change is no change.
        #expect(try compatibilityFindings(elsewhere, elsewhere).isEmpty)

        // Anchors and $id-based references resolve like pointers.
        let anchored = ##"{"$defs": {"a": {"$anchor": "addr", "type": "string", "maxLength": 5}}, "properties": {"s": {"$ref": "#addr"}}}"##
        let anchoredOld = ##"{"$defs": {"a": {"$anchor": "addr", "type": "string", "maxLength": 9}}, "properties": {"s": {"$ref": "#addr"}}}"##
        let a = try compatibilityFindings(anchoredOld, anchored)
        #expect(a.map(\.pointer) == ["/$defs/a/maxLength"])
        let byID = ##"{"$defs": {"a": {"$id": "https://example.com/money", "type": "number", "minimum": 0}}, "properties": {"total": {"$ref": "https://example.com/money"}}}"##
        let byIDOld = ##"{"$defs": {"a": {"$id": "https://example.com/money", "type": "number"}}, "properties": {"total": {"$ref": "https://example.com/money"}}}"##
        let i = try compatibilityFindings(byIDOld, byID)
        #expect(i.map(\.pointer) == ["/$defs/a/minimum"])
        #expect(brokenDirections(i) == [.backward])
    }

    @Test("references that leave the document go through resolve")
    func externalReferences() throws {
        let documents: [String: JSONValue] = [
            "file:///schemas/customer/1.json": try JSONValue(parsing: ##"{"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}"##),
            "file:///schemas/customer/2.json": try JSONValue(parsing: ##"{"type": "object", "properties": {"id": {"type": "string"}, "tier": {"type": "string"}}, "required": ["id", "tier"]}"##),
            "file:///schemas/customer/2.json#/properties/id": try JSONValue(parsing: ##"{"type": "string"}"##),
        ]
        var asked: [String] = []
        let resolve: (String) -> JSONValue? = { uri in
            asked.append(uri)
            return documents[uri]
        }
        let old = ##"{"properties": {"customer": {"$ref": "../customer/1.json"}}}"##
        let new = ##"{"properties": {"customer": {"$ref": "../customer/2.json"}}}"##
        let f = try compatibilityFindings(old, new, resolve: resolve)
        #expect(asked.sorted() == ["file:///schemas/customer/1.json", "file:///schemas/customer/2.json"])
        let required = f.filter { $0.change.contains(#"property "tier" became required"#) }
        #expect(required.count == 1, "\(f)")
        #expect(required.first?.pointer == "/properties/customer/$ref")
        #expect(required.first?.change.hasPrefix(#"$ref at /properties/customer changed from "../customer/1.json" to "../customer/2.json": in file:///schemas/customer/2.json at /required/1: "#) == true)
        #expect(brokenDirections(f) == [.backward])

        // The same external target on both sides compares equal.
        #expect(try compatibilityFindings(new, new, resolve: resolve).isEmpty)
        // A fragment is passed along with the URI.
        let fragment = ##"{"properties": {"id": {"$ref": "../customer/2.json#/properties/id"}}}"##
        #expect(try compatibilityFindings(##"{"properties": {"id": {"type": "string"}}}"##, fragment, resolve: resolve).isEmpty)
    }

    @Test("references with fragments into a store's documents: pointers and anchors resolve inside them")
    func storeReferences() throws {
        var store = JSONSchemaStore()
        store.add(try JSONValue(parsing: ##"{"$id": "https://example.com/money.json", "$defs": {"amount": {"$anchor": "amount", "type": "integer", "minimum": 0}, "wide": {"type": "integer"}}}"##),
                  uri: "file:///schemas/common/1.json")
        let old = try JSONValue(parsing: ##"{"properties": {"total": {"$ref": "https://example.com/money.json#/$defs/wide"}}}"##)
        let byPointer = try JSONValue(parsing: ##"{"properties": {"total": {"$ref": "https://example.com/money.json#/$defs/amount"}}}"##)
        let byAnchor = try JSONValue(parsing: ##"{"properties": {"total": {"$ref": "https://example.com/money.json#amount"}}}"##)
        for new in [byPointer, byAnchor] {
            let f = SchemaCompatibility.compare(old: old, new: new, oldURI: "file:///schemas/orders/1.json",
                                                newURI: "file:///schemas/orders/2.json", store: store)
            #expect(f.count == 1, "\(f)")
            #expect(f.first?.pointer == "/properties/total/$ref")
            #expect(f.first?.isUndecidable == false)
            #expect(f.first?.breaks == [.backward])
            #expect(f.first?.change.contains("minimum") == true, "\(f)")
        }
        // The same anchor on both sides is no change; an anchor the document lacks is undecidable.
        #expect(SchemaCompatibility.compare(old: byAnchor, new: byAnchor, oldURI: "file:///a.json", newURI: "file:///b.json", store: store).isEmpty)
        let missing = try JSONValue(parsing: ##"{"properties": {"total": {"$ref": "https://example.com/money.json#nowhere"}}}"##)
        let f = SchemaCompatibility.compare(old: byAnchor, new: missing, oldURI: "file:///a.json", newURI: "file:///b.json", store: store)
        #expect(f.count == 1 && f.first?.isUndecidable == true, "\(f)")
    }

    @Test("recursive schemas terminate and still find changes inside the cycle")
    func recursion() throws {
        let tree = ##"{"$defs": {"node": {"type": "object", "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}, "$ref": "#/$defs/node"}"##
        let treeMin = ##"{"$defs": {"node": {"type": "object", "properties": {"value": {"type": "integer", "minimum": 0}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}, "$ref": "#/$defs/node"}"##
        #expect(try compatibilityFindings(tree, tree).isEmpty)
        let f = try compatibilityFindings(tree, treeMin)
        #expect(f.map(\.pointer) == ["/$defs/node/properties/value/minimum"])
        #expect(brokenDirections(f) == [.backward])
        let selfRef = ##"{"properties": {"next": {"$ref": "#"}}, "type": "object"}"##
        #expect(try compatibilityFindings(selfRef, selfRef).isEmpty)
    }

    // MARK: whole schemas

    @Test("an unchanged schema has no findings, whatever its annotations")
    func unchanged() throws {
        let schema = ##"{"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Order", "type": "object", "properties": {"id": {"type": "string", "pattern": "^o"}, "lines": {"type": "array", "items": {"$ref": "#/$defs/line"}}}, "required": ["id"], "additionalProperties": false, "$defs": {"line": {"type": "object", "oneOf": [{"required": ["sku"]}, {"required": ["bundle"]}]}}}"##
        #expect(try compatibilityFindings(schema, schema).isEmpty)
        let annotated = schema.replacingOccurrences(of: #""title": "Order""#, with: #""title": "Order v2", "description": "now documented""#)
        #expect(try compatibilityFindings(schema, annotated).isEmpty)
        #expect(try compatibilityFindings("true", "{}").isEmpty)
        #expect(try compatibilityFindings("false", ##"{"not": {}}"##).isEmpty)
    }

    @Test("boolean schemas: true to false breaks backward, false to true forward")
    func booleans() throws {
        let f = try compatibilityFindings(##"{"properties": {"x": true}}"##, ##"{"properties": {"x": false}}"##)
        #expect(f.map(\.pointer) == ["/properties/x"])
        #expect(brokenDirections(f) == [.backward])
        let g = try compatibilityFindings(##"{"properties": {"x": false}}"##, ##"{"properties": {"x": {"type": "string"}}}"##)
        #expect(brokenDirections(g) == [.forward])
    }

    @Test("nested changes carry the full pointer")
    func nested() throws {
        let old = ##"{"type": "object", "properties": {"lines": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string", "maxLength": 10}, "qty": {"type": "integer"}}, "required": ["sku"]}}}}"##
        let new = ##"{"type": "object", "properties": {"lines": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string", "maxLength": 8}, "qty": {"type": "integer"}}, "required": ["sku", "qty"]}}}}"##
        let f = try compatibilityFindings(old, new)
        #expect(f.map(\.pointer) == ["/properties/lines/items/properties/sku/maxLength", "/properties/lines/items/required/1"])
        #expect(f.map(\.change) == ["maxLength lowered from 10 to 8", #"property "qty" became required"#])
        #expect(brokenDirections(f) == [.backward])
    }

    @Test("findings come in document order of the new schema, then removals in the old one")
    func order() throws {
        let old = ##"{"type": "object", "properties": {"a": {"maximum": 5}, "b": {"type": "string"}, "c": {"minimum": 1}}, "required": ["a"]}"##
        let new = ##"{"type": "object", "required": ["a", "b"], "properties": {"c": {}, "b": {"type": "string", "maxLength": 3}, "a": {"maximum": 4}}}"##
        let f = try compatibilityFindings(old, new)
        #expect(f.map(\.pointer) == ["/required/1", "/properties/b/maxLength", "/properties/a/maximum", "/properties/c/minimum"], "\(f)")
        #expect(f.map(\.pointerIsInOldSchema) == [false, false, false, true])
        #expect(try compatibilityFindings(old, new) == f)
    }

    // MARK: combinators

    @Test("not reverses directions; oneOf with a discriminator compares branch by branch")
    func combinators() throws {
        let not = try compatibilityFindings(##"{"not": {"type": "string"}}"##, ##"{"not": {"type": ["string", "null"]}}"##)
        #expect(not.map(\.pointer) == ["/not/type"])
        #expect(brokenDirections(not) == [.backward])

        let tagged = ##"{"oneOf": [{"properties": {"kind": {"const": "card"}, "last4": {"type": "string"}}, "required": ["kind"]}, {"properties": {"kind": {"const": "iban"}}, "required": ["kind"]}]}"##
        let taggedNarrow = ##"{"oneOf": [{"properties": {"kind": {"const": "card"}, "last4": {"type": "string", "maxLength": 4}}, "required": ["kind"]}, {"properties": {"kind": {"const": "iban"}}, "required": ["kind"]}]}"##
        let t = try compatibilityFindings(tagged, taggedNarrow)
        #expect(t.map(\.pointer) == ["/oneOf/0/properties/last4/maxLength"])
        #expect(t.first?.isUndecidable == false)
        #expect(brokenDirections(t) == [.backward])

        // Overlapping oneOf alternatives: a change inside one cannot be judged on its own.
        let overlapping = try compatibilityFindings(##"{"oneOf": [{"type": "string"}, {"maxLength": 3}]}"##,
                                                    ##"{"oneOf": [{"type": "string"}, {"maxLength": 4}]}"##)
        #expect(overlapping.count == 1)
        #expect(overlapping.first?.isUndecidable == true)

        // anyOf: an added alternative breaks forward, a removed one backward.
        let two = ##"{"anyOf": [{"type": "string"}, {"type": "integer"}]}"##
        let three = ##"{"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}]}"##
        let added = try compatibilityFindings(two, three)
        #expect(added.map(\.pointer) == ["/anyOf/2"])
        #expect(brokenDirections(added) == [.forward])
        #expect(brokenDirections(try compatibilityFindings(three, two)) == [.backward])
        #expect(try compatibilityFindings(two, ##"{"anyOf": [{"type": "integer"}, {"type": "string"}]}"##).isEmpty)

        // A changed if condition is undecidable; changed then/else branches under the same if are compared.
        let cond = ##"{"if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["x"]}}"##
        let condChanged = ##"{"if": {"properties": {"kind": {"const": "b"}}}, "then": {"required": ["x"]}}"##
        let c = try compatibilityFindings(cond, condChanged)
        #expect(c.map(\.pointer) == ["/if"])
        #expect(c.first?.isUndecidable == true)
        let thenChanged = ##"{"if": {"properties": {"kind": {"const": "a"}}}, "then": {"required": ["x", "y"]}}"##
        #expect(try compatibilityFindings(cond, thenChanged).map(\.pointer) == ["/then/required/1"])

        // allOf: an added branch is an added constraint, judged against the whole old schema.
        let base = ##"{"type": "object", "properties": {"id": {"type": "string"}}}"##
        let withBranch = ##"{"type": "object", "properties": {"id": {"type": "string"}}, "allOf": [{"required": ["id"]}]}"##
        let b = try compatibilityFindings(base, withBranch)
        #expect(b.map(\.pointer) == ["/allOf/0/required/0"])
        #expect(brokenDirections(b) == [.backward])
    }

    @Test("dependentRequired and dependentSchemas")
    func dependencies() throws {
        let f = try compatibilityFindings(##"{"dependentRequired": {"card": ["cvc"]}}"##,
                                          ##"{"dependentRequired": {"card": ["cvc", "expiry"]}}"##)
        #expect(f.map(\.change) == [#"property "expiry" became required when "card" is present"#])
        #expect(brokenDirections(f) == [.backward])
        let draft7 = try compatibilityFindings(##"{"$schema": "http://json-schema.org/draft-07/schema#", "dependencies": {"card": ["cvc", "expiry"]}}"##,
                                               ##"{"$schema": "http://json-schema.org/draft-07/schema#", "dependencies": {"card": ["cvc"]}}"##)
        #expect(brokenDirections(draft7) == [.forward])
        let schemas = try compatibilityFindings(##"{"dependentSchemas": {"card": {"properties": {"cvc": {"type": "string"}}}}}"##,
                                                ##"{"dependentSchemas": {"card": {"properties": {"cvc": {"type": "string", "minLength": 3}}}}}"##)
        #expect(schemas.map(\.pointer) == ["/dependentSchemas/card/properties/cvc/minLength"])
    }
}

@Suite("Schema compatibility: closed objects built from parts")
struct SchemaCompatibilityCompositionTests {
    static let base = ##"{"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}"##
    static let baseWithTier = ##"{"type": "object", "properties": {"id": {"type": "string"}, "tier": {"type": "string"}}, "required": ["id"]}"##

    static func order(base: String) -> String {
        ##"{"$defs": {"base": \##(base)}, "allOf": [{"$ref": "#/$defs/base"}], "properties": {"total": {"type": "number"}}, "unevaluatedProperties": false}"##
    }

    @Test("a property added to an allOf base under unevaluatedProperties: false breaks forward only")
    func addedToBase() throws {
        let f = try compatibilityFindings(Self.order(base: Self.base), Self.order(base: Self.baseWithTier))
        #expect(brokenDirections(f) == [.forward], "\(f)")
        #expect(f.contains { $0.pointer == "/$defs/base/properties/tier" && $0.change.contains("unevaluatedProperties: false") }, "\(f)")
        // Removing it again breaks backward only: old data may carry it, the new schema rejects it.
        let g = try compatibilityFindings(Self.order(base: Self.baseWithTier), Self.order(base: Self.base))
        #expect(brokenDirections(g) == [.backward], "\(g)")
    }

    @Test("with $ref next to properties (2020-12), the referenced base counts as evaluated")
    func refSibling() throws {
        let old = ##"{"$defs": {"base": \##(Self.base)}, "$ref": "#/$defs/base", "properties": {"total": {"type": "number"}}, "unevaluatedProperties": false}"##
        let new = ##"{"$defs": {"base": \##(Self.baseWithTier)}, "$ref": "#/$defs/base", "properties": {"total": {"type": "number"}}, "unevaluatedProperties": false}"##
        #expect(try compatibilityFindings(old, old).isEmpty)
        #expect(brokenDirections(try compatibilityFindings(old, new)) == [.forward])
    }

    @Test("a changed allOf under unevaluatedProperties is undecidable rather than silently compatible")
    func restructured() throws {
        let old = ##"{"properties": {"a": {}}, "allOf": [{"patternProperties": {"^x-": {}}}], "unevaluatedProperties": false}"##
        let new = ##"{"properties": {"a": {}}, "unevaluatedProperties": false}"##
        let f = try compatibilityFindings(old, new)
        #expect(f.contains { $0.isUndecidable && $0.breaks(.backward) }, "\(f)")
    }
}
