import CheckBridgeCore
import Foundation
import Testing

/// The hand-written formatting on the ingest path, checked against the standard library and
/// Foundation on many inputs.
@Suite struct FormattingTests {
    @Test func integersPrintLikeTheStandardLibrary() {
        var samples: [Int64] = [0, 1, 9, 10, 99, 100, -1, -9, -10, 1_000_000, .max, .min, .max - 1, .min + 1]
        var power: Int64 = 1
        while power < Int64.max / 10 {
            samples += [power - 1, power, power + 1, -power]
            power *= 10
        }
        var generator = SystemRandomNumberGenerator()
        samples += (0..<500).map { _ in Int64.random(in: .min ... .max, using: &generator) }
        for number in samples {
            #expect(JSONValue.int(number).serializedString() == String(number))
        }
    }

    /// RFC 3339 text by way of Foundation's calendar on whole seconds (exact in a Double), with the
    /// milliseconds added by integer arithmetic.
    static func referenceText(_ milliseconds: Int64) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let seconds = (milliseconds - ((milliseconds % 1000) + 1000) % 1000) / 1000
        let fraction = milliseconds - seconds * 1000
        let parts = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(seconds)))
        func padded(_ value: Int?, _ width: Int) -> String {
            let digits = String(value ?? -1)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(parts.year, 4))-\(padded(parts.month, 2))-\(padded(parts.day, 2))T"
            + "\(padded(parts.hour, 2)):\(padded(parts.minute, 2)):\(padded(parts.second, 2)).\(padded(Int(fraction), 3))Z"
    }

    @Test func timestampsPrintAndParseExactly() {
        var samples: [Int64] = [0, 1, -1, 999, -999, 86_399_999, 86_400_000, -86_400_000, 951_782_400_000,
                                1_795_392_000_123]
        var generator = SystemRandomNumberGenerator()
        // 1900 to 2200, where results and schedules live.
        samples += (0..<500).map { _ in Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator) }
        for milliseconds in samples {
            let timestamp = Timestamp(milliseconds: milliseconds)
            #expect(timestamp.rfc3339 == Self.referenceText(milliseconds))
            #expect(Timestamp(rfc3339: timestamp.rfc3339) == timestamp, "\(timestamp.rfc3339)")
        }
    }

    @Test func yearsOutsideFourDigitsKeepAllDigits() {
        #expect(Timestamp(milliseconds: 253_402_300_800_000).rfc3339 == "10000-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: -62_135_596_800_000).rfc3339 == "0001-01-01T00:00:00.000Z")
    }

    @Test(arguments: [
        ("  Backup\tjob \n\n finished  ", 500, "Backup job finished"),
        ("a  b", 3, "a b"),
        ("a  b", 2, "a "),
        ("abc", 2, "ab"),
        ("", 10, ""),
        (" \r\n\t ", 10, ""),
        ("Sicherung  erfolgreich für   VM1", 500, "Sicherung erfolgreich für VM1"),
        ("Ошибка\u{2003}\u{2003}диска", 500, "Ошибка диска"),
        ("🎉 done", 1, "🎉"),
    ])
    func excerptFoldsWhiteSpaceAndCuts(text: String, limit: Int, expected: String) {
        #expect(Excerpt.make(text, limit: limit) == expected)
    }

    /// The excerpt by its definition: words joined by one space, cut to `limit` Unicode scalars.
    static func referenceExcerpt(_ text: String, limit: Int) -> String {
        var words: [String] = []
        var word = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                if !word.isEmpty { words.append(String(word)) }
                word = String.UnicodeScalarView()
            } else {
                word.append(scalar)
            }
        }
        if !word.isEmpty { words.append(String(word)) }
        return String(String.UnicodeScalarView(words.joined(separator: " ").unicodeScalars.prefix(limit)))
    }

    @Test func excerptsOfRandomTextsMatchTheDefinition() {
        var generator = SystemRandomNumberGenerator()
        let asciiPieces = ["ok", " ", "  ", "\t", "\n", "job", "VM-12", "\r\n", "x", "\u{0B}"]
        let otherPieces = ["für", "\u{A0}", "\u{2003}", "диск", "🎉", "\u{3000}"]
        for round in 0..<400 {
            let pieces = round.isMultiple(of: 2) ? asciiPieces : asciiPieces + otherPieces
            let text = (0..<Int.random(in: 0...40, using: &generator)).map { _ in
                pieces.randomElement(using: &generator) ?? ""
            }.joined()
            let limit = Int.random(in: 1...60, using: &generator)
            #expect(Excerpt.make(text, limit: limit) == Self.referenceExcerpt(text, limit: limit), "\(text.debugDescription)")
        }
    }
}

/// `trimmingBlanks` against Foundation's `trimmingCharacters(in: .whitespaces)`, which it replaces
/// on the request paths.
@Suite struct TrimmingTests {
    @Test func agreesWithFoundationOnRandomText() {
        var generator = SystemRandomNumberGenerator()
        let pieces = [" ", "\t", "\u{A0}", "\u{2003}", "\u{3000}", "\n", "\r", "a", "B", "é", "<", "🎉", "\u{200B}", "x y"]
        for _ in 0..<500 {
            let text = (0..<Int.random(in: 0...12, using: &generator)).map { _ in
                pieces.randomElement(using: &generator) ?? ""
            }.joined()
            #expect(String(text.trimmingBlanks()) == text.trimmingCharacters(in: .whitespaces), "\(text.debugDescription)")
        }
    }

    @Test func trimsChosenScalars() {
        #expect("<<a@b>>".trimming(where: { $0 == "<" || $0 == ">" }) == "a@b")
        #expect("<>".trimming(where: { $0 == "<" || $0 == ">" }) == "")
        #expect("".trimmingBlanks() == "")
    }
}
