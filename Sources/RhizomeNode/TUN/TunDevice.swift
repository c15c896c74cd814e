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
    /// Bytes of virtio-net header in front of every packet read and written (10), or 0 if the
    /// kernel would not give one. With it, TCP segments the node writes skip the kernel's
    /// checksum pass (`rz_tun_write_vnet`): a sixth of the kernel's work per byte received.
    public let vnetHeader: Int
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
        var vnet: Int32 = 0
        let fd = rz_tun_open_vnet(requested ?? "", &out, Int32(out.count), &vnet)
        if fd < 0 {
            let e = -fd
            if e == EPERM || e == EACCES {
                throw Failure(message: "cannot create a TUN interface: permission denied. Run rhizome as root or with CAP_NET_ADMIN (for example `setcap cap_net_admin+ep rhizome`, or AmbientCapabilities=CAP_NET_ADMIN in the systemd unit), or have root create the interface for this user beforehand (`rhizome -useconffile FILE -mktun USER` prints the commands), or set IfName to \"none\" to run without one")
            }
            if e == ENOENT || e == ENODEV {
                throw Failure(message: "cannot create a TUN interface: /dev/net/tun is missing (load the tun module, or set IfName to \"none\")")
            }
            throw Failure(message: "cannot create TUN interface \(requested ?? "(auto)"): \(String(cString: strerror(e)))")
        }
        self.fd = fd
        self.vnetHeader = Int(vnet)
        self.name = String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.mtu = min(max(requestedMTU, Self.minimumMTU), maximumMTU)
        do {
            try configure(address: address)
        } catch {
            close(fd)
            throw error
        }
    }

    /// Sets the MTU, adds the address and brings the interface up, skipping what is already so.
    /// A TUN that root created for this user beforehand (`ip tuntap add … user U`, address and
    /// MTU set by root) is used as it is: without CAP_NET_ADMIN nothing can be changed, and
    /// nothing needs to be when the address is already there.
    private func configure(address: Address) throws {
        let bytes = address.bytes.bytes
        let preconfigured = Self.hasAddress(name, bytes)
        var current: Int32 = 0
        let known = rz_if_get_mtu(name, &current) == 0
        if !known || Int(current) != mtu {
            // MTU first: the kernel refuses an IPv6 address on a device whose MTU is below 1280.
            let rc = rz_if_set_mtu(name, Int32(mtu))
            if rc < 0 && preconfigured && known && Int(current) >= Self.minimumMTU && (-rc == EPERM || -rc == EACCES) {
                notes.append("Cannot set the MTU of \(name) to \(mtu) (\(String(cString: strerror(-rc)))); keeping the MTU of \(current) set beforehand")
            } else {
                try check(rc, "set the MTU of \(name) to \(mtu)")
            }
        }
        if !preconfigured {
            try check(rz_if_add_ipv6(name, bytes, 7), "add \(address)/7 to \(name)")
        }
        if rz_if_is_up(name) != 1 {
            try check(rz_if_up(name), "bring \(name) up")
        }
        var actual: Int32 = 0
        if rz_if_get_mtu(name, &actual) == 0 { mtu = min(max(Int(actual), Self.minimumMTU), maximumMTU) }
    }

    /// Things worth a log line that did not stop the device (an MTU that could not be changed).
    public private(set) var notes: [String] = []

    /// Whether interface `name` carries `address` already (from /proc/net/if_inet6).
    static func hasAddress(_ name: String, _ address: [UInt8]) -> Bool {
        guard let file = fopen("/proc/net/if_inet6", "r") else { return false }
        defer { fclose(file) }
        let hex = address.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let fields = String(cString: line).split { $0 == " " || $0 == "\n" }
            if fields.count >= 6, fields[0] == hex, fields[5] == name { return true }
        }
        return false
    }

    private func check(_ rc: Int32, _ what: String) throws {
        if rc < 0 { throw Failure(message: "cannot \(what): \(String(cString: strerror(-rc)))") }
    }

    /// Writes one packet; false if the kernel would block or refused it (the packet is dropped).
    @discardableResult
    public func write(_ packet: UnsafeRawBufferPointer) -> Bool {
        guard let base = packet.baseAddress else { return false }
        if vnetHeader > 0 {
            return rz_tun_write_vnet(fd, base.assumingMemoryBound(to: UInt8.self), UInt(packet.count)) == packet.count
        }
        return Glibc.write(fd, base, packet.count) == packet.count
    }

    deinit { close(fd) }
}
