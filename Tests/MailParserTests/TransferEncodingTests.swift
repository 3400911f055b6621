import Testing

@testable import MailParser

@Suite("Transfer encodings")
struct TransferEncodingTests {
    private func base64(_ text: String) -> [UInt8] {
        Base64.decode(Array(text.utf8))
    }

    private func quotedPrintable(_ text: String) -> [UInt8] {
        QuotedPrintable.decode(Array(text.utf8)[...])
    }

    @Test func base64WrappedOrNot() {
        #expect(base64("SGVsbG8sIFdvcmxkIQ==") == Array("Hello, World!".utf8))
        #expect(base64("SGVs\r\nbG8s\nIFdv cmxk\tIQ==") == Array("Hello, World!".utf8))
    }

    @Test func base64WithoutPaddingOrWithJunk() {
        #expect(base64("SGk") == Array("Hi".utf8))
        #expect(base64("S*G!k") == Array("Hi".utf8))
        #expect(base64("S") == [])
        #expect(base64("") == [])
    }

    @Test func base64ConcatenatedEncodings() {
        #expect(base64("SGk=SGk=") == Array("HiHi".utf8))
    }

    @Test func base64AllByteValues() {
        let bytes = (0...255).map { UInt8($0) }
        let encoded = [
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4",
            "OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3Bx",
            "cnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmq",
            "q6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj",
            "5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==",
        ].joined(separator: "\r\n")
        #expect(base64(encoded) == bytes)
    }

    @Test func quotedPrintableEscapesAndSoftBreaks() {
        #expect(quotedPrintable("caf=C3=A9 =3D ok") == Array("café = ok".utf8))
        #expect(quotedPrintable("long li=\r\nne and=\nmore") == Array("long line andmore".utf8))
        #expect(quotedPrintable("soft with blanks=  \r\nnext") == Array("soft with blanksnext".utf8))
        #expect(quotedPrintable("lower =c3=a9") == Array("lower é".utf8))
    }

    @Test func quotedPrintableSoftBreakInsideUTF8Sequence() {
        let bytes = quotedPrintable("Gr=C3=\r\n=BC=C3=9Fe")
        #expect(String(decoding: bytes, as: UTF8.self) == "Grüße")
    }

    @Test func quotedPrintableInvalidEscapesStayLiteral() {
        #expect(quotedPrintable("a=ZZb=4") == Array("a=ZZb=4".utf8))
        #expect(quotedPrintable("end=") == Array("end".utf8))
    }

    @Test func kindFromHeaderValue() {
        #expect(TransferEncoding.kind(of: "base64") == .base64)
        #expect(TransferEncoding.kind(of: "quoted-printable") == .quotedPrintable)
        #expect(TransferEncoding.kind(of: "8bit") == .identity)
        #expect(TransferEncoding.kind(of: "x-uuencode") == .identity)
    }
}
