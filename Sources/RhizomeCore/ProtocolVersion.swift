/// The Yggdrasil protocol generation a node speaks (config `ProtocolVersion`). A node speaks one
/// version on every link; 0.4 and 0.5 nodes cannot peer (their link metadata differ).
public enum ProtocolVersion: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Yggdrasil 0.4.7, ironwood ec61cea: tree + DHT + pathfinder, u16 frame lengths.
    case v04 = "0.4"
    /// Yggdrasil 0.5.x, ironwood 743fe2f: tree with link costs, bloom filters, lookups, uvarint
    /// frame lengths. The default.
    case v05 = "0.5"

    public static let `default` = ProtocolVersion.v05

    public var description: String { rawValue }
    public var minor: UInt16 { self == .v04 ? 4 : 5 }
}
