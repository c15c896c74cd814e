import RhizomeCore
import RhizomeCrypto

/// What `NodeCore` needs from the world around it: link send queues, the TUN device and the
/// handler of protocol (NodeInfo, debug) messages. The NIO node implements it over real sockets,
/// tests over memory. Buffers stay the caller's: `writeFrame` lends `NodeCore` space in a link's
/// queue to build the frame in, and `writeToTUN` borrows the packet only for the call.
public protocol NodeIO: AnyObject {
    /// Appends one frame of exactly `length` bytes (type byte and body, without the 2-byte length
    /// prefix, which is the link's business) to `link`'s send queue, and lets `fill` write it in
    /// place. Returns false without calling `fill` when the link is gone or its queue is full and
    /// the frame is dropped (the queue counts such drops).
    func writeFrame(to link: LinkID, length: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) -> Bool
    /// The router found the link in breach of the protocol.
    func closeLink(_ link: LinkID, reason: String)
    /// Writes one IPv6 packet to the TUN device (the bytes are valid only during the call).
    func writeToTUN(_ packet: UnsafeRawBufferPointer)
    /// Session data that is not an IPv6 packet (first byte 0x02: NodeInfo and debug requests).
    /// Must not call back into the `NodeCore` before the current call returns.
    func deliverProtocol(_ data: [UInt8], from key: PublicKey)
}
