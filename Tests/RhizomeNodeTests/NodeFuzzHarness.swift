import RhizomeCrypto
import RhizomeNode

// The checks behind the node-side libFuzzer targets of Fuzz/ (hjson, peeruri, config, beacon,
// socks, adminsplit).
//
// Compiled twice, like Tests/RhizomeCoreTests/FuzzHarness.swift: into the fuzz binaries by
// Fuzz/run.sh (with only the Foundation- and NIO-free JSON/, Config/, beacon, SOCKSReply and
// JSONValueSplitter sources of RhizomeNode), and into
// RhizomeNodeTests, where FuzzRegressionTests replays FuzzRegressions/<target>/. Public API only;
// a violated property is thrown, never trapped.

struct FuzzFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@inline(__always)
func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw FuzzFailure(message()) }
}

enum NodeFuzzHarness {
    static let nodeTargets = ["hjson", "peeruri", "config", "beacon", "socks", "adminsplit"]

    static func run(_ target: String, _ data: UnsafeRawBufferPointer) throws {
        switch target {
        case "hjson": try hjson(data)
        case "peeruri": try peerURI(data)
        case "config": try config(data)
        case "beacon": try beacon(Array(data))
        case "socks": try socks(Array(data))
        case "adminsplit": try adminSplit(Array(data))
        default: throw FuzzFailure("unknown fuzz target \(target)")
        }
    }

    /// Multicast beacons, as any host on the LAN can send them: 0.4.7's 50 bytes and 0.5's
    /// versioned form. Whatever decodes re-encodes to the bytes it was read from (0.5: up to the
    /// end of its hash; trailing bytes are ignored as in Go); a 0.5 beacon matches the password
    /// its hash was made with and no other; nothing traps.
    static func beacon(_ bytes: [UInt8]) throws {
        if let b = Beacon(bytes) {
            try fuzzCheck(b.encoded == bytes, "0.4 beacon does not re-encode to its input")
        } else {
            try fuzzCheck(bytes.count != 50 || PublicKey(bytes: bytes[0..<32]) == nil, "a 50-byte beacon with a valid key was refused")
        }
        if let b = Beacon05(bytes) {
            let used = Array(bytes.prefix(40 + b.hash.count))
            try fuzzCheck(b.encoded == used, "0.5 beacon does not re-encode to its input")
            try fuzzCheck(Beacon05(b.encoded) == b, "0.5 beacon does not decode from its encoding")
            let password = Array(bytes.suffix(min(8, bytes.count)))
            let made = Beacon05(key: b.key, port: b.port, password: password)
            try fuzzCheck(made.matches(password: password), "a beacon does not match its own password")
            try fuzzCheck(!made.matches(password: password + [0]), "a beacon matches a different password")
            _ = b.matches(password: password)
        }
    }

