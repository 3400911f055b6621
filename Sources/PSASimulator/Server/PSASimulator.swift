import CheckBridgeCore
import Foundation
import Hummingbird
import Logging
import PSA

/// A strict in-process fake of one PSA's HTTP API, for tests and demos: it demands the same
/// authentication, paths, methods and required fields as the real PSA and answers in its shapes.
public final class PSASimulator: Sendable {
    /// Which PSA it plays.
    public let kind: PSAKind
    /// Faults, manual changes and inspection.
    public let control: SimulatorControl

    /// Makes one from its parts.
    public init(kind: PSAKind) {
        self.kind = kind
        self.control = SimulatorControl(kind: kind)
    }

    /// The HTTP application serving this simulator on `host:port` (port 0 picks a free one,
    /// reported to `onServerRunning`).
    public func application(
        host: String, port: Int, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            responder: SimulatorResponder(control: control),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// Runs a simulator on a free loopback port for the duration of `body`, then stops it.
    public static func withRunning<Value: Sendable>(
        kind: PSAKind, logger: Logger = Logger(label: "psa-simulator"),
        _ body: (RunningPSASimulator) async throws -> Value
    ) async throws -> Value {
        let simulator = PSASimulator(kind: kind)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = simulator.application(host: "127.0.0.1", port: 0, logger: logger) { port in
            continuation.yield(port)
            continuation.finish()
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let running = RunningPSASimulator(kind: kind, port: port, control: simulator.control)
            do {
                let result = try await body(running)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}

/// A simulator serving on loopback, with what a connector needs to reach it.
public struct RunningPSASimulator: Sendable {
    /// Which PSA it plays.
    public let kind: PSAKind
    /// The loopback port it listens on.
    public let port: Int
    /// Faults, manual changes and inspection.
    public let control: SimulatorControl

    /// `http://127.0.0.1:{port}`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
}

/// The demo credentials each simulator accepts (fixed, so a demo can be configured by hand).
public enum SimulatorCredentials {
    /// Halo API application client id.
    public static let haloClientID = "checkbridge-demo"
    /// Halo API application client secret.
    public static let haloClientSecret = "halo-demo-secret"
    /// The only tenant the Halo token endpoint accepts (it may also be left out).
    public static let haloTenant = "demo"
    /// ConnectWise company id.
    public static let connectWiseCompanyID = "checkbridge"
    /// ConnectWise API member public key.
    public static let connectWisePublicKey = "demo-public-key"
    /// ConnectWise API member private key.
    public static let connectWisePrivateKey = "demo-private-key"
    /// ConnectWise integrator clientId.
    public static let connectWiseClientID = "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
    /// The codebase `/login/companyinfo` announces.
    public static let connectWiseCodebase = "v4_6_release/"
    /// Syncro API token.
    public static let syncroAPIToken = "syncro-demo-token"

    /// What a user types into a channel to use the simulator of `kind` at `baseURL`.
    public static func instructions(kind: PSAKind, baseURL: String) -> String {
        switch kind {
        case .halopsa:
            """
            HaloPSA simulator
              resource_server:      \(baseURL)/api
              authorization_server: \(baseURL)/auth
              client_id:            \(haloClientID)
              client_secret:        \(haloClientSecret)
              ticket: ticket_type_id 1, status_id 1, agent_id 2, priority_id 3 (closed statuses: 9, 10)
            """
        case .connectwise:
            """
            ConnectWise PSA simulator
              site:        \(baseURL)
              company_id:  \(connectWiseCompanyID)
              public_key:  \(connectWisePublicKey)
              private_key: \(connectWisePrivateKey)
              client_id:   \(connectWiseClientID)
              ticket: board_id 1, status_id 1, priority_id 3 (board 1 closed statuses: 5, 6)
            """
        case .syncro:
            """
            SyncroMSP simulator
              url:       \(baseURL)
              api_token: \(syncroAPIToken)
              ticket: problem_type "Other", status "New", close_status "Resolved"
            """
        }
    }
}

/// Runs the simulator of `kind` until cancelled (SIGINT/SIGTERM), after printing what to configure.
public func runPSASimulator(kind: PSAKind, host: String, port: Int, logger: Logger) async throws {
    let simulator = PSASimulator(kind: kind)
    let application = simulator.application(host: host, port: port, logger: logger) { boundPort in
        let shownHost = host.contains(":") ? "[\(host)]" : host
        // Unbuffered, so it shows at once even when stdout is a file or a pipe.
        let text = SimulatorCredentials.instructions(kind: kind, baseURL: "http://\(shownHost):\(boundPort)") + "\n"
        FileHandle.standardOutput.write(Data(text.utf8))
    }
    try await application.runService()
}

/// Carries a way to drop the connection, which only the channel can do.
struct SimulatorRequestContext: InitializableFromSource {
    let dropConnection: @Sendable () async -> Void

    init(source: ApplicationRequestContextSource) {
        let channel = source.channel
        dropConnection = { try? await channel.close() }
    }
}

/// The thrown error that ends a request whose connection was dropped on purpose.
struct SimulatedConnectionDrop: Error {}

/// Records each request, plays a pending fault, else lets the simulated PSA answer.
struct SimulatorResponder: HTTPResponder {
    typealias Context = SimulatorRequestContext
    let control: SimulatorControl

    func respond(to request: Request, context: SimulatorRequestContext) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 16 * 1024 * 1024)
        let simulated = Self.simulatorRequest(request, body: Array(buffer.readableBytesView))
        switch await control.receive(simulated) {
        case nil:
            break
        case .serverError(let status)?:
            return SimulatorAnswer.json(["message": "Simulated server error"], status: status).response
        case .rateLimited(let seconds)?:
            return SimulatorAnswer.json(
                ["message": "Too many requests"], status: 429, headers: [("Retry-After", String(seconds))]
            ).response
        case .delay(let delay)?:
            try await Task.sleep(for: delay)
        case .dropConnection?:
            await context.dropConnection()
            throw SimulatedConnectionDrop()
        case .processThenDropConnection?:
            _ = await control.handle(simulated)
            await context.dropConnection()
            throw SimulatedConnectionDrop()
        }
        return await control.handle(simulated).response
    }

    static func simulatorRequest(_ request: Request, body: [UInt8]) -> SimulatorRequest {
        let rawPath = request.uri.path
        let path = rawPath.removingPercentEncoding ?? rawPath
        let rawQuery = request.uri.query ?? ""
        var query: [String: String] = [:]
        for pair in rawQuery.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            query[SimulatorRequest.formDecode(parts[0])] = parts.count > 1 ? SimulatorRequest.formDecode(parts[1]) : ""
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.rawName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        return SimulatorRequest(
            method: request.method.rawValue, path: path,
            segments: path.split(separator: "/").map(String.init), query: query, rawQuery: rawQuery,
            headers: headers, body: body, origin: "http://" + (request.head.authority ?? "127.0.0.1"))
    }
}
