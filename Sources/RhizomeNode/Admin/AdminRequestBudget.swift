/// How many admin requests the node answers a second, in all connections together.
///
/// The admin server runs on the event loop that moves packets, so every answer is time the data
/// path does not get. An operator's tools make a handful of requests a second; a runaway script
/// (or 200 clients in a loop, `Benchmarks/hostile --scenario admin`) can make thousands. Requests
/// beyond the budget are not refused: they wait, in the order they arrived, for the next token,
/// so a client sees a slower answer, never an error, and the admin CPU stays bounded.
///
/// A token bucket: `rate` tokens a second up to `burst` held. Sans-IO: `now` is monotonic seconds
/// from the caller.
struct AdminRequestBudget {
    /// 200 a second: at the ~200 µs an answer costs with its connection, about 4% of a core.
    static let defaultRate: Double = 200
    /// A burst as large as a second's worth, so scripts that ask several things at once never wait.
    static let defaultBurst: Double = 200

    let rate: Double
    let burst: Double
    private(set) var tokens: Double
    private var last: Double?

    init(rate: Double = defaultRate, burst: Double = defaultBurst) {
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

    /// Takes a token if one is there.
    mutating func take(now: Double) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Seconds from `now` until a token will be there (0 if one is).
    mutating func wait(now: Double) -> Double {
        refill(now: now)
        return tokens >= 1 ? 0 : (1 - tokens) / rate
    }
}
