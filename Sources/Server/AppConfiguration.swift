import CheckBridgeCore
import Logging
import Storage

/// Everything `checkbridge serve` can be told, with the embedded defaults of SPEC §2.
public struct AppConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var databasePath = "./checkbridge.sqlite"
    /// Domain of the check mail addresses (`{token}@{mailDomain}`); nil leaves `mail_address` null.
    public var mailDomain: String?
    /// Base of the `webhook_url` shown for each check; defaults to `http://{host}:{port}`.
    public var publicURL: String?
    public var logLevel: Logger.Level = .info
    public var durability: Durability = .full
    public var maxHookBody = 1 << 20
    public var maxMailBody = 25 << 20
    public var maxRPCBody = 35 << 20
    /// Raw inputs longer than this are stored cut to this length (the full size is recorded).
    public var maxStoredRaw = 256 << 10
    /// Raw mail longer than this is stored cut to this length: enough to re-read any real report.
    public var maxStoredMail = 4 << 20
    /// Results older than this many days are pruned; nil keeps them.
    public var retentionDays: Int?
    /// At most this many results are kept per check; nil keeps them all.
    public var retentionPerCheck: Int?

    /// How long a PSA call may take before it counts as timed out (and is retried).
    public var psaTimeout: Duration = .seconds(30)
    /// First retry delay of a failed PSA step; it doubles per attempt up to 10 minutes.
    public var psaRetryBase: Duration = .seconds(2)

    /// The clock schedules are measured by; tests move it instead of waiting.
    public var clock: @Sendable () -> Timestamp = { .now }
    /// How often schedules are checked for missed deadlines.
    public var scheduleInterval: Duration = .seconds(1)

    public init() {}

    /// The base URL webhook addresses are built on.
    public var effectivePublicURL: String {
        var base = publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// Where the first admin key is written on first start.
    public var adminKeyPath: String { databasePath + ".admin-key" }

    /// Where the master key for channel secrets lives unless `CHECKBRIDGE_SECRET_KEY` is set.
    public var secretKeyPath: String { databasePath + ".secret-key" }
}
