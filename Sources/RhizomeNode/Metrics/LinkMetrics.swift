/// Why a link handshake failed, as the metrics label it: a fixed set.
enum HandshakeFailureReason: String, CaseIterable {
    case timeout
    /// 0.4: the peer speaks another version.
    case incompatibleVersion = "incompatible_version"
    /// 0.5: the metadata block was refused (another version, wrong password, malformed).
    case badMetadata = "bad_metadata"
    case closedEarly = "closed_early"
    /// The key does not match the peer URI's `?key=` pins.
    case pinnedKeyMismatch = "pinned_key_mismatch"
    /// Inbound from a key not in `AllowedPublicKeys`.
    case notAllowed = "not_allowed"
    /// Discovered through multicast, not in `MulticastAllowedPublicKeys`.
    case multicastNotAllowed = "multicast_not_allowed"
    /// The other end has our own key.
    case ownKey = "own_key"
    /// The configured peer was removed (by a reload or `removePeer`) while its dial was in its handshake.
    case peerRemoved = "peer_removed"
    case other

    init(_ error: Error) {
        switch error as? LinkHandshakeHandler.Failure {
        case .timeout: self = .timeout
        case .incompatible: self = .incompatibleVersion
        case .metadata05: self = .badMetadata
        case .closedEarly: self = .closedEarly
        case nil: self = .other
        }
    }
}

/// What the `LinkManager` counts for the metrics besides its live links: the totals of links
/// that have closed (so byte and frame counters never go down) and handshake failures.
struct LinkMetrics {
    var closedBytesSent: UInt64 = 0
    var closedBytesReceived: UInt64 = 0
    var closedFramesSent: UInt64 = 0
    var closedFramesReceived: UInt64 = 0
    var closedTrafficDropped: UInt64 = 0
    var handshakeFailures: [HandshakeFailureReason: Int] = [:]

    mutating func linkClosed(_ link: PeerLink) {
        closedBytesSent &+= link.bytesSent
        closedBytesReceived &+= link.bytesReceived
        closedFramesSent &+= link.framesSent
        closedFramesReceived &+= link.framesReceived
        closedTrafficDropped &+= link.trafficDropped
    }

    mutating func handshakeFailed(_ reason: HandshakeFailureReason) {
        handshakeFailures[reason, default: 0] += 1
    }
}
