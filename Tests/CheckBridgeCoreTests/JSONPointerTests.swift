import CheckBridgeCore
import Testing

@Suite("JSONPointer")
struct JSONPointerTests {
    // The RFC 6901 §5 example document.
    let document: JSONValue = [
        "foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7,
        "m~n": 8,
    ]

    @Test(arguments: [
        ("/foo/0", JSONValue.string("bar")), ("/", 0), ("/a~1b", 1), ("/c%d", 2), ("/e^f", 3), ("/g|h", 4),
        ("/i\\j", 5), ("/k\"l", 6), ("/ ", 7), ("/m~0n", 8), ("/foo/1", "baz"),
    ])
    func resolvesTheRFCExamples(pointer: String, expected: JSONValue) throws {
        let parsed = try #require(JSONPointer(pointer))
        #expect(parsed.resolve(in: document) == expected)
        #expect(parsed.text == pointer)
    }

    @Test func emptyPointerIsTheWholeDocument() throws {
        let pointer = try #require(JSONPointer(""))
        #expect(pointer.tokens.isEmpty)
        #expect(pointer.resolve(in: document) == document)
    }

    @Test func unescapesLeftToRight() throws {
        // "~01" is "~1" (a tilde then a one), not "/".
        #expect(try #require(JSONPointer("/~01")).tokens == ["~1"])
        #expect(try #require(JSONPointer("/~10")).tokens == ["/0"])
        #expect(try #require(JSONPointer("/a/~0~1")).tokens == ["a", "~/"])
    }

    @Test(arguments: ["severity", "a/b", "/~", "/a~2", "/~a", "#/foo"])
    func rejectsInvalidText(text: String) {
        #expect(JSONPointer(text) == nil)
    }

    @Test func tokensRoundTripThroughText() {
        let pointer = JSONPointer(tokens: ["a/b", "m~n", "x"])
        #expect(pointer.text == "/a~1b/m~0n/x")
        #expect(JSONPointer(pointer.text) == pointer)
    }

    @Test func resolvesNestedObjectsAndArrays() throws {
        let json = try JSONParser.parse(#"{"items":[{"x":1},{"x":{"y":[true,null]}}]}"#)
        #expect(JSONPointer("/items/0/x")?.resolve(in: json) == .int(1))
        #expect(JSONPointer("/items/1/x/y/0")?.resolve(in: json) == .bool(true))
        #expect(JSONPointer("/items/1/x/y/1")?.resolve(in: json) == .null)
    }

    @Test(arguments: ["/items/2", "/items/-", "/items/01", "/items/+1", "/items/1e0", "/items/x", "/missing",
                      "/items/0/x/deeper", "/items/99999999999999999999"])
    func missingStepsResolveToNil(pointer: String) throws {
        let json = try JSONParser.parse(#"{"items":[{"x":1},{"x":2}]}"#)
        let parsed = try #require(JSONPointer(pointer))
        #expect(parsed.resolve(in: json) == nil)
    }

    @Test func arrayIndexTokenIsAKeyInObjects() throws {
        let json = try JSONParser.parse(#"{"0":"zero","01":"leading"}"#)
        #expect(JSONPointer("/0")?.resolve(in: json) == "zero")
        #expect(JSONPointer("/01")?.resolve(in: json) == "leading")
    }
}
