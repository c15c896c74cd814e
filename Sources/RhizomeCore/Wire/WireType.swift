/// A node's local number for one of its links. Carried as a uvarint; 0 means "this node / stop".
public typealias PeerPort = UInt64

/// The one-byte message type that follows a frame's length prefix (spec §1.3, ironwood `wire.go`).
public enum WireType: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case dummy = 0
    case tree = 1
    case dhtBootstrap = 2
    case dhtBootstrapAck = 3
    case dhtSetup = 4
    case dhtTeardown = 5
    case pathNotify = 6
    case pathLookup = 7
    case pathResponse = 8
    case dhtTraffic = 9
    case pathTraffic = 10

    public var description: String {
        switch self {
        case .dummy: return "dummy"
        case .tree: return "tree"
        case .dhtBootstrap: return "dhtBootstrap"
        case .dhtBootstrapAck: return "dhtBootstrapAck"
        case .dhtSetup: return "dhtSetup"
        case .dhtTeardown: return "dhtTeardown"
        case .pathNotify: return "pathNotify"
        case .pathLookup: return "pathLookup"
        case .pathResponse: return "pathResponse"
        case .dhtTraffic: return "dhtTraffic"
        case .pathTraffic: return "pathTraffic"
        }
    }
}

/// The kind byte inside DHT and path traffic (spec §1.3).
///
/// A struct rather than an enum because values other than 0–2 are legal on the wire: they must be
/// forwarded unchanged and are only dropped at the final node.
public struct TrafficKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Dropped at the final node.
    public static let dummy = TrafficKind(rawValue: 0)
    /// Delivered only when the destination key equals the local key.
    public static let standard = TrafficKind(rawValue: 1)
    /// Delivered to the out-of-band handler of whichever node keyspace routing stops at.
    public static let outOfBand = TrafficKind(rawValue: 2)

    public var description: String {
        switch rawValue {
        case 0: return "dummy"
        case 1: return "standard"
        case 2: return "outOfBand"
        default: return "kind(\(rawValue))"
        }
    }
}
