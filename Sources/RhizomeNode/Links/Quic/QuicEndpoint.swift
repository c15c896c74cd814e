import CQuic
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The QUIC side of one UDP socket for quic:// links, sans-IO: datagrams and the time go in,
/// datagrams and events come out; no sockets, no clocks. Each connection carries one
/// bidirectional stream, the link byte stream (yggdrasil 0.5.12's `link_quic.go` layout: the
/// dialler opens client stream 0, the listener takes the first stream the peer opens).
///
/// Inbound policy (every map keyed by remote input is bounded): a datagram whose destination
/// connection ID is unknown makes a connection only when the endpoint accepts inbound links, the
/// datagram is a valid client Initial of at least 1200 bytes, and fewer than
/// `Limits.maxHandshaking` inbound connections are handshaking in all, fewer than
/// `Limits.maxHandshakingPerAddress` from that IP address, and fewer than `Limits.maxConnections`
/// exist. Anything else is dropped and counted in `droppedDatagrams`. A connection that has not
/// finished its handshake and opened its stream within `Limits.handshakeTimeout` is closed.
///
/// Confined to one thread: the caller's event loop.
final class QuicEndpoint {
    struct Handle: Hashable { let id: Int }

    /// Why `connect` could not start a connection.
    struct Failure: Error, CustomStringConvertible { let description: String }

    enum Event {
        /// Client: the handshake is done and stream 0 is open.
        case connected(Handle, remote: SocketAddress)
        /// Server: the handshake is done and the peer's first bidirectional stream opened.
        case accepted(Handle, remote: SocketAddress)
        /// Link-stream bytes, in order.
        case data(Handle, ByteBuffer)
        /// The send buffer fell below the low mark after being full.
        case writable(Handle)
        /// The connection is gone (idle timeout, peer close, error, local close); the handle is dead.
        case closed(Handle, reason: String)
    }

    struct Limits {
        var maxHandshaking = 256
        var maxHandshakingPerAddress = 8
        var maxConnections = 4096
        var handshakeTimeout: TimeAmount = .seconds(10)
        var idleTimeout: TimeAmount = .seconds(60)
        /// quic-go's KeepAlivePeriod as yggdrasil sets it.
        var keepAlive: TimeAmount = .seconds(20)
        /// `send` refuses above this many buffered (queued + unacknowledged) bytes ...
        var highWaterMark = 1 << 20
        /// ... and `.writable` follows once the buffer drains below this.
        var lowWaterMark = 512 << 10
        /// Flow-control windows: big enough for well over 1 Gbit/s on loopback.
        var maxStreamData: UInt64 = 6 << 20
        var maxData: UInt64 = 15 << 20
        var maxStreamWindow: UInt64 = 16 << 20
        var maxWindow: UInt64 = 24 << 20
        /// Largest datagram sent; path MTU discovery probes up to it from QUIC's 1200.
        var maxUDPPayload = 1452
        /// Packets one connection writes per `pollTransmit` before the pacer is consulted again.
        var burst = 64
        /// Up to this many full-size (`maxUDPPayload`) packets to one address go out as one
        /// `emit` with segment size `maxUDPPayload`, for UDP GSO (a socket whose UDP_SEGMENT is
        /// `maxUDPPayload`); a shorter packet may end a batch. 1: one packet per `emit`.
        var gsoSegments = 1

        init() {}
    }

    /// A connection ID as a dictionary key without allocating: up to 20 bytes and the length.
    private struct CIDKey: Hashable {
        var a: UInt64 = 0, b: UInt64 = 0, c: UInt32 = 0, count: UInt8 = 0

