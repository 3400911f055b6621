import CheckBridgeCore
import PSA

/// Everything one simulated PSA holds: its demo data in the PSA's own shapes, and the tickets
/// created through it. Mutated only inside `SimulatorControl`.
struct SimulatorState: Sendable {
    let kind: PSAKind
    /// Customers (Halo clients, ConnectWise companies, Syncro customers) in the PSA's shape.
    var customers: [JSONValue] = []
    /// Assets (Halo assets, ConnectWise configurations, Syncro customer assets) in the PSA's shape.
    var assets: [JSONValue] = []
    /// Lookup lists in the PSA's shape, by a name of the simulator's choosing.
    var lists: [String: [JSONValue]] = [:]
    var tickets: [Int64: SimulatedTicket] = [:]
    var nextTicketID: Int64 = 1000
    var nextNoteID: Int64 = 1
    /// Halo access tokens and when they lapse.
    var tokens: [String: ContinuousClock.Instant] = [:]
    var tokenLifetimeSeconds: Int64 = 3600
    var tokensIssued = 0

    init(kind: PSAKind) {
        self.kind = kind
        switch kind {
        case .halopsa: HaloPSAEndpoints.seed(&self)
        case .connectwise: ConnectWiseEndpoints.seed(&self)
        case .syncro: SyncroEndpoints.seed(&self)
        }
    }

    mutating func handle(_ request: SimulatorRequest) -> SimulatorAnswer {
        switch kind {
        case .halopsa: HaloPSAEndpoints.handle(request, state: &self)
        case .connectwise: ConnectWiseEndpoints.handle(request, state: &self)
        case .syncro: SyncroEndpoints.handle(request, state: &self)
        }
    }

    func customer(_ id: Int64?) -> JSONValue? {
        guard let id else { return nil }
        return customers.first { $0["id"]?.int64Value == id }
    }

    func asset(_ id: Int64?) -> JSONValue? {
        guard let id else { return nil }
        return assets.first { $0["id"]?.int64Value == id }
    }

    /// The live (not deleted) ticket with `id`.
    func liveTicket(_ id: Int64?) -> SimulatedTicket? {
        guard let id, let ticket = tickets[id], !ticket.isDeleted else { return nil }
        return ticket
    }

    mutating func newTicketID() -> Int64 {
        nextTicketID += 1
        return nextTicketID
    }

    mutating func addNote(to ticketID: Int64, text: String, subject: String?, fields: [String: JSONValue])
        -> SimulatedNote
    {
        nextNoteID += 1
        let note = SimulatedNote(id: nextNoteID, text: text, subject: subject, fields: fields)
        tickets[ticketID]?.notes.append(note)
        return note
    }
}
