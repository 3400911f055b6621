import CheckBridgeCore
import PSA
import PSASimulator
import Testing

@Suite("HaloPSA connector against the HaloPSA simulator")
struct HaloPSAConnectorTests {
    @Test func connectionTestPassesWithTheDemoCredentials() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            try await sim.halo().testConnection()
            let paths = await sim.control.requests().map { "\($0.method) \($0.path)" }
            #expect(paths == ["POST /auth/token", "GET /api/Agent/me"])
            let tokenRequest = try #require(await sim.control.requests().first)
            #expect(tokenRequest.body == "(withheld)")
            #expect(tokenRequest.headers["Content-Type"] == "application/x-www-form-urlencoded")
        }
    }

    @Test func wrongSecretIsUnauthorizedWithHalosAnswer() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            let error = try #require(await psaError { try await sim.halo(secret: "wrong").testConnection() })
            #expect(error.kind == .unauthorized)
            #expect(error.status == 400)
            #expect(error.message == "invalid_client")
            #expect(error.isPermanent)
        }
    }

    @Test func tokenIsFetchedOnceAndRefreshedAfterA401() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            let halo = sim.halo()
            try await halo.testConnection()
            try await halo.testConnection()
            #expect(await sim.control.tokensIssued() == 1)
            await sim.control.revokeTokens()
            try await halo.testConnection()
            #expect(await sim.control.tokensIssued() == 2)
            let statuses = await sim.control.requests().filter { $0.path == "/api/Agent/me" }.count
            #expect(statuses == 4, "the refused call is repeated once with the new token")
        }
    }

    @Test func lookupsListTheSettingsAUserPicks() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            let halo = sim.halo()
            let types = try await halo.lookup("ticket_types", boardID: nil, query: nil)
            #expect(types.map(\.name) == ["Incident", "Change Request", "Problem", "Service Request"])
            let statuses = try await halo.lookup("statuses", boardID: nil, query: nil)
            let closed = statuses.filter { $0.flags["closed"] == true }.map(\.id)
            #expect(closed == [9, 10])
            #expect(statuses.count == 7)
            let agents = try await halo.lookup("agents", boardID: nil, query: nil)
            #expect(agents.first { $0.id == 5 }?.flags["inactive"] == true)
            #expect(agents.first { $0.id == 2 }?.flags["inactive"] == false)
            let priorities = try await halo.lookup("priorities", boardID: nil, query: nil)
            #expect(priorities.map(\.id) == [1, 2, 3, 4], "one entry per priority id, not per SLA")
            let contoso = try await halo.lookup("customers", boardID: nil, query: "contoso")
            #expect(contoso.count == 2)
            #expect(contoso.first?.jsonValue["name"] == "Contoso Ltd")
            let unknown = try #require(await psaError { try await halo.lookup("boards", boardID: nil, query: nil) })
            #expect(unknown.kind == .rejected)
            #expect(unknown.message.contains("ticket_types"))
        }
    }

    @Test func customersComeFromEveryPageWithTheirFlags() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            let customers = try await sim.halo().customers()
            #expect(customers.count == 250)
            #expect(Set(customers.map(\.id)).count == 250)
            #expect(customers.filter { $0.name == "Contoso Ltd" }.count == 2)
            #expect(customers.filter(\.inactive).count == 19)
            #expect(customers.allSatisfy { !$0.disallowSaving })
            let pages = await sim.control.requests().filter { $0.path == "/api/Client" }
            #expect(pages.count == 3)
            #expect(pages.allSatisfy { $0.query.contains("pageinate=true") && $0.query.contains("page_size=100") })
        }
    }

    @Test func assetsAreMatchedByExactInventoryNumber() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            let halo = sim.halo()
            let one = try await halo.findAssets(number: "WS-105", customerID: 105)
            #expect(one.map(\.name) == ["Workstation 105"])
            #expect(one.first?.number == "WS-105")
            #expect(one.first?.customerID == 105)
            #expect(try await halo.findAssets(number: "WS-10", customerID: nil).isEmpty, "a prefix is not a match")
            #expect(try await halo.findAssets(number: "NAS-01", customerID: nil).count == 2)
            #expect(try await halo.findAssets(number: "NAS-01", customerID: 102).map(\.name) == ["Storage at Cedar"])
            #expect(try await halo.findAssets(number: "SRV-DUP", customerID: 101).count == 2)
            #expect(try await halo.findAssets(number: "NOPE-1", customerID: nil).isEmpty)
        }
    }

    @Test func ticketLifecycleLandsInHaloAsDocumented() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            let halo = sim.halo()
            let draft = sampleDraft.with(customer: 105, asset: 5006)
            let ticket = try await halo.createTicket(draft)
            #expect(!ticket.isClosed)
            let create = try #require(await sim.control.requests().first { $0.path == "/api/Tickets" })
            #expect(create.body.hasPrefix("["), "Halo takes an array of tickets")
            let stored = try #require(await sim.control.ticket(ticket.id))
            #expect(stored.customerID == 105)
            #expect(stored.assetIDs == [5006])
            #expect(stored.reference == draft.reference)
            #expect(stored.fields["supplier_reference"] == .string(draft.reference))
            #expect(stored.fields["third_party_id_string"] == .string(draft.reference))
            #expect(stored.fields["tickettype_id"] == 1)
            #expect(stored.fields["status_id"] == 1)
            #expect(stored.fields["agent_id"] == 2)
            #expect(stored.fields["priority_id"] == 3)
            #expect(stored.summary == draft.summary)
            #expect(stored.details == draft.details)

            #expect(try await halo.findTicket(reference: draft.reference) == ticket)
            #expect(try await halo.findTicket(reference: "cb-unknown") == nil)

            try await halo.addNote(ticketID: ticket.id, PSANote(text: "Still failing", subject: "Backup"))
            try await halo.closeTicket(ticketID: ticket.id, PSANote(text: "Backup succeeded", subject: "Backup"))
            let closed = try #require(await sim.control.ticket(ticket.id))
            #expect(closed.notes.map(\.text) == ["Still failing", "Backup succeeded"])
            #expect(closed.notes.first?.fields["hiddenfromuser"] == true)
            #expect(closed.notes.last?.fields["new_status"] == 9)
            #expect(closed.status == 9)
            #expect(closed.closeCount == 1)
            #expect(try await halo.ticket(id: ticket.id) == PSATicket(id: ticket.id, isClosed: true))
        }
    }

    @Test func configuredCloseStatusIsUsed() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            let halo = sim.halo(
                settings: HaloPSATicketSettings(ticketTypeID: 2, statusID: 2, agentID: 3, closeStatusID: 10))
            let ticket = try await halo.createTicket(sampleDraft.with(customer: 110))
            try await halo.closeTicket(ticketID: ticket.id, nil)
            #expect(await sim.control.ticket(ticket.id)?.status == 10)
            #expect(try await halo.ticket(id: ticket.id)?.isClosed == true)
        }
    }

    @Test func ticketsClosedOrDeletedByHandAreSeen() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            let halo = sim.halo()
            let first = try await halo.createTicket(sampleDraft.with(customer: 101))
            let second = try await halo.createTicket(sampleDraft.with(customer: 101, reference: "cb-2"))
            #expect(try await halo.ticket(id: first.id)?.isClosed == false)
            await sim.control.closeTicketByHand(first.id)
            await sim.control.deleteTicketByHand(second.id)
            #expect(try await halo.ticket(id: first.id)?.isClosed == true)
            #expect(try await halo.ticket(id: second.id) == nil)
            let note = try #require(
                await psaError { try await halo.addNote(ticketID: second.id, PSANote(text: "x", subject: "")) })
            #expect(note.kind == .notFound)
        }
    }

    @Test func invalidTicketIsRejectedWithHalosMessage() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            let halo = sim.halo(settings: HaloPSATicketSettings(ticketTypeID: 99, statusID: 1, agentID: 2))
            let error = try #require(await psaError { try await halo.createTicket(sampleDraft.with(customer: 101)) })
            #expect(error.kind == .rejected)
            #expect(error.status == 400)
            #expect(error.message.contains("Ticket Type"))
            #expect(error.isPermanent)
            #expect(!error.outcomeUnknown)
            #expect(await sim.control.tickets().isEmpty)
        }
    }

    @Test func serverErrorsAndRateLimitsAreClassified() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            let halo = sim.halo()
            try await halo.testConnection()
            await sim.control.failNext(status: 503)
            let outage = try #require(await psaError { try await halo.customers() })
            #expect(outage.kind == .unavailable)
            #expect(outage.status == 503)
            #expect(!outage.isPermanent)
            await sim.control.rateLimitNext(retryAfterSeconds: 7)
            let limited = try #require(await psaError { try await halo.createTicket(sampleDraft.with(customer: 101)) })
            #expect(limited.kind == .rateLimited)
            #expect(limited.retryAfter == .seconds(7))
            #expect(!limited.isPermanent)
            #expect(!limited.outcomeUnknown)
            #expect(await sim.control.tickets().isEmpty)
        }
    }

    @Test func lostCreateAnswerIsAnUnknownOutcomeResolvedByReference() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            let halo = sim.halo()
            try await halo.testConnection()
            await sim.control.loseNextCreateResponse()
            let draft = sampleDraft.with(customer: 120)
            let error = try #require(await psaError { try await halo.createTicket(draft) })
            #expect(error.outcomeUnknown)
            #expect(!error.isPermanent)
            let created = await sim.control.tickets()
            #expect(created.count == 1)
            #expect(try await halo.findTicket(reference: draft.reference)?.id == created.first?.id)
        }
    }

    @Test func droppedReadIsUnreachableAndNotAnUnknownOutcome() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            let halo = sim.halo()
            try await halo.testConnection()
            await sim.control.dropNextConnection()
            let error = try #require(await psaError { try await halo.ticket(id: 1) })
            #expect(error.kind == .unreachable)
            #expect(!error.outcomeUnknown)
        }
    }

    @Test func slowAnswerTimesOut() async throws {
        try await withSimulator(.halopsa) { sim async throws in
            // Long enough for the first call on a loaded machine, far shorter than the delay.
            let halo = sim.halo(timeout: .seconds(2))
            try await halo.testConnection()
            await sim.control.delayNext(by: .seconds(8))
            let error = try #require(
                await psaError { try await halo.addNote(ticketID: 1, PSANote(text: "late", subject: "")) })
            #expect(error.kind == .timedOut)
            #expect(error.outcomeUnknown)
        }
    }
}
