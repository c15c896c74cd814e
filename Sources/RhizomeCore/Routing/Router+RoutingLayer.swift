import RhizomeCrypto

/// 0.4.7's router under the common contract. Session payloads are standard traffic; key lookups
/// are the IPv6 layer's out-of-band messages, so `lookup` has nothing to do here.
extension Router: RoutingLayer {
    public static var maxFrameLength: Int { Constants.maxFrameLength }

    public mutating func sendTraffic(payload: [UInt8], to dest: PublicKey, now: Double) {
        send(payload: payload, to: dest, kind: .standard, now: now)
    }

    public mutating func lookup(_ target: PublicKey, now: Double) {}

    public mutating func sendOutOfBand(payload: [UInt8], to dest: PublicKey, now: Double) {
        send(payload: payload, to: dest, kind: .outOfBand, now: now)
    }

    public mutating func planTraffic(to dest: PublicKey, payloadLength: Int, now: Double) -> TrafficPlan? {
        planTraffic(to: dest, kind: .standard, payloadLength: payloadLength, now: now)
    }
}
