import CheckBridgeCore
import Testing

@Suite("JSONParser")
struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" {"a":[1,-2.5,true,false,null,"x",{}],"b":{"c":[]}} "#)
        #expect(value == ["a": [1, -2.5, true, false, nil, "x", [:]], "b": ["c": []]])
    }

    @Test(arguments: ["0", "-0", "42", "-42", "9223372036854775807", "-9223372036854775808"])
    func integersStayIntegers(text: String) throws {
        guard case .int(let number) = try JSONParser.parse(text) else {
            Issue.record("\(text) is not an integer")
            return
        }
        #expect(String(number) == (text == "-0" ? "0" : text))
    }

    @Test(arguments: [
        ("1.5", 1.5), ("-0.25", -0.25), ("1e3", 1000), ("1E+3", 1000), ("2.5e-3", 0.0025), ("1.0", 1),
        ("9223372036854775808", 0x1p63), ("-9223372036854775809", -0x1p63),
    ])
    func otherNumbersAreDoubles(text: String, expected: Double) throws {
        #expect(try JSONParser.parse(text) == .double(expected))
    }

    @Test(arguments: ["01", "-", "+1", ".5", "1.", "1.e3", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity",
                      "1e400", "--1", "1.5.5"])
    func rejectsBadNumbers(text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test func decodesEscapes() throws {
        #expect(try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#) == "\"\\/\u{8}\u{C}\n\r\t")
        #expect(try JSONParser.parse(#""\u0041\u00e9\u20AC\u0000""#) == "Aé€\u{0}")
        #expect(try JSONParser.parse(#""plain ünïcödé 🎉""#) == "plain ünïcödé 🎉")
        #expect(try JSONParser.parse(#""mixed \u00fc and ü""#) == "mixed ü and ü")
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""\ud83c\udf89""#) == "🎉")
        #expect(try JSONParser.parse(#""\uD834\uDD1E clef""#) == "𝄞 clef")
    }

    @Test(arguments: [#""\ud83c""#, #""\udf89""#, #""\ud83c\u0041""#, #""\ud83cx""#, #""\ud83c\ud83c""#,
                      #""\udf89\ud83c""#])
    func rejectsLoneSurrogates(text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test(arguments: [#""\x""#, #""\u12""#, #""\u12G4""#, #""\'""#, #""unterminated"#, "\"tab\tinside\"",
                      "\"line\nbreak\"", "\"nul\u{0}\"", "\"\u{1F}\""])
    func rejectsBadStrings(text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        // An encoded surrogate (CESU-8), and a bad byte after an escape (the slow path).
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0x5C, 0x6E, 0xFF, 0x22]) }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0xEF, 0xBB, 0xBF, 0x31]) }  // BOM
        // A bad byte after ASCII, and a sequence cut off right before the closing quote.
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0x61, 0x62, 0xFF, 0x22]) }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0x61, 0xE6, 0x97, 0x22]) }
    }

    @Test func keepsTextAsSent() throws {
        for text in ["", "plain ASCII", "café", "Sicherung – fehlgeschlagen", "日本語のレポート", "ends in é", "🎉 done"] {
            let document = Array("{\"text\":\"\(text)\"}".utf8)
            #expect(try JSONParser.parse(document) == ["text": .string(text)])
        }
    }

    @Test(arguments: ["", " ", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "{\"a\":}", "[1 2]", "[", "{",
                      "]", "tru", "nul", "True", "{'a':1}", "[1]]", "1 2", "{} {}", "[1]x", "\"a\"\"b\"", "/* */1"])
    func rejectsMalformedDocuments(text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test func acceptsOnlyJSONWhiteSpace() throws {
        #expect(try JSONParser.parse(" \t\r\n[ 1 , 2 ]\n") == [1, 2])
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("\u{A0}1") }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("1\u{C}") }
    }

    @Test func reportsWhereTheDocumentBroke() {
        do {
            _ = try JSONParser.parse(#"{"a": [1, 2,, 3]}"#)
            Issue.record("parsed")
        } catch {
            #expect(error.offset == 12)
            #expect(error.description.hasSuffix("at byte 12"))
        }
        do {
            _ = try JSONParser.parse("[1] x")
            Issue.record("parsed")
        } catch {
            #expect(error.offset == 4)
        }
    }

    @Test func boundsNesting() throws {
        let depth = JSONParser.maximumDepth
        let deepest = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: Never.self) { try JSONParser.parse(deepest) }
        let tooDeep = String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(tooDeep) }
        let objects = String(repeating: #"{"a":"#, count: depth + 1) + "1" + String(repeating: "}", count: depth + 1)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(objects) }
        // A huge unclosed document fails fast instead of exhausting the stack.
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(String(repeating: "[", count: 1_000_000)) }
        // Depth is released when containers close, so long flat sequences of nested values are fine.
        let siblings = "[" + Array(repeating: deepest.dropFirst().dropLast(), count: 1000).joined(separator: ",") + "]"
        #expect(throws: Never.self) { try JSONParser.parse(siblings) }
    }

    @Test func duplicateKeysKeepTheLast() throws {
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#) == ["a": 2])
    }

    @Test func parsesNonContiguousCollections() throws {
        let bytes = Array(#"{"k":[1,"v"]}"#.utf8)
        #expect(try JSONParser.parse(bytes.lazy.map { $0 }) == ["k": [1, "v"]])
        #expect(try JSONParser.parse(bytes[...]) == ["k": [1, "v"]])
    }
}

