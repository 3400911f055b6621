import Hummingbird
import Logging
import Storage

/// The long-lived parts every controller and RPC method works with.
///
/// A class: ingest captures it in several closures per request, and a reference is one retain
/// where a copy of all these fields was dozens.
final class AppServices: Sendable {
    let configuration: AppConfiguration
    let database: CheckBridgeDatabase
    let writer: ResultWriter
    let checks: CheckDirectory
    let keys: APIKeyAuthenticator
    let metrics: ServerMetrics
    let psa: PSAServices
    let logger: Logger

    init(
        configuration: AppConfiguration, database: CheckBridgeDatabase, writer: ResultWriter, checks: CheckDirectory,
        keys: APIKeyAuthenticator, metrics: ServerMetrics, psa: PSAServices, logger: Logger
    ) {
        self.configuration = configuration
        self.database = database
        self.writer = writer
        self.checks = checks
        self.keys = keys
        self.metrics = metrics
        self.psa = psa
        self.logger = logger
    }
}

extension AppServices {
    /// Stores results through the writer in one transaction. What the writer could not store
    /// becomes a problem the sender can act on (503: send it again; `checkGone` when the check was
    /// deleted meanwhile), never an internal error.
    func store(_ results: [NewResult], checkGone: ProblemDetails) async throws(ProblemDetails) -> [ResultWriteOutcome] {
        do {
            return try await writer.write(results)
        } catch {
            throw ProblemDetails.notStored(error, checkGone: checkGone)
        }
    }

    /// The same for a writer's answer to `submit`.
    func stored(
        _ outcome: Result<[ResultWriteOutcome], any Error>, checkGone: ProblemDetails
    ) throws(ProblemDetails) -> [ResultWriteOutcome] {
        switch outcome {
        case .success(let outcomes): outcomes
        case .failure(let error): throw ProblemDetails.notStored(error, checkGone: checkGone)
        }
    }
}

extension ProblemDetails {
    /// The answer for a result the writer did not store.
    static func notStored(_ error: any Error, checkGone: ProblemDetails) -> ProblemDetails {
        switch error as? ResultWriteError {
        case .checkNotFound: checkGone
        case .shuttingDown: ProblemDetails(.serviceUnavailable, "the server is shutting down; send the result again")
        case .databaseFailure, nil:
            ProblemDetails(.serviceUnavailable, "the result could not be stored; send it again")
        }
    }
}
