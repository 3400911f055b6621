import Crypto
import Foundation

/// Random identifiers and secrets, and the one-way hash API keys are stored as.
enum SecretGenerator {
    private static let base32Alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    /// Lower-case base32 of `byteCount` random bytes: safe in URLs, mail local parts and file names.
    static func base32(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var output: [UInt8] = []
        output.reserveCapacity(byteCount * 8 / 5 + 1)
        var buffer: UInt32 = 0
        var bits = 0
        for _ in 0..<byteCount {
            buffer = buffer << 8 | UInt32(UInt8.random(in: 0...255, using: &generator))
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(base32Alphabet[Int(buffer >> UInt32(bits) & 31)])
            }
        }
        if bits > 0 { output.append(base32Alphabet[Int(buffer << UInt32(5 - bits) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// An opaque object id such as `chk_k3x…` (80 random bits: unique, not a secret).
    static func objectID(prefix: String) -> String {
        prefix + "_" + base32(byteCount: 10)
    }

    /// A check token: 160 random bits. It is the only credential of a webhook, and mail addresses
    /// are matched case-insensitively, hence lower-case base32.
    static func checkToken() -> String {
        base32(byteCount: 20)
    }

    /// A new API key: `cbk_` and 160 random bits.
    static func apiKey() -> String {
        "cbk_" + base32(byteCount: 20)
    }

    /// The stored form of an API key: hex SHA-256. Keys carry 160 random bits, so a fast hash is enough.
    /// Runs for every authenticated request, so the hex digits are written into one buffer.
    static func hash(apiKey: String) -> String {
        var hex: [UInt8] = []
        hex.reserveCapacity(2 * SHA256.byteCount)
        for byte in SHA256.hash(data: Array(apiKey.utf8)) {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
