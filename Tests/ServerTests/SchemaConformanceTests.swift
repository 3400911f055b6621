import CheckBridgeCore
import Foundation
import Hummingbird
import HummingbirdTesting
import PSA
import PSASimulator
import Testing

@testable import Server

/// Holds the running server to its machine-readable contract: every JSON-RPC method's params and result
/// against `schemas/rpc/`, ingest answers and problems against `openapi.yaml`, and the schema files
/// against the methods `rpc.discover` lists, so that neither side can change without the other.
@Suite("Schema conformance")
struct SchemaConformanceTests {
    // MARK: - The files themselves

    @Test("Every schema file declares draft 2020-12, a unique $id, a title, and only resolvable $refs")
    func schemaFilesAreWellFormed() throws {
        let validator = try Contract.schemaValidator()
        let names = validator.documents.keys.sorted()
        #expect(names.contains("webhook-result.schema.json"))
        #expect(names.contains("problem.schema.json"))
        #expect(names.contains("rpc/common.schema.json"))
        var ids: Set<String> = []
        for name in names {
            let document = try #require(validator.documents[name])
            #expect(document["$schema"] == "https://json-schema.org/draft/2020-12/schema", "\(name)")
            let id = try #require(document["$id"]?.stringValue, "\(name) has no $id")
            #expect(id.hasSuffix("/schemas/" + name), "\(name) has $id \(id)")
            #expect(ids.insert(id).inserted, "\(name) repeats the $id \(id)")
            #expect(document["title"]?.stringValue != nil, "\(name) has no title")
            #expect(document["description"]?.stringValue != nil, "\(name) has no description")
        }
        let unresolved = validator.unresolvedReferences()
        #expect(unresolved.isEmpty, "unresolved: \(unresolved)")
    }

    @Test("Params schemas are closed objects: the server rejects params it does not know")
    func paramsSchemasAreClosed() throws {
        let validator = try Contract.schemaValidator()
        let methods = try Contract.methodsWithSchemas()
        #expect(!methods.params.isEmpty)
        for method in methods.params.sorted() {
            let schema = try #require(validator.documents[Contract.paramsSchema(method)])
            #expect(schema["type"] == "object", "\(method)")
            #expect(schema["additionalProperties"] == false, "\(method)")
            #expect(schema["properties"]?.objectValue != nil, "\(method) has no properties")
            let failures = validator.validate(["an_unknown_param": true], against: Contract.paramsSchema(method))
            #expect(failures.contains { $0.path == "$.an_unknown_param" }, "\(method) accepts an unknown param")
        }
    }

    @Test("The validator rejects what the schemas forbid")
    func validatorRejectsWrongDocuments() throws {
        let validator = try Contract.schemaValidator()
        let schema = "rpc/checkGroups.get.result.schema.json"
        let group: JSONValue = [
            "id": "grp_abc", "name": "Acme", "description": "", "psa_links": [],
            "created_at": "2026-11-23T08:15:00.123Z", "updated_at": "2026-11-23T08:15:00.123Z",
        ]
        #expect(validator.validate(group, against: schema).isEmpty)

        func failures(_ change: (inout [String: JSONValue]) -> Void) -> [JSONSchemaValidator.Failure] {
            var members = group.objectValue ?? [:]
            change(&members)
            return validator.validate(.object(members), against: schema)
        }
        let missing = failures { $0.removeValue(forKey: "name") }
        #expect(missing.contains { $0.path == "$" && $0.message.contains("'name'") }, "\(missing)")
        let wrongType = failures { $0["psa_links"] = "none" }
        #expect(
            wrongType.contains { $0.path == "$.psa_links" && $0.message.contains("expected array") }, "\(wrongType)")
        let extra = failures { $0["colour"] = "red" }
        #expect(extra.contains { $0.path == "$.colour" }, "\(extra)")
        let badTime = failures { $0["created_at"] = "yesterday" }
        #expect(badTime.contains { $0.path == "$.created_at" }, "\(badTime)")
        let localTime = failures { $0["updated_at"] = "2026-11-23T09:15:00+01:00" }
        #expect(!localTime.isEmpty, "times are UTC")
        let nested = failures { $0["psa_links"] = [["channel_id": "chn_1", "customer_id": "12", "customer_name": "A"]] }
        #expect(nested.contains { $0.path == "$.psa_links[0].customer_id" }, "\(nested)")

        // An error response must carry what its code promises.
        let error = "rpc/common.schema.json"
        let invalidParams: JSONValue = [
            "jsonrpc": "2.0", "id": 1,
            "error": [
                "code": -32602, "message": "Invalid params", "data": ["errors": [["field": "x", "message": "y"]]],
            ],
        ]
        #expect(validator.validate(invalidParams, against: error, pointer: "/$defs/rpc_error_response").isEmpty)
        let withoutErrors: JSONValue = ["jsonrpc": "2.0", "id": 1, "error": ["code": -32602, "message": "Invalid"]]
        #expect(!validator.validate(withoutErrors, against: error, pointer: "/$defs/rpc_error_response").isEmpty)

        // Keywords: type arrays, integers, oneOf, not, prefixItems, relative file references.
        let inline: JSONValue = [
            "type": "object",
            "properties": [
                "count": ["type": "integer", "minimum": 1],
                "maybe": ["type": ["string", "null"], "maxLength": 3],
                "either": ["oneOf": [["type": "integer"], ["type": "number", "maximum": 10]]],
                "pair": ["type": "array", "prefixItems": [["type": "string"]], "items": ["type": "boolean"]],
                "id": ["$ref": "../common.schema.json#/$defs/id"],
                "odd": ["not": ["enum": [2, 4]]],
            ],
        ]
        func inlineFailures(_ instance: JSONValue) -> [JSONSchemaValidator.Failure] {
            validator.validate(instance, schema: inline, as: "rpc/inline/test.json")
        }
        #expect(inlineFailures(["count": 2.0, "maybe": nil, "either": 9.5, "pair": ["a", true], "id": "x"]).isEmpty)
        #expect(inlineFailures(["count": 1.5]).contains { $0.path == "$.count" })
        #expect(inlineFailures(["count": 0]).contains { $0.path == "$.count" })
        #expect(inlineFailures(["maybe": "four"]).contains { $0.path == "$.maybe" })
        #expect(inlineFailures(["either": 3]).contains { $0.path == "$.either" }, "3 matches both alternatives")
        #expect(inlineFailures(["pair": ["a", "b"]]).contains { $0.path == "$.pair[1]" })
        #expect(inlineFailures(["id": ""]).contains { $0.path == "$.id" })
        #expect(inlineFailures(["odd": 4]).contains { $0.path == "$.odd" })
        let unknownKeyword = validator.validate(1, schema: ["patternProperties": [:]], as: "rpc/inline/test.json")
        #expect(!unknownKeyword.isEmpty, "an unsupported keyword is reported, not ignored")

