import RhizomeCrypto

/// The contract of a routing layer (0.4.7's `Router`, 0.5's `Router05`), as `NodeCore` uses it:
/// a value-type state machine that takes events and `now` (monotonic seconds) and leaves what is
/// to be done in `actions`. `NodeCore` is generic over it, so each version's data path is
/// specialised (no existential or closure per packet).
public protocol RoutingLayer {
    /// Where one outgoing traffic frame goes and the header it starts with (the data path).
    associatedtype Plan: TrafficPlanning

    var localKey: PublicKey { get }
    /// Largest frame (type byte and body) this version sends or accepts.
    static var maxFrameLength: Int { get }

    /// Pending actions, in order. Drain with `takeActions()`.
    var actions: [RouterAction] { get }
    mutating func takeActions() -> [RouterAction]
    /// When `tick` must next run, or nil if nothing is scheduled.
    var nextWakeup: Double? { get }
    mutating func tick(now: Double)

    /// A link passed its handshake with the given effective priority. Returns the port the
    /// router gave it.
    @discardableResult
    mutating func linkUp(_ link: LinkID, key: PublicKey, priority: UInt8, now: Double) -> PeerPort
    /// A link ended (closed by either side, or by a `close` action).
    mutating func linkDown(_ link: LinkID, now: Double)
    /// A frame (type byte and body, no length prefix) arrived on `link`.
    mutating func receive(frame: UnsafeRawBufferPointer, from link: LinkID, now: Double)

    /// The general path: a session payload to `dest`.
    mutating func sendTraffic(payload: [UInt8], to dest: PublicKey, now: Double)
    /// A key lookup for a (possibly partial) key, answered by `.learnedKey` (0.5) or by the IPv6
    /// layer's out-of-band response (0.4, where this sends nothing: see `sendOutOfBand`).
    mutating func lookup(_ target: PublicKey, now: Double)
    /// 0.4.7's out-of-band payload (the IPv6 layer's signed key lookup); nothing in 0.5.
    mutating func sendOutOfBand(payload: [UInt8], to dest: PublicKey, now: Double)

    /// The data path: `sendTraffic` when the frame leaves on a link; nil otherwise (then call
    /// `sendTraffic`, which decides and counts).
    mutating func planTraffic(to dest: PublicKey, payloadLength: Int, now: Double) -> Plan?
    /// The data path: `receive` with traffic's steady state decided on headers only.
    mutating func receiveTraffic(frame: UnsafeRawBufferPointer, from link: LinkID, now: Double) -> TrafficDisposition
}

/// An outgoing traffic frame's link and header, written by the caller in place.
public protocol TrafficPlanning {
    var link: LinkID { get }
    /// Bytes of the header (type byte included); the payload starts there.
    var headerLength: Int { get }
    /// Writes the header at the start of `frame` (at least `headerLength` bytes).
    func writeHeader(into frame: UnsafeMutableRawBufferPointer)
}
