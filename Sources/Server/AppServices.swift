import Logging
import Storage

/// The long-lived parts every controller and RPC method works with.
struct AppServices: Sendable {
    let configuration: AppConfiguration
    let database: CheckBridgeDatabase
    let writer: ResultWriter
    let checks: CheckDirectory
    let keys: APIKeyAuthenticator
    let metrics: ServerMetrics
    let psa: PSAServices
    let logger: Logger
}