        #expect(JSONSchemaValidator.isRFC3339DateTime("2024-02-29T23:59:60.5Z"))
        #expect(JSONSchemaValidator.isRFC3339DateTime("2026-11-23t08:15:00-05:30"))
        #expect(!JSONSchemaValidator.isRFC3339DateTime("2026-02-29T00:00:00Z"))
        #expect(!JSONSchemaValidator.isRFC3339DateTime("2026-11-23 08:15:00Z"))
        #expect(!JSONSchemaValidator.isRFC3339DateTime("2026-11-23T08:15:00"))
    }

    // MARK: - JSON-RPC

    @Test("rpc.discover lists exactly the methods that have params and result schemas, and embeds them")
    func discoverMatchesSchemaFiles() async throws {
        let validator = try Contract.schemaValidator()
        let files = try Contract.methodsWithSchemas()
        #expect(
            files.params == files.results,
            """
            params schema only: \(files.params.subtracting(files.results).sorted()); \
            result schema only: \(files.results.subtracting(files.params).sorted())
            """)
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        let document = try await server.test(.router) { client in
            try await client.rpc("rpc.discover", key: server.adminKey)
        }
        Contract.expectValid(
            validator.validate(document, against: Contract.resultSchema("rpc.discover")), "rpc.discover result")
        let methods = try #require(document["methods"]?.arrayValue)
        let listed = methods.compactMap { $0["name"]?.stringValue }
        #expect(Set(listed).count == methods.count, "a method is listed twice")
        // The document describes the other methods; `rpc.discover` itself is implied by OpenRPC.
        let names = Set(listed).union(["rpc.discover"])
        #expect(
            names == files.params,
            """
            methods without schemas: \(names.subtracting(files.params).sorted()); \
            schemas without a method: \(files.params.subtracting(names).sorted())
            """)
        for method in methods {
            let name = try #require(method["name"]?.stringValue)
            guard let paramsSchema = validator.documents[Contract.paramsSchema(name)] else { continue }
            let properties = paramsSchema["properties"]?.objectValue ?? [:]
            let required = Set((paramsSchema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            let listed = method["params"]?.arrayValue ?? []
            #expect(Set(listed.compactMap { $0["name"]?.stringValue }) == Set(properties.keys), "\(name) params")
            for param in listed {
                let paramName = param["name"]?.stringValue ?? ""
                #expect(param["required"] == .bool(required.contains(paramName)), "\(name).\(paramName) required")
            }
            let shipped = validator.documents[Contract.resultSchema(name)].map(RPCMethods.localizeReferences)
            #expect(
                method["result"]?["schema"] == shipped,
                "\(name): rpc.discover embeds another result schema than the shipped file")
        }
        // Every reference points into the document's own components, and each resolves.
        let components = document["components"]?["schemas"]?.objectValue ?? [:]
        #expect(!components.isEmpty)
        var references: [String] = []
        collectReferences(document, into: &references)
        #expect(!references.isEmpty)
        for reference in references {
            #expect(reference.hasPrefix("#/components/schemas/"), "\(reference) leaves the document")
            #expect(components[String(reference.dropFirst("#/components/schemas/".count))] != nil, "\(reference)")
        }
    }

    private func collectReferences(_ value: JSONValue, into references: inout [String]) {
        switch value {
        case .object(let members):
            if case .string(let reference)? = members["$ref"] { references.append(reference) }
            for member in members.values { collectReferences(member, into: &references) }
        case .array(let elements):
            for element in elements { collectReferences(element, into: &references) }
        default:
            break
        }
    }

    @Test("Every method, called with realistic params, answers within its result schema")
    func everyMethodConformsToItsSchemas() async throws {
        let validator = try Contract.fullValidator()
        let files = try Contract.methodsWithSchemas()
        let server = try await TestServer.make { configuration in
            configuration.mailDomain = "checks.example.net"
            configuration.publicURL = "https://checkbridge.example.net/"
            TicketLifecycleTests.fastRetries(&configuration)
        }
        defer { server.removeFiles() }
        let exercised = try await server.test(.router) { client in
            var rpc = RPCSession(client: client, validator: validator, key: server.adminKey)
            let ingest = Ingest(client: client, validator: validator)

            _ = try await rpc.call("system.health")
            let version = try await rpc.call("system.version")
            #expect(version["version"]?.stringValue == CheckBridgeVersion.current)
            _ = try await rpc.call("rpc.discover")

            // Groups.
            let acme = try await rpc.call("checkGroups.create", ["name": "Acme Corp", "description": "Backups of Acme"])
            let acmeID = try #require(acme["id"]?.stringValue)
            let spare = try await rpc.call("checkGroups.create", ["name": "  Spare  "])
            let spareID = try #require(spare["id"]?.stringValue)
            _ = try await rpc.call("checkGroups.list")
            _ = try await rpc.call("checkGroups.get", ["id": .string(acmeID)])
            _ = try await rpc.call(
                "checkGroups.update", ["id": .string(acmeID), "name": "Acme Corporation", "description": nil])

            // Checks: own rules with a schedule, a preset, and a bare one.
            let veeam = try await rpc.call("checks.create", [
                "group_id": .string(acmeID), "name": "Nightly Veeam",
                "rules": [
                    [
                        "status": "failure", "match": "any",
                        "conditions": [
                            ["field": "subject", "op": "contains", "value": "failed"],
                            ["field": "/severity", "op": "equals", "value": "CRITICAL", "case_sensitive": true],
                        ],
                    ],
                    ["status": "success", "conditions": [["field": "body", "op": "regex", "value": #"\bsucceeded\b"#]]],
                    ["status": "warning", "conditions": [["field": "any", "op": "not_contains", "value": "ok"]]],
                ],
                "default_status": "warning",
                "schedule": ["every_seconds": 86_400, "grace_seconds": 3600],
                "failure_threshold": 2,
            ])
            let veeamID = try #require(veeam["id"]?.stringValue)
            let token = try #require(veeam["token"]?.stringValue)
            #expect(veeam["mail_address"]?.stringValue == "\(token)@checks.example.net")
            let ninja = try await rpc.call("checks.create", [
                "group_id": .string(acmeID), "name": "NinjaOne alerts", "preset": "ninjaone", "enabled": true,
            ])
            let ninjaID = try #require(ninja["id"]?.stringValue)
            #expect(ninja["preset"] == "ninjaone")
            let bare = try await rpc.call("checks.create", ["group_id": .string(acmeID), "name": "Scratch"])
            let bareID = try #require(bare["id"]?.stringValue)

            // Results through the real ingest routes, so there is something to list.
            let json = try await ingest.post(
                "/hooks/\(token)", contentType: "application/json",
                body: #"{"subject":"Backup job Nightly failed","text":"Job Nightly failed:\n2 of 40 VMs","#
                    + #""occurred_at":"2026-11-22T02:00:00Z","external_id":"veeam-run-1","severity":"MAJOR"}"#)
            #expect(json.status == .accepted)
            _ = try await ingest.post("/hooks/\(token)/success", contentType: "text/plain", body: "All 40 VMs done")
            let text = try await ingest.post("/hooks/\(token)", contentType: "text/plain", body: "Backup succeeded")
            #expect(try text.json["results"]?.arrayValue?.first?["rule_index"] == 1)
            let binary = try await ingest.post(
                "/hooks/\(token)", contentType: "text/plain; charset=latin1", bytes: [0x42, 0xE9, 0xFF, 0x0A])
            let binaryID = try #require(try binary.json["results"]?.arrayValue?.first?["id"]?.stringValue)
            let jsonID = try #require(try json.json["results"]?.arrayValue?.first?["id"]?.stringValue)

            // Mail: to a check's address, a repeat of it, and one that matches no check.
            let ninjaToken = try #require(ninja["token"]?.stringValue)
            let address = "\(ninjaToken)@checks.example.net"
            let delivered = try await ingest.mail(Samples.mail(to: address), key: server.adminKey)
            #expect(delivered.status == .accepted)
            let redelivered = try await ingest.mail(
                Samples.mail(to: address), key: server.adminKey, to: ["alerts+\(ninjaToken)@checks.example.net"])
            #expect(redelivered.status == .ok, "same Message-ID for the same check")
            let stray = try await ingest.mail(
                Samples.mail(to: "nobody@checks.example.net", id: "stray-1"), key: server.adminKey)
            #expect(try stray.json["unmatched"] == true)
            let unmatched = try await rpc.call("mail.unmatched.list", ["limit": 10, "cursor": nil])
            let strayID = try #require(unmatched["mail"]?.arrayValue?.first?["id"])
            let assigned = try await rpc.call("mail.unmatched.assign", ["id": strayID, "check_id": .string(ninjaID)])
            #expect(assigned["result"]?["source"] == "mail")
            let afterwards = try await rpc.call("mail.unmatched.list")
            #expect(afterwards["mail"] == [], "an assigned mail is no longer unmatched")

            _ = try await rpc.call("checks.list")
            _ = try await rpc.call("checks.list", ["group_id": .string(acmeID)])
            let current = try await rpc.call("checks.get", ["id": .string(veeamID)])
            #expect(current["state"] == "warning", "the last result fell through to the third rule")

            let first = try await rpc.call("checks.results", ["check_id": .string(veeamID), "limit": 3])
            #expect(first["results"]?.arrayValue?.count == 3)
            let cursor = try #require(first["next_cursor"]?.stringValue, "a fourth result exists")
            let last = try await rpc.call(
                "checks.results", ["check_id": .string(veeamID), "limit": 3, "cursor": .string(cursor)])
            #expect(last["results"]?.arrayValue?.count == 1)
            #expect(last["next_cursor"] == .null)

            let plain = try await rpc.call("results.get", ["id": .string(jsonID)])
            #expect(plain["raw"] == nil && plain["raw_base64"] == nil)
            #expect(plain["occurred_at"] == "2026-11-22T02:00:00.000Z")
            let raw = try await rpc.call("results.get", ["id": .string(jsonID), "include_raw": true])
            #expect(raw["raw"]?.stringValue?.contains("veeam-run-1") == true)
            let undecodable = try await rpc.call("results.get", ["id": .string(binaryID), "include_raw": true])
            #expect(undecodable["raw_base64"] == .string(Data([0x42, 0xE9, 0xFF, 0x0A]).base64EncodedString()))

            // The rule tester: given rules, a check's rules with a JSON body, a preset, and nothing at all.
            let tested = try await rpc.call("checks.testRules", [
                "rules": [["status": "warning", "conditions": [["field": "any", "op": "contains", "value": "retry"]]]],
                "default_status": "success", "subject": "Backup completed after retry", "text": "1 retry",
            ])
            #expect(tested["status"] == "warning" && tested["rule_index"] == 0)
            let pointer = try await rpc.call(
                "checks.testRules", ["check_id": .string(veeamID), "json": ["severity": "CRITICAL", "subject": "VM"]])
            #expect(pointer["status"] == "failure" && pointer["rule_index"] == 0)
            let preset = try await rpc.call(
                "checks.testRules", ["check_id": .string(ninjaID), "json": ["status": "RESET"]])
            #expect(preset["status"] == "success")
            let mail = try await rpc.call("checks.testRules", [
                "rules": [
                    ["status": "success", "conditions": [["field": "attachments", "op": "contains", "value": "web01"]]],
                ],
                "raw_mail": .string(Samples.multipart),
            ])
            #expect(mail["status"] == "success" && mail["subject"] == "Sauvegarde réussie")
            #expect(mail["attachments"]?.arrayValue?.first?["filename"] == "report.csv")
            let header = "Subject: Sicherung erfolgreich\nContent-Type: text/plain; charset=iso-8859-1\n\nGr"
            let latin1 = Data(Array(header.utf8) + [0xFC, 0xDF, 0x65]).base64EncodedString()
            let bytes = try await rpc.call(
                "checks.testRules", ["check_id": .string(veeamID), "raw_mail_base64": .string(latin1)])
            #expect(bytes["body"]?.stringValue?.contains("Grüße") == true, "\(bytes)")
            let nothing = try await rpc.call("checks.testRules")
            #expect(nothing["status"] == "failure" && nothing["rule_index"] == .null)

            _ = try await rpc.call("checks.update", [
                "id": .string(veeamID), "name": "Nightly Veeam B&R", "schedule": nil, "failure_threshold": 3,
            ])
            let ownRules = try await rpc.call("checks.update", [
                "id": .string(ninjaID), "default_status": "warning",
                "rules": [["status": "failure", "conditions": [["field": "/severity", "op": "equals", "value": "x"]]]],
            ])
            #expect(ownRules["preset"] == .null)
            _ = try await rpc.call("checks.update", ["id": .string(bareID), "group_id": .string(spareID)])

            let paused = try await rpc.call("checks.pause", ["id": .string(veeamID)])
            #expect(paused["state"] == "paused")
            let quiet = try await ingest.post(
                "/hooks/\(token)", contentType: "application/json", body: #"{"status":"ok"}"#)
            #expect(try quiet.json["paused"] == true)
            _ = try await rpc.call("checks.resume", ["id": .string(veeamID)])

            // Keys.
            let reader = try await rpc.call("apiKeys.create", ["name": "Dashboard", "role": "read"])
            let readerID = try #require(reader["id"]?.stringValue)
            _ = try await rpc.call("apiKeys.list")
            let revoked = try await rpc.call("apiKeys.revoke", ["id": .string(readerID)])
            #expect(revoked["revoked_at"]?.stringValue != nil)

            _ = try await rpc.call("checks.delete", ["id": .string(bareID)])
            _ = try await rpc.call("checkGroups.delete", ["id": .string(spareID)])

            // Channels, tickets and the PSA queue, against a simulator of every kind.
            try await PSASimulator.withRunning(kind: .halopsa, logger: TicketLifecycleTests.quiet) { halo in
                try await PSASimulator.withRunning(kind: .connectwise, logger: TicketLifecycleTests.quiet) { cw in
                    try await PSASimulator.withRunning(kind: .syncro, logger: TicketLifecycleTests.quiet) { syncro in
                        try await Self.exercisePSAMethods(
                            &rpc, client: client, key: server.adminKey, halo: halo, connectWise: cw, syncro: syncro)
                    }
                }
            }
            return rpc.exercised
        }
        let all = files.params.union(files.results)
        #expect(exercised == all, "not exercised: \(all.subtracting(exercised).sorted())")
    }

    /// Channels on a simulator of each kind: created (each checked against its PSA), read, changed, tested and
    /// asked for lists; a failure that opens tickets while one PSA answers 503, its failing step retried; a
    /// channel deleted.
    private static func exercisePSAMethods(
        _ rpc: inout RPCSession, client: any TestClientProtocol, key: String,
        halo: RunningPSASimulator, connectWise: RunningPSASimulator, syncro: RunningPSASimulator
    ) async throws {
        let haloParams = TicketLifecycleTests.channelParams(halo, name: "Halo")
        let haloChannel = try await rpc.call("channels.create", replacing(haloParams, [
            "connection": replacing(
                haloParams["connection"] ?? [:], ["tenant": .string(SimulatorCredentials.haloTenant)]),
            "enabled": true, "open_on_warning": false, "scope": ["all": true], "validate": true,
        ]))
        let haloID = try #require(haloChannel["id"]?.stringValue)
        #expect(haloChannel["kind"] == "halopsa")
        #expect(haloChannel["connection"]?["client_secret"] == ["set": true])
        #expect(haloChannel["connection"]?["tenant"] == .string(SimulatorCredentials.haloTenant))
        #expect(haloChannel["ticket"]?["priority_id"] == 3)
        let connectWiseChannel = try await rpc.call("channels.create", replacing(
            TicketLifecycleTests.channelParams(connectWise, name: "ConnectWise"), [
                "customer": ["mode": "fixed", "customer_id": "1"],
                "scope": ["check_group_ids": [], "check_ids": []],
            ]))
        let connectWiseID = try #require(connectWiseChannel["id"]?.stringValue)
        #expect(connectWiseChannel["customer"] == ["mode": "fixed", "customer_id": 1], "a quoted id is a number")
        #expect(connectWiseChannel["scope"] == ["check_group_ids": [], "check_ids": []])
        #expect(connectWiseChannel["ticket"]?["include_disallow_saving"] == false)
        #expect(connectWiseChannel["connection"]?["private_key"] == ["set": true])
        let syncroParams = TicketLifecycleTests.channelParams(syncro, name: "Syncro")
        let syncroChannel = try await rpc.call("channels.create", syncroParams)
        let syncroID = try #require(syncroChannel["id"]?.stringValue)
        #expect(syncroChannel["ticket"] == ["problem_type": "Other", "status": "New", "close_status": "Resolved"])
        #expect(syncroChannel["scope"] == ["all": true] && syncroChannel["customer"] == ["mode": "check_group"])
        let shown = [haloChannel, connectWiseChannel, syncroChannel].map { $0.serializedString() }.joined()
        for secret in [
            SimulatorCredentials.haloClientSecret, SimulatorCredentials.connectWisePrivateKey,
            SimulatorCredentials.syncroAPIToken,
        ] {
            #expect(!shown.contains(secret), "a secret was shown")
        }

        // Customer import and asset association against the Halo simulator.
        let preview = try await rpc.call("customers.preview", ["channel_id": .string(haloID)])
        let firstCustomer = try #require(preview["to_create"]?.arrayValue?.first?["id"])
        let imported = try await rpc.call(
            "customers.import", ["channel_id": .string(haloID), "customer_ids": [firstCustomer]])
        let importedGroup = try #require(imported["created"]?.arrayValue?.first?["id"])
        let probe = try await rpc.call("checks.create", ["group_id": importedGroup, "name": "Asset probe"])
        let withAsset = try await rpc.call(
            "checks.setAsset",
            ["check_id": probe["id"] ?? .null, "channel_id": .string(haloID), "asset_number": "WS-100"])
        #expect(withAsset["assets"]?.arrayValue?.count == 1)
        let withoutAsset = try await rpc.call(
            "checks.clearAsset", ["check_id": probe["id"] ?? .null, "channel_id": .string(haloID)])
        #expect(withoutAsset["assets"] == [])

        let listed = try await rpc.call("channels.list")
        #expect(listed["channels"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [
            connectWiseID, haloID, syncroID,
        ], "by name")
        let got = try await rpc.call("channels.get", ["id": .string(syncroID)])
        #expect(got == syncroChannel)

        // A partial connection without the secret: the stored one is kept, and the merge is checked again.
        let renamed = try await rpc.call("channels.update", [
            "id": .string(haloID), "name": "HaloPSA (Acme)",
            "connection": ["client_id": .string(SimulatorCredentials.haloClientID), "tenant": nil],
            "open_on_warning": true,
        ])
        #expect(renamed["name"] == "HaloPSA (Acme)" && renamed["open_on_warning"] == true)
        #expect(renamed["connection"]?["client_secret"] == ["set": true])
        #expect(renamed["connection"]?["tenant"] == nil, "null removes an optional connection field")
        let retargeted = try await rpc.call("channels.update", [
            "id": .string(connectWiseID), "kind": "connectwise", "customer": nil, "validate": false,
            "ticket": [
                "board_id": 1, "status_id": 1, "priority_id": 3, "close_status_id": 5,
                "include_disallow_saving": true,
            ],
        ])
        #expect(retargeted["ticket"]?["close_status_id"] == 5)
        #expect(
            retargeted["customer"] == ["mode": "fixed", "customer_id": 1], "a null customer leaves it as it is")
        #expect(retargeted["scope"] == ["check_group_ids": [], "check_ids": []], "a left-out scope stays as it is")

        for id in [haloID, connectWiseID, syncroID] {
            let tested = try await rpc.call("channels.test", ["id": .string(id)])
            #expect(tested == ["id": .string(id), "ok": true])
        }

        // Lists per kind, of a channel's PSA and, before a channel exists, of a connection.
        let lookups: [JSONValue] = [
            ["channel_id": .string(haloID), "list": "ticket_types"],
            ["channel_id": .string(haloID), "list": "statuses"],
            ["channel_id": .string(connectWiseID), "list": "boards"],
            ["channel_id": .string(connectWiseID), "list": "board_statuses", "board_id": 1],
            ["channel_id": .string(syncroID), "list": "problem_types", "query": "oth"],
            ["channel_id": .string(syncroID), "list": "statuses", "board_id": nil],
            ["kind": "halopsa", "connection": haloParams["connection"] ?? [:], "list": "agents"],
            [
                "kind": "connectwise", "list": "companies", "channel_id": nil,
                "connection": TicketLifecycleTests.channelParams(connectWise)["connection"] ?? [:],
            ],
            ["kind": "syncro", "connection": syncroParams["connection"] ?? [:], "list": "users"],
        ]
        var answers: [String: [JSONValue]] = [:]
        for params in lookups {
            let answer = try await rpc.call("channels.lookup", params)
            #expect(answer["list"] == params["list"])
            let entries = answer["entries"]?.arrayValue ?? []
            #expect(!entries.isEmpty, "no entries for \(params.serializedString())")
            answers[(params["kind"]?.stringValue ?? params["channel_id"]?.stringValue ?? "") + "/"
                + (params["list"]?.stringValue ?? "")] = entries
        }
        #expect(answers["\(haloID)/statuses"]?.contains { $0["closed"] == true } == true)
        #expect(answers["\(connectWiseID)/board_statuses"]?.contains { $0["closed"] == true } == true)
        #expect(answers["\(syncroID)/problem_types"]?.contains { $0["id"] == "Other" } == true, "Syncro ids are text")
        #expect(answers["connectwise/companies"]?.allSatisfy { $0["disallow_saving"] != nil } == true)

        // A failure opens a ticket on every channel in scope (not ConnectWise, whose scope is empty);
        // Syncro answers 503, so its step keeps failing until retried.
        await syncro.control.failNext(100, status: 503)
        let (checkID, token) = try await TicketLifecycleTests.makeCheck(client, key: key)
        try await TicketLifecycleTests.report(client, token: token, "failure")
        var failing: JSONValue?
        for _ in 0..<400 {
            let status = try await rpc.call("sync.status")
            failing = status["operations"]?.arrayValue?.first { $0["state"] == "failing" }
            if failing != nil { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        let stuck = try #require(failing, "no step is failing while Syncro answers 503")
        #expect(stuck["channel_id"] == .string(syncroID) && stuck["step"] == "open" && stuck["check_id"] == checkID)
        #expect(stuck["last_error"]?.stringValue?.isEmpty == false)
        let retried = try await rpc.call("sync.retry", ["id": stuck["id"] ?? .null])
        #expect(retried["id"] == stuck["id"] && retried["state"] == "pending")
        await syncro.control.clearFaults()
        _ = try await TicketLifecycleTests.drained(client, key: key)
        let settled = try await rpc.call("sync.status")
        #expect(settled["operations"] == [] && settled["dead"] == 0)

        let tickets = try await rpc.call("tickets.list")
        let links = tickets["tickets"]?.arrayValue ?? []
        #expect(links.compactMap { $0["channel_id"]?.stringValue }.sorted() == [haloID, syncroID].sorted())
        #expect(links.allSatisfy { $0["state"] == "open" && $0["check_id"] == checkID })
        let filtered = try await rpc.call(
            "tickets.list", ["check_id": checkID, "channel_id": .string(haloID), "state": "open", "limit": 10])
        #expect(filtered["tickets"]?.arrayValue?.count == 1)
        let haloLink = try #require(filtered["tickets"]?.arrayValue?.first)
        let haloTicket = try #require(await halo.control.tickets().first)
        #expect(haloLink["psa_ticket_id"] == .int(haloTicket.id))
        let closedOnly = try await rpc.call("tickets.list", ["state": "closed", "check_id": nil])
        #expect(closedOnly["tickets"] == [])
        let detail = try await rpc.call("tickets.get", ["id": haloLink["id"] ?? .null])
        let steps = detail["operations"]?.arrayValue ?? []
        #expect(steps.count == 1 && steps.first?["step"] == "open" && steps.first?["state"] == "done")
        let syncroLink = links.first { $0["channel_id"] == .string(syncroID) }
        let syncroDetail = try await rpc.call("tickets.get", ["id": syncroLink?["id"] ?? .null])
        #expect(syncroDetail["operations"]?.arrayValue?.first?["state"] == "done")
        let sentAlready = try await rpc.send("sync.retry", ["id": steps.first?["id"] ?? .null])
        #expect(sentAlready["error"]?["code"] == -32002, "a step sent already is not sent again")

        let deleted = try await rpc.call("channels.delete", ["id": .string(connectWiseID)])
        #expect(deleted == ["id": .string(connectWiseID), "deleted": true])
        let remaining = try await rpc.call("channels.list")
        #expect(remaining["channels"]?.arrayValue?.count == 2)
    }

    @Test("Params the schemas forbid are rejected by the server too, with -32602 naming the fields")
    func schemaAndServerRejectTheSameParams() async throws {
        let validator = try Contract.fullValidator()
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(.router) { client in
            var rpc = RPCSession(client: client, validator: validator, key: server.adminKey)
            let group = try await rpc.call("checkGroups.create", ["name": "Globex"])
            let groupID = try #require(group["id"]).stringValue ?? ""
            let check = try await rpc.call(
                "checks.create",
                ["group_id": .string(groupID), "name": "File server", "schedule": ["every_seconds": 3600]])
            #expect(check["mail_address"] == .null, "no mail domain configured")
            #expect(check["schedule"] == ["every_seconds": 3600, "grace_seconds": 0])
            let checkID = check["id"]?.stringValue ?? ""
            let gid = JSONValue.string(groupID)

            let rejected: [(String, JSONValue, [String])] = [
                ("checkGroups.create", ["name": "Initech", "colour": "red"], ["colour"]),
                ("checkGroups.create", ["name": "   "], ["name"]),
                ("checkGroups.get", [:], ["id"]),
                ("checks.create", ["group_id": 42, "name": "Mail"], ["group_id"]),
                ("checks.create", ["group_id": gid, "name": "Mail", "rules": [["status": "missed", "conditions": []]]],
                 ["rules[0].status", "rules[0].conditions"]),
                ("checks.create", [
                    "group_id": gid, "name": "Mail",
                    "rules": [
                        ["status": "failure", "conditions": [["field": "severity", "op": "equals", "value": "x"]]],
                    ],
                ], ["rules[0].conditions[0].field"]),
                ("checks.create", [
                    "group_id": gid, "name": "Mail",
                    "rules": [
                        [
                            "status": "failure", "colour": "red",
                            "conditions": [["field": "body", "op": "like", "value": "x"]],
                        ],
                    ],
                ], ["rules[0].colour", "rules[0].conditions[0].op"]),
                ("checks.create", ["group_id": gid, "name": "Mail", "preset": "atera", "rules": []], ["rules"]),
                ("checks.create", ["group_id": gid, "name": "Mail", "preset": "atera", "default_status": "success"],
                 ["default_status"]),
                ("checks.create", ["group_id": gid, "name": "Mail", "preset": "kaseya"], ["preset"]),
                ("checks.create", ["group_id": gid, "name": "Mail", "schedule": ["every_seconds": 0, "jitter": 5]],
                 ["schedule.every_seconds", "schedule.jitter"]),
                ("checks.update", ["id": .string(checkID), "failure_threshold": 0], ["failure_threshold"]),
                ("checks.update", ["id": .string(checkID), "enabled": "yes"], ["enabled"]),
                ("checks.results", ["check_id": .string(checkID), "limit": 501], ["limit"]),
                ("results.get", ["id": "res_1", "include_raw": "yes"], ["include_raw"]),
                ("checks.testRules", ["json": ["a": 1], "raw_mail": "Subject: x\n\nbody"], ["raw_mail"]),
                ("checks.testRules", ["raw_mail": "Subject: x\n\nbody", "raw_mail_base64": "U3ViamVjdDogeA=="],
                 ["raw_mail_base64"]),
                ("mail.unmatched.assign", ["id": "mail_1"], ["check_id"]),
                ("mail.unmatched.list", ["limit": 0], ["limit"]),
                ("checks.testRules", ["default_status": "missed"], ["default_status"]),
                ("apiKeys.create", ["name": "CI", "role": "owner"], ["role"]),
                ("apiKeys.revoke", ["id": 7], ["id"]),
                ("system.version", ["verbose": true], ["verbose"]),
                ("channels.get", [:], ["id"]),
                ("channels.update", ["id": "chn_1", "enabled": "yes", "validate": 1], ["enabled", "validate"]),
                ("channels.lookup", ["list": "boards"], ["channel_id"]),
                ("channels.lookup", ["channel_id": "chn_1", "list": "statuses", "connection": ["url": "x"]],
                 ["connection"]),
                ("channels.lookup", ["channel_id": "chn_1", "list": "statuses", "board_id": 0], ["board_id"]),
                ("tickets.list", ["state": "resolved", "limit": 0], ["state", "limit"]),
                ("tickets.get", ["id": nil], ["id"]),
                ("sync.retry", ["id": 7], ["id"]),
                ("sync.status", ["verbose": true], ["verbose"]),
            ]
            for (method, params, fields) in rejected {
                try await rpc.expectRejected(method, params, fields: fields)
            }

            // Channel params the server refuses before it calls any PSA.
            try await PSASimulator.withRunning(kind: .halopsa, logger: TicketLifecycleTests.quiet) { halo in
                let valid = TicketLifecycleTests.channelParams(halo)
                Contract.expectValid(
                    validator.validate(valid, against: Contract.paramsSchema("channels.create")), "channels.create")
                let connection = valid["connection"] ?? [:]
                let withoutSecret = connection.objectValue?.filter { $0.key != "client_secret" } ?? [:]
                let channel = try await rpc.call("channels.create", valid)
                let channelID = channel["id"] ?? .null
                let channelCases: [(String, JSONValue, [String])] = [
                    ("channels.create", replacing(valid, ["kind": "freshdesk"]), ["kind"]),
                    ("channels.create", replacing(valid, ["connection": replacing(connection, ["api_token": "x"])]),
                     ["connection.api_token"]),
                    ("channels.create", replacing(valid, ["ticket": ["ticket_type_id": 1, "status_id": 1]]),
                     ["ticket.agent_id"]),
                    ("channels.create",
                     replacing(valid, ["ticket": ["ticket_type_id": 1, "status_id": 1, "agent_id": "2"]]),
                     ["ticket.agent_id"]),
                    ("channels.create", replacing(valid, ["connection": .object(withoutSecret)]),
                     ["connection.client_secret"]),
                    ("channels.create", replacing(valid, ["customer": ["mode": "fixed"]]), ["customer.customer_id"]),
                    ("channels.create", replacing(valid, ["scope": ["all": "yes", "check_ids": "chk_1"]]),
                     ["scope.all", "scope.check_ids"]),
                    ("channels.create", replacing(valid, ["name": "  ", "open_on_warning": "no"]),
                     ["name", "open_on_warning"]),
                    ("channels.update", ["id": channelID, "connection": ["url": "x", "client_id": "y"]],
                     ["connection.url"]),
                    ("channels.lookup", ["kind": "halopsa", "connection": connection, "list": "boards"], ["list"]),
                    ("channels.lookup", ["kind": "halopsa", "connection": .object(withoutSecret), "list": "agents"],
                     ["connection.client_secret"]),
                ]
                for (method, params, fields) in channelCases {
                    try await rpc.expectRejected(method, params, fields: fields)
                }
            }
        }
    }

    @Test("Every kind of JSON-RPC error answers in the error shape of the schemas and the OpenAPI document")
    func errorResponsesConform() async throws {
        let validator = try Contract.fullValidator()
        let openAPI = try #require(validator.documents[Contract.openAPIName])
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(.router) { client in
            var rpc = RPCSession(client: client, validator: validator, key: server.adminKey)
            let group = try await rpc.call("checkGroups.create", ["name": "Umbrella"])
            let groupID = group["id"] ?? .null
            _ = try await rpc.call("checks.create", ["group_id": groupID, "name": "SQL dumps"])
            let keys = try await rpc.call("apiKeys.list")
            let adminID = keys["api_keys"]?.arrayValue?.first?["id"] ?? .null
            let reader = try await rpc.call("apiKeys.create", ["name": "Wallboard", "role": "read"])
            let readKey = reader["key"]?.stringValue ?? ""

            let cases: [(code: Int64, method: String, params: JSONValue, key: String)] = [
                (-32001, "checks.get", ["id": "chk_doesnotexist"], server.adminKey),
                (-32001, "results.get", ["id": "res_999999"], server.adminKey),
                (-32002, "checkGroups.delete", ["id": groupID], server.adminKey),
                (-32002, "apiKeys.revoke", ["id": adminID], server.adminKey),
                (-32003, "checkGroups.create", ["name": "Not allowed"], readKey),
                (-32601, "checks.explode", [:], server.adminKey),
                (-32001, "channels.get", ["id": "chn_doesnotexist"], server.adminKey),
                (-32001, "channels.test", ["id": "chn_doesnotexist"], server.adminKey),
                (-32001, "tickets.get", ["id": "tkt_999999"], server.adminKey),
                (-32001, "sync.retry", ["id": "op_999999"], server.adminKey),
                (-32003, "sync.retry", ["id": "op_1"], readKey),
                (-32003, "channels.lookup", ["channel_id": "chn_1", "list": "statuses"], readKey),
            ]
            for call in cases {
                var session = rpc
                session.key = call.key
                let response = try await session.send(call.method, call.params)
                #expect(response["error"]?["code"] == .int(call.code), "\(call.method): \(response.serializedString())")
            }
            // A reader may call what changes nothing, and the answer is the same shape.
            var asReader = rpc
            asReader.key = readKey
            _ = try await asReader.call("checks.list")
            _ = try await asReader.call("channels.list")
            _ = try await asReader.call("sync.status")

            // The PSA refuses a credential: -32010 with the PSA's status and message, never the secret.
            try await PSASimulator.withRunning(kind: .syncro, logger: TicketLifecycleTests.quiet) { syncro in
                let valid = TicketLifecycleTests.channelParams(syncro)
                let wrong = replacing(valid, [
                    "connection": replacing(valid["connection"] ?? [:], ["api_token": "not-the-token"]),
                ])
                func expectRefused(_ response: JSONValue, _ what: String) {
                    #expect(response["error"]?["code"] == -32010, "\(what): \(response.serializedString())")
                    Contract.expectValid(
                        validator.validate(
                            response["error"]?["data"] ?? .null, against: "rpc/common.schema.json",
                            pointer: "/$defs/psa_error_data"),
                        "\(what) error data")
                    #expect(response["error"]?["data"]?["status"] == 401, "\(what)")
                    #expect(!response.serializedString().contains("not-the-token"), "\(what) shows the secret")
                }
                expectRefused(try await rpc.send("channels.create", wrong), "channels.create")
                #expect(try await rpc.call("channels.list")["channels"] == [], "a refused channel is not stored")
                // Stored unchecked, the channel fails its test and its lookups the same way.
                let unchecked = try await rpc.call("channels.create", replacing(wrong, ["validate": false]))
                let channelID = unchecked["id"] ?? .null
                expectRefused(try await rpc.send("channels.test", ["id": channelID]), "channels.test")
                expectRefused(
                    try await rpc.send("channels.lookup", ["channel_id": channelID, "list": "statuses"]),
                    "channels.lookup")
                expectRefused(
                    try await rpc.send(
                        "channels.update", ["id": channelID, "enabled": false, "ticket": valid["ticket"] ?? [:]]),
                    "channels.update")
            }

            let raw: [(body: String, code: Int64)] = [
                ("{", -32700),
                ("[]", -32600),
                (#"{"jsonrpc":"1.0","method":"system.version","id":1}"#, -32600),
                (#"{"jsonrpc":"2.0","method":"system.version","params":[],"id":3}"#, -32602),
                (#"{"jsonrpc":"2.0","method":"system.version","params":"x","id":4}"#, -32600),
                (#"{"jsonrpc":"2.0","method":"system.version","id":{"a":1}}"#, -32600),
            ]
            for (body, code) in raw {
                let answer = try await client.rpcRaw(body, key: server.adminKey)
                try Contract.expectDeclared(answer, "post", "/rpc", openAPI: openAPI, validator: validator)
                let response = try answer.json
                #expect(response["error"]?["code"] == .int(code), "\(body): \(response.serializedString())")
                Contract.expectValid(
                    validator.validate(
                        response, against: "rpc/common.schema.json", pointer: "/$defs/rpc_error_response"),
                    "error response to \(body)")
            }

            let batch = try await client.rpcRaw(
                #"[{"jsonrpc":"2.0","method":"system.version","id":"a"},{"jsonrpc":"2.0","method":"system.health"},"#
                    + #"{"jsonrpc":"2.0","method":"nope","id":2}]"#,
                key: server.adminKey)
            try Contract.expectDeclared(batch, "post", "/rpc", openAPI: openAPI, validator: validator)
            #expect(try batch.json.arrayValue?.count == 2, "the notification is not answered")

            let notification = try await client.rpcRaw(
                #"{"jsonrpc":"2.0","method":"system.version"}"#, key: server.adminKey)
            #expect(notification.status == .noContent)
            try Contract.expectDeclared(notification, "post", "/rpc", openAPI: openAPI, validator: validator)
        }
    }

    // MARK: - HTTP and the OpenAPI document

    @Test("Ingest answers, problems and operator endpoints are what openapi.yaml declares")
    func httpAnswersConformToOpenAPI() async throws {
        let validator = try Contract.fullValidator()
        let openAPI = try #require(validator.documents[Contract.openAPIName])
        let server = try await TestServer.make { configuration in
            configuration.maxHookBody = 2048
            configuration.maxRPCBody = 4096
            configuration.maxMailBody = 4096
        }
        defer { server.removeFiles() }
        try await server.test(.router) { client in
            var rpc = RPCSession(client: client, validator: validator, key: server.adminKey)
            let ingest = Ingest(client: client, validator: validator)
            let group = try await rpc.call("checkGroups.create", ["name": "Hooli"])
            let check = try await rpc.call("checks.create", ["group_id": group["id"] ?? .null, "name": "Cloud backup"])
            let token = check["token"]?.stringValue ?? ""
            let checkID = check["id"] ?? .null
            let idempotency = try #require(HTTPFields.Element.Name("Idempotency-Key"))

            let stored = try await ingest.post(
                "/hooks/\(token)", contentType: "application/json", body: #"{"status":"ok","text":"fine"}"#,
                headers: [idempotency: "delivery-1"])
            #expect(stored.status == .accepted)
            let repeated = try await ingest.post(
                "/hooks/\(token)", contentType: "application/json", body: #"{"status":"ok","text":"fine"}"#,
                headers: [idempotency: "delivery-1"])
            #expect(repeated.status == .ok)
            #expect(try repeated.json["duplicate"] == true)
            let external = #"{"status":"warn","external_id":"job-77"}"#
            _ = try await ingest.post("/hooks/\(token)", contentType: "application/json", body: external)
            let externalRepeat = try await ingest.post(
                "/hooks/\(token)", contentType: "application/json", body: external)
            #expect(externalRepeat.status == .ok)
            let got = try await ingest.send("/hooks/\(token)/warning", method: .get, path: "/hooks/{token}/{status}")
            #expect(got.status == .accepted)
            let posted = try await ingest.post("/hooks/\(token)/FAILED", contentType: "text/plain", body: "disk full")
            #expect(try posted.json["results"]?.arrayValue?.first?["status"] == "failure")

            let problems: [(HTTPAnswer, HTTPResponse.Status, [String])] = [
                (try await ingest.post("/hooks/\(token)", contentType: "application/json", body: "{not json"),
                 .badRequest, []),
                (try await ingest.post("/hooks/\(token)", contentType: "application/json", body: "[1,2]"),
                 .badRequest, []),
                (try await ingest.post(
                    "/hooks/\(token)", contentType: "application/json",
                    body: #"{"subject":3,"occurred_at":"yesterday","external_id":""}"#),
                 .badRequest, ["subject", "occurred_at", "external_id"]),
                (try await ingest.send("/hooks/\(token)/great", method: .get, path: "/hooks/{token}/{status}"),
                 .badRequest, ["status"]),
                (try await ingest.post(
                    "/hooks/\(token)", contentType: "text/plain", body: "x", headers: [idempotency: "  "]),
                 .badRequest, ["Idempotency-Key"]),
                (try await ingest.post(
                    "/hooks/nosuchtoken0000000000000000000000", contentType: "text/plain", body: "x"),
                 .notFound, []),
                (try await ingest.post(
                    "/hooks/\(token)", contentType: "text/plain", body: String(repeating: "x", count: 4096)),
                 .contentTooLarge, []),
                (try await ingest.post("/hooks/\(token)", contentType: "image/png", body: "png"),
                 .unsupportedMediaType, []),
            ]
            for (answer, status, fields) in problems {
                #expect(answer.status == status, "\(answer.status) \(answer.text)")
                let problem = try answer.json
                #expect(problem["status"] == .int(Int64(status.code)), "the problem repeats the HTTP status")
                let named = Set((problem["errors"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue })
                #expect(named == Set(fields), "\(answer.text)")
            }

            // /mail: keys and roles, media types, size; a paused check records nothing.
            let relay = try await rpc.call("apiKeys.create", ["name": "Relay", "role": "ingest"])
            let ingestKey = relay["key"]?.stringValue ?? ""
            let viewer = try await rpc.call("apiKeys.create", ["name": "Viewer", "role": "read"])
            let readKey = viewer["key"]?.stringValue ?? ""
            let message = Samples.mail(to: "Backups <\(token)@mail.example.net>")
            let mailed = try await ingest.mail(message, key: ingestKey)
            #expect(mailed.status == .accepted)
            #expect(try mailed.json["results"]?.arrayValue?.count == 1)
            let mailProblems: [(HTTPAnswer, HTTPResponse.Status)] = [
                (try await ingest.mail(message, key: readKey), .forbidden),
                (try await ingest.mail(message, key: "cbk_not_a_key"), .unauthorized),
                (try await ingest.mail(message, key: ingestKey, contentType: "application/json"),
                 .unsupportedMediaType),
                (try await ingest.mail("", key: ingestKey, contentType: "text/plain"), .badRequest),
                (try await ingest.mail(message + String(repeating: "x", count: 5000), key: ingestKey),
                 .contentTooLarge),
            ]
            for (answer, status) in mailProblems {
                #expect(answer.status == status, "\(answer.status) \(answer.text)")
                #expect(try answer.json["status"] == .int(Int64(status.code)))
            }

            _ = try await rpc.call("checks.pause", ["id": checkID])
            let paused = try await ingest.post("/hooks/\(token)", contentType: "application/json", body: "{}")
            #expect(paused.status == .accepted)
            #expect(try paused.json["paused"] == true)
            let pausedMail = try await ingest.mail(
                Samples.mail(to: "\(token)@mail.example.net", id: "p-1"), key: ingestKey)
            #expect(pausedMail.status == .accepted)
            #expect(try pausedMail.json["paused_check_ids"] == [checkID])

            // /rpc outside JSON-RPC: authentication, media type, size.
            let noKey = try await client.send("/rpc", headers: [.contentType: "application/json"], body: "{}")
            #expect(noKey.status == .unauthorized)
            #expect(noKey.headers[.wwwAuthenticate] == "Bearer")
            let badKey = try await client.rpcRaw("{}", key: "cbk_not_a_key")
            #expect(badKey.status == .unauthorized)
            let wrongType = try await client.send(
                "/rpc", headers: [.authorization: "Bearer \(server.adminKey)", .contentType: "text/plain"], body: "{}")
            #expect(wrongType.status == .unsupportedMediaType)
            let tooLarge = try await client.rpcRaw(
                #"{"jsonrpc":"2.0","method":"system.version","id":"\#(String(repeating: "x", count: 5000))"}"#,
                key: server.adminKey)
            #expect(tooLarge.status == .contentTooLarge)
            for answer in [noKey, badKey, wrongType, tooLarge] {
                try Contract.expectDeclared(answer, "post", "/rpc", openAPI: openAPI, validator: validator)
            }

            for path in ["/healthz", "/readyz", "/metrics", "/openapi.yaml"] {
                let answer = try await ingest.send(path, method: .get, path: path)
                #expect(answer.status == .ok, "\(path)")
            }
            let served = try await client.send("/openapi.yaml", method: .get)
            let shipped = try Data(contentsOf: Contract.openAPIFile)
            #expect(served.body == Array(shipped), "GET /openapi.yaml serves the shipped document")
        }
    }

    @Test("openapi.yaml covers the HTTP surface of SPEC §3 and agrees with the JSON Schemas")
    func openAPICoversTheHTTPSurface() throws {
        let validator = try Contract.fullValidator()
        let openAPI = try #require(validator.documents[Contract.openAPIName])
        #expect(openAPI["openapi"]?.stringValue?.hasPrefix("3.1.") == true)
        #expect(openAPI["info"]?["version"]?.stringValue == CheckBridgeVersion.current)

        let operations: [String: Set<String>] = [
            "/healthz": ["get"], "/readyz": ["get"], "/metrics": ["get"], "/openapi.yaml": ["get"],
            "/hooks/{token}": ["post"], "/hooks/{token}/{status}": ["get", "post"], "/mail": ["post"],
            "/rpc": ["post"],
        ]
        let httpMethods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        let paths = openAPI["paths"]?.objectValue ?? [:]
        #expect(Set(paths.keys) == Set(operations.keys))
        for (path, methods) in operations {
            let declared = Set((paths[path]?.objectValue ?? [:]).keys).intersection(httpMethods)
            #expect(declared == methods, "\(path)")
        }

        let statuses: [(String, String, Set<String>)] = [
            ("/healthz", "get", ["200"]),
            ("/readyz", "get", ["200", "503"]),
            ("/openapi.yaml", "get", ["200", "404"]),
            ("/hooks/{token}", "post", ["200", "202", "400", "404", "413", "415", "503"]),
            ("/hooks/{token}/{status}", "get", ["200", "202", "400", "404", "413", "415", "503"]),
            ("/hooks/{token}/{status}", "post", ["200", "202", "400", "404", "413", "415", "503"]),
            ("/mail", "post", ["200", "202", "400", "401", "403", "413", "415", "503"]),
            ("/rpc", "post", ["200", "204", "401", "413", "415"]),
        ]
        for (path, method, expected) in statuses {
            let responses = paths[path]?[method]?["responses"]?.objectValue ?? [:]
            #expect(
                Set(responses.keys).isSuperset(of: expected),
                "\(method) \(path) lacks \(expected.subtracting(responses.keys).sorted())")
            for (code, response) in responses where code.hasPrefix("4") || code.hasPrefix("5") {
                guard path != "/readyz" else { continue }
                let content = try Contract.resolveResponse(response, in: openAPI)["content"]?.objectValue ?? [:]
                #expect(Array(content.keys) == ["application/problem+json"], "\(method) \(path) \(code)")
            }
        }

        let schemes = openAPI["components"]?["securitySchemes"]?.objectValue ?? [:]
        #expect(schemes["bearerAuth"]?["type"] == "http" && schemes["bearerAuth"]?["scheme"] == "bearer")
        #expect(openAPI["security"] == [])
        for path in ["/mail", "/rpc"] {
            #expect(paths[path]?["post"]?["security"] == [["bearerAuth": []]], "\(path) takes a bearer key")
        }
        for (path, methods) in operations where path != "/mail" && path != "/rpc" {
            for method in methods { #expect(paths[path]?[method]?["security"] == nil, "\(method) \(path)") }
        }

        // The served document is self-contained; its copies of the shared schemas must not drift.
        let components = openAPI["components"]?["schemas"]?.objectValue ?? [:]
        for (component, file) in [("WebhookResult", "webhook-result.schema.json"), ("Problem", "problem.schema.json")] {
            var expected = validator.documents[file]?.objectValue ?? [:]
            expected.removeValue(forKey: "$schema")
            expected.removeValue(forKey: "$id")
            #expect(components[component] == .object(expected), "components.schemas.\(component) differs from \(file)")
        }
        let webhookBody = paths["/hooks/{token}"]?["post"]?["requestBody"]?["content"]?["application/json"]?["schema"]
        #expect(webhookBody == ["$ref": "#/components/schemas/WebhookResult"])
        let unresolved = validator.unresolvedReferences()
        #expect(unresolved.isEmpty, "\(unresolved)")
    }

    @Test("The webhook schema accepts exactly the bodies the server accepts")
    func webhookSchemaAgreesWithServer() async throws {
        let validator = try Contract.fullValidator()
        let server = try await TestServer.make()
        defer { server.removeFiles() }
        try await server.test(.router) { client in
            var rpc = RPCSession(client: client, validator: validator, key: server.adminKey)
            let group = try await rpc.call("checkGroups.create", ["name": "Soylent"])
            let check = try await rpc.call("checks.create", ["group_id": group["id"] ?? .null, "name": "NAS sync"])
            let token = check["token"]?.stringValue ?? ""
            let ingest = Ingest(client: client, validator: validator)
            let bodies: [String] = [
                "{}",
                #"{"status":"ok"}"#,
                #"{"status":"SUCCEEDED","subject":"Sync done","text":null}"#,
                #"{"status":"RESET","severity":"CRITICAL","nested":{"a":[1,2.5,null]}}"#,
                #"{"occurred_at":"2026-11-22T02:00:00Z"}"#,
                #"{"occurred_at":"2026-11-22T03:00:00.250+01:00"}"#,
                #"{"external_id":"sync-2026-11-22"}"#,
                #"{"status":3}"#,
                #"{"subject":["a"]}"#,
                #"{"text":{"body":"x"}}"#,
                #"{"occurred_at":"yesterday"}"#,
                #"{"occurred_at":"2026-11-22"}"#,
                #"{"external_id":""}"#,
                #"{"external_id":"\#(String(repeating: "e", count: 256))"}"#,
                "[1,2]",
                #""just a string""#,
            ]
            for body in bodies {
                let document = try JSONParser.parse(Array(body.utf8))
                let schemaAccepts = validator.validate(document, against: "webhook-result.schema.json").isEmpty
                let answer = try await ingest.post("/hooks/\(token)", contentType: "application/json", body: body)
                #expect(
                    schemaAccepts == (answer.status == .accepted),
                    "\(body): schema \(schemaAccepts ? "accepts" : "rejects"), server answers \(answer.status.code)")
            }
        }
    }
}

// MARK: - Support

/// `base`, an object, with `changes` set: params that differ from a valid set in one place.
private func replacing(_ base: JSONValue, _ changes: [String: JSONValue]) -> JSONValue {
    guard case .object(var members) = base else { return base }
    members.merge(changes) { _, new in new }
    return .object(members)
}

/// The contract files as the server ships them, found from this file's place in the checkout.
private enum Contract {
    static let resources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/Server/Resources", isDirectory: true).standardizedFileURL
    static let schemas = resources.appendingPathComponent("schemas", isDirectory: true)
    static let openAPIFile = resources.appendingPathComponent("openapi.yaml")
    /// The name the OpenAPI document is loaded under, next to the schema files.
    static let openAPIName = "openapi.yaml"

    static func paramsSchema(_ method: String) -> String { "rpc/\(method).params.schema.json" }
    static func resultSchema(_ method: String) -> String { "rpc/\(method).result.schema.json" }

    /// The JSON Schema files.
    static func schemaValidator() throws -> JSONSchemaValidator {
        try JSONSchemaValidator(folder: schemas)
    }

    /// The JSON Schema files and the OpenAPI document.
    static func fullValidator() throws -> JSONSchemaValidator {
        var validator = try schemaValidator()
        let text = try String(contentsOf: openAPIFile, encoding: .utf8)
        validator.add(try BlockYAML.parse(text), named: openAPIName)
        return validator
    }

    /// The methods that have a params schema, and those that have a result schema, by file name.
    static func methodsWithSchemas() throws -> (params: Set<String>, results: Set<String>) {
        let files = try FileManager.default.contentsOfDirectory(atPath: schemas.appendingPathComponent("rpc").path)
        func methods(_ suffix: String) -> Set<String> {
            Set(files.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) })
        }
        return (methods(".params.schema.json"), methods(".result.schema.json"))
    }

    static func expectValid(
        _ failures: [JSONSchemaValidator.Failure], _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            failures.isEmpty,
            "\(what) does not match its schema:\n\(failures.map(\.description).joined(separator: "\n"))",
            sourceLocation: sourceLocation)
    }

    /// A response object, following a `$ref` to `#/components/responses/…`.
    static func resolveResponse(_ response: JSONValue, in openAPI: JSONValue) throws -> JSONValue {
        try resolveResponseWithPointer(response, pointer: "", in: openAPI).response
    }

    private static func resolveResponseWithPointer(
        _ response: JSONValue, pointer: String, in openAPI: JSONValue
    ) throws -> (response: JSONValue, pointer: String) {
        guard case .string(let reference)? = response["$ref"] else { return (response, pointer) }
        let target = String(reference.dropFirst())
        var value: JSONValue? = openAPI
        for token in target.split(separator: "/").map(String.init) { value = value?[token] }
        return (try #require(value, "\(reference) does not resolve"), target)
    }

    static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// Checks that openapi.yaml declares the answer's status for the operation, with its media type, and
    /// that a JSON body matches the declared schema.
    static func expectDeclared(
        _ answer: HTTPAnswer, _ method: String, _ path: String, openAPI: JSONValue, validator: JSONSchemaValidator,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let code = String(answer.status.code)
        let operation = try #require(
            openAPI["paths"]?[path]?[method], "openapi.yaml has no \(method) \(path)", sourceLocation: sourceLocation)
        let declared = try #require(
            operation["responses"]?[code], "\(method) \(path) does not declare \(code): \(answer.text)",
            sourceLocation: sourceLocation)
        let (response, target) = try resolveResponseWithPointer(
            declared, pointer: "/paths/\(escape(path))/\(method)/responses/\(code)", in: openAPI)
        guard let content = response["content"]?.objectValue else {
            #expect(answer.body.isEmpty, "\(method) \(path) \(code) declares no body", sourceLocation: sourceLocation)
            return
        }
        let mediaType = answer.headers[.contentType]
            .flatMap { $0.split(separator: ";").first }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        #expect(
            content[mediaType] != nil, "\(method) \(path) \(code) does not declare \(mediaType)",
            sourceLocation: sourceLocation)
        guard mediaType.hasSuffix("json"), content[mediaType] != nil else { return }
        let pointer = "\(target)/content/\(escape(mediaType))/schema"
        expectValid(
            validator.validate(try answer.json, against: openAPIName, pointer: pointer),
            "\(method) \(path) \(code) \(answer.text)", sourceLocation: sourceLocation)
    }
}

/// Realistic messages for `POST /mail` and the rule tester.
private enum Samples {
    static func mail(to recipient: String, id: String = "run-42") -> String {
        """
        From: Veeam Backup <veeam@acme.example>
        To: \(recipient)
        Subject: [Success] Nightly job
        Message-ID: <\(id)@acme.example>
        Date: Sun, 22 Nov 2026 02:10:00 +0000
        Content-Type: text/plain; charset=utf-8

        Job finished: 40 VMs processed.

        """
    }

    static let multipart = """
        From: backup@acme.example
        Subject: =?UTF-8?Q?Sauvegarde_r=C3=A9ussie?=
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="b1"

        --b1
        Content-Type: text/plain; charset=utf-8

        Backup succeeded.
        --b1
        Content-Type: text/csv; name="report.csv"
        Content-Disposition: attachment; filename="report.csv"

        vm,status
        web01,ok
        --b1--

        """
}

/// Calls JSON-RPC methods through `POST /rpc`, holding each params object and each answer against the
/// method's schemas and remembering which methods were exercised.
private struct RPCSession {
    let client: any TestClientProtocol
    let validator: JSONSchemaValidator
    var key: String
    private(set) var exercised: Set<String> = []

    init(client: any TestClientProtocol, validator: JSONSchemaValidator, key: String) {
        self.client = client
        self.validator = validator
        self.key = key
    }

    /// Calls a method that must succeed and returns its result.
    mutating func call(
        _ method: String, _ params: JSONValue = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        Contract.expectValid(
            validator.validate(params, against: Contract.paramsSchema(method)),
            "\(method) params \(params.serializedString())", sourceLocation: sourceLocation)
        let response = try await send(method, params, sourceLocation: sourceLocation)
        let result = try #require(
            response["result"], "\(method) failed: \(response.serializedString())", sourceLocation: sourceLocation)
        Contract.expectValid(
            validator.validate(result, against: Contract.resultSchema(method)), "\(method) result",
            sourceLocation: sourceLocation)
        exercised.insert(method)
        return result
    }

    /// Sends one call and returns the whole response, checked against the JSON-RPC response shapes.
    func send(
        _ method: String, _ params: JSONValue, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let request: JSONValue = ["jsonrpc": "2.0", "id": 7, "method": .string(method), "params": params]
        let answer = try await client.rpcRaw(request.serializedString(), key: key)
        #expect(answer.status == .ok, "HTTP \(answer.status) for \(method)", sourceLocation: sourceLocation)
        let response = try answer.json
        #expect(response["id"] == 7, sourceLocation: sourceLocation)
        let envelope = response["error"] == nil ? "/$defs/rpc_success_response" : "/$defs/rpc_error_response"
        Contract.expectValid(
            validator.validate(response, against: "rpc/common.schema.json", pointer: envelope),
            "\(method) response", sourceLocation: sourceLocation)
        if let openAPI = validator.documents[Contract.openAPIName] {
            try Contract.expectDeclared(
                answer, "post", "/rpc", openAPI: openAPI, validator: validator, sourceLocation: sourceLocation)
        }
        return response
    }

    /// Params the contract forbids: the params schema must reject them, and the server must answer -32602
    /// naming at least `fields`.
    func expectRejected(
        _ method: String, _ params: JSONValue, fields: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let failures = validator.validate(params, against: Contract.paramsSchema(method))
        #expect(
            !failures.isEmpty, "the \(method) params schema accepts \(params.serializedString())",
            sourceLocation: sourceLocation)
        let response = try await send(method, params, sourceLocation: sourceLocation)
        #expect(
            response["error"]?["code"] == -32602,
            "\(method) \(params.serializedString()): \(response.serializedString())",
            sourceLocation: sourceLocation)
        let errors = response["error"]?["data"]?["errors"]?.arrayValue ?? []
        let named = Set(errors.compactMap { $0["field"]?.stringValue })
        #expect(
            named.isSuperset(of: fields), "\(method): -32602 names \(named.sorted()), expected \(fields)",
            sourceLocation: sourceLocation)
    }
}