    static func run(_ target: String, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try run(target, $0) }
    }

    /// Parses, mapping a `JSONParseError` to nil; any other error is a failure.
    static func parse(_ text: String, strict: Bool) throws -> JSONValue? {
        do { return try HJSONParser.parse(text, strict: strict) } catch let e as JSONParseError {
            try fuzzCheck(e.line >= 1 && e.column >= 1, "bad error position \(e)")
            return nil
        } catch {
            throw FuzzFailure("HJSONParser threw a non-JSONParseError: \(error)")
        }
    }

    /// HJSON and strict JSON: no trap; JSON (with an object or array root) reads the same in both
    /// modes; whatever either mode reads is written by JSONWriter as JSON that reads back equal.
    static func hjson(_ data: UnsafeRawBufferPointer) throws {
        let text = String(decoding: data, as: UTF8.self)
        let loose = try parse(text, strict: false)
        let strict = try parse(text, strict: true)
        if let s = strict {
            switch s {
            case .object, .array:
                try fuzzCheck(loose == s, "JSON reads differently as HJSON: \(String(describing: loose)) vs \(s)")
            default: break
            }
        }
        for value in [strict, loose].compactMap({ $0 }) {
            for indent in [nil, "  "] as [String?] {
                let written = JSONWriter.write(value, indent: indent)
                let back = try parse(written, strict: true)
                try fuzzCheck(back == value, "JSONWriter output does not read back: \(written.prefix(200))")
            }
        }
    }

    /// Peer URIs: no trap; a URI valid for a listener is valid, and the same, for a peer; a parsed
    /// URI keeps its text and parses again to itself.
    static func peerURI(_ data: UnsafeRawBufferPointer) throws {
        let text = String(decoding: data, as: UTF8.self)
        func parse(_ role: PeerURI.Role) throws -> PeerURI? {
            // Both refusals are documented: a malformed URI, and a scheme this node does not speak.
            do { return try PeerURI(text, role: role) } catch is PeerURI.ParseError { return nil }
            catch is PeerURI.UnsupportedScheme { return nil } catch {
                throw FuzzFailure("PeerURI threw neither ParseError nor UnsupportedScheme: \(error)")
            }
        }
        let peer = try parse(.peer)
        let listen = try parse(.listen)
        if let listen {
            try fuzzCheck(peer == listen, "valid as a listener but not the same as a peer: \(text)")
        }
        if let p = peer {
            try fuzzCheck(p.original == text && p.description == text, "original text not kept")
            try fuzzCheck((try? PeerURI(p.original)) == p, "does not parse again to itself")
            if p.scheme != .unix { try fuzzCheck(!p.host.isEmpty, "empty host accepted") }
            for key in p.pinnedKeys { try fuzzCheck(key.count == 32, "pinned key of \(key.count) bytes") }
        }
        // The admin endpoint shares the host:port parser.
        if let e = try? AdminEndpoint(text) { _ = e.description }
    }

    /// The config loader: no trap; only ConfigError escapes; and the normalised output
    /// (`-normaliseconf`, JSON and HJSON) loads back to the same config.
    static func config(_ data: UnsafeRawBufferPointer) throws {
        // `PrivateKeyPath` never reaches the file system: "key.pem" is a fixed key, any other
        // path does not exist.
        func readFile(_ path: String) throws -> [UInt8] {
            guard path == "key.pem" else { throw ConfigError(field: "", message: "cannot read \(path)") }
            var seed = SeededRandom(seed: 9)
            return Array(PrivateKeyPEM.encode(SigningKeyPair.generate(using: &seed)).utf8)
        }
        func load(_ bytes: [UInt8], seed: UInt64) throws -> NodeConfig? {
            var random = SeededRandom(seed: seed)
            do { return try NodeConfig.load(bytes: bytes, random: &random, readFile: readFile).config } catch is ConfigError { return nil } catch {
                throw FuzzFailure("NodeConfig.load threw a non-ConfigError: \(error)")
            }
        }
        guard let cfg = try load(Array(data), seed: 1) else { return }
        let json = cfg.jsonText()
        guard let fromJSON = try load(Array(json.utf8), seed: 2) else {
            throw FuzzFailure("-normaliseconf -json output does not load:\n\(json.prefix(2000))")
        }
        try fuzzCheck(fromJSON == cfg, "-normaliseconf -json output loads differently:\n\(json.prefix(2000))")
        let hjson = cfg.hjsonText()
        guard var fromHJSON = try load(Array(hjson.utf8), seed: 3) else {
            throw FuzzFailure("-normaliseconf output does not load:\n\(hjson.prefix(2000))")
        }
        // 0.4.7 writes an absent NodeInfo as {} in HJSON.
        var expected = cfg
        if expected.nodeInfo == .null { expected.nodeInfo = .object(JSONObject()) }
        if fromHJSON.nodeInfo == .null { fromHJSON.nodeInfo = .object(JSONObject()) }
        try fuzzCheck(fromHJSON == expected, "-normaliseconf output loads differently:\n\(hjson.prefix(2000))")
    }
}

// MARK: socks

