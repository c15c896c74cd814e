import NIOCore
import RhizomeCrypto

/// What the shell needs from a sans-IO QUIC engine bound to one UDP socket: datagrams, clock and
/// writes in; datagrams to send, connection events and the next deadline out. The real one is
/// `QuicEndpoint` (ngtcp2, loaded on first use); tests drive the transport with an in-memory one.
/// Connections are named by plain integers so the shell does not depend on the engine's types.
protocol QuicConnectionEngine: AnyObject {
    /// Starts a client connection (one bidirectional stream once connected).
    func connect(to remote: SocketAddress, now: NIODeadline) throws -> Int
    func receive(_ datagram: UnsafeRawBufferPointer, from remote: SocketAddress, now: NIODeadline)
    /// Queues stream bytes; false (and nothing queued) while the connection's send buffer is
    /// above its high mark. `.writable` follows when it drains.
    func send(_ bytes: ByteBuffer, on connection: Int) -> Bool
    func bufferedBytes(_ connection: Int) -> Int
    func close(_ connection: Int, reason: String, now: NIODeadline)
    func pollEvent() -> QuicEngineEvent?
    /// Hands out every datagram due now: bytes, destination, GSO segment size (0 = one datagram).
    func pollTransmit(now: NIODeadline, _ emit: (UnsafeRawBufferPointer, SocketAddress, Int) -> Void)
    var nextTimeout: NIODeadline? { get }
    func handleTimeout(now: NIODeadline)
    var connectionCount: Int { get }
    var droppedDatagrams: Int { get }
    /// When set, every connection ID the engine issues begins with these 4 bytes (big-endian),
    /// and the socket asks the kernel to drop whatever cannot be QUIC for it (`rzq_cid_filter`).
    var connectionIDTag: UInt32? { get }
}

extension QuicConnectionEngine {
    var connectionIDTag: UInt32? { nil }
}

/// What happened on a connection since the last poll.
enum QuicEngineEvent {
    /// Client side: the handshake is done and stream 0 is open.
    case connected(Int, remote: SocketAddress)
    /// Server side: the handshake is done and the peer's first bidirectional stream is open.
    case accepted(Int, remote: SocketAddress)
    case data(Int, ByteBuffer)
    /// The send buffer fell below its low mark after being full.
    case writable(Int)
    case closed(Int, reason: String)
}

/// Makes engines for UDP sockets: one per listener and one per outbound dial.
typealias QuicEngineFactory = (_ local: SocketAddress, _ acceptsInbound: Bool) throws -> QuicConnectionEngine
