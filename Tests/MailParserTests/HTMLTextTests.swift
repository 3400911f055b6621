import Testing

@testable import MailParser

@Suite("HTML to text")
struct HTMLTextTests {
    private func text(_ html: String) -> String {
        HTMLText.plainText(fromHTML: html)
    }

    @Test func namedEntities() {
        #expect(text("Fish &amp; Chips &lt;b&gt; &quot;q&quot; &apos;a&apos;") == "Fish & Chips <b> \"q\" 'a'")
        #expect(text("&copy; 2025 &euro;5 &mdash; &hellip; &eacute;&Uuml;&szlig;") == "© 2025 €5 — … éÜß")
        #expect(text("&alpha;&Omega;&rarr;&trade;") == "αΩ→™")
    }

    @Test func numericEntities() {
        #expect(text("&#72;&#105;&#x21;&#X3A9;") == "Hi!Ω")
        #expect(text("&#128512;&#x1F600;") == "😀😀")
        #expect(text("&#150;") == "–", "C1 code points read as windows-1252, as browsers do")
        #expect(text("&#0;&#xD800;&#99999999999;") == "\u{FFFD}\u{FFFD}\u{FFFD}")
    }

    @Test func unknownAndUnterminatedEntitiesStayText() {
        #expect(text("a &bogus; b") == "a &bogus; b")
        #expect(text("AT&T and R&D") == "AT&T and R&D")
        #expect(text("&#; &#x;") == "&#; &#x;")
        #expect(text("&amp &lt") == "& <", "legacy names are accepted without the semicolon")
    }

    @Test func nonBreakingSpaceIsASpaceThatDoesNotCollapse() {
        #expect(text("Status:&nbsp;Success") == "Status: Success")
        #expect(text("a&nbsp;&nbsp;b") == "a  b")
    }

    @Test func longBlockNamesAreBlocks() {
        // Tag names past eight letters are told apart by their first eight and their length.
        #expect(text("a<blockquote>quoted</blockquote>b") == "a\nquoted\nb")
        #expect(text("a<FIGCAPTION>caption</FIGCAPTION>b") == "a\ncaption\nb")
        #expect(text("a<blockquotes>x</blockquotes>b") == "axb")
        #expect(text("a<figcaptioned>x</figcaptioned>b") == "axb")
    }

    @Test func lineBreaksAndParagraphs() {
        #expect(text("one<br>two<br/>three<BR />four") == "one\ntwo\nthree\nfour")
        #expect(text("<p>first</p><p>second</p>") == "first\nsecond")
        #expect(text("a<br><br>b") == "a\n\nb")
        #expect(text("<div>x</div><div>y</div>") == "x\ny")
        #expect(text("<h1>Title</h1>Body") == "Title\nBody")
    }

    @Test func whiteSpaceCollapses() {
        #expect(text("  lots   of\n\n white\tspace  ") == "lots of white space")
        #expect(text("<p>  a  </p>  <p>  b  </p>") == "a\nb")
    }

    @Test func preformattedTextKeepsItsWhiteSpace() {
        #expect(text("<pre>a  b\n  c</pre>") == "a  b\n  c")
    }

    @Test func tableCellsAreSeparated() {
        let html = "<table><tr><td>Job</td><td>Status</td></tr><tr><th>Nightly</th><td>Success</td></tr></table>"
        #expect(text(html) == "Job\tStatus\nNightly\tSuccess")
        #expect(text("<td>A</td><td>B</td>").contains("AB") == false)
    }

    @Test func imageAltTextIsNotText() {
        #expect(text("<img src=\"logo.png\" alt=\"Company Logo\">Hello") == "Hello")
    }

    @Test func headStyleScriptTitleAndCommentsAreDropped() {
        let html = """
            <html><head><title>Report title</title><meta charset="utf-8">
            <style>p { color: red; } /* Success */</style></head>
            <body><script>var s = "<b>Failed</b>";</script><!-- hidden -->Visible<SCRIPT>x()</SCRIPT>
            <STYLE type="text/css">.a{}</STYLE></body></html>
            """
        #expect(text(html) == "Visible")
    }

    @Test func conditionalCommentsAreDropped() {
        let html = """
            <!--[if mso]><table><tr><td>Outlook only</td></tr></table><![endif]-->Shown\
            <!--[if !mso]><!-- -->Also shown<!--<![endif]-->
            """
        #expect(text(html) == "Shown Also shown" || text(html) == "ShownAlso shown")
        #expect(!text(html).contains("Outlook only"))
    }

    @Test func unclosedMarkupNeverFails() {
        #expect(text("<p>open paragraph<b>bold<i>both") == "open paragraph bold both" ||
            text("<p>open paragraph<b>bold<i>both") == "open paragraphboldboth")
        #expect(text("before<!-- never closed") == "before")
        #expect(text("before<div class=\"x") == "before")
        #expect(text("<script>never closed") == "")
        #expect(text("x < y and 3<4") == "x < y and 3<4")
        #expect(text("trailing <") == "trailing <")
        #expect(text("") == "")
    }

    @Test func inlineElementsDoNotSeparateWords() {
        #expect(text("Suc<b>cess</b>ful <span>job</span>") == "Successful job")
    }

    @Test func quotedAttributeMayHoldAngleBracket() {
        #expect(text("<a title=\"a > b\" href='x'>link</a> text") == "link text")
    }

    @Test func headWithoutCloseEndsAtBody() {
        #expect(text("<html><head><meta x=1><body>Hi there") == "Hi there")
    }

    @Test func doctypeAndProcessingInstructionsAreDropped() {
        #expect(text("<?xml version=\"1.0\"?><!DOCTYPE html>Text") == "Text")
    }
}
