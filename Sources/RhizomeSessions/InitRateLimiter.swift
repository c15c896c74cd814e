import RhizomeCrypto

/// Throttles the INITs the session layer sends in answer to TRAFFIC (from a key with no session,
/// or that failed to authenticate). Such TRAFFIC costs a forger nothing — the source key is not
/// authenticated by the router — while each answering INIT costs us key generation, X25519 and a
/// signature, and makes the router look up a path to the claimed source. The limiter is asked
/// first, before any of that work.
///
/// Limits: at most one INIT per `perKeyInterval` (1 s) per remote key, and at most `globalLimit`
/// (200) per whole second of `now` in all. Refused INITs are dropped, not deferred: an honest peer
/// whose traffic goes unanswered sends more, and its next packet a second later is answered.
///
/// Bounds: a key is remembered only once it has been let through, so under the global limit at
/// most about 2 × `globalLimit` keys are live at a time; the table is still capped at `maxKeys`
/// (4096), evicting the oldest entry. Sans-IO: `now` is monotonic seconds from the caller.
public struct InitRateLimiter: Sendable {
    public static let perKeyInterval: Double = 1
    public static let defaultGlobalLimit = 200
    public static let defaultMaxKeys = 4096

    public let globalLimit: Int
    public let maxKeys: Int

    /// The whole second (`floor(now)`) being counted, and how many INITs it has let through.
    var window: Double = -.infinity
    var windowCount = 0
    /// When each key last got an INIT; `order` holds the same entries oldest first.
    var lastSent: [PublicKey: Double] = [:]
    var order: [(key: PublicKey, time: Double)] = []
    var orderHead = 0

    public init(globalLimit: Int = defaultGlobalLimit, maxKeys: Int = defaultMaxKeys) {
        precondition(globalLimit > 0 && maxKeys > 0)
        self.globalLimit = globalLimit
        self.maxKeys = maxKeys
    }

    /// Keys currently remembered.
    public var trackedKeys: Int { lastSent.count }

    /// Whether an INIT may go to `key` at `now`; if so it is counted as sent.
    public mutating func allow(_ key: PublicKey, now: Double) -> Bool {
        let second = now.rounded(.down)
        if second != window {
            window = second
            windowCount = 0
        }
        // Cheapest test first: no hashing while the global budget is spent.
        guard windowCount < globalLimit else { return false }
        if let last = lastSent[key], now - last < Self.perKeyInterval, now >= last { return false }
        forgetExpired(now: now)
        if lastSent.count >= maxKeys { evictOldest() }
        windowCount += 1
        // A key let through again leaves its older queue entry stale; it is skipped when reached.
        lastSent[key] = now
        order.append((key, now))
        return true
    }

    /// Drops entries whose interval has passed (they no longer refuse anything).
    mutating func forgetExpired(now: Double) {
        while orderHead < order.count, now - order[orderHead].time >= Self.perKeyInterval {
            let entry = order[orderHead]
            if lastSent[entry.key] == entry.time { lastSent[entry.key] = nil }
            orderHead += 1
        }
        compactOrder()
    }

    mutating func evictOldest() {
        while orderHead < order.count {
            let entry = order[orderHead]
            orderHead += 1
            if lastSent[entry.key] == entry.time {
                lastSent[entry.key] = nil
                break
            }
        }
        compactOrder()
    }

    mutating func compactOrder() {
        if orderHead == order.count {
            order.removeAll(keepingCapacity: true)
            orderHead = 0
        } else if orderHead > 1024, orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
    }
}
