/// `date-time`, `date` and `time` (RFC 3339 section 5.6) and `duration` (RFC 3339 appendix A).
///
/// Dates are proleptic Gregorian with real month lengths and leap years. A leap second (second 60)
/// is accepted only where the time, converted to UTC with its offset, is 23:59. `T` and `Z` may be
/// lower case (RFC 3339 section 5.6, note). Only ASCII digits count as digits.
enum FormatDateTime {
    static func isValidDateTime(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        // "YYYY-MM-DDTHH:MM:SSZ" is the shortest date-time.
        guard utf8.count >= 20, FormatASCII.lowercased(utf8[10]) == UInt8(ascii: "t") else {
            return false
        }
        return isFullDate(utf8, at: 0) && isFullTime(utf8, from: 11)
    }

    static func isValidDate(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        utf8.count == 10 && isFullDate(utf8, at: 0)
    }

    static func isValidTime(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        isFullTime(utf8, from: 0)
    }

    /// The two ASCII digits at `index` as a number, or -1 when either is not a digit.
    @inline(__always)
    private static func twoDigits(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let high = utf8[index] &- 0x30
        let low = utf8[index + 1] &- 0x30
        return high < 10 && low < 10 ? Int(high) &* 10 &+ Int(low) : -1
    }

    /// `full-date` in the ten bytes at `index`; the caller has checked that they exist.
    @inline(__always)
    private static func isFullDate(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let century = twoDigits(utf8, at: index)
        let yearOfCentury = twoDigits(utf8, at: index + 2)
        let month = twoDigits(utf8, at: index + 5)
        let day = twoDigits(utf8, at: index + 8)
        guard century >= 0, yearOfCentury >= 0, month >= 1, month <= 12, day >= 1,
              utf8[index + 4] == UInt8(ascii: "-"), utf8[index + 7] == UInt8(ascii: "-")
        else {
            return false
        }
        switch month {
        case 2:
            let isLeapYear = yearOfCentury == 0 ? century % 4 == 0 : yearOfCentury % 4 == 0
            return day <= (isLeapYear ? 29 : 28)
        case 4, 6, 9, 11:
            return day <= 30
        default:
            return day <= 31
        }
    }

    /// `full-time` from `start` to the end of `utf8`: `HH:MM:SS[.frac]` then `Z` or `+HH:MM` / `-HH:MM`.
    @inline(__always)
    private static func isFullTime(_ utf8: UnsafeBufferPointer<UInt8>, from start: Int) -> Bool {
        let end = utf8.count
        // "HH:MM:SSZ" is the shortest full-time.
        guard end - start >= 9 else { return false }
        let hour = twoDigits(utf8, at: start)
        let minute = twoDigits(utf8, at: start + 3)
        let second = twoDigits(utf8, at: start + 6)
        guard hour >= 0, hour <= 23, minute >= 0, minute <= 59, second >= 0, second <= 60,
              utf8[start + 2] == UInt8(ascii: ":"), utf8[start + 5] == UInt8(ascii: ":")
        else {
            return false
        }
        var index = start + 8
        if utf8[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < end, FormatASCII.isDigit(utf8[index]) {
                index += 1
            }
            guard index > fractionStart, index < end else { return false }
        }
        let offsetMinutes: Int
        let sign = utf8[index]
        if FormatASCII.lowercased(sign) == UInt8(ascii: "z") {
            guard index + 1 == end else { return false }
            offsetMinutes = 0
        } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            guard end - index == 6, utf8[index + 3] == UInt8(ascii: ":") else { return false }
            let offsetHour = twoDigits(utf8, at: index + 1)
            let offsetMinute = twoDigits(utf8, at: index + 4)
            guard offsetHour >= 0, offsetHour <= 23, offsetMinute >= 0, offsetMinute <= 59 else {
                return false
            }
            let magnitude = offsetHour * 60 + offsetMinute
            offsetMinutes = sign == UInt8(ascii: "+") ? magnitude : -magnitude
        } else {
            return false
        }
        guard second == 60 else { return true }
        // Leap seconds are inserted at the end of a UTC day; local time = UTC + offset.
        let utcMinuteOfDay = (hour * 60 + minute - offsetMinutes + 24 * 60) % (24 * 60)
        return utcMinuteOfDay == 23 * 60 + 59
    }

    /// `duration` (RFC 3339 appendix A): `P` then date elements in the order Y, M, D (each but the
    /// first only directly after its predecessor: `P1Y2D` is invalid), optional `T` and time elements
    /// H, M, S in the same way, or weeks alone (`P2W`). Values are unsigned integers of any length;
    /// no fractions. Designators are upper case, as ISO 8601 writes them.
    static func isValidDuration(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        let end = utf8.count
        guard end >= 3, utf8[0] == UInt8(ascii: "P") else { return false }
        var index = 1
        if utf8[index] != UInt8(ascii: "T") {
            // Position of the last date element in "YMD", or -1 before the first.
            var lastUnit = -1
            while index < end, utf8[index] != UInt8(ascii: "T") {
                guard let designator = element(utf8, &index) else { return false }
                if designator == UInt8(ascii: "W") {
                    return lastUnit == -1 && index == end
                }
                guard let unit = unitIndex(designator, in: "YMD"), lastUnit == -1 || unit == lastUnit + 1
                else {
                    return false
                }
                lastUnit = unit
            }
            if index == end {
                return true
            }
        }
        // utf8[index] is "T", which must be followed by at least one time element.
        index += 1
        guard index < end else { return false }
        var lastUnit = -1
        while index < end {
            guard let designator = element(utf8, &index),
                  let unit = unitIndex(designator, in: "HMS"), lastUnit == -1 || unit == lastUnit + 1
            else {
                return false
            }
            lastUnit = unit
        }
        return true
    }

    /// Reads `1*DIGIT` and the designator after it; returns the designator.
    @inline(__always)
    private static func element(_ utf8: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> UInt8? {
        let digitsStart = index
        while index < utf8.count, FormatASCII.isDigit(utf8[index]) {
            index += 1
        }
        guard index > digitsStart, index < utf8.count else { return nil }
        defer { index += 1 }
        return utf8[index]
    }

    @inline(__always)
    private static func unitIndex(_ designator: UInt8, in units: StaticString) -> Int? {
        let start = units.utf8Start
        for offset in 0..<units.utf8CodeUnitCount where start[offset] == designator {
            return offset
        }
        return nil
    }
}
