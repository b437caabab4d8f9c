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

    @Test("the default parse depth fits the default stack budget")
    func defaultDepthFits() throws {
        #if DEBUG
        // Unoptimized frames are several times larger; the default is sized for optimized builds.
        let options = JSONSchemaOptions(maxEvaluationStackBytes: 1024 * 1024)
        #else
        let options = JSONSchemaOptions()
        #endif
        let schema = try JSONSchema(Self.recursive, options: options)
        let text = Self.nestedArrays(JSONParseLimits.default.maxDepth)
        let result = Self.onThread(stackSize: options.maxEvaluationStackBytes + 512 * 1024) {
            (try? schema.validate(json: Array(text.utf8)))
        }
        #expect(result?.isValid == true, "\(result?.errors.first?.message ?? "parse error")")
    }

    @Test("deeper than the stack budget: invalid with a message, not a crash, on a 512 KiB thread")
    func beyondBudget() throws {
        let options = JSONSchemaOptions(parseLimits: JSONParseLimits(maxDepth: 50_000), maxEvaluationDepth: 1_000_000)
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
            #expect(result.errors.count < 600, "\(combinator): \(result.errors.count) errors")
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