/// Sends ingest and operator requests and holds each answer against openapi.yaml.
private struct Ingest {
    let client: any TestClientProtocol
    let validator: JSONSchemaValidator

    func post(
        _ uri: String, contentType: String?, body: String, headers: HTTPFields = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> HTTPAnswer {
        try await post(
            uri, contentType: contentType, bytes: Array(body.utf8), headers: headers, sourceLocation: sourceLocation)
    }

    func post(
        _ uri: String, contentType: String?, bytes: [UInt8], headers: HTTPFields = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> HTTPAnswer {
        var fields = headers
        if let contentType { fields[.contentType] = contentType }
        let path = uri.split(separator: "/").count > 2 ? "/hooks/{token}/{status}" : "/hooks/{token}"
        return try await send(
            uri, method: .post, path: path, headers: fields, body: bytes, sourceLocation: sourceLocation)
    }

    /// Posts a raw message to `/mail` with a key, optionally with envelope recipients.
    func mail(
        _ message: String, key: String, to recipients: [String] = [], contentType: String = "message/rfc822",
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> HTTPAnswer {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~@"))
        let query = recipients.map { "to=" + ($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0) }
        let uri = query.isEmpty ? "/mail" : "/mail?" + query.joined(separator: "&")
        return try await send(
            uri, method: .post, path: "/mail",
            headers: [.authorization: "Bearer \(key)", .contentType: contentType], body: Array(message.utf8),
            sourceLocation: sourceLocation)
    }

    /// Sends a request and checks the answer against the operation at `path` (an OpenAPI path template).
    func send(
        _ uri: String, method: HTTPRequest.Method, path: String, headers: HTTPFields = [:], body: [UInt8]? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> HTTPAnswer {
        let answer = try await client.execute(
            uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) }
        ) { response in
            HTTPAnswer(status: response.status, headers: response.headers, body: Array(response.body.readableBytesView))
        }
        let openAPI = try #require(validator.documents[Contract.openAPIName], sourceLocation: sourceLocation)
        try Contract.expectDeclared(
            answer, method.rawValue.lowercased(), path, openAPI: openAPI, validator: validator,
            sourceLocation: sourceLocation)
        return answer
    }
}

/// Reads the block-style YAML the OpenAPI document is written in: block mappings and sequences, plain,
/// single- and double-quoted scalars, flow collections and literal or folded block scalars. Anchors,
/// aliases, tags and complex keys are refused with the line they are on.
private enum BlockYAML {
    struct SyntaxError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "YAML line \(line): \(message)" }
    }

