import CheckBridgeCore
import PSA
import PSASimulator
import Testing

@Suite("Syncro connector against the Syncro simulator")
struct SyncroConnectorTests {
    @Test func connectionTestPassesAndABadTokenIsUnauthorized() async throws {
        try await withSimulator(.syncro) { sim async throws in
            try await sim.syncro().testConnection()
            #expect(await sim.control.requests().map(\.path) == ["/api/v1/me"])
            let error = try #require(await psaError { try await sim.syncro(token: "wrong").testConnection() })
            #expect(error.kind == .unauthorized)
            #expect(error.status == 401)
            #expect(error.message == "Not authorized")
        }
    }

    @Test func lookupsUseSyncrosNames() async throws {
        try await withSimulator(.syncro) { sim async throws in
            let syncro = sim.syncro()
            let problems = try await syncro.lookup("problem_types", boardID: nil, query: nil)
            #expect(problems.first == PSALookupEntry(id: "Virus", name: "Virus"))
            #expect(problems.count == 6)
            let statuses = try await syncro.lookup("statuses", boardID: nil, query: nil)
            #expect(statuses.filter { $0.flags["closed"] == true }.map(\.id) == ["Resolved", "Invoiced"])
            #expect(statuses.first { $0.flags["default"] == true }?.id == "New")
            let priorities = try await syncro.lookup("priorities", boardID: nil, query: nil)
            #expect(priorities.map(\.id) == ["0 Urgent", "1 High", "2 Normal", "3 Low"])
            let users = try await syncro.lookup("users", boardID: nil, query: "robin")
            #expect(users == [PSALookupEntry(id: 2, name: "Robin Tech")])
            let customers = try await syncro.lookup("customers", boardID: nil, query: "Contoso")
            #expect(customers.count == 2)
        }
    }

    @Test func customersComeFromEveryPageWithDisabledOnesFlagged() async throws {
        try await withSimulator(.syncro) { sim async throws in
            let customers = try await sim.syncro().customers()
            #expect(customers.count == 240)
            #expect(customers.filter(\.inactive).count == 16)
            #expect(customers.contains { $0.name == "Pat Customer419" }, "a person is named by full name")
            let pages = await sim.control.requests().filter { $0.path == "/api/v1/customers" }
            #expect(pages.count == 10)
            #expect(pages.allSatisfy { $0.query.contains("include_disabled=true") })
        }
    }

    @Test func assetsAreMatchedByNameOrSerial() async throws {
        try await withSimulator(.syncro) { sim async throws in
            let syncro = sim.syncro()
            #expect(try await syncro.findAssets(number: "DESKTOP-405", customerID: 405).map(\.id) == [9006])
            #expect(try await syncro.findAssets(number: "ser405", customerID: nil).map(\.name) == ["DESKTOP-405"])
            #expect(try await syncro.findAssets(number: "NAS-01", customerID: nil).count == 2)
            #expect(try await syncro.findAssets(number: "NAS-01", customerID: 402).map(\.serial) == ["NASC"])
            #expect(try await syncro.findAssets(number: "SRV-DUP", customerID: 401).count == 2)
            #expect(try await syncro.findAssets(number: "DESKTOP-40", customerID: nil).isEmpty)
        }
    }

