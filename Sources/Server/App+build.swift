import CheckBridgeCore
import Foundation
import Hummingbird
import Logging
import Storage

/// What `buildApplication` hands back: the runnable application and the parts tests look into.
public struct CheckBridgeApplication: Sendable {
    public let application: Application<RouterResponder<BasicRequestContext>>
    public let database: CheckBridgeDatabase
    /// The admin key created on first start (shown once), or nil when keys already existed.
    public let firstAdminKey: String?
    /// Which requests the event loops answer themselves.
    let ingestShortcut: IngestShortcut
}

/// Opens the database, prepares keys and builds the HTTP application with its services.
public func buildApplication(_ configuration: AppConfiguration, logger: Logger? = nil) async throws
    -> CheckBridgeApplication
{
    var logger = logger ?? Logger(label: "checkbridge")
    logger.logLevel = configuration.logLevel
    let database = try CheckBridgeDatabase(path: configuration.databasePath, durability: configuration.durability)
    let firstAdminKey = try await FirstStart.prepare(configuration, database: database, logger: logger)
    let metrics = ServerMetrics()
    let checkpointer = WALCheckpointer(path: configuration.databasePath, logger: logger)
    let writer = ResultWriter(database: database, logger: logger, checkpointer: checkpointer) { size in
        metrics.committed(batchSize: size)
    }
    let psa = PSAServices(box: try SecretBox.load(configuration: configuration), timeout: configuration.psaTimeout)
    let services = AppServices(
        configuration: configuration, database: database, writer: writer,
        checks: CheckDirectory(database: database), keys: APIKeyAuthenticator(database: database),
        metrics: metrics, psa: psa, logger: logger)
    let router = buildRouter(services)
    let shortcut = IngestShortcut(hooks: HookController(services: services), mail: MailController(services: services))
    let dates = HTTPDateCache()
    let application = Application(
        router: router,
        server: .ingestHTTP1 { IngestChannelHandler(claim: shortcut.claim, metrics: metrics, dates: dates) },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        // The server is stopped before these (ServiceGroup stops in reverse order), so every
        // request in flight has handed its result to the writer before the writer drains and stops.
        services: [
            writer,
            checkpointer,
            MissedCheckScheduler(
                database: database, writer: writer, metrics: metrics, logger: logger, clock: configuration.clock,
                interval: configuration.scheduleInterval),
            PSAWorker(
                database: database, psa: psa, metrics: metrics, logger: logger,
                retryBase: configuration.psaRetryBase),
            ResultPruner(
                database: database, maximumAge: configuration.retentionDays.map { .seconds($0 * 86_400) },
                maximumPerCheck: configuration.retentionPerCheck, logger: logger),
        ],
        logger: logger)
    return CheckBridgeApplication(
        application: application, database: database, firstAdminKey: firstAdminKey, ingestShortcut: shortcut)
}

/// The routes of SPEC §3.
func buildRouter(_ services: AppServices) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: EdgeMiddleware(metrics: services.metrics))
    OperationsController(services: services).register(on: router)
    HookController(services: services).register(on: router)
    MailController(services: services).register(on: router)
    RPCController(services: services, dispatcher: RPCDispatcher(methods: RPCMethods.all)).register(on: router)
    return router
}
