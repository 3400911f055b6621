@testable import CheckBridgeCore
import Testing

@Suite("Text preparation")
struct MatchTextTests {
    func prepared(_ text: String, folding: Bool = true) -> String {
        String(decoding: MatchText.prepare(text, folding: folding), as: UTF8.self)
    }

    @Test func collapsesTrimsAndFolds() {
        #expect(prepared("  Hello,\t\tWORLD \r\n") == "hello, world")
        #expect(prepared("  Hello,\t\tWORLD \r\n", folding: false) == "Hello, WORLD")
        #expect(prepared("") == "")
        #expect(prepared(" \t\u{A0}\u{3000} ") == "")
        #expect(prepared("a\u{0}b", folding: false) == "a\u{0}b")
        #expect(prepared("A\u{0}\u{1F}\u{7F}B") == "a\u{0}\u{1F}\u{7F}b")
    }

    @Test func everyCaseVariantOfAScalarFoldsTheSame() {
        // Exhaustive over the BMP and the Supplementary Multilingual Plane: a letter, its uppercase and its
        // lowercase must prepare to the same text, or case-insensitive matching would miss.
        var mismatches: [String] = []
        for value in UInt32(0x80)..<0x1_F000 {
            // Dotless ı uppercases to I, which folds to i: they differ under Unicode case folding too.
            guard value != 0x131, let scalar = Unicode.Scalar(value), scalar.properties.changesWhenCaseMapped
            else { continue }
            let text = String(scalar)
            let folded = prepared(text)
            for variant in [text.uppercased(), text.lowercased()] where prepared(variant) != folded {
                mismatches.append("U+\(String(value, radix: 16, uppercase: true))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
    }

    @Test func tableAndSlowPathAgree() {
        // U+0080–U+07FF go through a precomputed table; the same scalars inside longer text must prepare like
        // their direct folding.
        for value in UInt32(0x80)..<0x800 {
            guard let scalar = Unicode.Scalar(value), !scalar.properties.isWhitespace else { continue }
            let expected = CaseFolding.fold(scalar).precomposedStringWithCanonicalMappingIfNeeded
            #expect(prepared("x" + String(scalar)) == "x" + expected, "U+\(String(value, radix: 16))")
        }
    }
}

private extension String {
    /// NFC, as the preparation applies it (only when combining marks are present).
    var precomposedStringWithCanonicalMappingIfNeeded: String {
        unicodeScalars.contains { $0.value >= 0x300 }
            ? String(decoding: MatchText.prepare(self, folding: false), as: UTF8.self) : self
    }
}
