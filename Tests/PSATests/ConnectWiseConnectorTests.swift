import CheckBridgeCore
import PSA
import PSASimulator
import Testing

@Suite("ConnectWise connector against the ConnectWise simulator")
struct ConnectWiseConnectorTests {
    @Test func codebaseIsDiscoveredOnceThenUsed() async throws {
        try await withSimulator(.connectwise) { sim async throws in
            let connectWise = sim.connectWise()
            try await connectWise.testConnection()
            try await connectWise.testConnection()
            let requests = await sim.control.requests()
            #expect(
                requests.map(\.path) == [
                    "/login/companyinfo/checkbridge", "/v4_6_release/apis/3.0/system/info",
                    "/v4_6_release/apis/3.0/system/info",
                ])
            let call = try #require(requests.last)
            #expect(call.headers["clientId"] == SimulatorCredentials.connectWiseClientID)
            #expect(call.headers["Accept"] == "application/vnd.connectwise.com+json; version=2025.8")
            #expect(call.headers["Authorization"] == nil, "the log keeps no credentials")
        }
    }

    @Test func configuredCodebaseSkipsDiscovery() async throws {
        try await withSimulator(.connectwise) { sim async throws in
            try await sim.connectWise(codebase: "/v4_6_release").testConnection()
            #expect(await sim.control.requests().map(\.path) == ["/v4_6_release/apis/3.0/system/info"])
        }
    }

    @Test func wrongKeyIsUnauthorizedWithConnectWisesAnswer() async throws {
        try await withSimulator(.connectwise) { sim async throws in
            let error = try #require(await psaError { try await sim.connectWise(privateKey: "nope").testConnection() })
            #expect(error.kind == .unauthorized)
            #expect(error.status == 401)
            #expect(error.message == "Invalid credentials")
        }
    }

    @Test func lookupsListBoardsAndTheirSettings() async throws {
        try await withSimulator(.connectwise) { sim async throws in
            let connectWise = sim.connectWise()
            let boards = try await connectWise.lookup("boards", boardID: nil, query: nil)
            #expect(boards.map(\.name) == ["Service Desk", "Monitoring", "Old Board"])
            #expect(boards.last?.flags["inactive"] == true)
            let statuses = try await connectWise.lookup("board_statuses", boardID: 1, query: nil)
            #expect(statuses.filter { $0.flags["closed"] == true }.map(\.id) == [5, 6])
            #expect(statuses.first { $0.flags["default"] == true }?.name == "New")
            #expect(try await connectWise.lookup("board_types", boardID: 2, query: nil).map(\.name) == ["Alert"])
            #expect(try await connectWise.lookup("board_subtypes", boardID: 1, query: "net").map(\.id) == [42])
            #expect(try await connectWise.lookup("board_items", boardID: 1, query: nil).count == 2)
            let priorities = try await connectWise.lookup("priorities", boardID: nil, query: nil)
            #expect(priorities.first { $0.flags["default"] == true }?.id == 3)
            #expect(try await connectWise.lookup("sources", boardID: nil, query: "monitor").map(\.id) == [4])
            let companies = try await connectWise.lookup("companies", boardID: nil, query: nil)
            #expect(companies.contains { $0.flags["disallow_saving"] == true })
            let missingBoard = try #require(
                await psaError { try await connectWise.lookup("board_statuses", boardID: nil, query: nil) })
            #expect(missingBoard.kind == .rejected)
            let unknownBoard = try #require(
                await psaError { try await connectWise.lookup("board_types", boardID: 77, query: nil) })
            #expect(unknownBoard.kind == .notFound)
        }
    }

    @Test func companiesComeFromEveryPageWithoutDeletedOnes() async throws {
        try await withSimulator(.connectwise) { sim async throws in
            let companies = try await sim.connectWise().customers()
            let records = await sim.control.customerRecords()
            let live = records.filter { $0["deletedFlag"] != true }
            #expect(companies.count == live.count)
            #expect(companies.count < records.count)
            #expect(companies.filter { $0.name == "Contoso Ltd" }.count == 2)
            #expect(companies.filter(\.inactive).count == 14)
            let disallowed = companies.filter(\.disallowSaving)
            #expect(disallowed.count == 17)
            #expect(companies.map(\.name) == companies.map(\.name).sorted { $0.lowercased() < $1.lowercased() })
            let pages = await sim.control.requests().filter { $0.path.hasSuffix("/company/companies") }
            #expect(pages.count == 3, "follows Link rel=next")
            #expect(pages.first?.query.contains("deletedFlag%3Dfalse") == true)
        }
    }

    @Test func configurationsAreFoundByTagNumberThenName() async throws {
        try await withSimulator(.connectwise) { sim async throws in
            let connectWise = sim.connectWise()
            let tagged = try await connectWise.findAssets(number: "CFG-255", customerID: 255)
            #expect(tagged.map(\.name) == ["PC-255"])
            #expect(tagged.first?.serial == "SN255")
            #expect(tagged.first?.customerID == 255)
            #expect(try await connectWise.findAssets(number: "NAS-01", customerID: nil).count == 2)
            #expect(try await connectWise.findAssets(number: "NAS-01", customerID: 252).map(\.serial) == ["NAS-C"])
            #expect(try await connectWise.findAssets(number: "FILESERVER", customerID: 251).count == 2)
            #expect(try await connectWise.findAssets(number: "ROUTER-251", customerID: 251).map(\.id) == [7045])
            #expect(try await connectWise.findAssets(number: "ROUTER-251", customerID: 250).isEmpty)
            #expect(try await connectWise.findAssets(number: "say \"hi\"", customerID: nil).isEmpty)
        }
    }

    @Test func ticketLifecycleLandsInConnectWiseAsDocumented() async throws {
        try await withSimulator(.connectwise) { sim async throws in
            let connectWise = sim.connectWise()
            var draft = sampleDraft.with(customer: 255, asset: 7006)
            draft.summary = String(repeating: "Long summary ", count: 12)
            let ticket = try await connectWise.createTicket(draft)
            let stored = try #require(await sim.control.ticket(ticket.id))
            #expect(stored.summary.count == 100)
            #expect(stored.customerID == 255)
            #expect(stored.boardID == 1)
            #expect(stored.status == 1)
            #expect(stored.reference == draft.reference)
            #expect(stored.assetIDs == [7006])
            #expect(stored.details == draft.details)
            #expect(stored.fields["priority"] == ["id": 3])
            #expect(stored.fields["type"] == ["id": 21])
            #expect(stored.fields["subType"] == ["id": 41])
            #expect(stored.fields["item"] == ["id": 61])
            #expect(stored.fields["source"] == ["id": 4])

            #expect(try await connectWise.findTicket(reference: draft.reference) == ticket)
            #expect(try await connectWise.findTicket(reference: "cb-\"other\"") == nil)

            try await connectWise.addNote(ticketID: ticket.id, PSANote(text: "Still failing", subject: ""))
            try await connectWise.closeTicket(ticketID: ticket.id, PSANote(text: "Recovered", subject: ""))
            let closed = try #require(await sim.control.ticket(ticket.id))
            #expect(closed.notes.map(\.text) == ["Still failing", "Recovered"])
            #expect(closed.notes.first?.fields["internalAnalysisFlag"] == true)
            #expect(closed.notes.last?.fields["resolutionFlag"] == true)
            #expect(closed.status == 5, "the board's status named Closed")
            #expect(closed.isClosed)
            #expect(try await connectWise.ticket(id: ticket.id)?.isClosed == true)
            let patch = try #require(await sim.control.requests().first { $0.method == "PATCH" })
            #expect(patch.body == #"[{"op":"replace","path":"status","value":{"id":5}}]"#)
        }
    }

    @Test func closeStatusIsDetectedOnTheTicketsBoard() async throws {
        try await withSimulator(.connectwise) { sim async throws in
            let connectWise = sim.connectWise(
                settings: ConnectWiseTicketSettings(boardID: 2, statusID: 11, priorityID: 2))
            let ticket = try await connectWise.createTicket(sampleDraft.with(customer: 260))
            try await connectWise.closeTicket(ticketID: ticket.id, nil)
            #expect(await sim.control.ticket(ticket.id)?.status == 15, "active closed status, not the inactive one")
        }
    }

    @Test func statusOfAnotherBoardIsRejected() async throws {
        try await withSimulator(.connectwise) { sim async throws in
            let connectWise = sim.connectWise(
                settings: ConnectWiseTicketSettings(boardID: 1, statusID: 1, priorityID: 3, closeStatusID: 15))
            let ticket = try await connectWise.createTicket(sampleDraft.with(customer: 260))
            let error = try #require(await psaError { try await connectWise.closeTicket(ticketID: ticket.id, nil) })
            #expect(error.kind == .rejected)
            #expect(error.status == 400)
            #expect(error.message.contains("board"))
        }
    }

    @Test func companyWhoseStatusDisallowsSavingIsRejected() async throws {
        try await withSimulator(.connectwise) { sim async throws in
            let connectWise = sim.connectWise()
            let blocked = try #require(try await connectWise.customers().first(where: \.disallowSaving))
            let error = try #require(
                await psaError { try await connectWise.createTicket(sampleDraft.with(customer: blocked.id)) })
            #expect(error.kind == .rejected)
            #expect(error.message.contains("does not allow saving"))
        }
    }

    @Test func ticketsClosedOrDeletedByHandAreSeen() async throws {
        try await withSimulator(.connectwise) { sim async throws in
            let connectWise = sim.connectWise()
            let first = try await connectWise.createTicket(sampleDraft.with(customer: 256))
            let second = try await connectWise.createTicket(sampleDraft.with(customer: 256, reference: "cb-2"))
            await sim.control.closeTicketByHand(first.id)
            await sim.control.deleteTicketByHand(second.id)
            #expect(try await connectWise.ticket(id: first.id)?.isClosed == true)
            #expect(try await connectWise.ticket(id: second.id) == nil)
            #expect(try await connectWise.findTicket(reference: "cb-2") == nil)
        }
    }

    @Test func faultsAreClassified() async throws {
        try await withSimulator(.connectwise) { sim async throws in
            let connectWise = sim.connectWise()
            try await connectWise.testConnection()
            await sim.control.failNext(status: 502)
            let outage = try #require(
                await psaError { try await connectWise.createTicket(sampleDraft.with(customer: 256)) })
            #expect(outage.kind == .unavailable)
            #expect(outage.outcomeUnknown, "a gateway error on a write may hide a created ticket")
            await sim.control.rateLimitNext(retryAfterSeconds: 30)
            let limited = try #require(await psaError { try await connectWise.customers() })
            #expect(limited.kind == .rateLimited)
            #expect(limited.retryAfter == .seconds(30))
            await sim.control.loseNextCreateResponse()
            let draft = sampleDraft.with(customer: 257, reference: "cb-lost")
            let lost = try #require(await psaError { try await connectWise.createTicket(draft) })
            #expect(lost.outcomeUnknown)
            let found = try #require(try await connectWise.findTicket(reference: "cb-lost"))
            #expect(await sim.control.tickets().map(\.id) == [found.id])
        }
    }
}