    static func parse(_ text: String) throws -> JSONValue {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        var parser = Parser(lines: lines)
        return try parser.document()
    }

    private struct Line {
        var indent: Int
        var text: String
        var number: Int
    }

    private struct Parser {
        let lines: [String]
        var index = 0
        /// The rest of a sequence item's line, read as a line of its own (a mapping that starts after `- `).
        var pending: Line?

        init(lines: [String]) {
            self.lines = lines
        }

        mutating func document() throws -> JSONValue {
            guard let first = try peek() else { return .null }
            let value = try node(indent: first.indent)
            if let extra = try peek() {
                throw SyntaxError(line: extra.number, message: "unexpected content at indentation \(extra.indent)")
            }
            return value
        }

        /// The next line with content, not consumed.
        mutating func peek() throws -> Line? {
            if let pending { return pending }
            while index < lines.count {
                let line = lines[index]
                let content = line.drop { $0 == " " }
                if content.isEmpty || content.hasPrefix("#") || content == "---" {
                    index += 1
                    continue
                }
                if content.hasPrefix("\t") { throw SyntaxError(line: index + 1, message: "tab indentation") }
                return Line(indent: line.count - content.count, text: String(content), number: index + 1)
            }
            return nil
        }

        mutating func consume() {
            if pending != nil {
                pending = nil
            } else {
                index += 1
            }
        }

