import RhizomeCrypto

/// The shell's handle for one link. Chosen by the shell; the router only compares and stores it.
public typealias LinkID = Int

/// What the router asks its caller to do. The caller (the NIO node or the simulator) performs
/// the actions in order.
public enum RouterAction: Sendable {
    /// Write one frame (type byte and body, without the length prefix) on a link.
    case send(link: LinkID, frame: [UInt8])
    /// Traffic of kind "standard" addressed to us: hand the payload to the session layer.
    case deliver(source: PublicKey, payload: [UInt8])
    /// Out-of-band traffic that ended here (the key lookup of the IPv6 layer).
    case deliverOutOfBand(source: PublicKey, destination: PublicKey, payload: [UInt8])
    /// 0.5: a path notify from this key was accepted (ironwood's path-notify callback); the IPv6
    /// layer learns the key for addresses and subnets it is waiting on.
    case learnedKey(PublicKey)
    /// The link broke the protocol; close it. The reason is for the log.
    case close(link: LinkID, reason: String)
}