extension NodeFuzzHarness {
    /// How a SOCKS exchange ended: connected after `length` bytes of replies, refused with a
    /// message, or still waiting.
    enum SOCKSOutcome: Equatable {
        case connected(length: Int)
        case failed(String)
        case waiting
    }

    /// The proxy's replies, read straight from RFC 1928/1929 by index, independently of
    /// `SOCKSReply`: method reply `05 00`, or `05 02` then an authentication reply whose second
    /// byte is 0; then a CONNECT reply `?? 00 ?? ATYP ADDR PORT` with ATYP 1 (4 bytes), 4 (16)
    /// or 3 (a length byte and a name). Version and reserved bytes of the later replies are not
    /// checked, as in 0.4.7's client.
    static func socksReference(_ b: [UInt8]) -> SOCKSOutcome {
        guard b.count >= 2 else { return .waiting }
        guard b[0] == 5 else { return .failed("not a SOCKS5 proxy") }
        var at = 2
        switch b[1] {
        case 0: break
        case 2:
            guard b.count >= 4 else { return .waiting }
            guard b[3] == 0 else { return .failed("authentication refused") }
            at = 4
        default: return .failed("no acceptable authentication method")
        }
        guard b.count >= at + 5 else { return .waiting }
        let address: Int
        switch b[at + 3] {
        case 1: address = 4
        case 4: address = 16
        case 3: address = 1 + Int(b[at + 4])
        default: return .failed("bad reply address type \(b[at + 3])")
        }
        let end = at + 4 + address + 2
        guard b.count >= end else { return .waiting }
        return b[at + 1] == 0 ? .connected(length: end) : .failed("CONNECT refused (code \(b[at + 1]))")
    }

    /// The client's side as `SOCKSClientHandler` runs it, over `SOCKSReply.parse`: bytes arrive
    /// in the chunks given, each reply is taken from the front of what is buffered, a buffer over
    /// 4096 bytes before the end is refused.
    static func socksExchange(_ chunks: [ArraySlice<UInt8>]) throws -> SOCKSOutcome {
        var buffer: [UInt8] = []
        var consumed = 0
        var stage = SOCKSReply.Stage.method
        for chunk in chunks {
            buffer += chunk
            if buffer.count - consumed > 4096 { return .failed("reply too long") }
            while let (reply, length) = SOCKSReply.parse(stage, buffer[consumed...]) {
                try fuzzCheck(length > 0 && length <= buffer.count - consumed && length <= SOCKSReply.maxReplyLength,
                              "reply length \(length) of \(buffer.count - consumed) bytes")
                consumed += length
                switch (stage, reply) {
                case (_, .failure(let message)): return .failed(message)
                case (.method, .noAuthentication), (.authentication, .authenticated): stage = .connect
                case (.method, .usernamePassword): stage = .authentication
                case (.connect, .connected): return .connected(length: consumed)
                default: throw FuzzFailure("reply \(reply) at stage \(stage)")
                }
            }
        }
        return .waiting
    }

    /// Any reply bytes, cut into chunks the first byte chooses: the exchange succeeds exactly
    /// when the reference reads a well-formed success, with the same length; it fails with the
    /// reference's message otherwise, or waits for more; chunking changes nothing; no trap.
    /// Each stage's parser, given the raw bytes, never claims more bytes than it was given.
    static func socks(_ data: [UInt8]) throws {
        guard let plan = data.first else { return }
        let replies = Array(data.dropFirst())
        let expected = socksReference(replies)
        try fuzzCheck(try socksExchange([replies[...]]) == expected, "one read: \(expected) expected")
        var chunks: [ArraySlice<UInt8>] = []
        var at = 0, i = 0
        while at < replies.count {
            let size = 1 + Int((plan >> UInt8(i % 6)) & 3) * (i % 3 + 1)
            chunks.append(replies[at..<min(at + size, replies.count)])
            at += size
            i += 1
        }
        let chunked = try socksExchange(chunks)
        try fuzzCheck(chunked == expected, "in chunks: \(chunked), \(expected) expected")
        for stage in [SOCKSReply.Stage.method, .authentication, .connect] {
            if let (_, length) = SOCKSReply.parse(stage, replies) {
                try fuzzCheck(length > 0 && length <= replies.count, "\(stage) took \(length) of \(replies.count) bytes")
            }
        }
    }
}

