import RhizomeCrypto

/// Where one outgoing traffic frame goes and the header it starts with. The caller writes the
/// frame wherever it likes (the node writes it straight into the link's send buffer): header
/// first, then the payload at `headerLength`.
public struct TrafficPlan: TrafficPlanning, Sendable {
    public let link: LinkID
    /// The rest of the source route after the port just used (type 10), or nil for traffic routed
    /// through keyspace (type 9).
    let route: ArraySlice<PeerPort>?
    let source: PublicKey
    let dest: PublicKey
    let kind: TrafficKind
    /// Type byte, route and its terminating 0 (type 10 only), source, dest and kind.
    public let headerLength: Int

    init(link: LinkID, route: ArraySlice<PeerPort>?, source: PublicKey, dest: PublicKey, kind: TrafficKind) {
        self.link = link
        self.route = route
        self.source = source
        self.dest = dest
        self.kind = kind
        var n = 1 + DHTTraffic.headerLength
        if let route {
            for port in route { n += Uvarint.encodedLength(port) }
            n += 1
        }
        headerLength = n
    }

    /// Writes the header at the start of `frame` (at least `headerLength` bytes).
    public func writeHeader(into frame: UnsafeMutableRawBufferPointer) {
        precondition(frame.count >= headerLength)
        var at = 1
        if let route {
            frame[0] = WireType.pathTraffic.rawValue
            for port in route { at += Uvarint.encode(port, into: UnsafeMutableRawBufferPointer(rebasing: frame[at...])) }
            frame[at] = 0
            at += 1
        } else {
            frame[0] = WireType.dhtTraffic.rawValue
        }
        source.write(to: frame, at: at)
        dest.write(to: frame, at: at + PublicKey.byteCount)
        frame[at + 2 * PublicKey.byteCount] = kind.rawValue
    }
}

/// What became of a received frame, for the data path.
public enum TrafficDisposition: Sendable, Equatable {
    /// Send on `link` a frame made of the type byte `type` followed by the bytes `body` of the
    /// received frame (the route already shortened, or removed for the fall back to keyspace).
    case forward(link: LinkID, type: WireType, body: Range<Int>)
    /// Send on `link` the bytes `head` of the received frame, then `watermark` as a uvarint, then
    /// the bytes `tail` (0.5 traffic: only the watermark changes hop by hop).
    case forwardRewriting(link: LinkID, head: Range<Int>, watermark: UInt64, tail: Range<Int>)
    /// Standard traffic for us: the payload, at this range of the frame, is the session layer's.
    case deliver(source: PublicKey, payload: Range<Int>)
    /// Anything else; it went through `receive(frame:from:now:)` and its actions are queued.
    case handled
}

/// The traffic path without allocation: the same decisions as `send(payload:to:kind:now:)` and
/// `receive(frame:from:now:)`, taken on headers only, with payloads left where they are. Only
/// the steady state is decided here — forwarding on a link, delivery to us — and every other case
/// goes through the general path, so the two cannot disagree.
extension Router {
    /// `send(payload:to:kind:now:)` when the traffic leaves on a link: where, and the header to
    /// write. Nil when it would not (addressed to us, no route, frame too long): then call `send`.
    public mutating func planTraffic(to dest: PublicKey, kind: TrafficKind, payloadLength: Int, now: Double) -> TrafficPlan? {
        defer { runPendingBootstrap(now: now) }
        var plan: TrafficPlan?
        if let route = touchPath(dest, now: now), let port = route.first, port != 0,
           let link = portToLink[port], peerIndex[link] != nil {
            plan = TrafficPlan(link: link, route: route.dropFirst(), source: localKey, dest: dest, kind: kind)
        } else if let link = keyspaceNextHop(dest, mode: .traffic), peerIndex[link] != nil {
            plan = TrafficPlan(link: link, route: nil, source: localKey, dest: dest, kind: kind)
        }
        guard let plan, plan.headerLength + payloadLength <= Constants.maxFrameLength else { return nil }
        return plan
    }

    /// `receive(frame:from:now:)` with traffic's steady state decided without copying: a frame to
    /// pass on is described as a range of `frame`, standard traffic for us as its payload's range.
    public mutating func receiveTraffic(frame: UnsafeRawBufferPointer, from link: LinkID, now: Double) -> TrafficDisposition {
        guard let disposition = decideTraffic(frame, from: link, now: now) else {
            receive(frame: frame, from: link, now: now)
            return .handled
        }
        runPendingBootstrap(now: now)
        return disposition
    }

