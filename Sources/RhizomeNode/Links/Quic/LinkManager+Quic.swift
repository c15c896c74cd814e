import NIOCore
import NIOPosix
import RhizomeCrypto
import RhizomeIPv6

/// quic:// listeners and dials (node-sessions-admin.md §2.10). Each connection's stream channel
/// goes through the same handshake and hand-off as a TCP connection.
extension LinkManager {
    func listenQuic(_ uri: PeerURI, interface: String) -> EventLoopFuture<Channel> {
        guard let quic else {
            return eventLoop.makeFailedFuture(ConfigError(field: "Listen", message: "QUIC is not available"))
        }
        let local: SocketAddress
        do {
            local = try SocketAddress.makeAddressResolvingHost(uri.host, port: Int(uri.port))
        } catch {
            log.error("Failed to start listener \"\(uri)\": \(error)")
            return eventLoop.makeFailedFuture(error)
        }
        return QuicSocket.bind(on: eventLoop, local: local, acceptsInbound: true, makeEngine: quic).map { [weak self] socket in
            let udp = socket.udp!
            socket.onInbound = { [weak self] channel in
                guard let self else { channel.close(promise: nil); return }
                _ = self.setUpInbound(channel, listener: uri, interface: interface)
            }
            self?.listeners.append(udp)
            socket.onRebind = { [weak self] old, new in
                guard let self, let i = self.listeners.firstIndex(where: { $0 === old }) else { return }
                self.listeners[i] = new
            }
            self?.log.info("QUIC listener started on \(udp.localAddress.map(Self.describe) ?? "?")")
            return udp
        }.flatMapErrorThrowing { [weak self] error in
            self?.log.error("Failed to start listener \"\(uri)\": \(error)")
            throw error
        }
    }

    /// Dials from a fresh UDP socket (the source interface's address when the peer has one);
    /// the link table entry `provisional` is held until the dial ends.
    func connectQuic(_ target: DialTarget, retryID id: String?, provisional: LinkKey) {
        let uri = target.uri
        func failed(_ error: Error) {
            table[provisional] = nil
            log.warning("Failed to dial QUIC \(uri.authority): \(Self.describe(error))")
            noteError(id, "dial quic \(uri.authority): \(Self.goText(error))")
            if let id { scheduleRedial(id, rejected: false) }
        }
        guard let quic else { return failed(ConfigError(field: "", message: "QUIC is not available")) }
        var source: SocketAddress?
        if !target.interface.isEmpty {
            source = InterfaceAddress.source(interface: target.interface, forLinkLocalIPv6: InterfaceAddress.isLinkLocal(uri.host))
            guard source != nil else {
                return failed(ConfigError(field: "", message: "no suitable source address found on interface \"\(target.interface)\""))
            }
        }
        var host = uri.host
        if !target.interface.isEmpty && !host.contains("%") && InterfaceAddress.isLinkLocal(host) { host += "%" + target.interface }
        let timeout = TimeAmount.milliseconds(Int64(RhizomeCoreConstants.dialTimeout * 1000))
        let loop = eventLoop
        Self.resolve(host: host, port: Int(uri.port), on: loop).flatMap { remote -> EventLoopFuture<Channel> in
            let local: SocketAddress
            do {
                local = try source ?? SocketAddress(ipAddress: remote.protocol == .inet6 ? "::" : "0.0.0.0", port: 0)
            } catch {
                return loop.makeFailedFuture(error)
            }
            return QuicSocket.bind(on: loop, local: local, acceptsInbound: false, makeEngine: quic).flatMap { socket in
                socket.connect(to: remote, timeout: timeout)
            }
        }.whenComplete { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let error):
                failed(error)
            case .success(let channel):
                self.table[provisional] = nil
                guard let remote = channel.remoteAddress, !self.stopped else { channel.close(promise: nil); return }
                let key = LinkKey(scheme: "quic", interface: target.interface, remote: Self.remoteID(local: channel.localAddress, remote: remote))
                if self.table[key] != nil { channel.close(promise: nil); return }
                self.table[key] = .some(nil)
                _ = self.addHandshake(channel, key: key, name: "quic://" + uri.authority, inbound: false, scheme: .quic,
                                      priority: uri.priority, password: uri.password,
                                      pins: Set(uri.pinnedKeys.compactMap { PublicKey(bytes: $0) }),
                                      dialed: id, discovered: id == nil, remoteIP: remote)
            }
        }
    }

    /// The first usable address of `host` (§2.4: no unspecified or multicast address, nothing in
    /// 200::/7). IP literals resolve at once; names on NIO's thread pool, off the event loop.
    static func resolve(host: String, port: Int, on loop: EventLoop) -> EventLoopFuture<SocketAddress> {
        func check(_ address: SocketAddress) throws -> SocketAddress {
            guard let ip = address.ipAddress else { throw ConfigError(field: "", message: "peer has no suitable addresses") }
            let bare = String(ip.split(separator: "%").first ?? "")
            if let v6 = IPv6Bytes(text: bare) {
                if (v6.high == 0 && v6.low == 0) || v6[0] == 0xff || v6[0] & 0xfe == 0x02 {
                    throw ConfigError(field: "", message: "peer has no suitable addresses")
                }
            } else if let v4 = IPv4Text.parse(bare), v4 == [0, 0, 0, 0] || v4[0] >= 224 {
                throw ConfigError(field: "", message: "peer has no suitable addresses")
            }
            return address
        }
        let bare = String(host.split(separator: "%").first ?? "")
        if IPv4Text.parse(bare) != nil || IPv6Bytes(text: bare) != nil {
            return loop.makeCompletedFuture { try check(SocketAddress.makeAddressResolvingHost(host, port: port)) }
        }
        return NIOThreadPool.singleton.runIfActive(eventLoop: loop) {
            try check(SocketAddress.makeAddressResolvingHost(host, port: port))
        }
    }
}
