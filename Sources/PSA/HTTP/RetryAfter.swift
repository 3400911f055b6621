import Foundation

/// Parses a `Retry-After` value (RFC 9110 §10.2.3): delay seconds or an HTTP-date.
func parseRetryAfter(_ value: String?, now: Date = Date()) -> Duration? {
    guard let text = value?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
    if let seconds = Int64(text) {
        return seconds >= 0 ? .seconds(seconds) : nil
    }
    if let seconds = Double(text), seconds.isFinite, seconds >= 0 {
        return .milliseconds(Int64(seconds * 1000))
    }
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.timeZone = TimeZone(identifier: "GMT")
    for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
        formatter.dateFormat = format
        if let date = formatter.date(from: text) {
            let delay = date.timeIntervalSince(now)
            return .milliseconds(Int64(max(0, delay) * 1000))
        }
    }
    return nil
}
