import AsyncHTTPClient
import CheckBridgeCore
import Logging
import PSA
import PSASimulator
import Testing

/// Connectors under test share the process-wide client; each test runs its own simulator.
let testLogger = Logger(label: "psa-tests")

/// The simulators' server logs only what matters: stopping one at the end of a test is routine.
let simulatorLogger: Logger = {
    var logger = Logger(label: "psa-simulator")
    logger.logLevel = .critical
    return logger
}()

extension RunningPSASimulator {
    func halo(
        secret: String = SimulatorCredentials.haloClientSecret,
        settings: HaloPSATicketSettings = HaloPSATicketSettings(
            ticketTypeID: 1, statusID: 1, agentID: 2, priorityID: 3),
        timeout: Duration = .seconds(10)
    ) -> HaloPSAConnector {
        HaloPSAConnector(
            connection: HaloPSAConnection(
                resourceServer: baseURL + "/api", authorizationServer: baseURL + "/auth",
                clientID: SimulatorCredentials.haloClientID, clientSecret: secret),
            ticket: settings, httpClient: .shared, logger: testLogger, timeout: timeout)
    }

    func connectWise(
        privateKey: String = SimulatorCredentials.connectWisePrivateKey, codebase: String? = nil,
        settings: ConnectWiseTicketSettings = ConnectWiseTicketSettings(
            boardID: 1, statusID: 1, priorityID: 3, typeID: 21, subtypeID: 41, itemID: 61, sourceID: 4),
        timeout: Duration = .seconds(10)
    ) -> ConnectWiseConnector {
        ConnectWiseConnector(
            connection: ConnectWiseConnection(
                site: baseURL, companyID: SimulatorCredentials.connectWiseCompanyID,
                publicKey: SimulatorCredentials.connectWisePublicKey, privateKey: privateKey,
                clientID: SimulatorCredentials.connectWiseClientID, codebase: codebase),
            ticket: settings, httpClient: .shared, logger: testLogger, timeout: timeout)
    }

    func syncro(
        token: String = SimulatorCredentials.syncroAPIToken,
        settings: SyncroTicketSettings = SyncroTicketSettings(
            problemType: "Monitoring", status: "New", priority: "1 High", userID: 2),
        timeout: Duration = .seconds(10)
    ) -> SyncroConnector {
        SyncroConnector(
            connection: SyncroConnection(url: baseURL, apiToken: token), ticket: settings, httpClient: .shared,
            logger: testLogger, timeout: timeout)
    }
}

/// Runs `body` against a fresh simulator of `kind`.
func withSimulator(_ kind: PSAKind, _ body: (RunningPSASimulator) async throws -> Void) async throws {
    try await PSASimulator.withRunning(kind: kind, logger: simulatorLogger, body)
}

/// The `PSAError` thrown by `operation`, recording an issue when it throws none or another error.
func psaError<T>(_ operation: () async throws -> T, sourceLocation: SourceLocation = #_sourceLocation)
    async -> PSAError?
{
    do {
        _ = try await operation()
        Issue.record("expected a PSAError", sourceLocation: sourceLocation)
        return nil
    } catch let error as PSAError {
        return error
    } catch {
        Issue.record("expected a PSAError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

let sampleDraft = PSATicketDraft(
    summary: "Acme / Nightly backup: failure", details: "Backup job failed: disk full", customerID: 0,
    reference: "cb-check-1-channel-1-0001")

extension PSATicketDraft {
    func with(customer: Int64, asset: Int64? = nil, reference: String? = nil) -> PSATicketDraft {
        var draft = self
        draft.customerID = customer
        draft.assetID = asset
        if let reference { draft.reference = reference }
        return draft
    }
}
