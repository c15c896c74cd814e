import NIOCore
import RhizomeIPv6
#if canImport(Glibc)
import Glibc
#endif

/// Source-address selection for links dialled from a named interface (InterfacePeers and
/// multicast), as 0.4.7 does it: the interface's first address of the destination's family and
/// scope (link-local for a link-local destination, global otherwise).
enum InterfaceAddress {
    /// fe80::/10, from text (a zone suffix is ignored).
    static func isLinkLocal(_ host: String) -> Bool {
        guard let ip = IPv6Bytes(text: String(host.split(separator: "%").first ?? "")) else { return false }
        return ip[0] == 0xfe && ip[1] & 0xc0 == 0x80
    }

    static func source(interface: String, forLinkLocalIPv6 linkLocal: Bool) -> SocketAddress? {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0 else { return nil }
        defer { freeifaddrs(head) }
        var cursor = head
        while let ifa = cursor {
            defer { cursor = ifa.pointee.ifa_next }
            guard String(cString: ifa.pointee.ifa_name) == interface, let addr = ifa.pointee.ifa_addr,
                  addr.pointee.sa_family == sa_family_t(AF_INET6) else { continue }
            var sin6 = addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
            let isLinkLocal = withUnsafeBytes(of: &sin6.sin6_addr) { $0[0] == 0xfe && $0[1] & 0xc0 == 0x80 }
            guard isLinkLocal == linkLocal else { continue }
            sin6.sin6_port = 0
            if linkLocal { sin6.sin6_scope_id = if_nametoindex(interface) }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            inet_ntop(AF_INET6, &sin6.sin6_addr, &text, socklen_t(text.count))
            return SocketAddress(sin6, host: String(cString: text))
        }
        return nil
    }
}
