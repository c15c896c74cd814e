import ArgumentParser
import RhizomeNode
#if canImport(Glibc)
import Glibc
#endif

/// Control tool for a running node, rhizome's or yggdrasil's, speaking protocol 0.4 or 0.5.
/// Syntax as yggdrasilctl: `rhizomectl [-endpoint=URI] [-json] COMMAND [key=value ...]`.
/// Which protocol the node speaks is read from its reply (`NodeGeneration`); 0.5 replies are
/// printed as yggdrasilctl 0.5.12 prints them. Unlike yggdrasilctl, it exits non-zero when it
/// cannot reach the node (2) or the node answers with an error (1).
@main
struct RhizomeCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rhizomectl",
        abstract: "Query and control a running Rhizome (or Yggdrasil) node through its admin socket.",
        discussion: """
        Commands: list, getSelf, getPeers, getPaths, getSessions, getTun,
        getMulticastInterfaces, getTree (0.5), getDHT (0.4),
        addPeer uri=URI [interface=NAME], removePeer uri=URI [interface=NAME],
        getNodeInfo key=KEY, debug_remoteGetSelf|Peers|Tree|DHT key=KEY.
        Rhizome nodes also answer: ping KEY|ADDRESS (key lookup, path or route,
        round-trip time), getCounters and reload (re-read the config file;
        prints what was applied and what needs a restart). tree [-dot] draws the spanning tree
        (-dot for Graphviz) from any rhizome node and from yggdrasil 0.5 nodes.
        The protocol (0.4 or 0.5) is read from the node's replies.
        """)

    @Option(name: [.customLong("endpoint", withSingleDash: true), .customLong("endpoint")],
            help: ArgumentHelp("Admin endpoint: unix:///path or tcp://host:port.", valueName: "uri"))
    var endpoint: String?
    @Flag(name: [.customLong("json", withSingleDash: true), .customLong("json")], help: "Print the node's JSON response.")
    var json = false
    @Flag(name: [.customLong("version", withSingleDash: true), .customLong("version")], help: "Print the build name and version.")
    var version = false
    @Argument(parsing: .captureForPassthrough, help: "COMMAND [key=value ...]")
    var words: [String] = []

    static func main() {
        var args = Array(CommandLine.arguments.dropFirst())
        // Go-style `-flag=value`, and only known flags before the command.
        var normalised: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if !a.hasPrefix("-") { normalised += args[i...]; break }
            let name = String(a.drop { $0 == "-" }.prefix { $0 != "=" })
            guard ["endpoint", "json", "version", "h", "help"].contains(name) else {
                fail("flag provided but not defined: -\(name)\n" + helpMessage(), code: 2)
            }
            if name == "h" || name == "help" {
                print(helpMessage())
                return
            }
            if let eq = a.firstIndex(of: "=") {
                let value = String(a[a.index(after: eq)...])
                if name == "endpoint" { normalised += ["-endpoint", value] } else if value != "false" { normalised.append("-" + name) }
            } else {
                normalised.append(a)
            }
            i += 1
        }
        args = normalised
        do {
            var command = try parse(args)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        var line = message
        if !line.hasSuffix("\n") { line += "\n" }
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress!, $0.count) }
        Glibc.exit(code)
    }

    mutating func run() throws {
        if version {
            print("Build name: \(BuildInfo.name)")
            print("Build version: \(BuildInfo.version)")
            print("To get the version of the running node, run rhizomectl getSelf")
            return
        }
        guard let command = words.first else {
            print(Self.helpMessage())
            return
        }
        var arguments: [(String, String)] = []
        var request = command
        var dot = false
        switch command.lowercased() {
        case "ping":
            guard let target = words.dropFirst().first(where: { !$0.contains("=") }) else {
                Self.fail("usage: rhizomectl ping KEY|ADDRESS", code: 2)
            }
            arguments.append(("target", target))
        case "tree":
            request = "getTree"
            dot = words.contains("-dot") || words.contains("--dot")
        default:
            break
        }
        for word in words.dropFirst() {
            guard let eq = word.firstIndex(of: "=") else { continue }
            let key = String(word[..<eq])
            arguments.removeAll { $0.0 == key }
            arguments.append((key, String(word[word.index(after: eq)...])))
        }
        let target = endpoint ?? Self.defaultEndpoint()
        let reply: AdminClient.Reply
        do {
            reply = try AdminClient.exchange(endpoint: target, command: request, arguments: arguments)
        } catch {
            Self.fail("rhizomectl: \(error)", code: 2)
        }
        let name = request.lowercased()
        if reply.object["status"]?.stringValue == "error" {
            let text = reply.object["error"]?.stringValue ?? "(no error text)"
            if Self.rhizomeOnly.contains(name), let node = Self.probeSelf(target), node["build_name"]?.stringValue != BuildInfo.name {
                let build = [node["build_name"], node["build_version"]].compactMap { $0?.stringValue }.joined(separator: " ")
                Self.fail("rhizomectl: \(command) is a rhizome command; the node at \(target) (\(build)) does not have it (it answered: \(text))", code: 1)
            }
            Self.fail("rhizomectl: the node returned an error: \(text)", code: 1)
        }
        let response = reply.object["response"] ?? .null
        let responseText = RawJSON.member("response", of: reply.text[...]) ?? "null"
        if json {
            print(RawJSON.indented(responseText))
            if name == "reload" && RenderReload.failed(response) { Glibc.exit(1) }
            return
        }
        if name == "reload" {
            print(RenderReload.text(response), terminator: "")
            if RenderReload.failed(response) { Glibc.exit(1) }
            return
        }
        var generation = NodeGeneration.detect(command: name, reply: reply.object)
        if generation == nil && !["addpeer", "removepeer"].contains(name) {
            generation = NodeGeneration.from(self: Self.probeSelf(target))
        }
        if generation == .v05 {
            if command.lowercased() == "tree" {
                let me = Self.probeSelf(target)?["key"]?.stringValue
                print(dot ? Render05.dot(response, me: me) : Render05.tree(response, me: me), terminator: "")
            } else {
                print(Render05.text(command: name, response: response, responseText: responseText), terminator: "")
            }
        } else if dot {
            print(Render.dot(response), terminator: "")
        } else {
            print(Render.text(command: name, response: response), terminator: "")
        }
    }

    /// Commands only rhizome's daemons answer (`tree` asks for `getTree`, which 0.4.7 lacks).
    static let rhizomeOnly: Set<String> = ["ping", "gettree", "getcounters", "reload"]

    /// The node's getSelf response, or nil when it cannot be had.
    static func probeSelf(_ endpoint: String) -> JSONObject? {
        guard let reply = try? AdminClient.call(endpoint: endpoint, command: "getSelf", arguments: []),
              reply["status"]?.stringValue == "success" else { return nil }
        return reply["response"]?.objectValue
    }

    /// As yggdrasilctl: the AdminListen of the default config file if it names one, else the
    /// built-in default. A yggdrasil config at Debian's path is tried too.
    static func defaultEndpoint() -> String {
        for path in [NodeConfig.defaultConfigPath, "/etc/yggdrasil/yggdrasil.conf"] {
            guard let bytes = try? ConfigSource.readFile(path), let text = String(validating: bytes, as: UTF8.self),
                  case .object(let obj)? = try? HJSONParser.parse(text),
                  case .string(let admin)? = obj.lookup(caseInsensitive: "AdminListen"),
                  !admin.isEmpty, admin != "none" else { continue }
            return admin
        }
        return NodeConfig.defaultAdminListen
    }
}
