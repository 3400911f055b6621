import Foundation
import Testing

@testable import MailParser

@Suite("Dates")
struct MailDateTests {
    private func parse(_ text: String) -> Date? {
        MailDate.parse(Array(text.utf8))
    }

    /// 2025-02-03T09:04:05Z
    private let reference = Date(timeIntervalSince1970: 1_738_573_445)

    @Test(arguments: [
        "Mon, 03 Feb 2025 10:04:05 +0100",
        "Mon, 3 Feb 2025 10:04:05 +0100 (CET)",
        "3 Feb 2025 09:04:05 GMT",
        "Mon,  3 Feb 2025 04:04:05 -0500",
        "Mon, 3 Feb 2025 04:04:05 EST",
        "3 Feb 25 09:04:05 UT",
        "03-Feb-2025 09:04:05 +0000",
        "Mon Feb  3 09:04:05 2025",
        "monday, 3 february 2025 09:04:05 Z",
        "Mon, 3 Feb 2025 09:04:05",
        "Mon, 3 Feb 2025 09:04:05.123 +0000",
        "3 Feb 125 09:04:05 +0000",
    ])
    func acceptedForms(_ text: String) {
        #expect(parse(text) == reference)
    }

    @Test func missingSecondsAndTwoDigitTwentiethCenturyYears() {
        #expect(parse("Fri, 31 Dec 99 23:59 +0000") == Date(timeIntervalSince1970: 946_684_740))
    }

    @Test(arguments: ["", "yesterday", "Mon, 32 Jan 2025 10:00:00 +0000", "30 Feb 2024 10:00:00 +0000",
                      "3 Feb 2025", "3 Foo 2025 10:00:00", "3 Feb 2025 25:00:00 +0000"])
    func rejectedForms(_ text: String) {
        #expect(parse(text) == nil)
    }

    @Test func leapDay() {
        #expect(parse("29 Feb 2024 00:00:00 +0000") == Date(timeIntervalSince1970: 1_709_164_800))
    }
}
