/// One flag of the daemon's command line; `valueName` is nil for a boolean flag.
struct FlagSpec {
    let name: String
    let valueName: String?
    let help: String
    var defaultValue: String? = nil
}

extension RhizomeCommand {
    /// The flags, in the order `-help` lists them.
    static let flags: [FlagSpec] = [
        FlagSpec(name: "genconf", valueName: nil, help: "Print a new config to stdout and exit."),
        FlagSpec(name: "json", valueName: nil, help: "With -genconf or -normaliseconf, print JSON instead of HJSON."),
        FlagSpec(name: "useconf", valueName: nil, help: "Read the HJSON/JSON config from stdin."),
        FlagSpec(name: "useconffile", valueName: "path", help: "Read the HJSON/JSON config from this file."),
        FlagSpec(name: "normaliseconf", valueName: nil, help: "With -useconf or -useconffile, print the config normalised (defaults filled in) and exit."),
        FlagSpec(name: "autoconf", valueName: nil, help: "Run with a fresh random identity and default settings."),
        FlagSpec(name: "address", valueName: nil, help: "Print the IPv6 address the config's key gives and exit."),
        FlagSpec(name: "subnet", valueName: nil, help: "Print the routed /64 subnet the config's key gives and exit."),
        FlagSpec(name: "publickey", valueName: nil, help: "Print the config's public key and exit."),
        FlagSpec(name: "exportkey", valueName: nil, help: "Print the config's private key as PEM (PKCS#8, for PrivateKeyPath) and exit."),
        FlagSpec(name: "logto", valueName: "dest", help: "Log to stdout, syslog or a file path.", defaultValue: "stdout"),
        FlagSpec(name: "loglevel", valueName: "level", help: "Log level: error, warn, info, debug or trace.", defaultValue: "info"),
        FlagSpec(name: "version", valueName: nil, help: "Print the build name and version and exit."),
        FlagSpec(name: "user", valueName: "user[:group]", help: "Once the TUN, the listeners and the admin socket are open, run as this user (and group; default the user's own)."),
        FlagSpec(name: "notifyfd", valueName: "fd", help: "Write a newline to this descriptor, and close it, once the node is ready (s6 style)."),
        FlagSpec(name: "mktun", valueName: "user", help: "With a config, print the root commands that create its TUN for this user (to run rhizome with no privileges) and exit."),
    ]

    /// Stores a parsed flag; `value` is nil for a boolean.
    mutating func set(_ flag: String, _ value: String?) {
        switch flag {
        case "genconf": genconf = true
        case "json": json = true
        case "useconf": useconf = true
        case "useconffile": useconffile = value
        case "normaliseconf": normaliseconf = true
        case "autoconf": autoconf = true
        case "address": address = true
        case "subnet": subnet = true
        case "publickey": publickey = true
        case "exportkey": exportkey = true
        case "logto": logto = value ?? logto
        case "loglevel": loglevel = value ?? loglevel
        case "version": version = true
        case "user": user = value
        case "notifyfd": notifyfd = value
        case "mktun": mktun = value
        default: break
        }
    }
}
