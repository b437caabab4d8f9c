import TollgateSchema

/// Prints one result per document, in text or JSON lines, and counts the outcomes for the exit status.
final class ValidationReport {
    let format: OutputFormat
    private let output = StandardOutput()
    private(set) var validCount = 0
    private(set) var invalidCount = 0
    private(set) var unreadableCount = 0

    init(format: OutputFormat) {
        self.format = format
    }

    /// Records a document that was parsed and validated.
    func record(_ name: String, _ result: ValidationResult) {
        if result.isValid { validCount += 1 } else { invalidCount += 1 }
        switch format {
        case .text:
            output.writeLine("\(name): \(result.isValid ? "valid" : "invalid")")
            for error in result.errors {
                let instance = error.instanceLocation.isEmpty ? "/" : error.instanceLocation
                let keyword = error.keywordLocation.isEmpty ? "/" : error.keywordLocation
                output.writeLine("  \(instance): \(error.message) (at \(keyword))")
            }
        case .json:
            output.writeLine(ValidationReport.jsonLine(name, valid: result.isValid, errors: result.errors.map(\.jsonValue)))
        }
    }

    /// Records a document that is not acceptable JSON: an invalid document, not an input error.
    func record(_ name: String, notJSON error: JSONParseError) {
        invalidCount += 1
        let message = ValidationReport.describe(error)
        switch format {
        case .text:
            output.writeLine("\(name): \(message)")
        case .json:
            let error = TollgateSchema.ValidationError(instanceLocation: "", keywordLocation: "",
                                                       absoluteKeywordLocation: "", message: message)
            output.writeLine(ValidationReport.jsonLine(name, valid: false, errors: [error.jsonValue]))
        }
    }

    /// Reports an input that could not be read on standard error; the others are still validated.
    func recordUnreadable(_ message: String) {
        unreadableCount += 1
        output.flush()
        StandardError.write("tollgate: \(message)")
    }

    /// Writes out buffered results, e.g. between chunks of a long stream.
    func flush() {
        output.flush()
    }

    /// Flushes the output, prints the text summary on standard error, and returns the exit status:
    /// 2 if an input could not be read, else 1 if a document was invalid, else 0.
    func finish() -> Int32 {
        output.flush()
        if format == .text {
            let total = validCount + invalidCount
            var summary = "tollgate: \(total) \(total == 1 ? "document" : "documents"): \(validCount) valid, \(invalidCount) invalid"
            if unreadableCount > 0 { summary += ", \(unreadableCount) not readable" }
            StandardError.write(summary)
        }
        if unreadableCount > 0 { return CommandFailure.usageStatus }
        return invalidCount > 0 ? 1 : 0
    }

    /// `invalid JSON at line L, column C: message`, with a hint when a limit was exceeded.
    static func describe(_ error: JSONParseError) -> String {
        // The parser reports an oversized document at line 0: it never looked inside.
        var text = error.line > 0 ? "invalid JSON at line \(error.line), column \(error.column): \(error.message)"
                                  : "invalid JSON: \(error.message)"
        switch error.code {
        case .depthLimitExceeded: text += " (see --max-depth)"
        case .sizeLimitExceeded: text += " (see --max-bytes)"
        default: break
        }
        return text
    }

    /// `{"document":...,"valid":...,"errors":[...]}`. Every value goes through ``JSONValue``'s serializer;
    /// only the fixed envelope is spelled out, which keeps a valid document's line free of the
    /// allocations of a ``JSONObject`` (a third of the run time on a large capture).
    private static func jsonLine(_ name: String, valid: Bool, errors: [JSONValue]) -> String {
        var line = #"{"document":"#
        line += JSONValue.string(name).serialized()
        line += valid ? #","valid":true,"errors":"# : #","valid":false,"errors":"#
        line += errors.isEmpty ? "[]" : JSONValue.array(errors).serialized()
        line += "}"
        return line
    }
}
