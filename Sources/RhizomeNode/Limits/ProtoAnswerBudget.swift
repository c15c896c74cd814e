import RhizomeCrypto

/// How many answers the node gives to remote protocol requests (NodeInfo and the
/// `debug_remote*` family), per asking key and in all.
///
/// Any node with a session to us may ask, and a request of a few bytes buys an answer of up to
/// 64 KiB (a table answer also costs a selection over up to 65,536 keys). Unbudgeted, a
/// stranger could turn a trickle of requests into our whole uplink toward it. ironwood and
/// yggdrasil answer every request; an answer not given looks to the asker like a lost packet,
/// which the protocol already allows, so this is wire-compatible.
///
/// Two budgets, asked in this order, both before any answer is built:
/// - in all: `totalBytesPerSecond` of answer bytes (a `totalBurstBytes` burst), each answer
///   charged at least `minimumCharge` (a table answer is charged its largest size up front, as
///   building it is the work being budgeted): at most about 4 Mbit/s of answers, and 8 table
///   answers a second in 0.5 (16 at once), 10 in 0.4 (19 at once);
/// - per key: `perKeyRate` answers a second with a burst of `perKeyBurst`, enough for a crawler
///   (four requests a node) or `rhizomectl ping` (two a ping) to never notice.
///
/// Bounds: at most `maxKeys` (4,096) keys are remembered. A key is added only once the total
/// budget has let its answer through, so new keys come at most at that budget's rate; at the
/// cap, keys whose bucket has refilled (they would refuse nothing) are forgotten, else the
/// oldest added. Forgetting a key only gives it a fresh burst; the total budget still holds.
struct ProtoAnswerBudget {
    static let perKeyRate: Double = 4
    static let perKeyBurst: Double = 16
    static let totalBytesPerSecond: Double = 512 * 1024
    static let totalBurstBytes: Double = 1024 * 1024
    static let minimumCharge = 1024
    static let defaultMaxKeys = 4096

    /// Keys remembered at most.
    let maxKeys: Int

    private var total = TokenBucket(rate: totalBytesPerSecond, burst: totalBurstBytes)
    private var perKey: [PublicKey: TokenBucket] = [:]
    /// The remembered keys in the order they were added, from `orderHead` on.
    private var order: [PublicKey] = []
    private var orderHead = 0

    /// Answers let through.
    private(set) var answered = 0
    /// Requests left unanswered because their key had used its budget.
    private(set) var refusedPerKey = 0
    /// Requests left unanswered because the total budget was spent.
    private(set) var refusedTotal = 0

    init(maxKeys: Int = defaultMaxKeys) {
        precondition(maxKeys > 0)
        self.maxKeys = maxKeys
    }

    /// Keys currently remembered.
    var trackedKeys: Int { perKey.count }

    /// Whether an answer of (at most) `bytes` may go to `key` at `now`; if so it is counted.
    mutating func allow(_ key: PublicKey, bytes: Int, now: Double) -> Bool {
        let cost = Double(max(bytes, Self.minimumCharge))
        // The total first: no hashing while it is spent.
        guard total.has(cost, now: now) else {
            refusedTotal += 1
            return false
        }
        if perKey[key] == nil {
            if perKey.count >= maxKeys { makeRoom(now: now) }
            perKey[key] = TokenBucket(rate: Self.perKeyRate, burst: Self.perKeyBurst)
            order.append(key)
        }
        guard perKey[key]!.take(now: now) else {
            refusedPerKey += 1
            return false
        }
        _ = total.take(cost, now: now)
        answered += 1
        return true
    }

    /// Forgets the keys whose bucket is full again; if none is, the oldest added.
    ///
    /// With the default budgets a sweep always frees at least a quarter of the keys: a bucket
    /// is short only for 4 s after its last answer, and the total lets at most 3,072 answers
    /// through in any 4 s, so at most 3,072 of the 4,096 keys are busy. The oldest goes only
    /// with a smaller `maxKeys`.
    private mutating func makeRoom(now: Double) {
        let before = perKey.count
        perKey = perKey.filter { !$0.value.isFull(at: now) }
        if perKey.count < before {
            // `order` keeps exactly the remembered keys, oldest first.
            order = order[orderHead...].filter { perKey[$0] != nil }
            orderHead = 0
            return
        }
        perKey[order[orderHead]] = nil
        orderHead += 1
        if orderHead >= maxKeys {
            order.removeFirst(orderHead)
            orderHead = 0
        }
    }
}
