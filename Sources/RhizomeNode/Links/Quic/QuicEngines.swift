import NIOCore
import RhizomeCrypto

/// Binds the shell to the real QUIC engine, `QuicEndpoint` (ngtcp2 + GnuTLS, loaded on first use).
enum QuicEngines {
    /// Makes the node's QUIC identity and loads the libraries; called once, on first use, so a
    /// node without quic peers or listeners never loads them. Throws when they are missing.
    static func factory(keys: SigningKeyPair) throws -> QuicEngineFactory {
        let identity = try QuicIdentity(keys: keys)
        _ = try identity.credentials.resolve()
        return { local, acceptsInbound in
            EndpointEngine(try QuicEndpoint(identity: identity, local: local, acceptsInbound: acceptsInbound))
        }
    }

    /// `QuicEndpoint` seen through the shell's `QuicConnectionEngine`: handles become plain integers.
    final class EndpointEngine: QuicConnectionEngine {
        let endpoint: QuicEndpoint
        init(_ endpoint: QuicEndpoint) { self.endpoint = endpoint }

        func connect(to remote: SocketAddress, now: NIODeadline) throws -> Int { try endpoint.connect(to: remote, now: now).id }
        func receive(_ datagram: UnsafeRawBufferPointer, from remote: SocketAddress, now: NIODeadline) {
            endpoint.receive(datagram, from: remote, now: now)
        }
        func send(_ bytes: ByteBuffer, on connection: Int) -> Bool { endpoint.send(bytes, on: .init(id: connection)) }
        func bufferedBytes(_ connection: Int) -> Int { endpoint.bufferedBytes(.init(id: connection)) }
        func close(_ connection: Int, reason: String, now: NIODeadline) { endpoint.close(.init(id: connection), reason: reason, now: now) }
        func pollEvent() -> QuicEngineEvent? {
            switch endpoint.pollEvent() {
            case nil: return nil
            case .connected(let h, let remote): return .connected(h.id, remote: remote)
            case .accepted(let h, let remote): return .accepted(h.id, remote: remote)
            case .data(let h, let bytes): return .data(h.id, bytes)
            case .writable(let h): return .writable(h.id)
            case .closed(let h, let reason): return .closed(h.id, reason: reason)
            }
        }
        func pollTransmit(now: NIODeadline, _ emit: (UnsafeRawBufferPointer, SocketAddress, Int) -> Void) {
            endpoint.pollTransmit(now: now, emit)
        }
        var nextTimeout: NIODeadline? { endpoint.nextTimeout }
        func handleTimeout(now: NIODeadline) { endpoint.handleTimeout(now: now) }
        var connectionCount: Int { endpoint.connectionCount }
        var droppedDatagrams: Int { endpoint.droppedDatagrams }
        var connectionIDTag: UInt32? { endpoint.connectionIDTag }
    }
}
