import Foundation

/// Prepares text for rule matching, as UTF-8 bytes.
///
/// Every run of Unicode white space (ASCII space, tab, line breaks, U+0085, U+00A0, U+1680, U+2000–U+200A,
/// U+2028, U+2029, U+202F, U+205F, U+3000) becomes one space and the ends are trimmed, so a value copied from
/// a wrapped mail or an HTML table still matches. The same preparation is applied to the value of a
/// `contains`, `not_contains` or `equals` condition, so `"Backup   OK"` (or one with a tab in it) means
/// `"Backup OK"`; a `regex` pattern is left as written, since white space in it is syntax.
///
/// When folding, each scalar is mapped to lowercase(uppercase(lowercase(c))), which for this purpose equals
/// Unicode full case folding (CaseFolding.txt C+F, without the Turkic T entries): `ß`, `ẞ`, `SS` and `ss`
/// all become `ss`; `Σ`, `σ`, `ς` become `σ`; `ﬁ` becomes `fi`; dotless `ı` stays itself and `İ` becomes
/// `i̇`, with no locale involved. Text with combining marks is then composed (NFC), so a decomposed `é`
/// equals a precomposed one. Byte search over the result is exact: UTF-8 is self-synchronising, so a match
/// always starts and ends on scalar boundaries.
enum MatchText {
    /// The prepared bytes of `text`.
    static func prepare(_ text: String, folding: Bool) -> [UInt8] {
        var text = text
        return text.withUTF8 { prepare(utf8: $0, folding: folding) }
    }

