import Logging
import RhizomeCrypto
import RhizomeIPv6
import RhizomeNode
#if canImport(Glibc)
import Glibc
#endif

/// The node daemon. Flags are spelled as yggdrasil 0.5.12 spells them (`-genconf`, `-useconffile F`,
/// …); the double-dash forms work too. The flags are listed in Flags.swift.
@main
struct RhizomeCommand {
    var genconf = false
    var json = false
    var useconf = false
    var useconffile: String?
    var normaliseconf = false
    var autoconf = false
    var address = false
    var subnet = false
    var publickey = false
    var exportkey = false
    var logto = "stdout"
    var loglevel = "info"
    var version = false
    var user: String?
    var notifyfd: String?
    var mktun: String?

    static func main() {
        // Before anything can start a thread: SIGTERM, SIGINT and SIGHUP wait for the daemon's
        // sigwait instead of killing a start-up half done.
        Daemon.blockSignals()
        let command: RhizomeCommand
        switch FlagParser.parse(goStyleArguments()) {
        case .run(let parsed):
            command = parsed
        case .help:
            print(helpMessage())
            Glibc.exit(0)
        case .usageError(let message):
            printError(message)
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

    static func helpMessage() -> String {
        HelpText.render(width: HelpText.screenWidth())
    }

    /// Go's flag package takes `-name=value`; split those so the parser sees `-name value`.
    static let booleanFlags = Set(flags.filter { $0.valueName == nil }.map(\.name))
    static let valueFlags = Set(flags.filter { $0.valueName != nil }.map(\.name))

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

    /// The decision order of yggdrasil 0.5.12: -version; then -autoconf; then a config from
    /// -useconffile/-useconf (with -normaliseconf printing it); then -genconf; otherwise usage.
    /// With a config: -address, -subnet, -publickey, -exportkey print and exit; else the node runs.
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
            if normaliseconf || address || subnet || publickey || exportkey {
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
        if let mktun {
            print(try TunCommands.text(config: config, address: Address(key: keys.publicKey), user: mktun), terminator: "")
            return
        }
        if exportkey {
            // 0.5.12 prints the PEM block and then an empty line.
            print(PrivateKeyPEM.encode(keys))
            return
        }
        try runDaemon(config: config, keys: keys, warnings: warnings)
    }

    func runDaemon(config: NodeConfig, keys: SigningKeyPair, warnings: [String]) throws {
        // Checked before anything opens, so a typo stops start-up with nothing to undo.
        let drop = try user.map(PrivilegeDrop.init)
        let readinessFD = try notifyfd.map { text -> Int32 in
            guard let fd = Int32(text), fd > 0 else { throw UsageError(message: "-notifyfd: \"\(text)\" is not a descriptor number above 0") }
            guard fcntl(fd, F_GETFD) >= 0 else { throw UsageError(message: "-notifyfd: descriptor \(fd) is not open") }
            return fd
        }
        let sink = try LogSink(LogDestination(logto))
        let level = logLevel(named: loglevel)
        LoggingSystem.bootstrap { _ in LineLogHandler(sink: sink, level: level) }
        let log = Logger(label: "rhizome")
        for w in warnings { log.warning("\(w)") }
        let daemon = try Daemon(config: config, keys: keys, logger: log)
        daemon.logSink = sink
        daemon.privilegeDrop = drop
        daemon.notifier = ServiceNotifier.fromEnvironment(readinessFD: readinessFD)
        daemon.configPath = useconffile
        try daemon.runUntilSignalled()
    }

    struct UsageError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
