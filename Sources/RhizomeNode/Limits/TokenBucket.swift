/// A token bucket: `rate` tokens a second, up to `burst` held; each use takes `cost` tokens.
///
/// Budgets the shell's work for clients it does not trust to pace themselves: admin requests
/// (`AdminServer`, which makes the excess wait) and answers to remote protocol requests
/// (`ProtoAnswerBudget`, which drops the excess). Sans-IO: `now` is monotonic seconds from the
/// caller.
struct TokenBucket {
    let rate: Double
    let burst: Double
    private(set) var tokens: Double
    private var last: Double?

    init(rate: Double, burst: Double) {
        precondition(rate > 0 && burst >= 1)
        self.rate = rate
        self.burst = burst
        self.tokens = burst
    }

    /// Adds the tokens earned since the last call; a clock that goes back earns nothing.
    private mutating func refill(now: Double) {
        guard let last else { self.last = now; return }
        guard now > last else { return }
        tokens = min(burst, tokens + (now - last) * rate)
        self.last = now
    }

    /// Whether `cost` tokens are there now (nothing is taken).
    mutating func has(_ cost: Double = 1, now: Double) -> Bool {
        refill(now: now)
        return tokens >= cost
    }

    /// Takes `cost` tokens if they are there.
    mutating func take(_ cost: Double = 1, now: Double) -> Bool {
        guard has(cost, now: now) else { return false }
        tokens -= cost
        return true
    }

    /// Seconds from `now` until one token will be there (0 if one is).
    mutating func wait(now: Double) -> Double {
        refill(now: now)
        return tokens >= 1 ? 0 : (1 - tokens) / rate
    }

    /// Whether the bucket would be full at `now` (a full bucket remembers nothing).
    func isFull(at now: Double) -> Bool {
        guard let last else { return true }
        return tokens + max(0, now - last) * rate >= burst
    }
}
