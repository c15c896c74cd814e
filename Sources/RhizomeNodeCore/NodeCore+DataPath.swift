import RhizomeCore
import RhizomeCrypto
import RhizomeIPv6
import RhizomeSessions

/// The data path: TUN → IPv6 checks → seal → route → link, and link → route → open → IPv6 checks
/// → TUN, with no allocation and one copy each way. Outgoing, the packet is copied once, from the
/// TUN read into the link's send queue, where the frame header, the session header and the
/// ciphertext are built around it in place. Incoming, the ciphertext is decrypted straight from
/// the link's read buffer into the caller's scratch buffer, which is what the TUN is written from.
/// A frame that is only passed on is copied from the read buffer to the next link's queue.
///
/// Each step asks its layer for the steady-state decision only (`IPv6Layer.outgoingKey`,
/// `SessionManager.sealTraffic`, `Router.planTraffic`, `Router.receiveTraffic`,
/// `SessionManager.openTraffic`, `IPv6Layer.acceptIncoming`); anything else — a first packet, a
/// handshake, a lookup, a drop — is handled by that layer's general path, so both paths share
/// every rule.
extension NodeCore {
    /// Smallest scratch buffer `linkFrame` accepts: the largest frame.
    public static var scratchSize: Int { R.maxFrameLength }

    /// One IPv6 packet read from the TUN.
    public mutating func tunPacket<IO: NodeIO>(_ packet: UnsafeRawBufferPointer, now: Double, io: IO) {
        if let key = ipv6.outgoingKey(packet, now: now) {
            sendPacket(packet, to: key, now: now, io: io)
        }
        if hasActions { drain(now: now, io: io) }
    }

    mutating func sendPacket<IO: NodeIO>(_ packet: UnsafeRawBufferPointer, to key: PublicKey, now: Double, io: IO) {
        let dataLength = 1 + packet.count
        switch sessions.sealTraffic(to: key, dataLength: dataLength, now: now) {
        case .sealed(let seal):
            let messageLength = seal.overhead + dataLength
            // Builds the session message: header, tag, next key, then 0x01 ‖ packet, sealed in place.
            func build(_ message: UnsafeMutableRawBufferPointer) {
                message[seal.overhead] = Self.typeTraffic
                if packet.count > 0 {
                    UnsafeMutableRawBufferPointer(rebasing: message[(seal.overhead + 1)...]).copyMemory(from: packet)
                }
                seal.seal(message)
            }
            if let plan = router.planTraffic(to: key, payloadLength: messageLength, now: now) {
                let header = plan.headerLength
                _ = io.writeFrame(to: plan.link, length: header + messageLength) { frame in
                    plan.writeHeader(into: frame)
                    build(UnsafeMutableRawBufferPointer(rebasing: frame[header...]))
                }
            } else {
                // Not a plain send on a link (to ourselves, or no route): the router's general
                // path decides, and counts a drop.
                let message = [UInt8](unsafeUninitializedCapacity: messageLength) { buf, count in
                    build(UnsafeMutableRawBufferPointer(buf))
                    count = messageLength
                }
                router.sendTraffic(payload: message, to: key, now: now)
            }
        case .noSession:
            // First packet: buffered by the session layer while INIT/ACK run.
            try? sessions.send(to: key, data: IPv6Layer.traffic(packet), now: now)
        case .dropped:
            break
        }
    }

    /// One frame (type byte and body) received on `link`. `scratch` (at least `scratchSize` bytes,
    /// not overlapping `frame`) receives decrypted data; the TUN is written from it.
    public mutating func linkFrame<IO: NodeIO>(
        _ frame: UnsafeRawBufferPointer, from link: LinkID, now: Double, scratch: UnsafeMutableRawBufferPointer, io: IO
    ) {
        let disposition = router.receiveTraffic(frame: frame, from: link, now: now)
        switch disposition {
        case .forward(let next, _, _), .forwardRewriting(let next, _, _, _):
            let disposition = disposition
            _ = io.writeFrame(to: next, length: disposition.forwarding!.length) { out in
                disposition.writeForwarded(from: frame, into: out)
            }
        case .deliver(let source, let payload):
            let message = UnsafeRawBufferPointer(rebasing: frame[payload])
            if let range = sessions.openTraffic(from: source, message: message, into: scratch, now: now) {
                let data = UnsafeRawBufferPointer(rebasing: scratch[range])
                if data.first == Self.typeTraffic {
                    let packet = UnsafeRawBufferPointer(rebasing: data[(data.startIndex + 1)...])
                    if ipv6.acceptIncoming(from: source, packet: packet, now: now) { io.writeToTUN(packet) }
                } else if data.first == Self.typeProtocol {
                    io.deliverProtocol(Array(data), from: source)
                }
            }
        case .handled:
            break
        }
        if hasActions { drain(now: now, io: io) }
    }
}