@Suite("JSON serializer")
struct JSONSerializerTests {
    @Test func writesCompactSortedJSON() {
        let value: JSONValue = ["b": [1, 2.5, nil, true], "a": ["z": "x", "y": false]]
        #expect(value.serializedString() == #"{"a":{"y":false,"z":"x"},"b":[1,2.5,null,true]}"#)
    }

    @Test func escapesWhatRFC8259Requires() {
        let text: JSONValue = "quote\" back\\ nl\n cr\r tab\t nul\u{0} unit\u{1F} del\u{7F} é 🎉 / \u{2028}"
        #expect(text.serializedString() ==
            #""quote\" back\\ nl\n cr\r tab\t nul\u0000 unit\u001f del"# + "\u{7F} é 🎉 / \u{2028}\"")
    }

    @Test func writesNumbers() {
        #expect(JSONValue.int(-9_223_372_036_854_775_808).serializedString() == "-9223372036854775808")
        #expect(JSONValue.double(1.5).serializedString() == "1.5")
        #expect(JSONValue.double(42).serializedString() == "42")
        #expect(JSONValue.double(-0.0).serializedString() == "0")
        #expect(JSONValue.double(.infinity).serializedString() == "null")
        #expect(JSONValue.double(.nan).serializedString() == "null")
        for number in [1e300, 1e-7, 123456789012345680000.0, 0.1, .leastNonzeroMagnitude, 1e15, -2.5e-8] {
            let text = JSONValue.double(number).serializedString()
            #expect((try? JSONParser.parse(text)) == .double(number), "\(text)")
        }
    }

    @Test func roundTrips() throws {
        let documents = [
            #"{"a":[1,-2,3.25,true,false,null],"b":{"c":"d\u00e9\n\"","e":[]},"f":{}}"#,
            #"["\ud83c\udf89",-9223372036854775808,9223372036854775807,1e-300]"#,
            #"{"":"","  ":[[[[]]]],"\u0000":"\u001f"}"#,
        ]
        for document in documents {
            let value = try JSONParser.parse(document)
            let written = value.serializedString()
            #expect(try JSONParser.parse(written) == value, "\(document)")
            #expect(try JSONParser.parse(written).serializedString() == written)
        }
    }

    @Test func scalarTextIsJSONWithoutQuotes() {
        #expect(JSONValue.string("CRITICAL").scalarText == "CRITICAL")
        #expect(JSONValue.string("a\"b").scalarText == "a\"b")
        #expect(JSONValue.bool(true).scalarText == "true")
        #expect(JSONValue.int(42).scalarText == "42")
        #expect(JSONValue.double(42).scalarText == "42")
        #expect(JSONValue.double(0.5).scalarText == "0.5")
        #expect(JSONValue.null.scalarText == "null")
        #expect(JSONValue.array(["a", 1]).scalarText == #"["a",1]"#)
    }
}
