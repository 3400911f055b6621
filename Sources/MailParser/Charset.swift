import Foundation

/// Turns bytes in a named charset into a string. UTF-8 and the Latin-1 family are decoded here;
/// everything else goes through Foundation, and anything unknown or undecodable becomes lossy UTF-8.
enum Charset {
    private enum Decoder {
        case utf8
        /// windows-1252, also used for ISO-8859-1 labels as browsers do: mail labelled Latin-1
        /// routinely carries windows-1252 quotes and dashes in 0x80–0x9F.
        case windows1252
        case eucJP
        case foundation(String.Encoding)
    }

    /// Decodes `bytes` as `name` (any case, with or without punctuation: `UTF8`, `iso_8859-1`).
    static func decode<C: Collection<UInt8>>(_ bytes: C, charset name: String?) -> String {
        switch decoder(for: name) {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .windows1252:
            return decodeWindows1252(bytes)
        case .eucJP:
            return String(bytes: EUCJapanese.toISO2022JP(bytes), encoding: .iso2022JP)
                ?? String(decoding: bytes, as: UTF8.self)
        case .foundation(let encoding):
            if let text = String(bytes: bytes, encoding: encoding) { return text }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Whether CR and LF bytes of text in this charset are line ends, so line ends may be
    /// normalised on the bytes before decoding (not so for UTF-16 and UTF-32).
    static func isASCIICompatible(_ name: String?) -> Bool {
        guard let name else { return true }
        let key = normalizedKey(name)
        return !(key.hasPrefix("utf16") || key.hasPrefix("utf32") || key.hasPrefix("ucs") || key == "unicode")
    }

    private static func decoder(for name: String?) -> Decoder {
        guard let name, !name.isEmpty else { return .utf8 }
        let key = normalizedKey(name)
        if let known = aliases[key] { return known }
        if key.hasPrefix("iso8859"), let part = Int(key.dropFirst(7)), (2...16).contains(part), part != 12 {
            return cf(0x0200 + UInt32(part))
        }
        return .utf8
    }

    /// Lowercase letters and digits only, so `ISO_8859-1`, `iso-8859-1` and `iso8859-1` meet.
    /// Bytes, not scalars: it runs for every text part and encoded word (non-ASCII bytes, which
    /// belong to non-ASCII scalars, are dropped either way).
    private static func normalizedKey(_ name: String) -> String {
        var key: [UInt8] = []
        key.reserveCapacity(name.utf8.count)
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"): key.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): key.append(byte + 0x20)
            default: continue
            }
        }
        return String(decoding: key, as: UTF8.self)
    }

    /// A CoreFoundation string encoding number as a Foundation encoding: the same mapping as
    /// CFStringConvertEncodingToNSStringEncoding, which Foundation on Linux does not export.
    private static func cf(_ value: UInt32) -> Decoder {
        .foundation(String.Encoding(rawValue: 0x8000_0000 | UInt(value)))
    }

    private static let aliases: [String: Decoder] = {
        var table: [String: Decoder] = [:]
        for key in ["utf8", "unicode11utf8", "usascii", "ascii", "us", "ansix341968", "iso646us", "xunknown",
                    "unknown", "unknown8bit", "default", "8bit", "7bit", "utf8mb4"] {
            table[key] = .utf8
        }
        for key in ["iso88591", "latin1", "l1", "cp819", "ibm819", "iso885911987", "windows1252", "cp1252",
                    "xcp1252", "ansi", "88591"] {
            table[key] = .windows1252
        }
        let windows: [(String, UInt32)] = [
            ("1250", 0x0501), ("1251", 0x0502), ("1253", 0x0503), ("1254", 0x0504), ("1255", 0x0505),
            ("1256", 0x0506), ("1257", 0x0507), ("1258", 0x0508),
        ]
        for (number, code) in windows {
            for prefix in ["windows", "cp", "xcp", "win"] { table[prefix + number] = cf(code) }
        }
        let named: [(String, UInt32)] = [
            ("latin2", 0x0202), ("latin3", 0x0203), ("latin4", 0x0204), ("cyrillic", 0x0205),
            ("greek", 0x0207), ("latin5", 0x0209), ("latin6", 0x020A), ("latin7", 0x020D),
            ("latin8", 0x020E), ("latin9", 0x020F), ("latin10", 0x0210), ("l2", 0x0202), ("l9", 0x020F),
            ("windows874", 0x041D), ("cp874", 0x041D), ("tis620", 0x041D), ("xwindows874", 0x041D),
            ("koi8r", 0x0A02), ("koi8u", 0x0A08), ("koi8ru", 0x0A08), ("koi8", 0x0A02),
            ("shiftjis", 0x0A01), ("sjis", 0x0A01), ("xsjis", 0x0A01), ("mskanji", 0x0A01),
            ("windows31j", 0x0A01), ("cp932", 0x0A01), ("csshiftjis", 0x0A01),
            ("iso2022jp", 0x0820), ("csiso2022jp", 0x0820),
            ("gb2312", 0x0632), ("gbk", 0x0632), ("cp936", 0x0632), ("euccn", 0x0632), ("xgbk", 0x0632),
            ("gb18030", 0x0632), ("xeuccn", 0x0632), ("chinese", 0x0632), ("csgb2312", 0x0632),
            ("big5", 0x0A03), ("big5hkscs", 0x0A03), ("cp950", 0x0A03), ("xxbig5", 0x0A03), ("csbig5", 0x0A03),
            ("euckr", 0x0940), ("ksc56011987", 0x0940), ("cp949", 0x0940), ("ksc5601", 0x0940),
            ("cseuckr", 0x0940), ("korean", 0x0940),
            ("cp850", 0x0410), ("ibm850", 0x0410), ("cp437", 0x0400), ("ibm437", 0x0400),
            ("cp866", 0x0413), ("ibm866", 0x0413), ("macintosh", 0x0000), ("macroman", 0x0000),
            ("xmacroman", 0x0000),
        ]
        for (key, code) in named { table[key] = cf(code) }
        table["eucjp"] = .eucJP
        table["xeucjp"] = .eucJP
        table["cseucpkdfmtjapanese"] = .eucJP
        table["utf16"] = .foundation(.utf16)
        table["utf16le"] = .foundation(.utf16LittleEndian)
        table["utf16be"] = .foundation(.utf16BigEndian)
        table["utf32"] = .foundation(.utf32)
        table["utf32le"] = .foundation(.utf32LittleEndian)
        table["utf32be"] = .foundation(.utf32BigEndian)
        table["ucs2"] = .foundation(.utf16)
        return table
    }()

