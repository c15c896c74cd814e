import RhizomeIPv6

/// `-mktun USER`: the commands root runs once so the node can later run with no capability at
/// all. A persistent TUN owned by USER can be attached by USER without CAP_NET_ADMIN, and the
/// node then finds the address and MTU already set and leaves them alone.
public enum TunCommands {
    public static func text(config: NodeConfig, address: Address, user: String) throws -> String {
        let name = config.ifName
        guard !["auto", "none", "dummy", ""].contains(name) else {
            throw ConfigError(field: "IfName", message: "-mktun needs a fixed interface name (for example \"rz0\"), not \"\(name)\"")
        }
        guard !user.isEmpty, !user.contains(where: { $0 == " " || $0 == "'" }) else {
            throw ConfigError(field: "-mktun", message: "\"\(user)\" is not a user name")
        }
        let mtu = min(max(Int(config.ifMTU), TunDevice.minimumMTU), TunDevice.maximumMTU(config.protocolVersion))
        return """
        ip tuntap add mode tun user \(user) name \(name)
        ip link set dev \(name) mtu \(mtu)
        ip -6 addr add \(address)/7 dev \(name)
        ip link set dev \(name) up

        """
    }
}
