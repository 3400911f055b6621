/// Content-Transfer-Encoding decoders. Both work on raw bytes in one pass, write into a buffer
/// sized once, and accept anything: invalid input degrades, it never fails.
enum TransferEncoding {
    enum Kind {
        case identity
        case base64
        case quotedPrintable
    }

    /// The decoder for a `Content-Transfer-Encoding` value; 7bit, 8bit, binary and unknown values
    /// are taken as they are.
    static func kind(of lowercaseValue: String) -> Kind {
        switch lowercaseValue {
        case "base64": return .base64
        case "quoted-printable": return .quotedPrintable
        default: return .identity
        }
    }

    static func decode(_ bytes: ArraySlice<UInt8>, _ kind: Kind) -> [UInt8] {
        switch kind {
        case .identity: return Array(bytes)
        case .base64: return Base64.decode(bytes)
        case .quotedPrintable: return QuotedPrintable.decode(bytes)
        }
    }
}

/// Lenient base64: characters outside the alphabet (line breaks, spaces, junk) are skipped, and
/// padding ends a quantum without ending the data, so concatenated encodings decode too.
enum Base64 {
    private static let invalid: UInt8 = 0xFF
    private static let padding: UInt8 = 0xFE

    private static let table: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        // The URL-safe alphabet turns up in the wild; nothing else uses these bytes.
        table[Int(ASCII.minus)] = 62
        table[Int(ASCII.underscore)] = 63
        table[Int(ASCII.equals)] = padding
        return table
    }()

    static func decode<C: Collection<UInt8>>(_ input: C) -> [UInt8] {
        if let result = input.withContiguousStorageIfAvailable({ decode(buffer: $0) }) { return result }
        return Array(input).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    private static func decode(buffer input: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let capacity = input.count / 4 * 3 + 3
        return table.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: capacity) { output, initialized in
                var out = 0
                var accumulator: UInt32 = 0
                var count = 0
                for byte in input {
                    let value = table[Int(byte)]
                    if value < 64 {
                        accumulator = accumulator << 6 | UInt32(value)
                        count += 1
                        if count == 4 {
                            output[out] = UInt8(truncatingIfNeeded: accumulator >> 16)
                            output[out + 1] = UInt8(truncatingIfNeeded: accumulator >> 8)
                            output[out + 2] = UInt8(truncatingIfNeeded: accumulator)
                            out += 3
                            count = 0
                            accumulator = 0
                        }
                    } else if value == padding, count > 0 {
                        out = flush(accumulator, count, output, out)
                        count = 0
                        accumulator = 0
                    }
                }
                out = flush(accumulator, count, output, out)
                initialized = out
            }
        }
    }

    /// Writes the bytes of an incomplete quantum of `count` characters; one character carries no byte.
    @inline(__always)
    private static func flush(
        _ accumulator: UInt32, _ count: Int, _ output: UnsafeMutableBufferPointer<UInt8>, _ out: Int
    ) -> Int {
        switch count {
        case 2:
            output[out] = UInt8(truncatingIfNeeded: accumulator >> 4)
            return out + 1
        case 3:
            output[out] = UInt8(truncatingIfNeeded: accumulator >> 10)
            output[out + 1] = UInt8(truncatingIfNeeded: accumulator >> 2)
            return out + 2
        default:
            return out
        }
    }
}

/// Quoted-printable to bytes. Charset decoding happens afterwards on the whole result, so a soft
/// line break inside a multi-byte character is harmless.
enum QuotedPrintable {
    static func decode(_ input: ArraySlice<UInt8>) -> [UInt8] {
        let count = input.count
        let start = input.startIndex
        return [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            var out = 0
            var index = start
            let end = start + count
            while index < end {
                let byte = input[index]
                guard byte == ASCII.equals else {
                    output[out] = byte
                    out += 1
                    index += 1
                    continue
                }
                if index + 2 < end,
                   let high = ASCII.hexValue(input[index + 1]),
                   let low = ASCII.hexValue(input[index + 2]) {
                    output[out] = high << 4 | low
                    out += 1
                    index += 3
                    continue
                }
                // A soft line break: "=" then optional blanks (added by some transports), then a line end.
                var probe = index + 1
                while probe < end, ASCII.isBlank(input[probe]) { probe += 1 }
                if probe == end {
                    index = end
                } else if input[probe] == ASCII.lf {
                    index = probe + 1
                } else if input[probe] == ASCII.cr {
                    index = probe + 1 < end && input[probe + 1] == ASCII.lf ? probe + 2 : probe + 1
                } else {
                    output[out] = byte
                    out += 1
                    index += 1
                }
            }
            initialized = out
        }
    }
}
