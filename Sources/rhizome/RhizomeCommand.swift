import ArgumentParser
import Logging
import RhizomeCrypto
import RhizomeIPv6
import RhizomeNode
#if canImport(Glibc)
import Glibc
#endif

/// The node daemon. Flags are spelled as yggdrasil 0.4.7 spells them (`-genconf`, `-useconffile F`,
/// …); the double-dash forms work too.
@main
struct RhizomeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rhizome",
        abstract: "Rhizome: a decentralised, end-to-end encrypted IPv6 mesh router (wire-compatible with Yggdrasil 0.4.7).")

    @Flag(name: names("genconf"), help: "Print a new config to stdout and exit.")
    var genconf = false
    @Flag(name: names("json"), help: "With -genconf or -normaliseconf, print JSON instead of HJSON.")
    var json = false
    @Flag(name: names("useconf"), help: "Read the HJSON/JSON config from stdin.")
    var useconf = false
    @Option(name: names("useconffile"), help: ArgumentHelp("Read the HJSON/JSON config from this file.", valueName: "path"))
    var useconffile: String?
    @Flag(name: names("normaliseconf"), help: "With -useconf or -useconffile, print the config normalised (defaults filled in) and exit.")
    var normaliseconf = false
    @Flag(name: names("autoconf"), help: "Run with a fresh random identity and default settings.")
    var autoconf = false
    @Flag(name: names("address"), help: "Print the IPv6 address the config's key gives and exit.")
    var address = false
    @Flag(name: names("subnet"), help: "Print the routed /64 subnet the config's key gives and exit.")
    var subnet = false
    @Flag(name: names("publickey"), help: "Print the config's public key and exit.")
    var publickey = false
    @Option(name: names("logto"), help: ArgumentHelp("Log to stdout, syslog or a file path.", valueName: "dest"))
    var logto = "stdout"
    @Option(name: names("loglevel"), help: ArgumentHelp("Log level: error, warn, info, debug or trace.", valueName: "level"))
    var loglevel = "info"
    @Flag(name: names("version"), help: "Print the build name and version and exit.")
    var version = false

    static func names(_ n: String) -> NameSpecification {
        [.customLong(n, withSingleDash: true), .customLong(n)]
    }

    static func main() {
        let command: RhizomeCommand
        do {
            command = try parse(Self.goStyleArguments())
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            printError(fullMessage(for: error))
            Glibc.exit(2)
        }
        do {
            try command.execute()
        } catch let e as ConfigError {
            printError("rhizome: config error: \(e)")
            Glibc.exit(1)
        } catch {
            printError("rhizome: \(error)")
            Glibc.exit(1)
        }
    }

    /// Go's flag package takes `-name=value`; split those so the parser sees `-name value`.
    static let booleanFlags: Set<String> = ["genconf", "json", "useconf", "normaliseconf", "autoconf", "address", "subnet", "publickey", "version"]
    static let valueFlags: Set<String> = ["useconffile", "logto", "loglevel"]

    /// Also rejects unknown flags the way Go's flag package does (the argument parser would read
    /// `-xyz` as a cluster of short flags, and `-h` hides in many words).
    static func goStyleArguments() -> [String] {
        var out: [String] = []
        for arg in CommandLine.arguments.dropFirst() {
            if arg.hasPrefix("-") && arg != "-" {
                let name = String(arg.drop { $0 == "-" }.prefix { $0 != "=" })
                if !booleanFlags.contains(name) && !valueFlags.contains(name) && !["h", "help"].contains(name) {
                    printError("flag provided but not defined: -\(name)")
                    printError(helpMessage())
                    Glibc.exit(2)
                }
            }
            if arg.hasPrefix("-"), let eq = arg.firstIndex(of: "="), !arg.hasPrefix("-=") {
                let name = String(arg[..<eq])
                let value = String(arg[arg.index(after: eq)...])
                let bare = name.drop { $0 == "-" }
                if booleanFlags.contains(String(bare)) {
                    // Boolean: -flag=true / -flag=false.
                    if value == "true" || value == "1" { out.append(name) } else if value == "false" || value == "0" { continue } else { out.append(arg) }
                } else {
                    out.append(name)
                    out.append(value)
                }
            } else {
                out.append(arg)
            }
        }
        return out
    }

    static func printError(_ s: String) {
        var line = s
        if !line.hasSuffix("\n") { line += "\n" }
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress!, $0.count) }
    }

    /// The decision order of yggdrasil 0.4.7: -version; then -autoconf; then a config from
    /// -useconffile/-useconf (with -normaliseconf printing it); then -genconf; otherwise usage.
    func execute() throws {
        if version {
            print("Build name: \(BuildInfo.name)")
            print("Build version: \(BuildInfo.version)")
            return
        }
        var config: NodeConfig
        var warnings: [String] = []
        if autoconf {
            config = NodeConfig.generate()
        } else if useconffile != nil || useconf {
            let bytes = try useconffile.map(ConfigSource.readFile) ?? ConfigSource.readStandardInput()
            let loaded = try NodeConfig.load(bytes: bytes)
            config = loaded.config
            warnings = loaded.warnings
            if normaliseconf || address || subnet || publickey {
                for w in warnings { RhizomeCommand.printError("rhizome: warning: \(w)") }
            }
            if normaliseconf {
                print(json ? config.jsonText() : config.hjsonText(), terminator: "")
                return
            }
        } else if genconf {
            let fresh = NodeConfig.generate()
            print(json ? fresh.jsonText() : fresh.hjsonText(), terminator: "")
            return
        } else {
            print(RhizomeCommand.helpMessage())
            if address || subnet || publickey {
                print("\nError: You need to specify some config data using -useconf or -useconffile.")
            }
            return
        }
        let keys = try config.signingKeys()
        if address || subnet || publickey {
            if address { print(Address(key: keys.publicKey)) }
            if subnet { print(Subnet(key: keys.publicKey)) }
            if publickey { print(keys.publicKey.hex) }
            return
        }
        try runDaemon(config: config, keys: keys, warnings: warnings)
    }

    func runDaemon(config: NodeConfig, keys: SigningKeyPair, warnings: [String]) throws {
        let sink = LogSink(LogDestination(logto))
        let level = logLevel(named: loglevel)
        LoggingSystem.bootstrap { _ in LineLogHandler(sink: sink, level: level) }
        let log = Logger(label: "rhizome")
        for w in warnings { log.warning("\(w)") }
        let daemon = try Daemon(config: config, keys: keys, logger: log)
        try daemon.runUntilSignalled()
    }
}