        static func isSequenceItem(_ text: String) -> Bool {
            text == "-" || text.hasPrefix("- ")
        }

        mutating func node(indent: Int) throws -> JSONValue {
            guard let line = try peek() else { return .null }
            return Self.isSequenceItem(line.text) ? try sequence(indent: indent) : try mapping(indent: indent)
        }

        mutating func mapping(indent: Int) throws -> JSONValue {
            var members: [String: JSONValue] = [:]
            while let line = try peek(), line.indent == indent, !Self.isSequenceItem(line.text) {
                consume()
                let (key, rest) = try Self.splitKey(line.text, line: line.number)
                guard members[key] == nil else {
                    throw SyntaxError(line: line.number, message: "duplicate key '\(key)'")
                }
                members[key] = try value(rest, parentIndent: indent, line: line.number)
            }
            if let line = try peek(), line.indent > indent {
                throw SyntaxError(line: line.number, message: "unexpected indentation")
            }
            return .object(members)
        }

        mutating func sequence(indent: Int) throws -> JSONValue {
            var items: [JSONValue] = []
            while let line = try peek(), line.indent == indent, Self.isSequenceItem(line.text) {
                consume()
                let rest = line.text.dropFirst()
                let content = rest.drop { $0 == " " }
                let itemIndent = indent + 1 + (rest.count - content.count)
                let stripped = Self.stripComment(String(content)).trimmingCharacters(in: .whitespaces)
                if stripped.isEmpty {
                    items.append(try value("", parentIndent: indent, line: line.number))
                } else if Self.isSequenceItem(stripped) {
                    pending = Line(indent: itemIndent, text: String(content), number: line.number)
                    items.append(try sequence(indent: itemIndent))
                } else if (try? Self.splitKey(stripped, line: line.number)) != nil {
                    pending = Line(indent: itemIndent, text: String(content), number: line.number)
                    items.append(try mapping(indent: itemIndent))
                } else {
                    items.append(try value(String(content), parentIndent: indent, line: line.number))
                }
            }
            return .array(items)
        }

