import RhizomeCrypto

// Traffic is the hot path. The owned types below (`DHTTraffic`, `PathTraffic`) copy the payload
// and are meant for tests, tools and the occasional protocol use. Forwarding should use
// `TrafficHeader` / `PathTrafficHeader`, which parse only the header and report the payload as a
// byte range of the caller's buffer, plus the in-place / append-into-reused-buffer helpers.

/// Type 9: traffic routed greedily through keyspace (spec §2.13). Unsigned, unencrypted here.
public struct DHTTraffic: WireMessageBody {
    public static let wireType = WireType.dhtTraffic
    /// source + dest + kind.
    public static let headerLength = 2 * PublicKey.byteCount + 1

    public var source: PublicKey
    public var dest: PublicKey
    public var kind: TrafficKind
    public var payload: [UInt8]

    public init(source: PublicKey, dest: PublicKey, kind: TrafficKind, payload: [UInt8]) {
        self.source = source
        self.dest = dest
        self.kind = kind
        self.payload = payload
    }

    public init(from reader: inout WireReader) throws(WireError) {
        source = try reader.readKey()
        dest = try reader.readKey()
        kind = TrafficKind(rawValue: try reader.readUInt8())
        payload = Array(reader.readRest())
    }

    public func encode(into out: inout [UInt8]) {
        payload.withUnsafeBytes { Self.appendBody(source: source, dest: dest, kind: kind, payload: $0, to: &out) }
    }

    static func appendBody(
        source: PublicKey, dest: PublicKey, kind: TrafficKind, payload: UnsafeRawBufferPointer,
        to out: inout [UInt8]
    ) {
        source.append(to: &out)
        dest.append(to: &out)
        out.append(kind.rawValue)
        out.append(contentsOf: payload)
    }

    /// Appends a complete type-9 frame (length prefix included) to `out`, e.g. a reused send
    /// buffer, without building an owned message. Throws `messageTooLong` (and leaves `out` as it
    /// was) when the frame could not be sent; Go drops such packets silently.
    public static func appendFrame(
        source: PublicKey, dest: PublicKey, kind: TrafficKind, payload: UnsafeRawBufferPointer,
        to out: inout [UInt8]
    ) throws(WireError) {
        try Frame.appendFrame(type: .dhtTraffic, to: &out) { out in
            appendBody(source: source, dest: dest, kind: kind, payload: payload, to: &out)
        }
    }
}

/// Type 10: source-routed traffic (spec §2.14): a 0-terminated route, then a type-9 body.
public struct PathTraffic: WireMessageBody {
    public static let wireType = WireType.pathTraffic

    /// The ports still to follow, *without* the terminating 0 (which `encode` always writes).
    /// Empty at the destination (wire `00`). Must not contain 0.
    public var route: [PeerPort]
    public var traffic: DHTTraffic

    public init(route: [PeerPort], traffic: DHTTraffic) {
        self.route = route
        self.traffic = traffic
    }

    public init(from reader: inout WireReader) throws(WireError) {
        route = try reader.readRoute()
        traffic = try DHTTraffic(from: &reader)
    }

    public func encode(into out: inout [UInt8]) {
        WireWriter.appendPorts(route, to: &out)
        out.append(0)
        traffic.encode(into: &out)
    }

    /// Appends a complete type-10 frame to `out` (see `DHTTraffic.appendFrame`). `route` is
    /// without the terminating 0, which is written here.
    public static func appendFrame(
        route: [PeerPort], source: PublicKey, dest: PublicKey, kind: TrafficKind,
        payload: UnsafeRawBufferPointer, to out: inout [UInt8]
    ) throws(WireError) {
        try Frame.appendFrame(type: .pathTraffic, to: &out) { out in
            WireWriter.appendPorts(route, to: &out)
            out.append(0)
            DHTTraffic.appendBody(source: source, dest: dest, kind: kind, payload: payload, to: &out)
        }
    }
}

/// The parsed header of a type-9 body (or of the type-9 part of a type-10 body), with the payload
/// left in place as a range of the parsed buffer.
public struct TrafficHeader: Hashable, Sendable {
    public var source: PublicKey
    public var dest: PublicKey
    public var kind: TrafficKind
    /// Where the payload lies in the buffer passed to `parse` (may be empty).
    public var payloadRange: Range<Int>

    public init(source: PublicKey, dest: PublicKey, kind: TrafficKind, payloadRange: Range<Int>) {
        self.source = source
        self.dest = dest
        self.kind = kind
        self.payloadRange = payloadRange
    }

