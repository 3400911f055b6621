import Foundation
import Testing

@testable import MailParser

/// Inputs built to trip a parser: deep nesting, quadratic traps, truncation and random damage.
/// Each must parse, and fast; the time limit catches a hang or super-linear work.
@Suite("Robustness", .timeLimit(.minutes(1)))
struct RobustnessTests {
    @Test func nestingBeyondTheDepthLimitIsNotFollowed() {
        let depth = 200
        var message = "Subject: deep\r\n"
        for level in 0..<depth {
            message += "Content-Type: multipart/mixed; boundary=\"b\(level)\"\r\n\r\n--b\(level)\r\n"
        }
        message += "Content-Type: text/plain\r\n\r\ntoo deep to read\r\n"
        let mail = MailParser.parse(message)
        #expect(mail.subject == "deep")
        #expect(!mail.body.contains("too deep"))
    }

    @Test func nestingWithinTheLimitIsRead() {
        var message = "Subject: nested\r\n"
        for level in 0..<(MailParser.maximumDepth - 1) {
            message += "Content-Type: multipart/mixed; boundary=\"b\(level)\"\r\n\r\n--b\(level)\r\n"
        }
        message += "Content-Type: text/plain\r\n\r\nreachable\r\n"
        #expect(MailParser.parse(message).body == "reachable")
    }

    @Test func embeddedMessagesNestOnlyToTheLimit() {
        let message = String(repeating: "Content-Type: message/rfc822\r\n\r\n", count: 5000) + "inner"
        #expect(MailParser.parse(message).body == "")
    }

    @Test func manyEncodedWordStartsInOneToken() {
        // Every "=?" starts a plausible word whose end "?=" never comes.
        let subject = String(repeating: "=?a?q?x", count: 40_000)
        let decoded = MailParser.parse("Subject: \(subject)\r\n\r\nx").subject
        let unchanged = decoded == subject
        #expect(unchanged)
    }

    @Test func manyCharsetStartsWithoutQuestionMark() {
        let subject = String(repeating: "=?", count: 100_000) + "x"
        let unchanged = MailParser.parse("Subject: \(subject)\r\n\r\n").subject == subject
        #expect(unchanged)
    }

    @Test func manyAdjacentEncodedWords() {
        let subject = String(repeating: "=?utf-8?B?w6Q=?= ", count: 20_000)
        let joined = MailParser.parse("Subject: \(subject)\r\n\r\n").subject == String(repeating: "ä", count: 20_000)
        #expect(joined)
    }

    @Test func manyPartsAndDelimiters() {
        var message = "Content-Type: multipart/mixed; boundary=x\r\n\r\n"
        message += String(repeating: "--x\r\nContent-Type: text/plain\r\n\r\np\r\n", count: 20_000)
        let mail = MailParser.parse(message)
        #expect(mail.body.count == 20_000 * 2 - 1)
    }

    @Test func longBoundaryAgainstManyLookalikeLines() {
        let boundary = String(repeating: "a", count: 5000)
        var message = "Content-Type: multipart/mixed; boundary=\(boundary)\r\n\r\n"
        message += String(repeating: "--" + String(repeating: "a", count: 4999) + "\r\n", count: 200)
        #expect(MailParser.parse(message).body.contains("--aaaa"))
    }

    @Test func markupTraps() {
        let traps = [
            String(repeating: "<", count: 100_000),
            String(repeating: "<a ", count: 50_000),
            String(repeating: "&#", count: 50_000),
            String(repeating: "&amp", count: 50_000),
            String(repeating: "<script>", count: 20_000),
            String(repeating: "<!--", count: 20_000),
            String(repeating: "<a href=\"", count: 20_000),
            String(repeating: "&#99999999999999999999;", count: 5000),
        ]
        for trap in traps {
            _ = HTMLText.plainText(fromHTML: trap)
        }
        #expect(HTMLText.plainText(fromHTML: String(repeating: "<", count: 10)) == String(repeating: "<", count: 10))
    }

    @Test func headerTraps() {
        let traps = [
            "To: " + String(repeating: "(", count: 50_000),
            "To: " + String(repeating: "\"", count: 50_000),
            "To: " + String(repeating: "<", count: 50_000),
            "To: " + String(repeating: "a:", count: 50_000),
            "Content-Type: text/plain" + String(repeating: "; a*1*=%", count: 20_000),
            "Content-Type: text/plain; name*" + String(repeating: "9", count: 30) + "=x",
            "Date: " + String(repeating: "9", count: 50_000) + " Feb 99999999999 99:99:99 +99999",
            String(repeating: " folded\r\n", count: 50_000),
            String(repeating: "X: y\r\n", count: 50_000),
        ]
        for trap in traps {
            _ = MailParser.parse(trap + "\r\n\r\nbody")
        }
        #expect(MailParser.parse("To: " + String(repeating: "a@b, ", count: 1000)).to.count == 1000)
    }

    @Test func everyTruncationOfAFixtureParses() throws {
        let message = try Fixtures.message("outlook-exchange-related")
        for length in stride(from: 0, through: message.count, by: 7) {
            _ = MailParser.parse(Array(message.prefix(length)))
        }
        #expect(MailParser.parse(message).attachments.count == 1)
    }

    @Test func randomlyDamagedFixturesParse() throws {
        var generator = SplitMix64(seed: 0x5EED)
        var parsed = 0
        for name in Fixtures.names {
            let original = try Fixtures.message(name)
            guard !original.isEmpty else { continue }
            for _ in 0..<20 {
                var damaged = original
                for _ in 0..<8 {
                    let position = Int(generator.next() % UInt64(damaged.count))
                    damaged[position] = UInt8(truncatingIfNeeded: generator.next())
                }
                _ = MailParser.parse(damaged)
                parsed += 1
            }
        }
        #expect(parsed == Fixtures.names.count * 20)
    }

    @Test func randomBytesParse() {
        var generator = SplitMix64(seed: 42)
        let alphabet = Array("\r\n\t :;=?\"'<>()&#-_%*,@/\\abcBQ0123456789".utf8) + [0x00, 0x80, 0xC3, 0xFF]
        for _ in 0..<300 {
            let length = Int(generator.next() % 4096)
            let bytes = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            _ = MailParser.parse(bytes)
            _ = HTMLText.plainText(fromHTML: String(decoding: bytes, as: UTF8.self))
        }
        #expect(MailParser.parse([UInt8]()) == ParsedMail())
    }

    @Test(arguments: Fixtures.fuzzRegressions)
    func fuzzRegression(_ name: String) throws {
        let data = try Data(contentsOf: Fixtures.fuzzRegressionDirectory.appendingPathComponent(name))
        let bytes = Array(data)
        let mail = MailParser.parse(bytes)
        _ = HTMLText.plainText(fromHTML: String(decoding: bytes, as: UTF8.self))
        #expect(mail.attachments.allSatisfy { $0.size >= 0 })
    }
}

/// A small deterministic generator, so damaged inputs are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