        mutating func value(_ rest: String, parentIndent: Int, line: Int) throws -> JSONValue {
            let text = Self.stripComment(rest).trimmingCharacters(in: .whitespaces)
            if text.isEmpty {
                guard let next = try peek() else { return .null }
                if next.indent > parentIndent { return try node(indent: next.indent) }
                if next.indent == parentIndent, Self.isSequenceItem(next.text) {
                    return try sequence(indent: next.indent)
                }
                return .null
            }
            if text.hasPrefix("|") || text.hasPrefix(">") {
                return try blockScalar(header: text, parentIndent: parentIndent, line: line)
            }
            return try Self.inline(text, line: line)
        }

        /// A `|` or `>` scalar: the following lines indented deeper than its key.
        mutating func blockScalar(header: String, parentIndent: Int, line: Int) throws -> JSONValue {
            let folded = header.hasPrefix(">")
            let chomping = header.dropFirst()
            guard ["", "-", "+"].contains(chomping) else {
                throw SyntaxError(line: line, message: "unsupported block scalar header '\(header)'")
            }
            var collected: [String] = []
            var blockIndent: Int?
            while index < lines.count {
                let raw = lines[index]
                let content = raw.drop { $0 == " " }
                let indent = raw.count - content.count
                if content.isEmpty {
                    collected.append("")
                    index += 1
                    continue
                }
                if indent <= parentIndent { break }
                let expected = blockIndent ?? indent
                blockIndent = expected
                guard indent >= expected else {
                    throw SyntaxError(line: index + 1, message: "block scalar line indented less than its first line")
                }
                collected.append(String(raw.dropFirst(expected)))
                index += 1
            }
            var trailing = 0
            while let last = collected.last, last.isEmpty {
                collected.removeLast()
                trailing += 1
            }
            var text: String
            if folded {
                text = ""
                for (position, piece) in collected.enumerated() {
                    if position > 0 { text += piece.isEmpty || collected[position - 1].isEmpty ? "\n" : " " }
                    text += piece
                }
            } else {
                text = collected.joined(separator: "\n")
            }
            switch chomping {
            case "-": break
            case "+": text += String(repeating: "\n", count: collected.isEmpty ? trailing : trailing + 1)
            default: if !collected.isEmpty { text += "\n" }
            }
            return .string(text)
        }