    /// The prepared bytes of valid UTF-8 `input`.
    ///
    /// Runs of eight printable ASCII bytes with no doubled space — most of any report — are checked and
    /// copied (lowercased when folding) a machine word at a time; other ASCII bytes go through a 128-entry
    /// class table; only non-ASCII scalars are decoded. White space is written eagerly as one space unless
    /// the output is empty or already ends in one, and a final space is dropped, which is the same as
    /// collapsing runs and trimming. The output never outgrows its capacity: collapsing only shrinks, and
    /// folding one scalar writes at most three times its own UTF-8 length (`CaseFolding.write` enforces it).
    static func prepare(utf8 input: UnsafeBufferPointer<UInt8>, folding: Bool) -> [UInt8] {
        let count = input.count
        guard let base = input.baseAddress, count > 0 else { return [] }
        var capacity = count
        if folding {
            capacity += 2 * countNonASCII(input)
        }
        var needsComposition = false
        let classTable = folding ? asciiFoldingClasses : asciiClasses
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initializedCount in
            initializedCount = 0
            guard let out = buffer.baseAddress else { return }
            // Borrowed once per text, not per scalar: each access to a static costs a lazy-init check and a retain.
            classTable.withUnsafeBufferPointer { classes in CaseFolding.table.withUnsafeBufferPointer { foldings in
                // Nothing takes the address of these, so they stay in registers. `afterSpace`: the output is
                // empty or ends in a space, so white space adds nothing.
                var written = 0
                var index = 0
                var afterSpace = true
                while index < count {
                    // Invariant: written + (count - index) <= capacity, so eight bytes fit when eight remain.
                    if index &+ 8 <= count,
                       let word = Self.plainWord(at: base + index, folding: folding, afterSpace: afterSpace)
                    {
                        UnsafeMutableRawPointer(out + written).storeBytes(of: word, as: UInt64.self)
                        written &+= 8
                        index &+= 8
                        afterSpace = UInt64(littleEndian: word) >> 56 == 0x20
                        continue
                    }
                    let byte = input[index]
                    if byte < 0x80 {
                        index &+= 1
                        let mapped = classes[Int(byte)]
                        if mapped != 0x20 {
                            out[written] = mapped
                            written &+= 1
                            afterSpace = false
                        } else if !afterSpace {
                            out[written] = 0x20
                            written &+= 1
                            afterSpace = true
                        }
                        continue
                    }
                    let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                    guard index + length <= count else { break }  // Unreachable for a Swift String's UTF-8.
                    var value = UInt32(byte) & (0x7F >> length)
                    for offset in 1..<length {
                        value = value << 6 | UInt32(input[index + offset] & 0x3F)
                    }
                    if isWhiteSpace(value) {
                        if !afterSpace {
                            out[written] = 0x20
                            written &+= 1
                            afterSpace = true
                        }
                        index &+= length
                        continue
                    }
                    afterSpace = false
                    if folding {
                        let source = UnsafeBufferPointer(rebasing: input[index..<index + length])
                        let (folded, composes) = CaseFolding.write(
                            value, source: source, to: out + written, table: foldings)
                        written &+= folded
                        if composes { needsComposition = true }
                    } else {
                        for offset in 0..<length { out[written + offset] = input[index + offset] }
                        written &+= length
                        if value >= CaseFolding.firstCombiningMark { needsComposition = true }
                    }
                    index &+= length
                }
                if written != 0, out[written &- 1] == 0x20 { written &-= 1 }
                initializedCount = written
            } }
        }
        guard needsComposition else { return output }
        return Array(String(decoding: output, as: UTF8.self).precomposedStringWithCanonicalMapping.utf8)
    }

    /// How many bytes of `input` are not ASCII, a word at a time.
    private static func countNonASCII(_ input: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = input.baseAddress else { return 0 }
        var total = 0
        var index = 0
        while index &+ 8 <= input.count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            total &+= (word & highBits).nonzeroBitCount
            index &+= 8
        }
        while index < input.count {
            total &+= Int(input[index] >> 7)
            index &+= 1
        }
        return total
    }

    private static let highBits: UInt64 = 0x8080_8080_8080_8080
    private static let lowSevenBits: UInt64 = 0x7F7F_7F7F_7F7F_7F7F

    /// The eight bytes at `pointer`, lowercased when `folding`, if they can be copied as they are: all
    /// printable ASCII (0x20–0x7F, so no tab or line break), no two spaces in a row, and no leading space
    /// when the output is empty or ends in a space (`afterSpace`). `nil` sends them through the byte path.
    @inline(__always)
    private static func plainWord(at pointer: UnsafePointer<UInt8>, folding: Bool, afterSpace: Bool) -> UInt64? {
        let word = UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
        // Any byte >= 0x80, or (for ASCII bytes, where adding 0x60 cannot carry) any byte < 0x20.
        let unusual = (word | ~(word &+ 0x6060_6060_6060_6060)) & highBits
        guard unusual == 0 else { return nil }
        // High bit set in each byte that is exactly 0x20.
        let spaceBytes = word ^ 0x2020_2020_2020_2020
        let spaces = ~(((spaceBytes & lowSevenBits) &+ lowSevenBits) | spaceBytes) & highBits
        guard spaces & (spaces << 8) == 0, !(afterSpace && spaces & 0x80 != 0) else { return nil }
        guard folding else { return word.littleEndian }
        // High bit set in each byte in A...Z: >= 0x41 and not >= 0x5B (bytes are < 0x80, so no carries).
        let upper = (word &+ 0x3F3F_3F3F_3F3F_3F3F) & ~(word &+ 0x2525_2525_2525_2525) & highBits
        return (word | upper >> 2).littleEndian
    }

    /// For each ASCII byte: a space for white space (space, tab, LF, VT, FF, CR), else the byte itself.
    private static let asciiClasses: [UInt8] = (0..<128).map { byte in
        (0x09...0x0D).contains(byte) ? 0x20 : UInt8(byte)
    }

    /// As `asciiClasses`, with A–Z mapped to a–z.
    private static let asciiFoldingClasses: [UInt8] = asciiClasses.map { byte in
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }

    /// Unicode `White_Space` outside ASCII.
    @inline(__always)
    private static func isWhiteSpace(_ value: UInt32) -> Bool {
        switch value {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// Whether `needle` occurs in `haystack`; an empty needle occurs everywhere.
    ///
    /// Candidates are positions where both the needle's first and last bytes match, found eight positions at
    /// a time with word-wide compares (so a common first letter such as `e` costs nothing extra); each is
    /// confirmed with `memcmp`. A repetitive needle in a repetitive haystack could make that quadratic, so
    /// once confirmations have compared more than a few times the haystack's length the search restarts as
    /// Knuth–Morris–Pratt, which is linear whatever the input.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        if needle.isEmpty { return true }
        if needle.count > haystack.count { return false }
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pin in
                guard let hayBase = hay.baseAddress, let pinBase = pin.baseAddress else { return false }
                let length = pin.count
                if length == 1 { return memchr(hayBase, Int32(pin[0]), hay.count) != nil }
                let lastStart = hay.count - length
                let first = UInt64(pin[0]) &* 0x0101_0101_0101_0101
                let last = UInt64(pin[length - 1]) &* 0x0101_0101_0101_0101
                var budget = 4 * hay.count + 64
                var start = 0
                // Word loop: loads bytes start..<start+8 and start+length-1..<start+length+7.
                while start + 7 <= lastStart {
                    let heads = UInt64(littleEndian: UnsafeRawPointer(hayBase + start).loadUnaligned(as: UInt64.self))
                    let tails = UInt64(littleEndian: UnsafeRawPointer(hayBase + start + length - 1)
                        .loadUnaligned(as: UInt64.self))
                    let differences = (heads ^ first) | (tails ^ last)
                    // High bit set in each byte of `differences` that is zero: both ends match there.
                    var candidates = ~(((differences & lowSevenBits) &+ lowSevenBits) | differences) & highBits
                    while candidates != 0 {
                        let position = start + candidates.trailingZeroBitCount >> 3
                        if length == 2 || memcmp(hayBase + position + 1, pinBase + 1, length - 2) == 0 { return true }
                        budget -= length
                        if budget < 0 { return knuthMorrisPratt(hay, pin) }
                        candidates &= candidates &- 1
                    }
                    start += 8
                }
                while start <= lastStart {
                    if hay[start] == pin[0], memcmp(hayBase + start, pinBase, length) == 0 { return true }
                    start += 1
                }
                return false
            }
        }
    }

    private static func knuthMorrisPratt(_ hay: UnsafeBufferPointer<UInt8>, _ pin: UnsafeBufferPointer<UInt8>) -> Bool {
        var failure = [Int](repeating: 0, count: pin.count)
        var length = 0
        for index in 1..<max(pin.count, 1) {
            while length > 0, pin[index] != pin[length] { length = failure[length - 1] }
            if pin[index] == pin[length] { length += 1 }
            failure[index] = length
        }
        var matched = 0
        for byte in hay {
            while matched > 0, byte != pin[matched] { matched = failure[matched - 1] }
            if byte == pin[matched] { matched += 1 }
            if matched == pin.count { return true }
        }
        return false
    }
}

