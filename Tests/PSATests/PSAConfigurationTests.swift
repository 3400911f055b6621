import AsyncHTTPClient
import Foundation
import Testing

@testable import PSA

@Suite("URLs, headers and errors")
struct PSAConfigurationTests {
    @Test(arguments: [
        ("acme.halopsa.com", "https://acme.halopsa.com"),
        ("https://acme.halopsa.com/api/", "https://acme.halopsa.com/api"),
        ("  HTTPS://Acme.example.com:8443  ", "https://acme.example.com:8443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.1.2.3", "http://127.1.2.3"),
        ("http://localhost:9000/api", "http://localhost:9000/api"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ])
    func baseURLIsNormalised(raw: String, expected: String) throws {
        #expect(try PSABaseURL(raw, field: "url").string == expected)
    }

    @Test(arguments: ["http://acme.halopsa.com", "http://10.0.0.1:8080", "ftp://acme.example.com", "", "https://"])
    func unsafeOrInvalidBaseURLIsRejected(raw: String) {
        #expect(throws: PSAError.self) { try PSABaseURL(raw, field: "url") }
    }

    @Test func connectorRefusesPlainHTTPToARemoteHostBeforeSending() async throws {
        let connection = SyncroConnection(url: "http://acme.syncromsp.com", apiToken: "secret")
        let syncro = SyncroConnector(
            connection: connection, ticket: SyncroTicketSettings(problemType: "Other"), httpClient: .shared,
            logger: testLogger)
        let error = try #require(await psaError { try await syncro.testConnection() })
        #expect(error.kind == .rejected)
        #expect(error.status == nil)
        #expect(error.isPermanent)
        #expect(error.message.contains("https://"))
        #expect(!error.message.contains("secret"))
        #expect(throws: PSAError.self) { try PSAChannelConfiguration.syncro(connection, syncro.settings).validate() }
    }

    @Test func retryAfterAcceptsSecondsAndHTTPDates() {
        #expect(parseRetryAfter("120") == .seconds(120))
        #expect(parseRetryAfter(nil) == nil)
        #expect(parseRetryAfter("soon") == nil)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(parseRetryAfter("Tue, 14 Nov 2023 22:13:50 GMT", now: now) == .seconds(30))
        #expect(parseRetryAfter("Tue, 14 Nov 2023 22:00:00 GMT", now: now) == .zero)
    }

    @Test func permanenceFollowsTheStatus() {
        #expect(PSAError.fromStatus(400, message: "", retryAfter: nil, isWrite: true).isPermanent)
        #expect(PSAError.fromStatus(404, message: "", retryAfter: nil, isWrite: false).kind == .notFound)
        #expect(!PSAError.fromStatus(408, message: "", retryAfter: nil, isWrite: true).isPermanent)
        #expect(!PSAError.fromStatus(429, message: "", retryAfter: nil, isWrite: true).isPermanent)
        #expect(!PSAError.fromStatus(503, message: "", retryAfter: nil, isWrite: true).outcomeUnknown)
        #expect(PSAError.fromStatus(504, message: "", retryAfter: nil, isWrite: true).outcomeUnknown)
        #expect(!PSAError(kind: .unreachable, message: "").isPermanent)
    }

    @Test func errorMessagesAreReadFromEachPSAsShape() {
        func message(_ body: String, status: Int = 400) -> String {
            errorMessage(of: PSAResponse(status: status, headers: [], body: Array(body.utf8)))
        }
        #expect(
            message(#"{"code":"InvalidObject","message":"ticket object is invalid","errors":[{"message":"x"}]}"#)
                == "ticket object is invalid; x")
        #expect(message(#"{"success":false,"message":["Body can't be blank","Subject can't be blank"]}"#)
            == "Body can't be blank; Subject can't be blank")
        #expect(message(#"{"error":"invalid_client","error_description":"bad"}"#) == "invalid_client; bad")
        #expect(message("Plain text from Halo") == "Plain text from Halo")
        #expect(message("", status: 502) == "HTTP 502")
    }

    @Test func nextLinkIsTakenFromTheLinkHeader() {
        let header =
            #"<https://cw.example/apis/3.0/x?a=1,2&page=2>; rel="next", <https://cw.example/x?page=9>; rel="last""#
        #expect(ConnectWiseConnector.nextLink(header) == "https://cw.example/apis/3.0/x?a=1,2&page=2")
        #expect(ConnectWiseConnector.nextLink(#"<https://cw.example/x?page=9>; rel="last""#) == nil)
        #expect(ConnectWiseConnector.quoted(#"a"b\c"#) == #""a\"b\\c""#)
    }

    @Test func channelSettingsDecodeWithTheirDefaults() throws {
        let syncro = try JSONDecoder().decode(
            SyncroTicketSettings.self, from: Data(#"{"problem_type":"Other"}"#.utf8))
        #expect(syncro == SyncroTicketSettings(problemType: "Other", status: "New", closeStatus: "Resolved"))
        let connectWise = try JSONDecoder().decode(
            ConnectWiseTicketSettings.self, from: Data(#"{"board_id":1,"status_id":2,"priority_id":3}"#.utf8))
        #expect(!connectWise.includeDisallowSaving)
        let halo = try JSONDecoder().decode(
            HaloPSAConnection.self,
            from: Data(#"{"resource_server":"acme.halopsa.com","client_id":"a","client_secret":"b"}"#.utf8))
        #expect(halo.authorizationServer.isEmpty)
    }
}
