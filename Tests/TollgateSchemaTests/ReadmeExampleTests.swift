import Testing
import TollgateSchema

/// The embedding example from README.md, kept compiling and passing here (no @testable: it uses only
/// the public API, as a user's code would).
@Suite("README example")
struct ReadmeExampleTests {
    @Test("compile once, validate many")
    func example() throws {
        // --- README: embedding ---
        let schema = try JSONSchema(parsing: Array(#"""
            {"type": "object", "required": ["id"],
             "properties": {"id": {"type": "string", "format": "uuid"}, "qty": {"type": "integer", "minimum": 1}}}
            """#.utf8), options: JSONSchemaOptions(formatAssertion: true))

        let validator = schema.makeValidator()          // one per task: reuses its buffers
        let message = Array(#"{"id": "not-a-uuid", "qty": 0}"#.utf8)
        if try !validator.isValid(json: message) {       // fast verdict
            let result = try validator.validate(json: message)   // details, only when needed
            for error in result.errors {
                print(error.instanceLocation, error.keywordLocation, error.message)
            }
        }
        // --- end ---
        let result = try validator.validate(json: message)
        #expect(result.errors.map(\.instanceLocation) == ["/id", "/qty"])
    }
}
