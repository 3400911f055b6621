import Foundation
import MailParser
import Testing

/// The public entry points on small inline messages; the fixture corpus covers the rest.
@Suite("MailParser")
struct MailParserTests {
    @Test func emptyInputGivesEmptyMail() {
        let mail = MailParser.parse("")
        #expect(mail == ParsedMail())
        #expect(mail.recipientCandidates.isEmpty)
    }

    @Test func bodyWithoutHeaders() {
        #expect(MailParser.parse("\r\njust a body").body == "just a body")
    }

    @Test func firstSubjectWins() {
        #expect(MailParser.parse("Subject: one\r\nSubject: two\r\n\r\n").subject == "one")
    }

    @Test func blankBeforeColonIsAccepted() {
        #expect(MailParser.parse("Subject : spaced\r\n\r\n").subject == "spaced")
    }

    @Test func lineEndsInBodiesBecomeLF() {
        let mail = MailParser.parse("Content-Type: text/plain\r\n\r\na\r\nb\rc\nd")
        #expect(mail.body == "a\nb\nc\nd")
    }

    @Test func textPartsAreJoinedInOrderAndEmptyOnesSkipped() {
        let message = """
            Content-Type: multipart/mixed; boundary=s\r
            \r
            --s\r
            \r
            one\r
            --s\r
            Content-Type: text/plain\r
            \r
            \r
            --s\r
            Content-Type: text/calendar\r
            \r
            BEGIN:VCALENDAR\r
            --s--\r
            """
        #expect(MailParser.parse(message).body == "one\nBEGIN:VCALENDAR")
    }

    @Test func unknownDispositionIsAnAttachment() {
        let message = "Content-Type: text/plain\r\nContent-Disposition: x-weird\r\n\r\nhello"
        let mail = MailParser.parse(message)
        #expect(mail.body == "")
        #expect(mail.attachments == [MailAttachment(filename: nil, contentType: "text/plain", size: 5, text: "hello")])
        #expect(mail.attachmentsText == "hello")
    }

    @Test func invalidMediaTypeIsPlainText() {
        #expect(MailParser.parse("Content-Type: garbage\r\n\r\ntext").body == "text")
    }

    @Test func attachmentsTextJoinsTextAttachmentsOnly() {
        let message = """
            Content-Type: multipart/mixed; boundary=s\r
            \r
            --s\r
            Content-Type: text/plain; name=a.txt\r
            \r
            first\r
            --s\r
            Content-Type: application/zip; name=b.zip\r
            \r
            PK\r
            --s\r
            Content-Type: text/html; name=c.html\r
            \r
            <b>second</b>\r
            --s--\r
            """
        let mail = MailParser.parse(message)
        #expect(mail.attachments.map(\.filename) == ["a.txt", "b.zip", "c.html"])
        #expect(mail.attachments.map(\.text) == ["first", nil, "second"])
        #expect(mail.attachmentsText == "first\nsecond")
    }

    @Test func recipientCandidatesOrderAndDeduplication() {
        let mail = ParsedMail(
            to: [MailAddress(address: "B@x"), MailAddress(address: "c@x")],
            cc: [MailAddress(address: "")],
            deliveredTo: [MailAddress(address: "A@X")],
            originalTo: [MailAddress(address: "a@x"), MailAddress(address: "b@x")]
        )
        #expect(mail.recipientCandidates == ["a@x", "b@x", "c@x"])
    }

    @Test func headerNamesAreMatchedWhole() {
        let mail = MailParser.parse("X-Subject: nope\r\nSubjectX: nope\r\nTo-Do: nope\r\n\r\n")
        #expect(mail.subject == "")
        #expect(mail.to.isEmpty)
    }
}
