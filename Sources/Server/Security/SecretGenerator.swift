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
    static func hash(apiKey: String) -> String {
        SHA256.hash(data: Array(apiKey.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