        init(_ bytes: UnsafeRawBufferPointer) {
            count = UInt8(bytes.count)
            withUnsafeMutableBytes(of: &a) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.prefix(8))) }
            if bytes.count > 8 {
                withUnsafeMutableBytes(of: &b) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[8..<min(16, bytes.count)])) }
            }
            if bytes.count > 16 {
                withUnsafeMutableBytes(of: &c) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[16..<min(20, bytes.count)])) }
            }
        }
    }

    private final class Connection {
        let handle: Handle
        let raw: OpaquePointer
        let isServer: Bool
        let prefix: UInt64
        let createdAt: NIODeadline
        var remote: SocketAddress
        var remoteStorage = sockaddr_storage()
        var remoteLength: socklen_t = 0
        var initialDCID: CIDKey?
        /// The remote IP address while counted against the per-address handshake cap.
        var handshakingAddress: String?
        var announced = false
        var wasFull = false
        /// Received bytes not yet handed out, and whether a `.data` for them is queued.
        var inbound = ByteBuffer()
        var dataQueued = false
        var queuedForTransmit = false

        init(handle: Handle, raw: OpaquePointer, isServer: Bool, prefix: UInt64, remote: SocketAddress, now: NIODeadline) {
            self.handle = handle
            self.raw = raw
            self.isServer = isServer
            self.prefix = prefix
            self.remote = remote
            self.createdAt = now
            setRemote(remote)
        }

        func setRemote(_ address: SocketAddress) {
            remote = address
            address.withSockAddr { sa, len in
                withUnsafeMutableBytes(of: &remoteStorage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: len)) }
                remoteLength = socklen_t(len)
            }
        }

        var state: Int32 { rzq_conn_state(raw) }
    }

    let limits: Limits
    /// Kept so the GnuTLS credentials outlive every connection that uses them.
    private let identity: QuicIdentity
    private let credentials: OpaquePointer
    private let local: SocketAddress
    private var localStorage = sockaddr_storage()
    private var localLength: socklen_t = 0
    private let acceptsInbound: Bool
    private var config: rzq_config
    private var connections: [Handle: Connection] = [:]
    private var byPrefix: [UInt64: Connection] = [:]
    private var byInitialDCID: [CIDKey: Connection] = [:]
    private var handshaking = 0
    private var handshakingByAddress: [String: Int] = [:]
    private var transmitQueue: [Connection] = []
    /// Events in order; received bytes stay in their connection's buffer until polled, so one
    /// `.data` carries everything that arrived since the last poll.
    private enum Queued {
        case event(Event)
        case data(Connection)
    }
    private var events = CircularBuffer<Queued>()
    private var nextHandle = 0
    private let output: UnsafeMutableRawBufferPointer
    private(set) var droppedDatagrams = 0
    /// The latest time seen: ngtcp2 asserts that time never goes backwards, so it never does here.
    private var lastTimestamp: UInt64 = 0

    var connectionCount: Int { connections.count }
    /// The first 4 bytes (big-endian) of every connection ID this endpoint issues, random per
    /// endpoint: the socket's kernel filter keeps only short headers that carry it, so a flood
    /// of garbage costs the node no wake-up. The other 4 prefix bytes tell connections apart.
    let connectionIDTag: UInt32

    /// Throws when ngtcp2 or GnuTLS cannot be loaded, or the identity is unusable.
    init(identity: QuicIdentity, local: SocketAddress, acceptsInbound: Bool, limits: Limits = .init()) throws {
        self.identity = identity
        credentials = try identity.credentials.resolve()
        self.local = local
        self.acceptsInbound = acceptsInbound
        self.limits = limits
        config = rzq_config(
            max_stream_data: limits.maxStreamData, max_data: limits.maxData,
            max_stream_window: limits.maxStreamWindow, max_window: limits.maxWindow,
            idle_timeout_ns: UInt64(limits.idleTimeout.nanoseconds), keep_alive_ns: UInt64(limits.keepAlive.nanoseconds),
            handshake_timeout_ns: UInt64(limits.handshakeTimeout.nanoseconds), max_udp_payload: limits.maxUDPPayload)
        output = .allocate(byteCount: 65536, alignment: 16)
        var tag: UInt32 = 0
        withUnsafeMutableBytes(of: &tag) { rzq_random($0.baseAddress?.assumingMemoryBound(to: UInt8.self), 4) }
        connectionIDTag = tag
        local.withSockAddr { sa, len in
            withUnsafeMutableBytes(of: &localStorage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: len)) }
            localLength = socklen_t(len)
        }
    }

    deinit {
        for connection in connections.values { rzq_conn_free(connection.raw) }
        output.deallocate()
    }

    // MARK: Connections

    /// Starts a client connection; `.connected` or `.closed` follows.
    func connect(to remote: SocketAddress, now: NIODeadline) throws -> Handle {
        guard connections.count < limits.maxConnections else {
            throw Failure(description: "too many quic connections (\(limits.maxConnections))")
        }
        let prefix = freshPrefix()
        var error = [CChar](repeating: 0, count: 256)
        let raw: OpaquePointer? = withPrefix(prefix) { prefixBytes in
            withLocal { localSA, localLen in
                remote.withSockAddr { sa, len in
                    rzq_conn_client_new(credentials, &config, prefixBytes, localSA, localLen, sa, socklen_t(len),
                                        stamp(now), &error, error.count)
                }
            }
        }
        guard let raw else { throw Failure(description: "quic connect failed: " + String(cString: error)) }
        let connection = add(raw: raw, isServer: false, prefix: prefix, remote: remote, now: now)
        queueTransmit(connection)
        return connection.handle
    }

    /// Appends bytes to the link stream. Returns false, queueing nothing, when the send buffer is
    /// at or above the high mark (or the handle is gone); `.writable` follows once it drains.
    @discardableResult
    func send(_ bytes: ByteBuffer, on handle: Handle) -> Bool {
        guard let connection = connections[handle], connection.state & (RZQ_CLOSE_PENDING | RZQ_DEAD) == 0 else { return false }
        guard Int(rzq_conn_buffered(connection.raw)) < limits.highWaterMark else {
            connection.wasFull = true
            return false
        }
        bytes.withUnsafeReadableBytes { rzq_conn_append(connection.raw, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count) }
        if Int(rzq_conn_buffered(connection.raw)) >= limits.highWaterMark { connection.wasFull = true }
        queueTransmit(connection)
        return true
    }

    /// Queued plus unacknowledged bytes on the link stream.
    func bufferedBytes(_ handle: Handle) -> Int {
        connections[handle].map { Int(rzq_conn_buffered($0.raw)) } ?? 0
    }

    /// Closes with application error 0 and `reason`: the CONNECTION_CLOSE goes out on the next
    /// `pollTransmit`, then `.closed` follows.
    func close(_ handle: Handle, reason: String, now: NIODeadline) {
        guard let connection = connections[handle] else { return }
        rzq_conn_close(connection.raw, reason)
        queueTransmit(connection)
    }

    // MARK: Input

    /// One received datagram. Never throws: anything that is not for a known connection or a
    /// new acceptable one is dropped and counted.
    func receive(_ datagram: UnsafeRawBufferPointer, from remote: SocketAddress, now: NIODeadline) {
        guard let base = datagram.baseAddress?.assumingMemoryBound(to: UInt8.self), datagram.count > 0 else {
            droppedDatagrams += 1
            return
        }
        var dcid: UnsafePointer<UInt8>?
        var dcidLength = 0
        var isLong: Int32 = 0
        guard rzq_decode_dcid(base, datagram.count, &dcid, &dcidLength, &isLong) == 0, let dcid else {
            droppedDatagrams += 1
            return
        }
        if dcidLength == Int(RZQ_CID_LEN) {
            let prefix = UnsafeRawPointer(dcid).loadUnaligned(as: UInt64.self)
            if let connection = byPrefix[prefix] {
                deliver(datagram, to: connection, from: remote, now: now)
                return
            }
        }
        guard isLong != 0 else {
            droppedDatagrams += 1
            return
        }
        let key = CIDKey(UnsafeRawBufferPointer(start: dcid, count: dcidLength))
        if let connection = byInitialDCID[key] {
            deliver(datagram, to: connection, from: remote, now: now)
            return
        }
        guard acceptsInbound, datagram.count >= 1200, handshaking < limits.maxHandshaking,
              connections.count < limits.maxConnections, rzq_accept_check(base, datagram.count) == 0 else {
            droppedDatagrams += 1
            return
        }
        let address = remote.ipAddress ?? ""
        guard handshakingByAddress[address, default: 0] < limits.maxHandshakingPerAddress else {
            droppedDatagrams += 1
            return
        }
        let prefix = freshPrefix()
        var error = [CChar](repeating: 0, count: 128)
        let raw: OpaquePointer? = withPrefix(prefix) { prefixBytes in
            withLocal { localSA, localLen in
                remote.withSockAddr { sa, len in
                    rzq_conn_server_new(credentials, &config, prefixBytes, base, datagram.count, localSA, localLen,
                                        sa, socklen_t(len), stamp(now), &error, error.count)
                }
            }
        }
        guard let raw else {
            droppedDatagrams += 1
            return
        }
        let connection = add(raw: raw, isServer: true, prefix: prefix, remote: remote, now: now)
        connection.initialDCID = key
        byInitialDCID[key] = connection
        connection.handshakingAddress = address
        handshakingByAddress[address, default: 0] += 1
        handshaking += 1
        deliver(datagram, to: connection, from: remote, now: now)
    }

    private func deliver(_ datagram: UnsafeRawBufferPointer, to connection: Connection, from remote: SocketAddress, now: NIODeadline) {
        _ = remote.withSockAddr { sa, len in
            var cached = connection.remoteStorage
            if len != Int(connection.remoteLength) || memcmp(sa, &cached, len) != 0 { connection.setRemote(remote) }
            return rzq_conn_read(connection.raw, datagram.baseAddress?.assumingMemoryBound(to: UInt8.self), datagram.count,
                          sa, socklen_t(len), stamp(now))
        }
        settle(connection)
        queueTransmit(connection)
    }

    // MARK: Output

    /// The next event, if any.
    func pollEvent() -> Event? {
        switch events.popFirst() {
        case .event(let event)?:
            return event
        case .data(let connection)?:
            connection.dataQueued = false
            let bytes = connection.inbound
            connection.inbound = ByteBuffer()
            return .data(connection.handle, bytes)
        case nil:
            return nil
        }
    }

    /// Datagrams ready to send now. `emit` gets a payload (valid only during the call), its
    /// destination, and the GSO segment size: the payload size for a single packet, or
    /// `Limits.maxUDPPayload` for a batch of packets (see `Limits.gsoSegments`).
    func pollTransmit(now: NIODeadline, _ emit: (UnsafeRawBufferPointer, SocketAddress, Int) -> Void) {
        let ts = stamp(now)
        var index = 0
        while index < transmitQueue.count {
            let connection = transmitQueue[index]
            index += 1
            connection.queuedForTransmit = false
            guard connections[connection.handle] === connection else { continue }
            var written = 0
            var segment = 0
            var dest = sockaddr_storage()
            var destLength: socklen_t = 0
            // A GSO batch in `output[0..<batched]`: `batchCount` full-size packets to the
            // connection's usual address, possibly ended by one shorter packet.
            let full = limits.maxUDPPayload
            var batched = 0
            var batchCount = 0
            while written < limits.burst {
                let room = output.count - batched
                guard room >= full else { break }
                let n = rzq_conn_write(connection.raw, output.baseAddress!.advanced(by: batched).assumingMemoryBound(to: UInt8.self),
                                       room, 1, &segment, &dest, &destLength, ts)
                if n <= 0 { break }
                written += 1
                let to = destination(connection, dest, destLength)
                let usual = limits.gsoSegments > 1 && to == connection.remote
                if usual, n <= full, batchCount > 0 || n == full {
                    batched += n
                    batchCount += 1
                    if n < full || batchCount == limits.gsoSegments || output.count - batched < full {
                        emit(UnsafeRawBufferPointer(start: output.baseAddress, count: batched), connection.remote, full)
                        batched = 0
                        batchCount = 0
                    }
                    continue
                }
                // Not batchable: send what is batched, then this packet alone.
                if batched > 0 {
                    emit(UnsafeRawBufferPointer(start: output.baseAddress, count: batched), connection.remote, full)
                    output.baseAddress!.copyMemory(from: output.baseAddress!.advanced(by: batched), byteCount: n)
                    batched = 0
                    batchCount = 0
                }
                emit(UnsafeRawBufferPointer(start: output.baseAddress, count: n), to, n)
            }
            if batched > 0 {
                emit(UnsafeRawBufferPointer(start: output.baseAddress, count: batched), connection.remote, full)
            }
            if written == limits.burst { rzq_conn_burst_done(connection.raw, ts) }
            settle(connection)
        }
        transmitQueue.removeAll(keepingCapacity: true)
    }

    /// When `handleTimeout` is next due, if ever.
    var nextTimeout: NIODeadline? {
        var earliest = UInt64.max
        for connection in connections.values {
            earliest = min(earliest, rzq_conn_expiry(connection.raw))
            if !connection.announced {
                earliest = min(earliest, UInt64((connection.createdAt + limits.handshakeTimeout).uptimeNanoseconds))
            }
        }
        return earliest == .max ? nil : .uptimeNanoseconds(earliest)
    }

    /// Runs the timers that are due: loss recovery, acknowledgement delay, pacing, keep-alive, idle
    /// and handshake timeouts. Call `pollTransmit` after it (and after `receive`, `send`,
    /// `connect` and `close`). Both this and `nextTimeout` scan every connection.
    func handleTimeout(now: NIODeadline) {
        let ts = stamp(now)
        var due: [Connection] = []
        for connection in connections.values {
            var touched = false
            if rzq_conn_expiry(connection.raw) <= ts {
                _ = rzq_conn_handle_expiry(connection.raw, ts)
                touched = true
            }
            if !connection.announced, now >= connection.createdAt + limits.handshakeTimeout,
               connection.state & (RZQ_CLOSE_PENDING | RZQ_DEAD) == 0 {
                rzq_conn_close(connection.raw, "handshake timeout")
                touched = true
            }
            if touched { due.append(connection) }
        }
        for connection in due {
            settle(connection)
            if connections[connection.handle] != nil { queueTransmit(connection) }
        }
    }

    // MARK: Internals

    /// Turns a connection's new state into events, and drops it once it is dead.
    private func settle(_ connection: Connection) {
        let state = connection.state
        if !connection.announced, state & RZQ_HANDSHAKE_DONE != 0, state & RZQ_STREAM_OPEN != 0,
           state & (RZQ_CLOSE_PENDING | RZQ_DEAD) == 0 {
            connection.announced = true
            releaseHandshakeSlot(connection)
            // The client's original DCID stays mapped until the connection goes, so a late
            // retransmitted Initial reaches it (and is discarded there) instead of opening another.
            events.append(.event(connection.isServer ? .accepted(connection.handle, remote: connection.remote)
                                                     : .connected(connection.handle, remote: connection.remote)))
        }
        if connection.announced {
            var bytes: UnsafePointer<UInt8>?
            let count = rzq_conn_received(connection.raw, &bytes)
            if count > 0, let bytes {
                connection.inbound.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
                if !connection.dataQueued {
                    connection.dataQueued = true
                    events.append(.data(connection))
                }
                rzq_conn_consume(connection.raw)
            }
            if connection.wasFull, Int(rzq_conn_buffered(connection.raw)) < limits.lowWaterMark,
               state & (RZQ_CLOSE_PENDING | RZQ_DEAD) == 0 {
                connection.wasFull = false
                events.append(.event(.writable(connection.handle)))
            }
        }
        if state & RZQ_PEER_FIN != 0, state & (RZQ_CLOSE_PENDING | RZQ_DEAD) == 0 {
            rzq_conn_close(connection.raw, String(cString: rzq_conn_reason(connection.raw)))
            queueTransmit(connection)
        }
        if connection.state & RZQ_DEAD != 0 { remove(connection) }
    }

    private func remove(_ connection: Connection) {
        guard connections.removeValue(forKey: connection.handle) != nil else { return }
        byPrefix.removeValue(forKey: connection.prefix)
        if let key = connection.initialDCID { byInitialDCID.removeValue(forKey: key) }
        releaseHandshakeSlot(connection)
        // An inbound connection the caller never saw ends silently; every other one reports.
        if connection.announced || !connection.isServer {
            let reason = String(cString: rzq_conn_reason(connection.raw))
            events.append(.event(.closed(connection.handle, reason: reason.isEmpty ? "closed" : reason)))
        }
        rzq_conn_free(connection.raw)
    }

    private func releaseHandshakeSlot(_ connection: Connection) {
        guard let address = connection.handshakingAddress else { return }
        connection.handshakingAddress = nil
        handshaking -= 1
        let left = handshakingByAddress[address, default: 1] - 1
        if left == 0 { handshakingByAddress.removeValue(forKey: address) } else { handshakingByAddress[address] = left }
    }

    private func add(raw: OpaquePointer, isServer: Bool, prefix: UInt64, remote: SocketAddress, now: NIODeadline) -> Connection {
        let handle = Handle(id: nextHandle)
        nextHandle += 1
        let connection = Connection(handle: handle, raw: raw, isServer: isServer, prefix: prefix, remote: remote, now: now)
        connections[handle] = connection
        byPrefix[prefix] = connection
        return connection
    }

    private func stamp(_ now: NIODeadline) -> UInt64 {
        lastTimestamp = max(lastTimestamp, UInt64(now.uptimeNanoseconds))
        return lastTimestamp
    }

    private func queueTransmit(_ connection: Connection) {
        guard !connection.queuedForTransmit else { return }
        connection.queuedForTransmit = true
        transmitQueue.append(connection)
    }

    /// A connection's routing prefix, as the first 8 bytes of its IDs: the endpoint's tag, then
    /// 4 random bytes not in use here.
    private func freshPrefix() -> UInt64 {
        var bytes: (UInt32, UInt32) = (connectionIDTag.bigEndian, 0)
        var prefix: UInt64 = 0
        repeat {
            withUnsafeMutableBytes(of: &bytes.1) { rzq_random($0.baseAddress?.assumingMemoryBound(to: UInt8.self), 4) }
            prefix = withUnsafeBytes(of: bytes) { $0.loadUnaligned(as: UInt64.self) }
        } while byPrefix[prefix] != nil
        return prefix
    }

    private func withPrefix<T>(_ prefix: UInt64, _ body: (UnsafePointer<UInt8>) -> T) -> T {
        withUnsafeBytes(of: prefix) { body($0.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
    }

    private func withLocal<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        let length = localLength
        return withUnsafePointer(to: &localStorage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// The connection's cached address when ngtcp2 sends where we last heard from; otherwise
    /// (a path probe) the address ngtcp2 chose.
    private func destination(_ connection: Connection, _ dest: sockaddr_storage, _ length: socklen_t) -> SocketAddress {
        var dest = dest
        var cached = connection.remoteStorage
        if length == connection.remoteLength, memcmp(&dest, &cached, Int(length)) == 0 { return connection.remote }
        switch Int32(dest.ss_family) {
        case AF_INET:
            return withUnsafeBytes(of: &dest) { SocketAddress($0.load(as: sockaddr_in.self), host: "") }
        case AF_INET6:
            return withUnsafeBytes(of: &dest) { SocketAddress($0.load(as: sockaddr_in6.self), host: "") }
        default:
            return connection.remote
        }
    }
}
