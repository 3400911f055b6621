import CheckBridgeCore
import Foundation

/// Files shipped with the server: the OpenAPI document and the JSON Schemas.
///
/// Looked up by hand rather than through `Bundle.module`, whose accessor stops the process when
/// the resource folder is missing; a server copied without it should answer 404 for these, not die.
enum BundledResources {
    /// The resource folder, if one can be found.
    static let directory: URL? = {
        let bundleName = "CheckBridge_Server.resources"
        var candidates: [URL] = [Bundle.main.bundleURL.appendingPathComponent(bundleName)]
        if let executable = Bundle.main.executableURL {
            candidates.append(executable.deletingLastPathComponent().appendingPathComponent(bundleName))
        }
        // Running from a checkout: the sources' own folder.
        candidates.append(
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Resources"))
        for candidate in candidates {
            for folder in [candidate, candidate.appendingPathComponent("Resources")] {
                let marker = folder.appendingPathComponent("openapi.yaml").path
                if FileManager.default.fileExists(atPath: marker) { return folder }
            }
        }
        return nil
    }()

    /// The bytes of a shipped file, by its path inside the resource folder.
    static func data(_ relativePath: String) -> Data? {
        guard let directory else { return nil }
        return FileManager.default.contents(atPath: directory.appendingPathComponent(relativePath).path)
    }

    /// A shipped JSON file, parsed.
    static func json(_ relativePath: String) -> JSONValue? {
        guard let data = data(relativePath) else { return nil }
        return try? JSONParser.parse(Array(data))
    }
}
