import Testing

@testable import MailParser

@Suite("Charsets")
struct CharsetTests {
    @Test(arguments: [
        ("utf-8", [0xC3, 0xA4], "ä"),
        ("UTF8", [0xC3, 0xA4], "ä"),
        ("us-ascii", [0x41, 0x42], "AB"),
        ("iso-8859-1", [0xE4, 0xF6, 0xFC], "äöü"),
        ("latin1", [0xDF], "ß"),
        ("ISO_8859-1", [0x80, 0x93, 0x94], "€“”"),
        ("iso-8859-2", [0xB1, 0xE6], "ąć"),
        ("iso-8859-5", [0xBF, 0xE0], "Пр"),
        ("iso-8859-7", [0xE1], "α"),
        ("iso-8859-15", [0xA4], "€"),
        ("windows-1250", [0x9A], "š"),
        ("cp1251", [0xCF], "П"),
        ("windows-1252", [0x85], "…"),
        ("windows-1253", [0xE1], "α"),
        ("windows-1254", [0xFD], "ı"),
        ("windows-1257", [0xE0], "ą"),
        ("koi8-r", [0xF0, 0xD2], "Пр"),
        ("koi8-u", [0xA4], "є"),
        ("shift_jis", [0x93, 0xFA, 0x96, 0x7B], "日本"),
        ("iso-2022-jp", [0x1B, 0x24, 0x42, 0x46, 0x7C, 0x4B, 0x5C, 0x1B, 0x28, 0x42], "日本"),
        ("euc-jp", [0xC6, 0xFC, 0xCB, 0xDC, 0x41, 0x8E, 0xB1], "日本Aｱ"),
        ("gb2312", [0xD6, 0xD0, 0xCE, 0xC4], "中文"),
        ("GBK", [0xD6, 0xD0, 0xCE, 0xC4], "中文"),
        ("big5", [0xA4, 0xA4, 0xA4, 0xE5], "中文"),
        ("euc-kr", [0xC7, 0xD1, 0xB1, 0xDB], "한글"),
        ("utf-16le", [0x41, 0x00, 0xE4, 0x00], "Aä"),
    ] as [(String, [UInt8], String)])
    func decodes(charset: String, bytes: [UInt8], expected: String) {
        #expect(Charset.decode(bytes, charset: charset) == expected)
    }

    @Test func unknownOrMissingCharsetIsLossyUTF8() {
        #expect(Charset.decode([0x63, 0x61, 0x66, 0xC3, 0xA9], charset: "x-martian") == "café")
        #expect(Charset.decode([0x61, 0xFF, 0x62], charset: nil) == "a\u{FFFD}b")
        #expect(Charset.decode([0x61, 0xFF, 0x62], charset: "") == "a\u{FFFD}b")
    }

    @Test func undecodableBytesFallBackToUTF8() {
        // 0xA1 is unassigned in ISO-8859-6 (Arabic) and 0x80 in Shift_JIS; the text must still come out.
        #expect(Charset.decode([0x61, 0xA1], charset: "iso-8859-6").hasPrefix("a"))
        #expect(Charset.decode([0x41, 0x80, 0xFF], charset: "shift_jis").hasPrefix("A"))
    }

    @Test func asciiCompatibility() {
        #expect(Charset.isASCIICompatible("utf-8"))
        #expect(Charset.isASCIICompatible(nil))
        #expect(!Charset.isASCIICompatible("UTF-16"))
        #expect(!Charset.isASCIICompatible("utf-32le"))
    }
}
