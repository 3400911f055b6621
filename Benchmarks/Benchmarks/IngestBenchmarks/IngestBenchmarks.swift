import Benchmark
import CheckBridgeCore
import Foundation
import MailParser

/// The hot pure code of ingest: MIME parsing, rule evaluation, JSON-RPC request decoding.
/// Run with `swift package benchmark` in this folder (see docs/performance.md).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .cpuTotal, .mallocCountTotal],
        warmupIterations: 50,
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 1_000_000)

    let report = Samples.multipartReport
    let rules = Samples.mailRules
    // The name promises 3 KB; a sample edited below that would quietly flatter the figure.
    precondition(report.count >= 3_000, "the multipart sample is only \(report.count) bytes")
    Benchmark("Mail: parse + rules, 3 KB multipart report") { benchmark in
        for _ in benchmark.scaledIterations {
            let mail = MailParser.parse(report)
            blackHole(rules.evaluate(RuleInput(subject: mail.subject, body: mail.body, attachments: mail.attachmentsText)))
        }
    }

    let large = Samples.largeAttachmentMail
    Benchmark(
        "Mail: parse + rules, 1 MB base64 attachment",
        configuration: .init(
            metrics: [.throughput, .wallClock, .cpuTotal], scalingFactor: .one, maxDuration: .seconds(5))
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let mail = MailParser.parse(large)
            blackHole(rules.evaluate(RuleInput(subject: mail.subject, body: mail.body, attachments: mail.attachmentsText)))
        }
    }

    let webhookRules = Samples.webhookRules
    let webhookBody = Array(#"{"result":"ok","subject":"Backup job Nightly","text":"14 VMs processed, 0 errors"}"#.utf8)
    Benchmark("Webhook: JSON parse + rules") { benchmark in
        for _ in benchmark.scaledIterations {
            guard let json = try? JSONParser.parse(webhookBody) else { continue }
            let input = RuleInput(
                subject: json["subject"]?.stringValue ?? "", body: json["text"]?.stringValue ?? "", json: json)
            blackHole(webhookRules.evaluate(input))
        }
    }

    let ninja = RMMPreset.ninjaone.ruleSet
    let ninjaBody = Array(
        #"{"activityResult":"FAILURE","statusCode":"TRIGGERED","severity":"MAJOR","message":"Disk C: 95% full"}"#.utf8)
    Benchmark("Rules: ninjaone preset on a webhook payload") { benchmark in
        let json = (try? JSONParser.parse(ninjaBody)) ?? .null
        for _ in benchmark.scaledIterations {
            blackHole(ninja.evaluate(RuleInput(json: json)))
        }
    }

    let rpcRequest = Array(
        #"{"jsonrpc":"2.0","id":17,"method":"checks.create","params":{"group_id":"grp_abc","name":"Nightly","#
            .utf8)
        + Array(
            #""rules":[{"status":"success","conditions":[{"field":"subject","op":"contains","value":"success"}]}]}}"#
                .utf8)
    Benchmark("JSON-RPC: decode a request and its rules") { benchmark in
        for _ in benchmark.scaledIterations {
            guard let request = try? JSONParser.parse(rpcRequest), let params = request["params"] else { continue }
            blackHole(try? RuleSet.decode(rules: params["rules"], defaultStatus: params["default_status"]))
        }
    }

    let response: JSONValue = [
        "jsonrpc": "2.0", "id": 17,
        "result": ["results": .array((0..<50).map { index in
            ["id": .string("res_\(index)"), "status": "success", "source": "webhook",
             "received_at": "2026-11-23T02:00:00.000Z", "subject": "Backup job Nightly", "excerpt": "14 VMs",
             "rule_index": 0]
        }), "next_cursor": "res_50"],
    ]
    Benchmark("JSON-RPC: encode a 50-result page") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(response.serialized())
        }
    }
}

