/// Any decoded router message, one case per wire type.
public enum WireMessage: Hashable, Sendable {
    case dummy(Dummy)
    case tree(TreeAnnouncement)
    case dhtBootstrap(DHTBootstrap)
    case dhtBootstrapAck(DHTBootstrapAck)
    case dhtSetup(DHTSetup)
    case dhtTeardown(DHTTeardown)
    case pathNotify(PathNotify)
    case pathLookup(PathLookup)
    case pathResponse(PathResponse)
    case dhtTraffic(DHTTraffic)
    case pathTraffic(PathTraffic)

    public var wireType: WireType {
        switch self {
        case .dummy: return .dummy
        case .tree: return .tree
        case .dhtBootstrap: return .dhtBootstrap
        case .dhtBootstrapAck: return .dhtBootstrapAck
        case .dhtSetup: return .dhtSetup
        case .dhtTeardown: return .dhtTeardown
        case .pathNotify: return .pathNotify
        case .pathLookup: return .pathLookup
        case .pathResponse: return .pathResponse
        case .dhtTraffic: return .dhtTraffic
        case .pathTraffic: return .pathTraffic
        }
    }

    /// Decodes a message: the type byte followed by the body (a frame without its length prefix).
    /// Errors: `emptyPacket`, `unknownType`, or `malformed(type, reason)`.
    public init(decoding message: UnsafeRawBufferPointer) throws(WireError) {
        guard let typeByte = message.first else { throw .emptyPacket }
        guard let type = WireType(rawValue: typeByte) else { throw .unknownType(typeByte) }
        try self.init(type: type, body: UnsafeRawBufferPointer(rebasing: message[1...]))
    }

    public init(decoding message: [UInt8]) throws(WireError) {
        let result = message.withUnsafeBytes { buf in
            Result { () throws(WireError) -> WireMessage in try WireMessage(decoding: buf) }
        }
        self = try result.get()
    }

    /// Decodes the body of a message of a known type; failures come wrapped in `malformed`.
    public init(type: WireType, body: UnsafeRawBufferPointer) throws(WireError) {
        do throws(WireError) {
            switch type {
            case .dummy: self = .dummy(try Dummy(decoding: body))
            case .tree: self = .tree(try TreeAnnouncement(decoding: body))
            case .dhtBootstrap: self = .dhtBootstrap(try DHTBootstrap(decoding: body))
            case .dhtBootstrapAck: self = .dhtBootstrapAck(try DHTBootstrapAck(decoding: body))
            case .dhtSetup: self = .dhtSetup(try DHTSetup(decoding: body))
            case .dhtTeardown: self = .dhtTeardown(try DHTTeardown(decoding: body))
            case .pathNotify: self = .pathNotify(try PathNotify(decoding: body))
            case .pathLookup: self = .pathLookup(try PathLookup(decoding: body))
            case .pathResponse: self = .pathResponse(try PathResponse(decoding: body))
            case .dhtTraffic: self = .dhtTraffic(try DHTTraffic(decoding: body))
            case .pathTraffic: self = .pathTraffic(try PathTraffic(decoding: body))
            }
        } catch {
            throw .malformed(type, error)
        }
    }

    /// Appends the body (without type byte or prefix).
    public func encodeBody(into out: inout [UInt8]) {
        switch self {
        case .dummy(let m): m.encode(into: &out)
        case .tree(let m): m.encode(into: &out)
        case .dhtBootstrap(let m): m.encode(into: &out)
        case .dhtBootstrapAck(let m): m.encode(into: &out)
        case .dhtSetup(let m): m.encode(into: &out)
        case .dhtTeardown(let m): m.encode(into: &out)
        case .pathNotify(let m): m.encode(into: &out)
        case .pathLookup(let m): m.encode(into: &out)
        case .pathResponse(let m): m.encode(into: &out)
        case .dhtTraffic(let m): m.encode(into: &out)
        case .pathTraffic(let m): m.encode(into: &out)
        }
    }
}

/// Stream framing (spec §1.2): `length:u16be ‖ type:u8 ‖ body`, where the length counts the type
/// byte and the body but not itself. Not a uvarint.
public enum Frame {
    public static let prefixLength = 2
    /// The most bytes (type + body) a frame can carry.
    public static let maxMessageLength = Constants.maxFrameLength
    /// An idle link's keepalive: length 1, type 0, empty body.
    public static let keepalive: [UInt8] = [0x00, 0x01, 0x00]

