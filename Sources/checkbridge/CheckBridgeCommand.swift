import ArgumentParser
import CheckBridgeCore
import Foundation
import Logging
import NIOCore
import PSA
import PSASimulator
import Server
import Storage

@main
struct CheckBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkbridge",
        abstract: "Turns backup and monitoring reports into check statuses and PSA tickets.",
        version: CheckBridgeVersion.current,
        subcommands: [Serve.self, Keys.self, PSASim.self],
        defaultSubcommand: Serve.self)
}

/// The database location shared by every subcommand.
struct DatabaseOption: ParsableArguments {
    @Option(help: "SQLite database file (env CHECKBRIDGE_DATABASE; default ./checkbridge.sqlite).")
    var database: String?

    var path: String {
        database ?? ProcessInfo.processInfo.environment["CHECKBRIDGE_DATABASE"] ?? "./checkbridge.sqlite"
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs the server: HTTP, JSON-RPC, webhooks and the mail hook.",
        discussion: """
            Every option can also be set by the environment variable named in its help; an option \
            given on the command line wins. Channel secrets are encrypted with CHECKBRIDGE_SECRET_KEY \
            (base64, 32 bytes), else with the key in {database}.secret-key, created on first start.
            """)

    @Option(help: "Address to listen on (env CHECKBRIDGE_HOST; default 127.0.0.1).")
    var host: String?
    @Option(help: "Port to listen on (env CHECKBRIDGE_PORT; default 8080).")
    var port: Int?
    @OptionGroup var database: DatabaseOption
    @Option(help: "Mail domain of check addresses, {token}@DOMAIN (env CHECKBRIDGE_MAIL_DOMAIN).")
    var mailDomain: String?
    @Option(help: "Base URL shown in webhook_url (env CHECKBRIDGE_PUBLIC_URL; default http://HOST:PORT).")
    var publicURL: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical (env CHECKBRIDGE_LOG_LEVEL; default info).")
    var logLevel: String?
    @Option(help: "full (fsync every commit) or normal (survives a crash, not a power loss) (env CHECKBRIDGE_DURABILITY).")
    var durability: String?
    @Option(help: "Largest webhook body in bytes (env CHECKBRIDGE_MAX_HOOK_BODY; default 1048576).")
    var maxHookBody: Int?
    @Option(help: "Largest mail in bytes (env CHECKBRIDGE_MAX_MAIL_BODY; default 26214400).")
    var maxMailBody: Int?
    @Option(help: "Largest JSON-RPC body in bytes (env CHECKBRIDGE_MAX_RPC_BODY; default 36700160).")
    var maxRPCBody: Int?
    @Option(help: "Raw input kept per result in bytes (env CHECKBRIDGE_MAX_STORED_RAW; default 262144).")
    var maxStoredRaw: Int?
    @Option(help: "Prune results older than this many days (env CHECKBRIDGE_RETENTION_DAYS; default: keep).")
    var retentionDays: Int?
    @Option(help: "Keep at most this many results per check (env CHECKBRIDGE_RETENTION_PER_CHECK; default: all).")
    var retentionPerCheck: Int?

    func validate() throws {
        _ = try makeConfiguration()
    }

