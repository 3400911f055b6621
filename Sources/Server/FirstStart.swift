import CheckBridgeCore
import Crypto
import Foundation
import Logging
import Storage

/// What a new installation sets up on its first start (SPEC §2).
enum FirstStart {
    /// Creates the first admin key when the database has none, writing it to `{database}.admin-key`
    /// (mode 0600), and the master key file for channel secrets when none is configured.
    /// Returns the new admin key so the caller can print it once.
    static func prepare(_ configuration: AppConfiguration, database: CheckBridgeDatabase, logger: Logger) async throws
        -> String?
    {
        try ensureSecretKey(configuration)
        let key = try await database.pool.write { db -> String? in
            guard try APIKeyRecord.count(in: db) == 0 else { return nil }
            return try APIKeyIssuer.issue(name: "first admin", role: .admin, in: db).1
        }
        if let key {
            try writePrivateFile(configuration.adminKeyPath, contents: key + "\n")
            logger.info("created the first admin key", metadata: ["file": "\(configuration.adminKeyPath)"])
        }
        return key
    }

    private static func ensureSecretKey(_ configuration: AppConfiguration) throws {
        if ProcessInfo.processInfo.environment["CHECKBRIDGE_SECRET_KEY"] != nil { return }
        guard !FileManager.default.fileExists(atPath: configuration.secretKeyPath) else { return }
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
        try writePrivateFile(configuration.secretKeyPath, contents: key + "\n")
    }

    /// Writes a file only its owner can read, created with that mode so it is never readable by others.
    static func writePrivateFile(_ path: String, contents: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw StorageError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        _ = fchmod(descriptor, 0o600)
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw StorageError("cannot write \(path)") }
        _ = fsync(descriptor)
    }
}