    @Test func ticketLifecycleLandsInSyncroAsDocumented() async throws {
        try await withSimulator(.syncro) { sim async throws in
            let syncro = sim.syncro()
            let draft = sampleDraft.with(customer: 405, asset: 9006)
            let ticket = try await syncro.createTicket(draft)
            #expect(!ticket.isClosed)
            let stored = try #require(await sim.control.ticket(ticket.id))
            #expect(stored.customerID == 405)
            #expect(stored.summary == draft.summary)
            #expect(stored.assetIDs == [9006])
            #expect(stored.reference == draft.reference)
            #expect(stored.status == "New")
            #expect(stored.fields["problem_type"] == "Monitoring")
            #expect(stored.fields["priority"] == "1 High")
            #expect(stored.fields["user_id"] == 2)
            #expect(stored.notes.map(\.text) == [draft.details])
            #expect(stored.notes.first?.subject == "Initial Issue")
            #expect(stored.notes.first?.fields["hidden"] == true)

            #expect(try await syncro.findTicket(reference: draft.reference) == ticket)
            #expect(try await syncro.findTicket(reference: "cb-check-1") == nil, "a partial match is not ours")

            try await syncro.addNote(ticketID: ticket.id, PSANote(text: "Still failing", subject: "Backup: failure"))
            try await syncro.addNote(ticketID: ticket.id, PSANote(text: "No subject", subject: " "))
            try await syncro.closeTicket(ticketID: ticket.id, PSANote(text: "Recovered", subject: "Backup: success"))
            let closed = try #require(await sim.control.ticket(ticket.id))
            #expect(
                closed.notes.map(\.subject)
                    == ["Initial Issue", "Backup: failure", "CheckBridge update", "Backup: success"])
            #expect(closed.status == "Resolved")
            #expect(closed.closeCount == 1)
            #expect(try await syncro.ticket(id: ticket.id) == PSATicket(id: ticket.id, isClosed: true))
        }
    }

    @Test func createWithoutAValidCustomerIsRejectedWithSyncrosAnswer() async throws {
        try await withSimulator(.syncro) { sim async throws in
            let syncro = sim.syncro()
            let error = try #require(await psaError { try await syncro.createTicket(sampleDraft.with(customer: 1)) })
            #expect(error.kind == .rejected)
            #expect(error.status == 422)
            #expect(error.message == "Customer required field")
            #expect(error.isPermanent)
            let wrongType = sim.syncro(settings: SyncroTicketSettings(problemType: "Plumbing"))
            let invalid = try #require(
                await psaError { try await wrongType.createTicket(sampleDraft.with(customer: 405)) })
            #expect(invalid.message == "Problem type is not included in the list")
        }
    }

    @Test func ticketsClosedOrDeletedByHandAreSeen() async throws {
        try await withSimulator(.syncro) { sim async throws in
            let syncro = sim.syncro()
            let first = try await syncro.createTicket(sampleDraft.with(customer: 410))
            let second = try await syncro.createTicket(sampleDraft.with(customer: 410, reference: "cb-2"))
            await sim.control.closeTicketByHand(first.id)
            await sim.control.deleteTicketByHand(second.id)
            #expect(try await syncro.ticket(id: first.id)?.isClosed == true)
            #expect(try await syncro.ticket(id: second.id) == nil)
        }
    }

    @Test func faultsAreClassified() async throws {
        try await withSimulator(.syncro) { sim async throws in
            let syncro = sim.syncro()
            await sim.control.failNext(2, status: 500)
            let outage = try #require(await psaError { try await syncro.customers() })
            #expect(outage.kind == .unavailable)
            #expect(!outage.outcomeUnknown, "a failed read changes nothing")
            let write = try #require(
                await psaError { try await syncro.addNote(ticketID: 1, PSANote(text: "x", subject: "y")) })
            #expect(write.outcomeUnknown)
            await sim.control.rateLimitNext(retryAfterSeconds: 60)
            let limited = try #require(await psaError { try await syncro.testConnection() })
            #expect(limited.kind == .rateLimited)
            #expect(limited.retryAfter == .seconds(60))
            await sim.control.loseNextCreateResponse()
            let draft = sampleDraft.with(customer: 411, reference: "cb-lost")
            let lost = try #require(await psaError { try await syncro.createTicket(draft) })
            #expect(lost.outcomeUnknown)
            let found = try #require(try await syncro.findTicket(reference: "cb-lost"))
            #expect(await sim.control.tickets().map(\.id) == [found.id])
        }
    }
}

@Suite("Syncro simulator rate limit")
struct SyncroRateLimitTests {
    @Test func the181stRequestInAMinuteIsRefusedWithRetryAfter() async throws {
        try await withSimulator(.syncro) { sim async throws in
            let syncro = sim.syncro()
            for _ in 0..<180 { try await syncro.testConnection() }
            let limited = try #require(await psaError { try await syncro.testConnection() })
            #expect(limited.kind == .rateLimited)
            let wait = try #require(limited.retryAfter)
            #expect(wait > .zero && wait <= .seconds(61))
        }
    }
}