    /// Parses source, dest and kind starting at `offset` of `buffer`; the payload is the rest.
    public static func parse(_ buffer: UnsafeRawBufferPointer, at offset: Int = 0) throws(WireError) -> TrafficHeader {
        guard offset >= 0, offset <= buffer.count else {
            throw .truncated(needed: DHTTraffic.headerLength, available: 0)
        }
        var reader = WireReader(buffer, offset: offset)
        let source = try reader.readKey()
        let dest = try reader.readKey()
        let kind = TrafficKind(rawValue: try reader.readUInt8())
        return TrafficHeader(source: source, dest: dest, kind: kind, payloadRange: reader.offset..<buffer.count)
    }

    public static func parse(_ bytes: [UInt8], at offset: Int = 0) throws(WireError) -> TrafficHeader {
        let result = bytes.withUnsafeBytes { buf in
            Result { () throws(WireError) in try parse(buf, at: offset) }
        }
        return try result.get()
    }
}

/// The parsed header of a type-10 body: enough to forward it (pop the first port) or to fall back
/// to DHT routing, without allocating or copying the payload. All offsets are relative to the body
/// (the bytes after the type byte).
public struct PathTrafficHeader: Hashable, Sendable {
    /// The first port of the route; 0 when the route is empty (the packet has arrived, or must
    /// continue as DHT traffic).
    public var firstPort: PeerPort
    /// Bytes of the first port's uvarint (the terminator's byte when the route is empty).
    public var firstPortLength: Int
    /// Bytes of the whole route, terminator included.
    public var routeLength: Int
    /// Source, dest, kind and the payload range (relative to the body).
    public var traffic: TrafficHeader

    public init(firstPort: PeerPort, firstPortLength: Int, routeLength: Int, traffic: TrafficHeader) {
        self.firstPort = firstPort
        self.firstPortLength = firstPortLength
        self.routeLength = routeLength
        self.traffic = traffic
    }

    public static func parse(_ body: UnsafeRawBufferPointer) throws(WireError) -> PathTrafficHeader {
        var reader = WireReader(body)
        guard !reader.isAtEnd else { throw .unterminatedRoute }
        let first = try reader.readUvarint()
        let firstLength = reader.offset
        if first != 0 {
            while true {
                guard !reader.isAtEnd else { throw .unterminatedRoute }
                if try reader.readUvarint() == 0 { break }
            }
        }
        let routeLength = reader.offset
        let traffic = try TrafficHeader.parse(body, at: routeLength)
        return PathTrafficHeader(
            firstPort: first, firstPortLength: firstLength, routeLength: routeLength, traffic: traffic)
    }

    public static func parse(_ body: [UInt8]) throws(WireError) -> PathTrafficHeader {
        let result = body.withUnsafeBytes { buf in
            Result { () throws(WireError) in try parse(buf) }
        }
        return try result.get()
    }

    /// The body to send on to port `firstPort`: the same bytes minus the first port. Only
    /// meaningful when `firstPort != 0` (the route then still ends in its 0).
    public var forwardedBodyRange: Range<Int> { firstPortLength..<traffic.payloadRange.upperBound }

    /// The type-9 body to route through keyspace when the route is exhausted or its next port is
    /// not a live link (spec §7 item 15: such packets continue as DHT traffic, never dropped).
    public var dhtFallbackBodyRange: Range<Int> { routeLength..<traffic.payloadRange.upperBound }

    /// Turns a complete type-10 frame (length prefix, type, the body this header was parsed from)
    /// into the frame for the next hop, in place: the first port is dropped and a new prefix is
    /// written just before the remaining bytes. Returns the new frame's range in `frame`.
    public func forwardFrameInPlace(_ frame: UnsafeMutableRawBufferPointer) throws(WireError) -> Range<Int> {
        try checkFrame(frame)
        return try Frame.rewriteInPlace(frame, droppingBodyPrefix: firstPortLength, newType: .pathTraffic)
    }

    /// Turns a complete type-10 frame into the equivalent type-9 frame, in place (route removed).
    public func dhtFallbackFrameInPlace(_ frame: UnsafeMutableRawBufferPointer) throws(WireError) -> Range<Int> {
        try checkFrame(frame)
        return try Frame.rewriteInPlace(frame, droppingBodyPrefix: routeLength, newType: .dhtTraffic)
    }

    private func checkFrame(_ frame: UnsafeMutableRawBufferPointer) throws(WireError) {
        let expected = Frame.prefixLength + 1 + traffic.payloadRange.upperBound
        guard frame.count == expected else {
            throw .frameLengthMismatch(declared: expected, actual: frame.count)
        }
    }
}