        /// Splits `key: value` (the value may be empty); the key may be quoted.
        static func splitKey(_ text: String, line: Int) throws -> (String, String) {
            let characters = Array(text)
            if let first = characters.first, first == "\"" || first == "'" {
                var position = 0
                let key = try quoted(characters, &position, line: line)
                guard position < characters.count, characters[position] == ":",
                      position + 1 == characters.count || characters[position + 1] == " "
                else { throw SyntaxError(line: line, message: "expected ':' after a quoted key") }
                return (key, String(characters[(position + 1)...]))
            }
            if text.hasPrefix("? ") || text.hasPrefix("&") || text.hasPrefix("*") || text.hasPrefix("!") {
                throw SyntaxError(line: line, message: "unsupported YAML: \(text)")
            }
            for position in characters.indices where characters[position] == ":" {
                if position + 1 == characters.count || characters[position + 1] == " " {
                    let key = String(characters[..<position]).trimmingCharacters(in: .whitespaces)
                    guard !key.isEmpty else { break }
                    return (key, String(characters[(position + 1)...]))
                }
            }
            throw SyntaxError(line: line, message: "expected 'key: value', got \(text)")
        }

        /// `text` without a trailing `# comment` (a `#` after white space, outside quotes).
        static func stripComment(_ text: String) -> String {
            var quote: Character?
            var previous: Character = " "
            for (offset, character) in text.enumerated() {
                if let open = quote {
                    if character == open { quote = nil }
                } else if character == "\"" || character == "'" {
                    quote = character
                } else if character == "#", previous == " " {
                    return String(text.prefix(offset))
                }
                previous = character
            }
            return text
        }

