import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Refusing an inbound connection over the link or handshake budgets cheaply and rarely.
///
/// Closing such a connection at once invites a loop: a client that reconnects as soon as it is
/// closed (idle connections "renewed as we close them") makes the node accept and close
/// thousands of connections a second, which costs the kernel and the event loop more than the
/// idle connections themselves. So a refused connection is held instead: no handler is added, it
/// is never read, and it is reset after `refusalHold`. That slows such a client to at most
/// `maxHeldRefusals` connections per `refusalHold` (about 50 a second) however fast it
/// reconnects. At most `maxHeldRefusals` are held at once (one descriptor each); beyond that a
/// refused connection is reset at once, as before. An honest peer is refused only when its
/// address already has `maxInboundHandshakesPerAddress` handshakes in progress or the node is at
/// its limits; it fails as before, a few seconds later, and redials by its own back-off.
/// Refused connections end with a reset (SO_LINGER 0), which leaves no TIME_WAIT entry behind.
extension LinkManager {
    static let maxHeldRefusals = 256
    static let refusalHold = TimeAmount.seconds(5)

    /// Refuses `channel` from inside the child-channel initializer (nothing added to its pipeline).
    func refuse(_ channel: Channel) -> EventLoopFuture<Void> {
        refusedConnections &+= 1
        _ = (channel as? SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
        guard heldRefusals < Self.maxHeldRefusals else { return channel.close() }
        heldRefusals += 1
        _ = try? channel.syncOptions?.setOption(.autoRead, value: false)
        let reset = channel.eventLoop.scheduleTask(in: Self.refusalHold) { channel.close(promise: nil) }
        channel.closeFuture.whenComplete { [weak self] _ in
            reset.cancel()
            self?.heldRefusals -= 1
        }
        return channel.eventLoop.makeSucceededVoidFuture()
    }
}
