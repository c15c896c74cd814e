/// How many connections may be in their handshakes at once, and the counts checked against it.
///
/// Inbound and outbound are counted apart, so inbound connections can never take the slots for
/// dialling configured peers; one remote address holds at most 8 inbound ones; and dials to
/// nodes found by multicast (anyone on the LAN can send beacons, with any key) hold at most 32
/// of the outbound ones. Every stage has a deadline: TCP connect (`dialTimeout`), SOCKS
/// (`socksTimeout`, 10 s), WebSocket upgrade (6 s out, 10 s in), TLS and metadata (6 s from the
/// TCP connect). Further inbound connections are refused (`refuse`); outbound ones wait for a
/// redial; a beacon over its budget is not dialled (its next one is).
extension LinkManager {
    static let maxInboundHandshakes = 256
    static let maxOutboundHandshakes = 256
    static let maxInboundHandshakesPerAddress = 8
    static let maxDiscoveredHandshakes = 32

    /// Table entries whose link has not finished its handshake.
    var handshakesInProgress: Int { table.count - links.count }

    /// Inbound handshakes in progress, in all and from `address` (entries done are forgotten first).
    func inboundHandshakeCounts(address: String?) -> (total: Int, fromAddress: Int) {
        inboundHandshakes = inboundHandshakes.filter { inHandshake($0.key) }
        return (inboundHandshakes.count, address.map { a in inboundHandshakes.values.reduce(0) { $0 + ($1 == a ? 1 : 0) } } ?? 0)
    }

    var outboundHandshakesInProgress: Int { handshakesInProgress - inboundHandshakeCounts(address: nil).total }

    /// Discovered dials in their handshake (entries done are forgotten first).
    var discoveredHandshakeCount: Int {
        discoveredHandshakes = discoveredHandshakes.filter(inHandshake)
        return discoveredHandshakes.count
    }

    /// Whether `key` is a table entry still in its handshake.
    private func inHandshake(_ key: LinkKey) -> Bool {
        if case .some(.none) = table[key] { true } else { false }
    }
}
