import NIOCore
import NIOPosix
import RhizomeIPv6
#if canImport(Glibc)
import Glibc
#endif

/// How the link manager names remote ends and words errors, for link keys, logs and getPeers.
extension LinkManager {
    /// The table key of a dial until its handshake names the remote.
    func provisionalKey(_ target: DialTarget) -> LinkKey {
        let uri = target.uri
        return LinkKey(scheme: uri.scheme.rawValue, interface: target.interface,
                       remote: uri.scheme == .unix || uri.scheme.isSOCKS ? uri.path
                           : uri.scheme.isWebSocket ? uri.authority + uri.path : uri.authority)
    }

    /// A configured peer's identity: in 0.5 the URI without its query plus the source interface
    /// (so `?password=` or `?key=` changes do not make a second entry); in 0.4 the URI as written.
    func peerID(_ uri: String, interface: String) -> String {
        peerRemote(uri) + "|" + interface
    }

    /// A configured peer's URI as getPeers shows it (0.5: without its query).
    func peerRemote(_ uri: String) -> String {
        guard version == .v05, let q = uri.firstIndex(of: "?") else { return uri }
        return String(uri[..<q])
    }

    /// 0.4.7's remote id: only the IP for a link-local remote, else ip:port.
    static func remoteID(local: SocketAddress?, remote: SocketAddress) -> String {
        if let local, local.ipAddress == remote.ipAddress { return describe(remote) }
        if isLinkLocal(remote), let ip = remote.ipAddress { return ip.split(separator: "%").first.map(String.init) ?? ip }
        return describe(remote)
    }

    /// A SOCKS URI for logs and getPeers, without the proxy password (0.4.7 shows it).
    static func redactingPassword(_ uri: PeerURI) -> String {
        guard let info = uri.userInfo, let colon = info.firstIndex(of: ":") else { return uri.original }
        return uri.original.replacing(info + "@", with: String(info[..<colon]) + ":***@", maxReplacements: 1)
    }

    static func isLinkLocal(_ address: SocketAddress) -> Bool {
        guard let ip = address.ipAddress else { return false }
        return InterfaceAddress.isLinkLocal(ip) || ip.hasPrefix("169.254.")
    }

    /// The useful part of a NIO connect error.
    static func describe(_ error: Error) -> String {
        if let e = error as? NIOConnectionError, let first = e.connectionErrors.first { return "\(first.error)" }
        return "\(error)"
    }

    /// A connect error as Go words it (`connection refused`), for 0.5 `getPeers.last_error`.
    static func goText(_ error: Error) -> String {
        let first = (error as? NIOConnectionError)?.connectionErrors.first?.error ?? error
        if let io = first as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if let channelError = first as? ChannelError, case .connectTimeout = channelError { return "i/o timeout" }
        return describe(error)
    }

    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