// MARK: adminsplit

extension NodeFuzzHarness {
    /// Reads bytes for the generator; zeros once the input is used up.
    struct ByteTape {
        var bytes: ArraySlice<UInt8>
        mutating func next() -> UInt8 { bytes.popFirst() ?? 0 }
    }

    /// Splits `stream`, delivered in the chunks `sizes` gives (cycled), as `AdminConnectionHandler`
    /// does: append, then take every value found from the front. Returns the values' byte runs,
    /// the unfinished tail and the bytes the splitter examined.
    static func splitInChunks(_ stream: [UInt8], sizes: [Int]) -> (values: [[UInt8]], tail: [UInt8], scanned: Int) {
        var splitter = JSONValueSplitter()
        var buffer: [UInt8] = []
        var consumed = 0
        var values: [[UInt8]] = []
        var at = 0, i = 0
        while at < stream.count {
            let size = max(1, sizes.isEmpty ? stream.count : sizes[i % sizes.count])
            buffer += stream[at..<min(at + size, stream.count)]
            at += size
            i += 1
            while let n = splitter.nextValueLength(in: buffer[consumed...]) {
                values.append(Array(buffer[consumed..<consumed + n]))
                consumed += n
            }
        }
        return (values, Array(buffer[consumed...]), splitter.scannedBytes)
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

    /// One generated JSON value, written compactly with whitespace the tape chooses; strings
    /// carry structural characters, escapes and UTF-8. Returns the text and whether it is a bare
    /// scalar (which needs a delimiter after it).
    static func generateValue(_ tape: inout ByteTape, depth: Int, into out: inout [UInt8]) -> Bool {
        func space() {
            let w = tape.next()
            if w & 0x80 != 0 { out += [[0x20], [0x0A], [0x09], [0x0D, 0x0A], [0x20, 0x20]][Int(w & 0x7f) % 5] }
        }
        func string() {
            out.append(UInt8(ascii: "\""))
            let pieces: [[UInt8]] = [Array("{".utf8), Array("}".utf8), Array("[".utf8), Array("]".utf8), Array("\\\"".utf8),
                                     Array("\\\\".utf8), Array(",".utf8), Array(":".utf8), Array(" ".utf8), Array("ab".utf8),
                                     Array("\\u007d".utf8), Array("é".utf8), Array("\\n".utf8), Array("\\/".utf8)]
            for _ in 0..<Int(tape.next() % 12) { out += pieces[Int(tape.next()) % pieces.count] }
            out.append(UInt8(ascii: "\""))
        }
        let kind = Int(tape.next()) % (depth < 5 ? 7 : 4)
        switch kind {
        case 0:
            out += [Array("null".utf8), Array("true".utf8), Array("false".utf8)][Int(tape.next()) % 3]
            return true
        case 1:
            let numbers = ["0", "-1", "42", "3.5", "1e3", "-0.25E-2", "18446744073709551615"]
            out += Array(numbers[Int(tape.next()) % numbers.count].utf8)
            return true
        case 2, 3:
            string()
        case 4:
            out.append(UInt8(ascii: "["))
            let n = Int(tape.next() % 4)
            for i in 0..<n {
                space()
                _ = generateValue(&tape, depth: depth + 1, into: &out)
                space()
                if i < n - 1 { out.append(UInt8(ascii: ",")) }
            }
            space()
            out.append(UInt8(ascii: "]"))
        default:
            out.append(UInt8(ascii: "{"))
            let n = Int(tape.next() % 4)
            for i in 0..<n {
                space()
                string()
                space()
                out.append(UInt8(ascii: ":"))
                space()
                _ = generateValue(&tape, depth: depth + 1, into: &out)
                space()
                if i < n - 1 { out.append(UInt8(ascii: ",")) }
            }
            space()
            out.append(UInt8(ascii: "}"))
        }
        return false
    }

    /// The admin splitter. First byte: bit 0 picks the mode, the rest seeds the chunk sizes.
    ///
    /// * Raw bytes: whatever the chunking, the values found are those of the one-shot scan, each
    ///   non-empty, and the splitter examines at most one byte more per value than it was fed.
    /// * Generated values (concatenated with whitespace where a bare scalar needs a delimiter):
    ///   the values found are exactly the generated texts, each with the whitespace before it;
    ///   objects and arrays among them parse as strict JSON.
    static func adminSplit(_ data: [UInt8]) throws {
        guard data.count >= 2 else { return }
        let header = data[0]
        var sizes: [Int] = []
        var x = UInt32(data[1]) &* 2_654_435_761 &+ UInt32(header)
        for _ in 0..<8 {
            x = x &* 1_103_515_245 &+ 12_345
            let r = Int(x >> 16)
            sizes.append(r % 7 == 0 ? 1 + r % 1000 : 1 + r % 5)
        }
        let body = Array(data.dropFirst(2))
        if header & 1 == 0 {
            var expected: [[UInt8]] = []
            var rest = body[...]
            while let n = JSONValueSplitter.firstValueLength(in: rest) {
                try fuzzCheck(n > 0 && n <= rest.count, "one-shot length \(n) of \(rest.count)")
                expected.append(Array(rest.prefix(n)))
                rest = rest.dropFirst(n)
            }
            for plan in [sizes, [1], []] {
                let (values, tail, scanned) = splitInChunks(body, sizes: plan)
                try fuzzCheck(values == expected, "chunks \(plan.prefix(3)): \(values.count) values, \(expected.count) expected")
                try fuzzCheck(tail == Array(rest), "chunks \(plan.prefix(3)): tail differs")
                try fuzzCheck(scanned <= body.count + values.count, "scanned \(scanned) bytes of \(body.count) for \(values.count) values")
            }
            return
        }
        var tape = ByteTape(bytes: body[...])
        var texts: [[UInt8]] = []
        var stream: [UInt8] = []
        var needsDelimiter = false
        let count = 1 + Int(tape.next() % 8)
        for _ in 0..<count {
            var text: [UInt8] = []
            let scalar = generateValue(&tape, depth: 0, into: &text)
            var lead: [UInt8] = []
            let w = tape.next()
            if w & 1 != 0 || (needsDelimiter && ![UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "\"")].contains(text[0])) {
                lead = [[0x20], [0x0A], [0x0D, 0x0A], [0x09, 0x20]][Int(w >> 1) % 4]
            }
            texts.append(text)
            stream += lead + text
            needsDelimiter = scalar
        }
        if needsDelimiter { stream.append(0x0A) }
        for plan in [sizes, [1], []] {
            let (values, tail, scanned) = splitInChunks(stream, sizes: plan)
            try fuzzCheck(values.count == texts.count, "\(values.count) values found, \(texts.count) sent")
            for (value, text) in zip(values, texts) {
                let trimmed = Array(value.drop(while: isSpace))
                try fuzzCheck(trimmed == text, "value \(String(decoding: trimmed, as: UTF8.self)) for \(String(decoding: text, as: UTF8.self))")
            }
            try fuzzCheck(tail.allSatisfy(isSpace), "non-space tail")
            try fuzzCheck(scanned <= stream.count + values.count, "scanned \(scanned) bytes of \(stream.count)")
        }
        for text in texts where text[0] == UInt8(ascii: "{") || text[0] == UInt8(ascii: "[") {
            do { _ = try HJSONParser.parse(String(decoding: text, as: UTF8.self), strict: true) } catch {
                throw FuzzFailure("generated value is not JSON (\(error)): \(String(decoding: text, as: UTF8.self))")
            }
        }
    }
}
