import RhizomeCrypto

/// The one-byte message type of a 0.5 frame (ironwood 743fe2f `wire.go`, routing.md §2.2).
/// Numbering differs from 0.4.7's `WireType`; values 10–255 close the link.
public enum WireType05: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case dummy = 0
    case keepAlive = 1
    case sigRequest = 2
    case sigResponse = 3
    case announce = 4
    case bloom = 5
    case pathLookup = 6
    case pathNotify = 7
    case pathBroken = 8
    case traffic = 9

    public var description: String {
        switch self {
        case .dummy: return "dummy"
        case .keepAlive: return "keepAlive"
        case .sigRequest: return "sigRequest"
        case .sigResponse: return "sigResponse"
        case .announce: return "announce"
        case .bloom: return "bloom"
        case .pathLookup: return "pathLookup"
        case .pathNotify: return "pathNotify"
        case .pathBroken: return "pathBroken"
        case .traffic: return "traffic"
        }
    }
}

/// A 0.5 message body. Decoding requires the body to be consumed exactly (except `Traffic05`,
/// whose payload is the rest of the frame).
public protocol WireMessage05 {
    static var wireType: WireType05 { get }
    /// Decodes from the reader's position; `init(decoding:)` then insists the body is used up.
    init(from reader: inout WireReader) throws(WireError)
    /// Appends the body only (no type byte, no length prefix).
    func encode(into out: inout [UInt8])
}

extension WireMessage05 {
    /// Decodes a whole body; trailing bytes are an error (§2.3).
    public init(decoding body: UnsafeRawBufferPointer) throws(WireError) {
        var reader = WireReader(body)
        self = try Self(from: &reader)
        try reader.expectEnd()
    }

    public init(decoding body: [UInt8]) throws(WireError) {
        let result = body.withUnsafeBytes { buf in
            Result { () throws(WireError) -> Self in try Self(decoding: buf) }
        }
        self = try result.get()
    }

    public init(decoding body: ArraySlice<UInt8>) throws(WireError) {
        let result = body.withUnsafeBytes { buf in
            Result { () throws(WireError) -> Self in try Self(decoding: buf) }
        }
        self = try result.get()
    }

    /// The body alone, in a fresh array.
    public var body: [UInt8] {
        var out = [UInt8]()
        encode(into: &out)
        return out
    }

    /// Type byte ‖ body: a message as it follows the length prefix (no prefix).
    public var frame: [UInt8] {
        var out = [Self.wireType.rawValue]
        encode(into: &out)
        return out
    }
}
