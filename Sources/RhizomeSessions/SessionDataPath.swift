import RhizomeCore
import RhizomeCrypto

/// The session layer's data path: the same SEND and ON_MESSAGE as `send(to:data:)` and
/// `receive(from:message:)`, but building and opening TRAFFIC messages in buffers the caller owns,
/// so a packet crosses the layer without an allocation or a copy. Anything that is not the steady
/// state (no session yet, handshakes, failures) is handed to the general path.
extension SessionManager {
    public enum SealResult: Sendable {
        /// Build the message with this seal (its nonce is already taken).
        case sealed(TrafficSeal)
        /// No session with the remote: use `send(to:data:)`, which buffers the data and sends INIT.
        case noSession
        /// Not sendable (oversize, or the remote's session key is unusable); already counted.
        case dropped
    }

    /// SEND's steady state: reserves one TRAFFIC message of `dataLength` bytes of data to `remote`.
    public mutating func sealTraffic(to remote: PublicKey, dataLength: Int, now: Double) -> SealResult {
        guard dataLength <= mtu else {
            counters.refusedOversize += 1
            return .dropped
        }
        expireDue(now: now)
        guard let index = sessions.index(forKey: remote) else { return .noSession }
        guard let seal = sessions.values[index].reserveSeal(dataLength: dataLength, now: now, random: &random) else {
            counters.droppedUnencryptable += 1
            return .dropped
        }
        return .sealed(seal)
    }

    /// ON_MESSAGE for a standard payload from `remote`: a TRAFFIC message is opened into `output`
    /// (at least `message.count` bytes, not overlapping `message`) and the range of the data to
    /// deliver is returned. Every other message, and every failure, is handled as by
    /// `receive(from:message:)` (its actions queue as usual) and nil is returned.
    public mutating func openTraffic(
        from remote: PublicKey, message: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, now: Double
    ) -> Range<Int>? {
        guard message.first == SessionConstants.typeTraffic, output.count >= message.count else {
            receive(from: remote, message: message, now: now)
            return nil
        }
        expireDue(now: now)
        return openTrafficMessage(from: remote, message, into: output, now: now)
    }
}