    /// Stream reassembly: the range (within `stream`) of the first message (type + body) if the
    /// whole frame has arrived, else nil. The frame occupies `0..<range.upperBound`.
    /// Throws `emptyPacket` for a zero length prefix, which must close the link.
    public static func nextMessage(in stream: UnsafeRawBufferPointer) throws(WireError) -> Range<Int>? {
        guard stream.count >= prefixLength else { return nil }
        let length = Int(stream[0]) << 8 | Int(stream[1])
        guard length > 0 else { throw .emptyPacket }
        guard stream.count - prefixLength >= length else { return nil }
        return prefixLength..<(prefixLength + length)
    }

    /// Decodes exactly one complete frame, prefix included. The prefix must match the byte count.
    public static func decode(frame: UnsafeRawBufferPointer) throws(WireError) -> WireMessage {
        guard frame.count >= prefixLength else {
            throw .truncated(needed: prefixLength, available: frame.count)
        }
        let declared = Int(frame[0]) << 8 | Int(frame[1])
        guard declared == frame.count - prefixLength else {
            throw .frameLengthMismatch(declared: declared, actual: frame.count - prefixLength)
        }
        return try WireMessage(decoding: UnsafeRawBufferPointer(rebasing: frame[prefixLength...]))
    }

    public static func decode(frame: [UInt8]) throws(WireError) -> WireMessage {
        let result = frame.withUnsafeBytes { buf in
            Result { () throws(WireError) -> WireMessage in try decode(frame: buf) }
        }
        return try result.get()
    }

    /// Appends prefix, type byte and whatever `body` appends. If the message exceeds 65535 bytes
    /// `out` is restored and `messageTooLong` thrown: the caller drops it, as Go does.
    public static func appendFrame(
        type: WireType, to out: inout [UInt8], body: (inout [UInt8]) -> Void
    ) throws(WireError) {
        let start = out.count
        out.append(0)
        out.append(0)
        out.append(type.rawValue)
        body(&out)
        let length = out.count - start - prefixLength
        guard length <= maxMessageLength else {
            out.removeSubrange(start...)
            throw .messageTooLong(length)
        }
        out[start] = UInt8(truncatingIfNeeded: length >> 8)
        out[start + 1] = UInt8(truncatingIfNeeded: length)
    }

    public static func append(_ message: WireMessage, to out: inout [UInt8]) throws(WireError) {
        try appendFrame(type: message.wireType, to: &out) { message.encodeBody(into: &$0) }
    }

    public static func append<M: WireMessageBody>(_ message: M, to out: inout [UInt8]) throws(WireError) {
        try appendFrame(type: M.wireType, to: &out) { message.encode(into: &$0) }
    }

    /// Frames an already-encoded body (e.g. a forwarded slice of a received frame).
    public static func append(type: WireType, body: UnsafeRawBufferPointer, to out: inout [UInt8]) throws(WireError) {
        try appendFrame(type: type, to: &out) { $0.append(contentsOf: body) }
    }

    public static func encode(_ message: WireMessage) throws(WireError) -> [UInt8] {
        var out = [UInt8]()
        try append(message, to: &out)
        return out
    }

    public static func encode<M: WireMessageBody>(_ message: M) throws(WireError) -> [UInt8] {
        var out = [UInt8]()
        try append(message, to: &out)
        return out
    }

    /// Re-frames a complete frame in place after dropping the first `count` body bytes, with
    /// `newType`: the new prefix and type byte are written just before the kept bytes, so nothing
    /// is copied. Returns the new frame's range within `frame`. Used to forward path traffic
    /// (drop the first port) and to fall back to DHT traffic (drop the route).
    public static func rewriteInPlace(
        _ frame: UnsafeMutableRawBufferPointer, droppingBodyPrefix count: Int, newType: WireType
    ) throws(WireError) -> Range<Int> {
        let header = prefixLength + 1
        guard frame.count >= header else { throw .truncated(needed: header, available: frame.count) }
        let declared = Int(frame[0]) << 8 | Int(frame[1])
        guard declared == frame.count - prefixLength else {
            throw .frameLengthMismatch(declared: declared, actual: frame.count - prefixLength)
        }
        let bodyLength = frame.count - header
        guard count >= 0, count <= bodyLength else {
            throw .truncated(needed: count, available: bodyLength)
        }
        let newLength = declared - count
        frame[count] = UInt8(truncatingIfNeeded: newLength >> 8)
        frame[count + 1] = UInt8(truncatingIfNeeded: newLength)
        frame[count + 2] = newType.rawValue
        return count..<frame.count
    }
}