/// Case folding of one non-ASCII scalar, with a table for U+0080–U+07FF (Latin, Greek, Cyrillic, Armenian,
/// Hebrew, Arabic…) so that common European text never reaches the slower `String` case mappings.
enum CaseFolding {
    /// Below this, no scalar is a combining mark, and text made of such scalars is already NFC.
    static let firstCombiningMark: UInt32 = 0x300

    private static let tableStart: UInt32 = 0x80
    private static let tableEnd: UInt32 = 0x800
    private static let slotSize = 8
    private static let composesFlag: UInt8 = 0x80

    /// For each scalar in U+0080–U+07FF, an 8-byte slot: byte 0 is the folded UTF-8 length (0 = not in the
    /// table), with `composesFlag` set when the folding holds a scalar ≥ U+0300 (and so may need composing);
    /// bytes 1…7 are the folded UTF-8. One flat array, so a caller can borrow it once per text.
    static let table: [UInt8] = {
        var table = [UInt8](repeating: 0, count: Int(tableEnd - tableStart) * slotSize)
        for value in tableStart..<tableEnd {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let folded = fold(scalar)
            let utf8 = Array(folded.utf8)
            // Every folding in this range is at most three scalars of at most two bytes; anything longer is
            // left to the slow path rather than overflowing a slot or the caller's bound.
            guard utf8.count <= min(slotSize - 1, 3 * String(scalar).utf8.count) else { continue }
            let slot = Int(value - tableStart) * slotSize
            let composes = folded.unicodeScalars.contains { $0.value >= firstCombiningMark }
            table[slot] = UInt8(utf8.count) | (composes ? composesFlag : 0)
            for (offset, byte) in utf8.enumerated() { table[slot + 1 + offset] = byte }
        }
        return table
    }()

    /// Writes the folding of `value` (a valid non-ASCII scalar whose UTF-8 is `source`) at `out`, using
    /// `table` (the borrowed `CaseFolding.table`); returns how many bytes it wrote and whether the result may
    /// need composing. Writes at most `3 * source.count` bytes: a folding longer than that (none exists in
    /// Unicode 15) is written unfolded rather than overrun the caller's buffer.
    @inline(__always)
    static func write(
        _ value: UInt32, source: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>,
        table: UnsafeBufferPointer<UInt8>
    ) -> (count: Int, composes: Bool) {
        if value < tableEnd {
            let slot = Int(value - tableStart) * slotSize
            let header = table[slot]
            let length = Int(header & ~composesFlag)
            if length > 0 {
                for offset in 0..<length { out[offset] = table[slot + 1 + offset] }
                return (length, header & composesFlag != 0)
            }
        }
        return writeSlowly(value, source: source, to: out)
    }

    /// `write` for scalars outside the table.
    private static func writeSlowly(
        _ value: UInt32, source: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>
    ) -> (count: Int, composes: Bool) {
        if let scalar = Unicode.Scalar(value), scalar.properties.changesWhenCaseFolded {
            let folded = fold(scalar)
            if folded.utf8.count <= 3 * source.count {
                var written = 0
                for byte in folded.utf8 {
                    out[written] = byte
                    written += 1
                }
                return (written, folded.unicodeScalars.contains { $0.value >= firstCombiningMark })
            }
        }
        for (offset, byte) in source.enumerated() { out[offset] = byte }
        return (source.count, value >= firstCombiningMark)
    }

    /// lowercase(uppercase(lowercase(c))): the round trip through uppercase reaches the case-folded form
    /// (ß → SS → ss, ς → Σ → σ, ǅ → Ǆ → ǆ, ſ → S → s, ﬁ → FI → fi), and the first lowercase maps the
    /// characters whose uppercase is not their source (ẞ → ß → SS → ss, İ → i̇). A scalar that does not
    /// change under case folding (dotless ı, CJK, Cherokee capitals) is kept as is.
    static func fold(_ scalar: Unicode.Scalar) -> String {
        guard scalar.properties.changesWhenCaseFolded else { return String(scalar) }
        let folded = scalar.properties.lowercaseMapping.uppercased().lowercased()
        if folded.unicodeScalars.count == 1, folded.unicodeScalars.first == scalar {
            // Cherokee small letters fold to their capitals (CaseFolding.txt), the reverse of every other
            // script; the capitals themselves do not change, so both sides meet at the capital.
            return scalar.properties.uppercaseMapping
        }
        return folded
    }
}
