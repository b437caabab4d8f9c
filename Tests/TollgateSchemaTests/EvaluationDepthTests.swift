import Foundation
import Testing
@testable import TollgateSchema

/// Deep instances against recursive schemas end in a verdict, never a stack overflow, even on the
/// small stacks of worker threads.
@Suite("Evaluation depth")
struct EvaluationDepthTests {
    /// Runs `body` on a thread with a `stackSize`-byte stack and waits for it.
    static func onThread<T: Sendable>(stackSize: Int, _ body: @escaping @Sendable () -> T) -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = body()
            done.signal()
        }
        thread.stackSize = stackSize
        thread.start()
        done.wait()
        return box.value!
    }

    static func nestedArrays(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    static let recursive: JSONValue = ["items": ["$ref": "#"], "type": "array"]

    @Test("stack used per level of a recursive schema, printed for the record")
    func measure() throws {
        let schema = try JSONSchema(Self.recursive, options: JSONSchemaOptions(maxEvaluationStackBytes: 2 * 1024 * 1024))
        let document = try JSONDocument(parsing: Self.nestedArrays(60))
        let used = document.withView { view in
            var evaluator = Evaluator<ErrorsMode>(program: schema.program, view: view, stopAtFirstError: false)
            let valid = evaluator.run()
            #expect(valid)
            return evaluator.deepestStackUse
        }
        print("evaluation stack: \(used) bytes for 60 levels, \(used / 60) per level")
        #expect(used > 0)
    }

    @Test("documents within the default parse depth validate alike in every mode")
    func defaultDepthFits() throws {
        // Three schemas are entered per level of nesting here: node -> wrap (oneOf) -> arr (items).
        let schema = try JSONSchema(parsing: Array(##"""
            {"$defs": {"node": {"allOf": [{"$ref": "#/$defs/wrap"}]},
                       "wrap": {"oneOf": [{"type": "integer"}, {"$ref": "#/$defs/arr"}]},
                       "arr": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
             "$ref": "#/$defs/node"}
            """##.utf8))
        for depth in [1, 85, JSONParseLimits.default.maxDepth - 1] {
            let text = String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
            let (verdict, result) = Self.onThread(stackSize: 8 * 1024 * 1024) {
                ((try? schema.isValid(json: Array(text.utf8))), (try? schema.validate(json: Array(text.utf8))))
            }
            #expect(verdict == true, "depth \(depth)")
            #expect(result?.isValid == true, "depth \(depth): \(result?.errors.last?.message ?? "parse error")")
        }
        // The same through a draft meta-schema: a schema of nested "items", 120 levels of JSON deep, is valid.
        let meta = try JSONSchema(["$ref": "https://json-schema.org/draft/2019-09/schema"])
        var nested: JSONValue = ["type": "integer"]
        for _ in 0..<60 { nested = ["items": nested] }
        let document = try JSONDocument(parsing: Array(nested.serialized().utf8))
        #expect(meta.isValid(document))
        #expect(meta.validate(document).isValid)
    }

    @Test("deeper than the stack budget: invalid with a message, not a crash, on a 512 KiB thread")
    func beyondBudget() throws {
        let options = JSONSchemaOptions(parseLimits: JSONParseLimits(maxDepth: 50_000), maxEvaluationDepth: 1_000_000,
                                        maxEvaluationStackBytes: 256 * 1024)
        let schema = try JSONSchema(Self.recursive, options: options)
        let text = Self.nestedArrays(20_000)
        let (verdict, result) = Self.onThread(stackSize: 512 * 1024) {
            ((try? schema.isValid(json: Array(text.utf8))), (try? schema.validate(json: Array(text.utf8))))
        }
        #expect(verdict == false)
        #expect(result?.isValid == false)
        #expect(result?.errors.last?.message.contains("KiB of stack") == true, "\(String(describing: result?.errors.last))")
    }

    @Test("branching $ref cycles end at the first limit instead of multiplying the work")
    func branchingCycle() throws {
        for combinator in ["allOf", "anyOf", "oneOf"] {
            let schema = try JSONSchema(parsing: Array(##"{"$defs": {"a": {"\##(combinator)": [{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}"##.utf8))
            let clock = ContinuousClock()
            var result = ValidationResult.valid
            let elapsed = try clock.measure { result = try schema.validate(json: Array("1".utf8)) }
            #expect(!result.isValid)
            #expect(elapsed < .seconds(2), "\(combinator) took \(elapsed)")
            #expect(result.errors.count < 5_000, "\(combinator): \(result.errors.count) errors (one per level at most)")
            #expect(try schema.isValid(json: Array("1".utf8)) == false)
        }
    }

    @Test("alternatives that re-evaluate deep values are cut off by the step budget")
    func exponentialAlternatives() throws {
        // Each level tries the first alternative (which evaluates the whole subtree with `items`,
        // then fails `contains`) and then the second: 2^depth evaluations without a budget.
        // A generous stack budget, so that in unoptimized builds too the step budget is what ends it.
        let schema = try JSONSchema(parsing: Array(##"{"anyOf": [{"items": {"$ref": "#"}, "contains": {"type": "string"}}, {"items": {"$ref": "#"}}]}"##.utf8),
                                    options: JSONSchemaOptions(maxEvaluationStackBytes: 4 * 1024 * 1024))
        let text = Self.nestedArrays(40)
        let clock = ContinuousClock()
        var verdict = true
        let elapsed = try clock.measure { verdict = try schema.isValid(json: Array(text.utf8)) }
        #expect(!verdict)
        #expect(elapsed < .seconds(2), "took \(elapsed)")
        let result = try schema.validate(json: Array(text.utf8))
        #expect(result.errors.last?.message.contains("budget of 100 steps per JSON value") == true, "\(result.errors.suffix(1))")
        // Shallow documents are unaffected: the same schema accepts a small nesting.
        #expect(try schema.isValid(json: Array(Self.nestedArrays(6).utf8)))
    }

    @Test("a $ref cycle that never consumes the instance ends at the depth limit")
    func refCycle() throws {
        let schema = try JSONSchema(["$defs": ["a": ["$ref": "#/$defs/b"], "b": ["anyOf": [["$ref": "#/$defs/a"]]]],
                                    "$ref": "#/$defs/a"])
        let result = try schema.validate(json: Array("1".utf8))
        #expect(!result.isValid)
        #expect(result.errors.contains { $0.message.contains("levels deep") || $0.message.contains("KiB of stack") })
        #expect(try schema.isValid(json: Array("1".utf8)) == false)
    }
}

/// Carries a worker thread's result back.
final class ResultBox<T>: @unchecked Sendable {
    // Written once by the worker thread before it signals the semaphore the reader waits on.
    var value: T?
}
