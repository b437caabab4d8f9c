import Testing
import TollgateSchema

/// A realistic subject, `orders`, in three versions, checked pairwise and transitively the way a
/// registry would: v2 evolves v1 compatibly for readers on v2 (backward), v3 breaks them.
@Suite("Schema compatibility: the orders subject")
struct SchemaCompatibilityOrdersTests {
    /// Version 1: a closed order with a customer and lines.
    static let v1 = ##"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "https://schemas.example.com/orders/1.json",
      "title": "Order",
      "type": "object",
      "properties": {
        "orderId": {"type": "string", "pattern": "^ord_[0-9a-z]{12}$"},
        "placedAt": {"type": "string", "format": "date-time"},
        "customer": {"$ref": "#/$defs/customer"},
        "lines": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"$ref": "#/$defs/line"}},
        "currency": {"enum": ["EUR", "USD"]},
        "total": {"type": "number", "minimum": 0},
        "note": {"type": "string", "maxLength": 500}
      },
      "required": ["orderId", "placedAt", "customer", "lines", "currency", "total"],
      "additionalProperties": false,
      "$defs": {
        "customer": {
          "type": "object",
          "properties": {
            "id": {"type": "string"},
            "email": {"type": "string", "format": "email"}
          },
          "required": ["id"],
          "additionalProperties": false
        },
        "line": {
          "type": "object",
          "properties": {
            "sku": {"type": "string", "minLength": 1},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
            "unitPrice": {"type": "number", "minimum": 0}
          },
          "required": ["sku", "quantity", "unitPrice"],
          "additionalProperties": false
        }
      }
    }
    """##

    /// Version 2: accepts more (a new currency, bigger quantities, a longer note, an optional
    /// channel), so readers on v2 still read v1 data; readers still on v1 cannot read all v2 data.
    static let v2 = ##"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "https://schemas.example.com/orders/2.json",
      "title": "Order",
      "description": "Adds GBP and the sales channel.",
      "type": "object",
      "properties": {
        "orderId": {"type": "string", "pattern": "^ord_[0-9a-z]{12}$"},
        "placedAt": {"type": "string", "format": "date-time"},
        "customer": {"$ref": "#/$defs/customer"},
        "lines": {"type": "array", "minItems": 1, "maxItems": 100, "items": {"$ref": "#/$defs/line"}},
        "currency": {"enum": ["EUR", "USD", "GBP"]},
        "total": {"type": "number", "minimum": 0},
        "note": {"type": "string", "maxLength": 1000},
        "channel": {"enum": ["web", "store", "phone"]}
      },
      "required": ["orderId", "placedAt", "customer", "lines", "currency", "total"],
      "additionalProperties": false,
      "$defs": {
        "customer": {
          "type": "object",
          "properties": {
            "id": {"type": "string"},
            "email": {"type": "string", "format": "email"}
          },
          "required": ["id"],
          "additionalProperties": false
        },
        "line": {
          "type": "object",
          "properties": {
            "sku": {"type": "string", "minLength": 1},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 999},
            "unitPrice": {"type": "number", "minimum": 0}
          },
          "required": ["sku", "quantity", "unitPrice"],
          "additionalProperties": false
        }
      }
    }
    """##

    /// Version 3: drops USD and the note, requires the customer's email, caps lines at 50 and moves
    /// lines to a stricter definition with an SKU pattern.
    static let v3 = ##"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "https://schemas.example.com/orders/3.json",
      "title": "Order",
      "type": "object",
      "properties": {
        "orderId": {"type": "string", "pattern": "^ord_[0-9a-z]{12}$"},
        "placedAt": {"type": "string", "format": "date-time"},
        "customer": {"$ref": "#/$defs/customer"},
        "lines": {"type": "array", "minItems": 1, "maxItems": 50, "items": {"$ref": "#/$defs/orderLine"}},
        "currency": {"enum": ["EUR", "GBP"]},
        "total": {"type": "number", "minimum": 0},
        "channel": {"enum": ["web", "store", "phone"]}
      },
      "required": ["orderId", "placedAt", "customer", "lines", "currency", "total"],
      "additionalProperties": false,
      "$defs": {
        "customer": {
          "type": "object",
          "properties": {
            "id": {"type": "string"},
            "email": {"type": "string", "format": "email"}
          },
          "required": ["id", "email"],
          "additionalProperties": false
        },
        "orderLine": {
          "type": "object",
          "properties": {
            "sku": {"type": "string", "minLength": 1, "pattern": "^[A-Z0-9-]+$"},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 999},
            "unitPrice": {"type": "number", "minimum": 0}
          },
          "required": ["sku", "quantity", "unitPrice"],
          "additionalProperties": false
        }
      }
    }
    """##

    static let versions = [v1, v2, v3]

    func compare(_ old: Int, _ new: Int) throws -> [CompatibilityFinding] {
        SchemaCompatibility.compare(old: try JSONValue(parsing: Self.versions[old - 1]), new: try JSONValue(parsing: Self.versions[new - 1]),
                                    oldURI: "file:///schemas/orders/\(old).json", newURI: "file:///schemas/orders/\(new).json")
    }

    /// Whether no finding breaks any of `directions` (undecidable findings count as breaking).
    func passes(_ findings: [CompatibilityFinding], _ directions: Set<CompatibilityDirection>) -> Bool {
        findings.allSatisfy { $0.breaks.isDisjoint(with: directions) }
    }

    @Test("v1 to v2 only widens: backward compatible, forward broken, each change named")
    func widening() throws {
        let f = try compare(1, 2)
        #expect(f.map(\.pointer) == [
            "/properties/currency/enum/2",
            "/properties/note/maxLength",
            "/properties/channel",
            "/$defs/line/properties/quantity/maximum",
        ], "\(f)")
        #expect(f.map(\.change) == [
            #"enum value "GBP" added"#,
            "maxLength raised from 500 to 1000",
            #"property "channel" added, but the old schema rejects undeclared properties (additionalProperties: false): new data carrying "channel" fails the old schema"#,
            "maximum raised from 99 to 999",
        ])
        #expect(f.allSatisfy { $0.breaks == [.forward] && !$0.isUndecidable && !$0.pointerIsInOldSchema })
        #expect(passes(f, [.backward]))
        #expect(!passes(f, [.forward]))
    }

    @Test("v2 to v3 narrows: backward broken by five changes, forward compatible")
    func narrowing() throws {
        let f = try compare(2, 3)
        #expect(f.map(\.pointer) == [
            "/properties/lines/maxItems",
            "/properties/currency/enum",
            "/$defs/customer/required/1",
            "/$defs/orderLine/properties/sku/pattern",
            "/properties/note",
        ], "\(f)")
        #expect(f.map(\.change) == [
            "maxItems lowered from 100 to 50",
            #"enum value "USD" removed"#,
            #"property "email" became required"#,
            ##"$ref at /properties/lines/items changed from "#/$defs/line" to "#/$defs/orderLine": pattern "^[A-Z0-9-]+$" added"##,
            #"property "note" removed, and the new schema rejects undeclared properties (additionalProperties: false): old data carrying "note" is now rejected"#,
        ])
        #expect(f.map(\.pointerIsInOldSchema) == [false, false, false, false, true])
        #expect(f.allSatisfy { $0.breaks == [.backward] && !$0.isUndecidable })
        #expect(passes(f, [.forward]))
        #expect(!passes(f, [.backward]))
    }

    @Test("transitive modes: v3 against every earlier version")
    func transitive() throws {
        // backward-transitive: v3 must read v1 and v2 data; it reads neither.
        let againstV1 = try compare(1, 3)
        let againstV2 = try compare(2, 3)
        #expect(!passes(againstV1, [.backward]) && !passes(againstV2, [.backward]))
        // forward-transitive fails on v1 only: v1 readers cannot read GBP, channels or 999 items.
        #expect(!passes(againstV1, [.forward]))
        #expect(passes(againstV2, [.forward]))
        // v1 to v3 sums up both steps: the widenings of v2 and the narrowings of v3, nothing else.
        let breaking = Set(againstV1.map { "\($0.pointer) \($0.breaks.map(\.rawValue).sorted())" })
        #expect(breaking == [
            #"/properties/lines/maxItems ["backward"]"#,
            #"/properties/currency/enum ["backward"]"#,
            #"/properties/currency/enum/1 ["forward"]"#,
            #"/properties/channel ["forward"]"#,
            #"/$defs/customer/required/1 ["backward"]"#,
            #"/$defs/orderLine/properties/sku/pattern ["backward"]"#,
            #"/$defs/orderLine/properties/quantity/maximum ["forward"]"#,
            #"/properties/note ["backward"]"#,
        ], "\(againstV1)")
        // Every version is fully compatible with itself.
        for v in 1...3 { #expect(try compare(v, v).isEmpty) }
    }
}
