/// A sliding anti-replay window over TRAFFIC nonces (RFC 6479's bitmap of blocks): a nonce is
/// new if it is above the highest one seen, or within the last `size - 64` nonces below it and
/// not yet seen. Used for 0.4 sessions, whose ironwood rules (0.4.7-S §4.6, §4.9) check nonces
/// only on the ordinary row and move that mark at most once a minute, so without it a relay
/// could replay a session's traffic for about 60 s. 0.4.7 senders count nonces up by one per
/// packet, so packets reordered by less than the window are still accepted.
///
/// `check` before decrypting (cheap), `mark` only after authentication succeeds, so forged
/// packets cannot move the window. The bitmap is allocated once, at creation; `reset` and
/// `mark` never allocate (the data path's promise).
struct ReplayWindow: Sendable {
    /// Bits in the bitmap; nonces more than `size - 64` below the highest are refused.
    static let size = 2048
    static let blocks = size / 64

    /// Highest nonce marked (meaningful only when `bitmap` has a bit set).
    var top: UInt64 = 0
    var bitmap: [UInt64]

    init() { bitmap = [UInt64](repeating: 0, count: Self.blocks) }

    /// An empty placeholder (for 0.5 sessions, which keep strict high-water marks instead).
    static let unused = ReplayWindow(unused: ())
    private init(unused: ()) { bitmap = [] }

    var isUsed: Bool { !bitmap.isEmpty }

    /// Whether `n` has not been seen and is not too old.
    func check(_ n: UInt64) -> Bool {
        if n > top { return true }
        if top - n >= UInt64(Self.size - 64) { return false }
        let bit = Int(n % UInt64(Self.size))
        return bitmap[bit >> 6] & (1 << UInt64(bit & 63)) == 0
    }

    /// Records `n` as seen (after `check` said it was new and it authenticated).
    mutating func mark(_ n: UInt64) {
        let block = Int((n / 64) % UInt64(Self.blocks))
        if n > top {
            // Clear the blocks the window slides over (all of them if it jumps by a full window).
            let old = top / 64
            let new = n / 64
            let steps = min(new - old, UInt64(Self.blocks))
            var i: UInt64 = 1
            while i <= steps {
                bitmap[Int((old + i) % UInt64(Self.blocks))] = 0
                i += 1
            }
            top = n
        }
        bitmap[block] |= 1 << (n % 64)
    }

    /// Forgets every nonce (the row's key changed).
    mutating func reset() {
        top = 0
        for i in bitmap.indices { bitmap[i] = 0 }
    }
}