    /// The scalars of windows-1252 bytes 0x80–0x9F; its five undefined bytes map to the C1
    /// controls, as in the WHATWG encoding standard, so every byte decodes.
    private static let windows1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
        0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ]

    private static func decodeWindows1252<C: Collection<UInt8>>(_ bytes: C) -> String {
        let high = windows1252High
        return String(unsafeUninitializedCapacity: bytes.count * 3) { buffer in
            var out = 0
            for byte in bytes {
                if byte < 0x80 {
                    buffer[out] = byte
                    out += 1
                    continue
                }
                let scalar = byte < 0xA0 ? high[Int(byte - 0x80)] : UInt32(byte)
                if scalar < 0x800 {
                    buffer[out] = UInt8(0xC0 | (scalar >> 6))
                    buffer[out + 1] = UInt8(0x80 | (scalar & 0x3F))
                    out += 2
                } else {
                    buffer[out] = UInt8(0xE0 | (scalar >> 12))
                    buffer[out + 1] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
                    buffer[out + 2] = UInt8(0x80 | (scalar & 0x3F))
                    out += 3
                }
            }
            return out
        }
    }
}

/// EUC-JP re-expressed as ISO-2022-JP, which Foundation on Linux decodes while it lacks EUC-JP:
/// both carry JIS X 0208 (and half-width katakana), only the framing differs.
enum EUCJapanese {
    private enum Mode { case ascii, jis0208, katakana }

    static func toISO2022JP<C: Collection<UInt8>>(_ bytes: C) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 2 + 8)
        var mode = Mode.ascii
        func switchTo(_ next: Mode) {
            guard next != mode else { return }
            switch next {
            case .ascii: out.append(contentsOf: [0x1B, 0x28, 0x42])
            case .jis0208: out.append(contentsOf: [0x1B, 0x24, 0x42])
            case .katakana: out.append(contentsOf: [0x1B, 0x28, 0x49])
            }
            mode = next
        }
        var iterator = bytes.makeIterator()
        var pending = iterator.next()
        while let byte = pending {
            pending = iterator.next()
            if byte < 0x80 {
                switchTo(.ascii)
                out.append(byte)
            } else if byte == 0x8E, let second = pending, second >= 0xA1, second <= 0xDF {
                switchTo(.katakana)
                out.append(second & 0x7F)
                pending = iterator.next()
            } else if byte == 0x8F {
                // JIS X 0212 has no ISO-2022-JP form; a geta mark keeps the place of the character.
                switchTo(.jis0208)
                out.append(contentsOf: [0x22, 0x2E])
                pending = iterator.next()
                pending = pending == nil ? nil : iterator.next()
            } else if byte >= 0xA1, byte <= 0xFE, let second = pending, second >= 0xA1, second <= 0xFE {
                switchTo(.jis0208)
                out.append(byte & 0x7F)
                out.append(second & 0x7F)
                pending = iterator.next()
            } else {
                // A stray byte: a geta mark keeps its place.
                switchTo(.jis0208)
                out.append(contentsOf: [0x22, 0x2E])
            }
        }
        switchTo(.ascii)
        return out
    }
}
