/// Type 0: keepalive, and the carrier of the link priority option (spec §2.2).
///
/// Any body is accepted; only a body starting with `p` (0x70) and at least 2 bytes long means
/// something: its second byte is the remote side's priority for this link.
public struct Dummy: WireMessageBody {
    public static let wireType = WireType.dummy
    public static let priorityTag: UInt8 = 0x70

    /// The remote priority, or nil for a plain keepalive.
    public var priority: UInt8?

    public init(priority: UInt8? = nil) { self.priority = priority }

    public static let keepalive = Dummy()

    public init(from reader: inout WireReader) throws(WireError) {
        let body = reader.readRest()
        if body.count >= 2 && body[0] == Self.priorityTag {
            priority = body[1]
        } else {
            priority = nil
        }
    }

    public func encode(into out: inout [UInt8]) {
        if let priority {
            out.append(Self.priorityTag)
            out.append(priority)
        }
    }
}
