import Foundation

extension CheckSchedule {
    private static let knownKeys: Set<String> = ["every_seconds", "cron", "timezone", "grace_seconds"]

    /// Decodes a check's `schedule`; absent or JSON `null` means no schedule (nil).
    ///
    /// Every problem is collected, each with its path (`field` is the prefix): `schedule` (not an object, both or
    /// neither of `every_seconds` and `cron`), `schedule.every_seconds` (a whole number 1…31,622,400, i.e. up to
    /// 366 days), `schedule.cron` (the syntax error naming field and value, or an expression that can never
    /// fire), `schedule.timezone` (an IANA zone Foundation knows; only with `cron`; default `UTC`),
    /// `schedule.grace_seconds` (a whole number 0…31,622,400; default 0), and `schedule.<key>` for unknown keys.
    public static func decode(_ value: JSONValue?, field: String = "schedule") throws(ValidationError)
        -> CheckSchedule?
    {
        guard let value, value != .null else { return nil }
        guard case .object(let members) = value else {
            throw ValidationError(
                field: field, message: "must be an object with every_seconds or cron, or null, got \(value.typeName)")
        }
        var errors: [FieldError] = []
        func fail(_ key: String?, _ message: String) {
            errors.append(FieldError(field: key.map { "\(field).\($0)" } ?? field, message: message))
        }

        for key in members.keys.sorted() where !knownKeys.contains(key) {
            fail(key, "is not a known key here (known: \(knownKeys.sorted().joined(separator: ", ")))")
        }

        var every: Int64?
        if let json = members["every_seconds"] {
            every = seconds(json, in: 1...maximumSeconds)
            if every == nil {
                fail("every_seconds", "must be \(wholeSeconds(from: 1)), got \(json.shown)")
            }
        }

        var cron: CronExpression?
        if let json = members["cron"] {
            if case .string(let text) = json {
                do {
                    let expression = try CronExpression(text)
                    if expression.canEverFire {
                        cron = expression
                    } else {
                        fail("cron", "\"\(expression.text)\" never fires: \(neverFires)")
                    }
                } catch {
                    fail("cron", "is not a valid cron expression: \(error.message)")
                }
            } else {
                fail("cron", "must be a cron expression string such as \"0 22 * * 1-5\", got \(json.typeName)")
            }
        }

        var zone: String?
        if let json = members["timezone"] {
            if case .string(let identifier) = json, TimeZone(identifier: identifier) != nil {
                zone = identifier
            } else {
                fail("timezone", "must be an IANA time zone such as \"Europe/Berlin\", got \(json.shown)")
            }
            if members["every_seconds"] != nil, members["cron"] == nil {
                fail("timezone", "only applies to a cron schedule; every_seconds counts from the last report")
            }
        }

        var grace: Int64 = 0
        if let json = members["grace_seconds"] {
            if let parsed = seconds(json, in: 0...maximumSeconds) {
                grace = parsed
            } else {
                fail("grace_seconds", "must be \(wholeSeconds(from: 0)), got \(json.shown)")
            }
        }

        switch (members["every_seconds"] != nil, members["cron"] != nil) {
        case (true, true): fail(nil, "takes either every_seconds or cron, not both")
        case (false, false): fail(nil, "needs every_seconds (an interval) or cron (a cron expression)")
        default: break
        }

        guard errors.isEmpty else { throw ValidationError(errors) }
        if let every {
            return CheckSchedule(cadence: .every(seconds: every), graceSeconds: grace)
        }
        if let cron {
            return CheckSchedule(cadence: .cron(cron, timeZoneIdentifier: zone ?? "UTC"), graceSeconds: grace)
        }
        // Unreachable: exactly one of the two was present and valid, or an error was recorded above.
        throw ValidationError(field: field, message: "needs every_seconds or cron")
    }

    /// The canonical JSON, defaults filled in: `{"every_seconds", "grace_seconds"}` or
    /// `{"cron", "timezone", "grace_seconds"}`; `decode` reads it back to an equal schedule.
    public var json: JSONValue {
        switch cadence {
        case .every(let seconds):
            ["every_seconds": .int(seconds), "grace_seconds": .int(graceSeconds)]
        case .cron(let expression, let identifier):
            ["cron": .string(expression.text), "timezone": .string(identifier), "grace_seconds": .int(graceSeconds)]
        }
    }

    private static let neverFires = "no listed month has the listed day of the month"

    private static func wholeSeconds(from lowest: Int64) -> String {
        "a whole number of seconds from \(lowest) to \(maximumSeconds)"
    }

    /// A whole number of seconds in `range`; an integral JSON double (`60.0`) is accepted as clients may send one.
    private static func seconds(_ json: JSONValue, in range: ClosedRange<Int64>) -> Int64? {
        switch json {
        case .int(let value):
            return range.contains(value) ? value : nil
        case .double(let value):
            guard value.rounded() == value, value >= Double(range.lowerBound), value <= Double(range.upperBound)
            else { return nil }
            return Int64(value)
        default:
            return nil
        }
    }
}

extension JSONValue {
    /// A short rendering for error messages: the value itself for scalars, the type name for containers.
    fileprivate var shown: String {
        switch self {
        case .array, .object: typeName
        default: serializedString()
        }
    }
}