    func makeConfiguration() throws -> AppConfiguration {
        let environment = ProcessInfo.processInfo.environment
        func setting(_ value: String?, _ variable: String) -> String? {
            value ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        func number(_ value: Int?, _ variable: String, _ option: String, minimum: Int = 1) throws -> Int? {
            if let value {
                guard value >= minimum else { throw ValidationError("--\(option) must be at least \(minimum)") }
                return value
            }
            guard let text = setting(nil, variable) else { return nil }
            guard let parsed = Int(text), parsed >= minimum else {
                throw ValidationError("\(variable) must be a whole number of at least \(minimum), not '\(text)'")
            }
            return parsed
        }
        var configuration = AppConfiguration()
        configuration.host = setting(host, "CHECKBRIDGE_HOST") ?? configuration.host
        configuration.port = try number(port, "CHECKBRIDGE_PORT", "port", minimum: 0) ?? configuration.port
        guard configuration.port <= 65535 else { throw ValidationError("the port must be at most 65535") }
        configuration.databasePath = database.path
        configuration.mailDomain = setting(mailDomain, "CHECKBRIDGE_MAIL_DOMAIN")
        configuration.publicURL = setting(publicURL, "CHECKBRIDGE_PUBLIC_URL")
        if let level = setting(logLevel, "CHECKBRIDGE_LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ValidationError("unknown log level '\(level)'")
            }
            configuration.logLevel = parsed
        }
        if let mode = setting(durability, "CHECKBRIDGE_DURABILITY") {
            guard let parsed = Durability(rawValue: mode.lowercased()) else {
                throw ValidationError("durability must be full or normal, not '\(mode)'")
            }
            configuration.durability = parsed
        }
        configuration.maxHookBody = try number(maxHookBody, "CHECKBRIDGE_MAX_HOOK_BODY", "max-hook-body")
            ?? configuration.maxHookBody
        configuration.maxMailBody = try number(maxMailBody, "CHECKBRIDGE_MAX_MAIL_BODY", "max-mail-body")
            ?? configuration.maxMailBody
        configuration.maxRPCBody = try number(maxRPCBody, "CHECKBRIDGE_MAX_RPC_BODY", "max-rpc-body")
            ?? configuration.maxRPCBody
        configuration.maxStoredRaw = try number(maxStoredRaw, "CHECKBRIDGE_MAX_STORED_RAW", "max-stored-raw", minimum: 0)
            ?? configuration.maxStoredRaw
        configuration.retentionDays = try number(retentionDays, "CHECKBRIDGE_RETENTION_DAYS", "retention-days")
        configuration.retentionPerCheck = try number(
            retentionPerCheck, "CHECKBRIDGE_RETENTION_PER_CHECK", "retention-per-check")
        return configuration
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        var logger = Logger(label: "checkbridge")
        logger.logLevel = configuration.logLevel
        let app = try await buildApplication(configuration, logger: logger)
        if let key = app.firstAdminKey {
            // Written unbuffered, so it appears before the first log line even when stdout is a file.
            FileHandle.standardOutput.write(
                Data(
                    """
                    First start: created an admin API key. It is shown only this once, and saved in \
                    \(configuration.adminKeyPath) (mode 0600):

                        \(key)


                    """.utf8))
        }
        logger.info(
            "CheckBridge starting",
            metadata: [
                "address": "\(configuration.host):\(configuration.port)", "database": "\(configuration.databasePath)",
                "durability": "\(app.database.durability.rawValue)",
            ])
        do {
            try await app.application.runService()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw StartFailure(
                "cannot listen on \(configuration.host):\(configuration.port): the address is in use "
                    + "(another server running?); choose another with --port")
        }
        try app.database.close()
    }
}

/// Why the server could not start, said plainly.
struct StartFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manages API keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Creates an API key and prints it once.")

        @Option(help: "A name that says who uses the key.")
        var name: String
        @Option(help: "admin, read or ingest.")
        var role: String
        @OptionGroup var database: DatabaseOption

        func validate() throws {
            guard APIKeyRole(rawValue: role) != nil else {
                throw ValidationError("--role must be admin, read or ingest")
            }
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--name must not be empty")
            }
        }

        func run() async throws {
            guard let role = APIKeyRole(rawValue: role) else { throw ValidationError("--role must be admin, read or ingest") }
            let database = try CheckBridgeDatabase(path: database.path)
            let (record, key) = try await database.pool.write { db in
                try APIKeyIssuer.issue(name: name.trimmingCharacters(in: .whitespaces), role: role, in: db)
            }
            try database.close()
            print("Created \(record.role.rawValue) key \(record.id) (\(record.name)). It is shown only this once:")
            print(key)
        }
    }
}

struct PSASim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "psa-sim",
        abstract: "Runs a simulated HaloPSA, ConnectWise PSA or SyncroMSP with demo data, to try CheckBridge without a PSA.",
        discussion: """
            It answers like the real API (authentication, paths, fields, errors, paging) and prints the \
            connection settings to give channels.create. Everything is in memory and gone when it stops.
            """)

    @Option(help: "halopsa, connectwise or syncro.")
    var kind: String
    @Option(help: "Address to listen on (loopback only, since channels accept http:// only there).")
    var host = "127.0.0.1"
    @Option(help: "Port to listen on.")
    var port = 8090

    func validate() throws {
        guard PSAKind(rawValue: kind) != nil else { throw ValidationError("--kind must be halopsa, connectwise or syncro") }
    }

    func run() async throws {
        guard let kind = PSAKind(rawValue: kind) else { throw ValidationError("--kind must be halopsa, connectwise or syncro") }
        var logger = Logger(label: "psa-sim")
        logger.logLevel = .warning
        try await runPSASimulator(kind: kind, host: host, port: port, logger: logger)
    }
}