/// Inputs shaped like real traffic.
enum Samples {
    /// A 3 KB backup report (12 VMs): text and quoted-printable HTML alternatives and a small text attachment.
    static let multipartReport: [UInt8] = {
        var rows = ""
        let machines = ["DC01", "DC02", "SQL01", "SQL02", "FS01", "FS02", "EXCH01", "WEB01", "WEB02", "APP01", "APP02", "RDS01"]
        var log = ""
        for (index, name) in machines.enumerated() {
            log += "22:\(10 + index):05 \(name): processed 48.2 GB, transferred 3.1 GB\r\n"
            rows += "<tr><td>\(name)</td><td class=3D\"ok\">Success</td><td>22:0\(index % 10):31</td>"
                + "<td>22:4\(index % 10):02</td><td>48.2 GB</td></tr>\r\n"
        }
        let message = """
            Return-Path: <veeam@contoso.example>\r
            Delivered-To: backups+k3j9xq2mzt@checks.example.net\r
            From: "Veeam Backup & Replication" <veeam@contoso.example>\r
            To: backups+k3j9xq2mzt@checks.example.net\r
            Date: Sun, 2 Feb 2025 22:41:18 +0100\r
            Subject: =?UTF-8?Q?[Success]_Daily_VM_Backup_=E2=80=93_12_VMs?=\r
            Message-ID: <3f0c2b1e-7a61-4f1e-9d7a-1c2b3d4e5f60@VBR01>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="outer"\r
            \r
            --outer\r
            Content-Type: multipart/alternative; boundary="inner"\r
            \r
            --inner\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            Backup job: Daily VM Backup. 12 of 12 VMs processed. Success: 12, Warning: 0, Error: 0.\r
            Start 22:00:05, end 22:41:17, total size 1.2 TB, duration 0:41:12.\r
            --inner\r
            Content-Type: text/html; charset=utf-8\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            <html><head><style>td { font-family: Tahoma; font-size: 12px; }</style></head>\r
            <body><table width=3D"100%">\r
            <tr><td>Backup job: Daily VM Backup</td><td>Success</td></tr>\r
            <tr><td>12 of 12 VMs processed</td></tr>\r
            \(rows)</table><div>Veeam Backup &amp; Replication 12.2.0.334</div></body></html>\r
            --inner--\r
            --outer\r
            Content-Type: text/plain; charset=utf-8; name="job.log"\r
            Content-Disposition: attachment; filename="job.log"\r
            \r
            22:00:05 Job started\r
            \(log)22:41:17 Job finished: 12 succeeded, 0 warnings, 0 errors\r
            --outer--\r

            """
        return Array(message.utf8)
    }()

    /// A short report with a 1 MB PDF-like attachment, base64 in 76-column lines.
    static let largeAttachmentMail: [UInt8] = {
        var generator = SystemRandomNumberGenerator()
        let payload = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let encoded = Data(payload).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn,
                                                                   .endLineWithLineFeed])
        let message = """
            From: backup@contoso.example\r
            To: backups+k3j9xq2mzt@checks.example.net\r
            Subject: Backup report with attachment\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="b"\r
            \r
            --b\r
            Content-Type: text/plain\r
            \r
            Job finished with 0 errors. The report is attached.\r
            --b\r
            Content-Type: application/pdf; name="report.pdf"\r
            Content-Disposition: attachment; filename="report.pdf"\r
            Content-Transfer-Encoding: base64\r
            \r
            \(encoded)\r
            --b--\r

            """
        return Array(message.utf8)
    }()

    /// Three rules of the usual kinds for mail reports.
    static let mailRules: RuleSet = decode(
        #"""
        [{"status":"failure","match":"any","conditions":[{"field":"subject","op":"contains","value":"failed"},
          {"field":"body","op":"contains","value":"error: 1"}]},
         {"status":"warning","conditions":[{"field":"subject","op":"contains","value":"warning"}]},
         {"status":"success","conditions":[{"field":"subject","op":"contains","value":"success"},
          {"field":"any","op":"not_contains","value":"errors: 1"}]}]
        """#)

    static let webhookRules: RuleSet = decode(
        #"""
        [{"status":"success","conditions":[{"field":"/result","op":"equals","value":"ok"}]},
         {"status":"warning","conditions":[{"field":"body","op":"contains","value":"retry"}]}]
        """#)

    private static func decode(_ rules: String) -> RuleSet {
        let json = try? JSONParser.parse(rules)
        return (try? RuleSet.decode(rules: json, defaultStatus: .string("failure")))
            ?? ((try? RuleSet(rules: [], defaultStatus: .failure)) ?? RMMPreset.syncro.ruleSet)
    }
}
