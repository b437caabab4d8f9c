import Foundation

/// RFC 3339 UTC timestamps with milliseconds (`2026-11-26T10:15:30.123Z`), from and to milliseconds
/// since the Unix epoch, without Foundation's date formatters (locale- and time-zone-free, and fast).
public enum RFC3339Time {
    /// Now, in milliseconds since the Unix epoch: what `tollgate.quarantined-at` records.
    public static func nowMilliseconds() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970 * 1000))
    }

    private static let millisecondsPerDay: UInt64 = 86_400_000

    /// Formats `milliseconds` since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public static func format(milliseconds: UInt64) -> String {
        let days = Int64(milliseconds / millisecondsPerDay)
        var rest = milliseconds % millisecondsPerDay
        let millis = rest % 1000
        rest /= 1000
        let second = rest % 60
        rest /= 60
        let minute = rest % 60
        let hour = rest / 60
        let (year, month, day) = civil(fromDays: days)
        var out = ""
        out.reserveCapacity(24)
        out += padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
        out += "T" + padded(Int64(hour), 2) + ":" + padded(Int64(minute), 2) + ":" + padded(Int64(second), 2)
        out += "." + padded(Int64(millis), 3) + "Z"
        return out
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` (`t` and `z` accepted too) into
    /// milliseconds since the Unix epoch; digits of the fraction after the third are ignored.
    /// `nil` for anything else, or for a time before 1970.
    public static func parse(_ text: String) -> UInt64? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ count: Int) -> Int64? {
            guard i + count <= b.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                let d = b[i]
                guard d >= UInt8(ascii: "0"), d <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(d - UInt8(ascii: "0"))
                i += 1
            }
            return value
        }
        func expect(_ c: UInt8...) -> Bool {
            guard i < b.count, c.contains(b[i]) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
              let day = digits(2), expect(UInt8(ascii: "T"), UInt8(ascii: "t")),
              let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2), expect(UInt8(ascii: ":")),
              let second = digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
              hour < 24, minute < 60, second < 60
        else { return nil }
        var millis: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
                if count < 3 { millis = millis * 10 + Int64(b[i] - UInt8(ascii: "0")) }
                count += 1
                i += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<max(count, 3) { millis *= 10 }
        }
        var offsetMinutes: Int64 = 0
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
            i += 1
        } else {
            let negative = b[i] == UInt8(ascii: "-")
            guard expect(UInt8(ascii: "+"), UInt8(ascii: "-")), let oh = digits(2), expect(UInt8(ascii: ":")),
                  let om = digits(2), oh < 24, om < 60
            else { return nil }
            offsetMinutes = (oh * 60 + om) * (negative ? -1 : 1)
        }
        guard i == b.count else { return nil }
        let days = self.days(fromCivil: year, month, day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        let total = seconds * 1000 + millis
        return total >= 0 ? UInt64(total) : nil
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).

    private static func civil(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func days(fromCivil y0: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