        static func inline(_ text: String, line: Int) throws -> JSONValue {
            let characters = Array(text)
            var position = 0
            let value = try flowValue(characters, &position, line: line, inFlow: false)
            while position < characters.count, characters[position] == " " { position += 1 }
            guard position == characters.count else {
                throw SyntaxError(line: line, message: "unexpected text after a value: \(text)")
            }
            return value
        }

        static func flowValue(
            _ characters: [Character], _ position: inout Int, line: Int, inFlow: Bool
        ) throws -> JSONValue {
            while position < characters.count, characters[position] == " " { position += 1 }
            guard position < characters.count else { throw SyntaxError(line: line, message: "missing value") }
            switch characters[position] {
            case "[":
                position += 1
                var items: [JSONValue] = []
                while true {
                    while position < characters.count, characters[position] == " " { position += 1 }
                    guard position < characters.count else { throw SyntaxError(line: line, message: "unclosed [") }
                    if characters[position] == "]" {
                        position += 1
                        return .array(items)
                    }
                    if !items.isEmpty {
                        guard characters[position] == "," else { throw SyntaxError(line: line, message: "expected ,") }
                        position += 1
                    }
                    items.append(try flowValue(characters, &position, line: line, inFlow: true))
                }
            case "{":
                position += 1
                var members: [String: JSONValue] = [:]
                while true {
                    while position < characters.count, characters[position] == " " { position += 1 }
                    guard position < characters.count else { throw SyntaxError(line: line, message: "unclosed {") }
                    if characters[position] == "}" {
                        position += 1
                        return .object(members)
                    }
                    if !members.isEmpty {
                        guard characters[position] == "," else { throw SyntaxError(line: line, message: "expected ,") }
                        position += 1
                        while position < characters.count, characters[position] == " " { position += 1 }
                    }
                    let key: String
                    if position < characters.count, characters[position] == "\"" || characters[position] == "'" {
                        key = try quoted(characters, &position, line: line)
                    } else {
                        let start = position
                        while position < characters.count, characters[position] != ":" { position += 1 }
                        key = String(characters[start..<position]).trimmingCharacters(in: .whitespaces)
                    }
                    guard position < characters.count, characters[position] == ":" else {
                        throw SyntaxError(line: line, message: "expected : in a flow mapping")
                    }
                    position += 1
                    members[key] = try flowValue(characters, &position, line: line, inFlow: true)
                }
            case "\"", "'":
                return .string(try quoted(characters, &position, line: line))
            case "&", "*", "!", "%", "@", "`":
                throw SyntaxError(line: line, message: "unsupported YAML indicator \(characters[position])")
            default:
                let start = position
                while position < characters.count {
                    let character = characters[position]
                    if inFlow, character == "," || character == "]" || character == "}" { break }
                    position += 1
                }
                return plain(String(characters[start..<position]).trimmingCharacters(in: .whitespaces))
            }
        }

        static func quoted(_ characters: [Character], _ position: inout Int, line: Int) throws -> String {
            let quote = characters[position]
            position += 1
            var text = ""
            while position < characters.count {
                let character = characters[position]
                position += 1
                if character == quote {
                    if quote == "'", position < characters.count, characters[position] == "'" {
                        text.append("'")
                        position += 1
                        continue
                    }
                    return text
                }
                guard quote == "\"", character == "\\" else {
                    text.append(character)
                    continue
                }
                guard position < characters.count else { break }
                let escape = characters[position]
                position += 1
                switch escape {
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "r": text.append("\r")
                case "0": text.append("\0")
                case "\"", "\\", "/", " ": text.append(escape)
                case "x", "u", "U":
                    let width = escape == "x" ? 2 : escape == "u" ? 4 : 8
                    guard position + width <= characters.count,
                          let code = UInt32(String(characters[position..<(position + width)]), radix: 16),
                          let scalar = Unicode.Scalar(code)
                    else { throw SyntaxError(line: line, message: "bad \\\(escape) escape") }
                    text.unicodeScalars.append(scalar)
                    position += width
                default:
                    throw SyntaxError(line: line, message: "unsupported escape \\\(escape)")
                }
            }
            throw SyntaxError(line: line, message: "unclosed quoted scalar")
        }

        /// A plain scalar with the YAML 1.2 core schema: null, booleans, integers, floats, else a string.
        static func plain(_ text: String) -> JSONValue {
            switch text {
            case "", "~", "null", "Null", "NULL": return .null
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: break
            }
            if text.range(of: #"^[-+]?[0-9]+$"#, options: .regularExpression) != nil, let whole = Int64(text) {
                return .int(whole)
            }
            if text.range(of: #"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"#, options: .regularExpression)
                != nil, let real = Double(text)
            {
                return .double(real)
            }
            return .string(text)
        }
    }
}
