import Testing

@testable import MailParser

@Suite("RFC 2047 encoded words")
struct EncodedWordsTests {
    private func decode(_ text: String) -> String {
        EncodedWords.decode(Array(text.utf8))
    }

    @Test func base64AndQuotedPrintableWords() {
        #expect(decode("=?UTF-8?B?SGVsbG8gV29ybGQ=?=") == "Hello World")
        #expect(decode("=?iso-8859-1?q?Gr=FC=DFe_aus_K=F6ln?=") == "Grüße aus Köln")
        #expect(decode("=?utf-8?Q?Sicherung_erfolgreich?=") == "Sicherung erfolgreich")
    }

    @Test func whiteSpaceBetweenAdjacentWordsIsRemoved() {
        #expect(decode("=?utf-8?q?Backup?= =?utf-8?q?_OK?=") == "Backup OK")
        #expect(decode("=?utf-8?q?a?=   \t =?utf-8?q?b?=") == "ab")
    }

    @Test func whiteSpaceBetweenWordAndTextIsKept() {
        #expect(decode("Re: =?utf-8?q?Caf=C3=A9?= report") == "Re: Café report")
        #expect(decode("[OK] =?utf-8?b?0J7RgtGH0ZHRgg==?=") == "[OK] Отчёт")
    }

    @Test func multiByteCharacterSplitAcrossWords() {
        // "€" is E2 82 AC: split over two Q words and over two B words.
        #expect(decode("=?utf-8?Q?Preis_=E2=82?= =?utf-8?Q?=AC?=") == "Preis €")
        #expect(decode("=?UTF-8?B?5pel5pys?= =?UTF-8?B?6Kqe?=") == "日本語")
        // 日本語 as bytes E6 97 A5 E6 9C AC E8 AA 9E, split in the middle of 本.
        #expect(decode("=?utf-8?B?5pel5g==?= =?utf-8?B?nKzoqp4=?=") == "日本語")
    }

    @Test func wordsOfDifferentCharsetsDecodeSeparately() {
        #expect(decode("=?iso-8859-1?q?=E4?= =?utf-8?q?=C3=A4?=") == "ää")
    }

    @Test func legacyCharsets() {
        #expect(decode("=?koi8-r?B?8NLJ18XU?=") == "Привет")
        #expect(decode("=?windows-1251?B?z/Do4uXy?=") == "Привет")
        #expect(decode("=?ISO-2022-JP?B?GyRCRnxLXBsoQg==?=") == "日本")
        #expect(decode("=?shift_jis?B?k/qWew==?=") == "日本")
        #expect(decode("=?euc-jp?B?xvzL3A==?=") == "日本")
        #expect(decode("=?gb2312?B?1tDOxA==?=") == "中文")
        #expect(decode("=?big5?B?pKSk5Q==?=") == "中文")
        #expect(decode("=?iso-8859-15?q?=A4?=") == "€")
        #expect(decode("=?windows-1252?q?=80?=") == "€")
    }

    @Test func unknownCharsetFallsBackToUTF8() {
        #expect(decode("=?x-no-such-charset?q?caf=C3=A9?=") == "café")
        #expect(decode("=?utf-8?q?bad_=FF_byte?=") == "bad \u{FFFD} byte")
    }

    @Test func languageSuffixIsIgnored() {
        #expect(decode("=?utf-8*en?q?hello?=") == "hello")
    }

    @Test func malformedWordsStayLiteral() {
        #expect(decode("=?utf-8?x?abc?=") == "=?utf-8?x?abc?=")
        #expect(decode("=?utf-8?q?never closed") == "=?utf-8?q?never closed")
        #expect(decode("=??q?abc?=") == "=??q?abc?=")
        #expect(decode("a =? b ?= c") == "a =? b ?= c")
    }

    @Test func wordWithoutSurroundingSpaceIsStillDecoded() {
        #expect(decode("Re:=?utf-8?q?Fw=3A?=x") == "Re:Fw:x")
    }

    @Test func plainTextUsesUTF8() {
        #expect(decode("Übersicht") == "Übersicht")
    }
}
