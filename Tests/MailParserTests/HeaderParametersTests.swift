import Testing

@testable import MailParser

@Suite("MIME parameters and RFC 2231")
struct HeaderParametersTests {
    private func parameters(_ text: String) -> HeaderParameters {
        HeaderParameters(Array(text.utf8))
    }

    @Test func valueIsLowercasedAndParametersCaseInsensitive() {
        let params = parameters("Text/HTML; CharSet=\"UTF-8\"; Format=flowed")
        #expect(params.value == "text/html")
        #expect(params.token("charset") == "utf-8")
        #expect(params.string("format") == "flowed")
    }

    @Test func quotedValuesKeepSemicolonsAndEscapes() {
        let params = parameters(#"attachment; filename="a; b \"c\".txt"; size=10"#)
        #expect(params.value == "attachment")
        #expect(params.string("filename") == #"a; b "c".txt"#)
        #expect(params.string("size") == "10")
    }

    @Test func boundaryBytesAreKeptExactly() {
        let params = parameters(#"multipart/mixed; boundary="----=_Part_0_=?Ab?=""#)
        #expect(params.bytes("boundary") == Array("----=_Part_0_=?Ab?=".utf8))
    }

    @Test func extendedValueWithCharsetAndLanguage() {
        let params = parameters("attachment; filename*=UTF-8''Bericht%20%C3%BCber%20%E2%82%AC.pdf")
        #expect(params.string("filename") == "Bericht über €.pdf")
        let latin = parameters("attachment; filename*=iso-8859-1'de'Gr%FC%DFe.txt")
        #expect(latin.string("filename") == "Grüße.txt")
    }

    @Test func continuationsJoinInIndexOrder() {
        let params = parameters("""
            attachment; filename*1="second-"; filename*0="first-"; filename*2="third.txt"
            """)
        #expect(params.string("filename") == "first-second-third.txt")
    }

    @Test func encodedContinuationsSplitInsideACharacter() {
        // "日本" is E6 97 A5 E6 9C AC, split in the middle of the first character.
        let params = parameters("attachment; filename*0*=utf-8''%E6%97; filename*1*=%A5%E6%9C%AC; filename*2=.txt")
        #expect(params.string("filename") == "日本.txt")
    }

    @Test func extendedValueWinsOverPlain() {
        let params = parameters("attachment; filename=\"fallback.txt\"; filename*=utf-8''real%20name.txt")
        #expect(params.string("filename") == "real name.txt")
    }

    @Test func encodedWordsInsideQuotedNames() {
        let params = parameters(#"application/pdf; name="=?UTF-8?Q?Pr=C3=BCfbericht?= =?UTF-8?Q?_2025.pdf?=""#)
        #expect(params.string("name") == "Prüfbericht 2025.pdf")
    }

    @Test func unquotedValueWithSpacesAndJunk() {
        let params = parameters("application/octet-stream; name=My Report.pdf ;; =x; junk")
        #expect(params.string("name") == "My Report.pdf")
        #expect(params.string("junk") == nil)
    }

    @Test func unterminatedQuoteRunsToTheEnd() {
        let params = parameters("attachment; filename=\"open.txt")
        #expect(params.string("filename") == "open.txt")
    }

    @Test func badPercentEscapesStayLiteral() {
        let params = parameters("attachment; filename*=utf-8''100%25%zz%4")
        #expect(params.string("filename") == "100%%zz%4")
    }
}
