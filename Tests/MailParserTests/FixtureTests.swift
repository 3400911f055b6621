import Foundation
import MailParser
import Testing

@Suite("Fixture corpus")
struct FixtureTests {
    @Test func corpusIsPresentAndPaired() throws {
        #expect(Fixtures.names.count >= 30)
        for name in Fixtures.names {
            #expect(throws: Never.self, "\(name).expected.json must exist and decode") {
                _ = try Fixtures.expectation(name)
            }
        }
    }

    @Test(arguments: Fixtures.names)
    func fixture(_ name: String) throws {
        let mail = MailParser.parse(try Fixtures.message(name))
        let expected = try Fixtures.expectation(name)

        if let subject = expected.subject { #expect(mail.subject == subject) }
        if let from = expected.from { #expect(Self.addresses(mail.from) == from) }
        if let to = expected.to { #expect(Self.addresses(mail.to) == to) }
        if let cc = expected.cc { #expect(Self.addresses(mail.cc) == cc) }
        if let deliveredTo = expected.deliveredTo { #expect(Self.addresses(mail.deliveredTo) == deliveredTo) }
        if let originalTo = expected.originalTo { #expect(Self.addresses(mail.originalTo) == originalTo) }
        if case .value(let messageID) = expected.messageID { #expect(mail.messageID == messageID) }
        if case .value(let date) = expected.date { #expect(mail.date == date) }
        if let body = expected.body { #expect(mail.body == body) }
        for fragment in expected.bodyContains ?? [] {
            #expect(mail.body.contains(fragment), "body lacks \(fragment.debugDescription)")
        }
        for fragment in expected.bodyNotContains ?? [] {
            #expect(!mail.body.contains(fragment), "body has \(fragment.debugDescription)")
        }
        if let attachments = expected.attachments {
            #expect(mail.attachments.map(\.filename) == attachments.map(\.filename))
            #expect(mail.attachments.map(\.contentType) == attachments.map(\.contentType))
            for (actual, wanted) in zip(mail.attachments, attachments) {
                if let size = wanted.size { #expect(actual.size == size, "size of \(wanted.filename ?? "?")") }
                #expect((actual.text != nil) == actual.contentType.hasPrefix("text/"))
            }
        }
        if let text = expected.attachmentsText { #expect(mail.attachmentsText == text) }
        for fragment in expected.attachmentsTextContains ?? [] {
            #expect(mail.attachmentsText.contains(fragment), "attachments lack \(fragment.debugDescription)")
        }
        if let candidates = expected.recipientCandidates { #expect(mail.recipientCandidates == candidates) }
    }

    @Test(arguments: Fixtures.names)
    func stringAndByteEntryPointsAgreeOnUTF8Input(_ name: String) throws {
        let bytes = try Fixtures.message(name)
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        #expect(MailParser.parse(text) == MailParser.parse(bytes))
    }

    private static func addresses(_ list: [MailAddress]) -> [Expectation.Address] {
        list.map { Expectation.Address(name: $0.name, address: $0.address) }
    }
}
