import CTun
import RhizomeCore
import RhizomeIPv6
#if canImport(Glibc)
import Glibc
#endif

/// A Linux TUN interface carrying raw IPv6 packets (no packet-information header), configured as
/// yggdrasil configures it: the node's address with prefix length 7, so 200::/7 routes into it,
/// and an MTU of at most the version's largest IPv6 packet (0.4.7: 53049, 0.5: 65535).
public final class TunDevice {
    public let name: String
    public let fd: Int32
    public private(set) var mtu: Int

    /// The largest IPv6 packet the network carries: the core MTU of 0.4.7, and of 0.5.
    public static func maximumMTU(_ version: ProtocolVersion) -> Int { IPv6Layer.maximumMTU(version) }
    public static let minimumMTU = 1280
    public let maximumMTU: Int

    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Creates and configures the interface. `name` nil lets the kernel choose (IfName "auto").
    public init(name requested: String?, mtu requestedMTU: Int, address: Address, version: ProtocolVersion) throws {
        maximumMTU = Self.maximumMTU(version)
        var out = [CChar](repeating: 0, count: 64)
        let fd = rz_tun_open(requested ?? "", &out, Int32(out.count))
        if fd < 0 {
            let e = -fd
            if e == EPERM || e == EACCES {
                throw Failure(message: "cannot create a TUN interface: permission denied. Run rhizome as root or with CAP_NET_ADMIN (for example `setcap cap_net_admin+ep rhizome`, or AmbientCapabilities=CAP_NET_ADMIN in the systemd unit), or set IfName to \"none\" to run without one")
            }
            if e == ENOENT || e == ENODEV {
                throw Failure(message: "cannot create a TUN interface: /dev/net/tun is missing (load the tun module, or set IfName to \"none\")")
            }
            throw Failure(message: "cannot create TUN interface \(requested ?? "(auto)"): \(String(cString: strerror(e)))")
        }
        self.fd = fd
        self.name = String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.mtu = min(max(requestedMTU, Self.minimumMTU), maximumMTU)
        do {
            // MTU first: the kernel refuses an IPv6 address on a device whose MTU is below 1280.
            try check(rz_if_set_mtu(self.name, Int32(mtu)), "set the MTU of \(self.name) to \(mtu)")
            let bytes = address.bytes.bytes
            try check(rz_if_add_ipv6(self.name, bytes, 7), "add \(address)/7 to \(self.name)")
            try check(rz_if_up(self.name), "bring \(self.name) up")
            var actual: Int32 = 0
            if rz_if_get_mtu(self.name, &actual) == 0 { mtu = min(max(Int(actual), Self.minimumMTU), maximumMTU) }
        } catch {
            close(fd)
            throw error
        }
    }

    private func check(_ rc: Int32, _ what: String) throws {
        if rc < 0 { throw Failure(message: "cannot \(what): \(String(cString: strerror(-rc)))") }
    }

    /// Writes one packet; false if the kernel would block or refused it (the packet is dropped).
    @discardableResult
    public func write(_ packet: UnsafeRawBufferPointer) -> Bool {
        Glibc.write(fd, packet.baseAddress, packet.count) == packet.count
    }

    deinit { close(fd) }
}
