/// The outcome of one report for a check.
public enum CheckStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case success
    case warning
    case failure
    /// Recorded by the scheduler when a check stays silent past its schedule; never sent by a reporter.
    case missed

    /// A status named by a reporter (webhook body `status` or URL path): the names and their aliases,
    /// case-insensitive, surrounding white space ignored. `ok`, `passed`, `succeeded`, `success` → success;
    /// `warn`, `warning` → warning; `error`, `failed`, `critical`, `failure` → failure.
    /// `missed` is never accepted from a reporter (only the scheduler may record it) → `nil`.
    public init?(reportedName: String) {
        switch Self.asciiTrimmedLowercase(reportedName) {
        case "success", "ok", "passed", "succeeded": self = .success
        case "warning", "warn": self = .warning
        case "failure", "error", "failed", "critical": self = .failure
        default: return nil
        }
    }

    /// Every name is ASCII, so ASCII lowercasing is enough and keeps look-alikes (`ſuccess`, a Kelvin sign)
    /// from being accepted; trimming covers the white space a URL path or a template may leave behind.
    private static func asciiTrimmedLowercase(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        var result = ""
        result.unicodeScalars.reserveCapacity(16)
        for scalar in scalars[first...last] {
            guard scalar.isASCII else { return "" }
            let value = scalar.value
            result.unicodeScalars.append(
                (0x41...0x5A).contains(value) ? Unicode.Scalar(UInt8(value) | 0x20) : scalar)
        }
        return result
    }

    /// The status as a rule may set it (`missed` belongs to the scheduler).
    var isRuleOutcome: Bool { self != .missed }
}
