import Crypto
import Foundation

/// Seals channel secrets at rest with AES-GCM under the master key (SPEC §2).
struct SecretBox: Sendable {
    /// Kept as bytes: `SymmetricKey` is not `Sendable`.
    private let keyBytes: [UInt8]

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// The master key from `CHECKBRIDGE_SECRET_KEY`, else from `{database}.secret-key`.
    static func load(configuration: AppConfiguration) throws -> SecretBox {
        let text: String
        if let fromEnvironment = ProcessInfo.processInfo.environment["CHECKBRIDGE_SECRET_KEY"], !fromEnvironment.isEmpty {
            text = fromEnvironment
        } else {
            guard let data = FileManager.default.contents(atPath: configuration.secretKeyPath) else {
                throw SecretBoxError("the master key file \(configuration.secretKeyPath) cannot be read")
            }
            text = String(decoding: data, as: UTF8.self)
        }
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32
        else { throw SecretBoxError("the master key must be 32 bytes, base64-encoded") }
        return SecretBox(keyBytes: Array(bytes))
    }

    init(keyBytes: [UInt8]) {
        self.keyBytes = keyBytes
    }

    func seal(_ plaintext: [UInt8]) throws -> Data {
        guard let combined = try AES.GCM.seal(plaintext, using: key).combined else {
            throw SecretBoxError("sealing failed")
        }
        return combined
    }

    func open(_ sealed: Data) throws -> [UInt8] {
        Array(try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key))
    }
}

/// The master key is missing or wrong; the message never contains key material.
struct SecretBoxError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
