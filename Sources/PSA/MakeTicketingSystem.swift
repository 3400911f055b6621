import AsyncHTTPClient
import CheckBridgeCore
import Logging

/// A channel's connection and ticket settings, per PSA.
public enum PSAChannelConfiguration: Sendable, Equatable {
    case halopsa(HaloPSAConnection, HaloPSATicketSettings)
    case connectwise(ConnectWiseConnection, ConnectWiseTicketSettings)
    case syncro(SyncroConnection, SyncroTicketSettings)

    /// Which PSA this configures.
    public var kind: PSAKind {
        switch self {
        case .halopsa: .halopsa
        case .connectwise: .connectwise
        case .syncro: .syncro
        }
    }

    /// Checks the URLs without calling the PSA (a missing scheme is fine, `http://` only on loopback).
    public func validate() throws(PSAError) {
        switch self {
        case .halopsa(let connection, _): try HaloPSAConnector.validate(connection)
        case .connectwise(let connection, _): try ConnectWiseConnector.validate(connection)
        case .syncro(let connection, _): try SyncroConnector.validate(connection)
        }
    }
}

/// The connector for a channel's configuration.
public func makeTicketingSystem(
    _ configuration: PSAChannelConfiguration, httpClient: HTTPClient, logger: Logger,
    timeout: Duration = .seconds(30)
) -> any TicketingSystem {
    switch configuration {
    case .halopsa(let connection, let ticket):
        HaloPSAConnector(
            connection: connection, ticket: ticket, httpClient: httpClient, logger: logger, timeout: timeout)
    case .connectwise(let connection, let ticket):
        ConnectWiseConnector(
            connection: connection, ticket: ticket, httpClient: httpClient, logger: logger, timeout: timeout)
    case .syncro(let connection, let ticket):
        SyncroConnector(
            connection: connection, ticket: ticket, httpClient: httpClient, logger: logger, timeout: timeout)
    }
}
