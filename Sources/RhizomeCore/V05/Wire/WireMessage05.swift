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

/// A 0.5 message body. Decoding and encoding are the shared `WireDecodable` / `WireEncodable`
/// ones: `init(decoding:)` insists the body is used up (§2.3; `Traffic05`'s payload is the rest of
/// the frame, so it always is), `encoded` is the body alone.
public protocol WireMessage05: WireDecodable, WireEncodable {
    static var wireType: WireType05 { get }
}

extension WireMessage05 {
    /// The body alone (the 0.5 name for `encoded`).
    public var body: [UInt8] { encoded }

    /// Type byte ‖ body: a message as it follows the length prefix (no prefix).
    public var frame: [UInt8] {
        var out = [Self.wireType.rawValue]
        encode(into: &out)
        return out
    }
}