    /// Nil when the general path must take the frame (not traffic, malformed, or not steady state).
    mutating func decideTraffic(_ frame: UnsafeRawBufferPointer, from link: LinkID, now: Double) -> TrafficDisposition? {
        guard peerIndex[link] != nil, let type = frame.first else { return nil }
        let body = UnsafeRawBufferPointer(rebasing: frame[1...])
        do throws(WireError) {
            if type == WireType.dhtTraffic.rawValue {
                let header = try TrafficHeader.parse(body)
                return keyspaceDisposition(header, body: 1..<frame.count, arrivedFromLink: true, now: now)
            }
            if type == WireType.pathTraffic.rawValue {
                let header = try PathTrafficHeader.parse(body)
                if header.firstPort != 0, let next = portToLink[header.firstPort], peerIndex[next] != nil {
                    let range = header.forwardedBodyRange
                    return .forward(link: next, type: .pathTraffic, body: (range.lowerBound + 1)..<(range.upperBound + 1))
                }
                // Route used up or broken: on through keyspace, as a locally originated packet.
                let fallback = header.dhtFallbackBodyRange
                return keyspaceDisposition(header.traffic, body: (fallback.lowerBound + 1)..<(fallback.upperBound + 1),
                                           arrivedFromLink: false, now: now)
            }
        } catch {
            return nil
        }
        return nil
    }

    /// `forwardDHTTraffic`'s steady state for the type-9 body at `body` of the frame. `header`
    /// was parsed from the frame's body (the bytes after the type byte), so its payload range is
    /// one byte short of frame coordinates.
    mutating func keyspaceDisposition(
        _ header: TrafficHeader, body: Range<Int>, arrivedFromLink: Bool, now: Double
    ) -> TrafficDisposition? {
        if let next = keyspaceNextHop(header.dest, mode: .traffic) {
            guard peerIndex[next] != nil else { return nil }
            return .forward(link: next, type: .dhtTraffic, body: body)
        }
        guard header.dest == localKey, header.kind == .standard else { return nil }
        maybeNotify(header.source, keepAlive: !arrivedFromLink, now: now)
        let payload = header.payloadRange
        return .deliver(source: header.source, payload: (payload.lowerBound + 1)..<(payload.upperBound + 1))
    }
}

extension TrafficDisposition {
    /// The frame to pass on, for the two forward cases: its link, length, and how to write it
    /// from the received `frame` into `out` (exactly `length` bytes).
    public var forwarding: (link: LinkID, length: Int)? {
        switch self {
        case .forward(let link, _, let body):
            return (link, 1 + body.count)
        case .forwardRewriting(let link, let head, let watermark, let tail):
            return (link, head.count + Uvarint.encodedLength(watermark) + tail.count)
        case .deliver, .handled:
            return nil
        }
    }

    public func writeForwarded(from frame: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        switch self {
        case .forward(_, let type, let body):
            out[0] = type.rawValue
            UnsafeMutableRawBufferPointer(rebasing: out[1...]).copyMemory(from: UnsafeRawBufferPointer(rebasing: frame[body]))
        case .forwardRewriting(_, let head, let watermark, let tail):
            UnsafeMutableRawBufferPointer(rebasing: out[0...]).copyMemory(from: UnsafeRawBufferPointer(rebasing: frame[head]))
            let at = head.count + Uvarint.encode(watermark, into: UnsafeMutableRawBufferPointer(rebasing: out[head.count...]))
            UnsafeMutableRawBufferPointer(rebasing: out[at...]).copyMemory(from: UnsafeRawBufferPointer(rebasing: frame[tail]))
        case .deliver, .handled:
            break
        }
    }

    /// The forwarded frame as a new array (tests, fuzzing, the simulator).
    public func forwardedFrame(from frame: UnsafeRawBufferPointer) -> (link: LinkID, frame: [UInt8])? {
        guard let (link, length) = forwarding else { return nil }
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buf, count in
            writeForwarded(from: frame, into: UnsafeMutableRawBufferPointer(buf))
            count = length
        }
        return (link, bytes)
    }
}
