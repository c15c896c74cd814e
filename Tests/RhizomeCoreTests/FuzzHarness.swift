import RhizomeCrypto
import RhizomeCore

// The checks behind the libFuzzer targets of Fuzz/ (DESIGN.md "Tests, in rings", item 3).
//
// This one file is compiled twice: into each Core fuzz binary by Fuzz/run.sh (next to a
// Fuzz/Targets/<name>.swift entry point, which turns a thrown `FuzzFailure` into a trap), and into
// RhizomeCoreTests, where FuzzRegressionTests replays the kept inputs of
// FuzzRegressions/<target>/ through exactly the same code. So it uses public API only and must
// never trap on its own: a violated property is reported by throwing.

/// A property the fuzz harness checks did not hold.
struct FuzzFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@inline(__always)
func fuzzCheck(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw FuzzFailure(message()) }
}

enum FuzzHarness {
    /// The Core targets, by the name Fuzz/run.sh and FuzzRegressions/ use.
    /// The targets whose kept inputs `FuzzRegressionTests` replays; `router05` runs through
    /// `Router05FuzzHarness` (Fuzz05Harness.swift, built only into that libFuzzer target).
    static let coreTargets = ["frame", "body", "metadata", "uvarint", "traffic", "router", "wire05", "router05"]

    static func run(_ target: String, _ data: UnsafeRawBufferPointer) throws {
        switch target {
        case "frame": try frame(data)
        case "body": try body(data)
        case "metadata": try metadata(data)
        case "uvarint": try uvarint(data)
        case "traffic": try traffic(data)
        case "router": try RouterFuzzHarness.run(data)
        case "wire05": try Wire05FuzzHarness.run(data)
        default: throw FuzzFailure("unknown fuzz target \(target)")
        }
    }

    static func run(_ target: String, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try run(target, $0) }
    }

    // MARK: helpers

    static func decodeMessage(_ b: UnsafeRawBufferPointer) -> Result<WireMessage, WireError> {
        Result { () throws(WireError) -> WireMessage in try WireMessage(decoding: b) }
    }

    static func decodeFrame(_ b: UnsafeRawBufferPointer) -> Result<WireMessage, WireError> {
        Result { () throws(WireError) -> WireMessage in try Frame.decode(frame: b) }
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.prefix(64).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// Encodes a decoded message and decodes it again: the message must come back equal, the
    /// encoding must be a fixed point and no longer than the input it was decoded from (encodings
    /// are minimal), and the generic and typed frame encoders must agree.
    static func roundTrip(_ m: WireMessage, inputLength: Int) throws {
        let encoded: [UInt8]
        do { encoded = try Frame.encode(m) } catch {
            throw FuzzFailure("re-encoding a decoded \(m.wireType) failed: \(error)")
        }
        try fuzzCheck(encoded.count - Frame.prefixLength <= inputLength,
                      "re-encoded \(m.wireType) is \(encoded.count - 2) bytes, longer than the \(inputLength) decoded")
        var body = [UInt8]()
        m.encodeBody(into: &body)
        try fuzzCheck(Array(encoded.dropFirst(3)) == body, "encodeBody disagrees with Frame.encode for \(m.wireType)")
        let again = encoded.withUnsafeBytes { decodeFrame($0) }
        guard case .success(let m2) = again else {
            throw FuzzFailure("re-encoded \(m.wireType) does not decode: \(again) frame \(hex(encoded))")
        }
        try fuzzCheck(m2 == m, "\(m.wireType) changed in a round trip: \(m) vs \(m2)")
        let encoded2 = try? Frame.encode(m2)
        try fuzzCheck(encoded2 == encoded, "encoding of \(m.wireType) is not a fixed point")
    }

    /// Calls the accessors of a decoded message that the router uses, and checks the length
    /// fields the encoders rely on. `verify` also runs the (slow) signature checks.
    static func exercise(_ m: WireMessage, verify: Bool) throws {
        func label(_ l: TreeLabel) throws {
            try fuzzCheck(l.encodedLength == l.encoded.count, "TreeLabel.encodedLength \(l.encodedLength) != \(l.encoded.count)")
            _ = l.bytesForSignature
            if verify { _ = l.check() }
        }
        func token(_ t: DHTSetupToken) throws {
            try label(t.dest)
            try fuzzCheck(t.encodedLength == t.encoded.count, "DHTSetupToken.encodedLength wrong")
            _ = t.bytesForSignature
            if verify { _ = t.check() }
        }
        func notify(_ n: PathNotify) throws {
            try label(n.label)
            try fuzzCheck(n.encodedLength == n.encoded.count, "PathNotify.encodedLength wrong")
            if verify { _ = n.check() }
        }
        switch m {
        case .dummy(let d):
            _ = d.priority
        case .tree(let t):
            _ = t.sender
            _ = t.destination
            try fuzzCheck(t.coords.count == t.hops.count, "coords/hops mismatch")
            for i in t.hops.indices.prefix(3) { _ = t.bytesForSignature(upTo: i) }
            if verify && t.hops.count <= 3 { _ = t.verifySignatures() }
        case .dhtBootstrap(let b):
            try label(b.label)
        case .dhtBootstrapAck(let a):
            try label(a.bootstrap.label)
            try token(a.response)
        case .dhtSetup(let s):
            try token(s.token)
            let td = s.teardown
            try fuzzCheck(td.key == s.token.source && td.seq == s.seq, "setup teardown fields")
            _ = s.bytesForSignature
            if verify { _ = s.check() }
        case .dhtTeardown(let t):
            try fuzzCheck(t.encoded.count == DHTTeardown.length, "teardown length")
        case .pathNotify(let n):
            try notify(n)
        case .pathLookup(let l):
            try notify(l.notify)
            try fuzzCheck(!l.rpath.contains(0), "decoded rpath holds 0")
        case .pathResponse(let r):
            try fuzzCheck(!r.route.contains(0) && !r.rpath.contains(0), "decoded route/rpath holds 0")
        case .dhtTraffic(let t):
            _ = t.kind.description
        case .pathTraffic(let p):
            try fuzzCheck(!p.route.contains(0), "decoded route holds 0")
        }
    }

    // MARK: frame

    /// The input as a message (type ‖ body), as the same message behind a length prefix, and as a
    /// stream of length-prefixed frames.
    static func frame(_ data: UnsafeRawBufferPointer) throws {
        let direct = decodeMessage(data)
        switch direct {
        case .success(let m):
            try fuzzCheck(m.wireType.rawValue == data[0], "decoded type differs from the type byte")
            try roundTrip(m, inputLength: data.count)
            try exercise(m, verify: false)
        case .failure(let e):
            switch e {
            case .emptyPacket: try fuzzCheck(data.isEmpty, "emptyPacket for a non-empty message")
            case .unknownType(let t): try fuzzCheck(data[0] == t && WireType(rawValue: t) == nil, "bad unknownType")
            case .malformed(let type, let inner):
                try fuzzCheck(type.rawValue == data[0], "malformed names the wrong type")
                if case .malformed = inner { throw FuzzFailure("nested malformed") }
            default: throw FuzzFailure("unexpected top-level error \(e)")
            }
        }
        // The same bytes behind their length prefix.
        if data.count <= Frame.maxMessageLength {
            var framed = [UInt8(data.count >> 8), UInt8(data.count & 0xff)]
            framed.append(contentsOf: data)
            let viaFrame = framed.withUnsafeBytes { decodeFrame($0) }
            try fuzzCheck(viaFrame == direct, "Frame.decode disagrees with WireMessage(decoding:)")
            // A wrong prefix is always rejected.
            framed[1] ^= 1
            if case .success = framed.withUnsafeBytes({ decodeFrame($0) }) {
                throw FuzzFailure("Frame.decode accepted a wrong length prefix")
            }
        }
        // As a stream.
        var offset = 0
        while offset < data.count {
            let rest = UnsafeRawBufferPointer(rebasing: data[offset...])
            let next: Range<Int>?
            do { next = try Frame.nextMessage(in: rest) } catch {
                try fuzzCheck(rest.count >= 2 && rest[0] == 0 && rest[1] == 0, "nextMessage threw \(error) on a non-zero prefix")
                break
            }
            guard let range = next else {
                let declared = rest.count >= 2 ? Int(rest[0]) << 8 | Int(rest[1]) : -1
                try fuzzCheck(rest.count < 2 || declared > rest.count - 2, "nextMessage waits although the frame is complete")
                break
            }
            try fuzzCheck(range.lowerBound == 2 && range.upperBound <= rest.count && !range.isEmpty, "bad nextMessage range \(range)")
            let message = UnsafeRawBufferPointer(rebasing: rest[range])
            let whole = UnsafeRawBufferPointer(rebasing: rest[0..<range.upperBound])
            let a = decodeMessage(message)
            try fuzzCheck(a == decodeFrame(whole), "stream frame: Frame.decode disagrees with WireMessage(decoding:)")
            if case .success(let m) = a { try roundTrip(m, inputLength: message.count) }
            offset += range.upperBound
        }
    }

    // MARK: body

    /// First byte selects a decoder (0–10: message types, 11: TreeLabel, 12: DHTSetupToken,
    /// 13: PathNotify); the rest is the body.
    static func body(_ data: UnsafeRawBufferPointer) throws {
        guard let selector = data.first else { return }
        let body = UnsafeRawBufferPointer(rebasing: data[1...])
        switch selector % 14 {
        case 11:
            if let l = try? TreeLabel(decoding: body) {
                let again = try? TreeLabel(decoding: l.encoded)
                try fuzzCheck(again == l, "TreeLabel round trip")
                try fuzzCheck(l.encodedLength == l.encoded.count && l.encodedLength <= body.count, "TreeLabel length")
                _ = l.check()
            }
        case 12:
            if let t = try? DHTSetupToken(decoding: body) {
                let again = try? DHTSetupToken(decoding: t.encoded)
                try fuzzCheck(again == t, "DHTSetupToken round trip")
                try fuzzCheck(t.encodedLength == t.encoded.count && t.encodedLength <= body.count, "DHTSetupToken length")
                _ = t.check()
            }
        case 13:
            if let n = try? PathNotify(decoding: body) {
                let again = try? PathNotify(decoding: n.encoded)
                try fuzzCheck(again == n, "PathNotify round trip")
                try fuzzCheck(n.encodedLength == n.encoded.count && n.encodedLength <= body.count, "PathNotify length")
                _ = n.check()
            }
        default:
            let type = WireType(rawValue: selector % 14)!
            let decoded = Result { () throws(WireError) -> WireMessage in try WireMessage(type: type, body: body) }
            switch decoded {
            case .success(let m):
                try fuzzCheck(m.wireType == type, "decoded the wrong type")
                try roundTrip(m, inputLength: data.count)
                try exercise(m, verify: true)
            case .failure(let error):
                guard case .malformed(type, let inner) = error else {
                    throw FuzzFailure("WireMessage(type:body:) threw \(error), not malformed(\(type), _)")
                }
                if case .malformed = inner { throw FuzzFailure("nested malformed") }
            }
        }
    }

    // MARK: metadata

    static func metadata(_ data: UnsafeRawBufferPointer) throws {
        let looksValid = data.count == Metadata.length && data.starts(with: Constants.metadataMagic + [0, 4])
        switch Result(catching: { () throws(WireError) -> Metadata in try Metadata(decoding: data) }) {
        case .success(let m):
            try fuzzCheck(looksValid, "accepted a bad header")
            try fuzzCheck(m.encoded == Array(data), "metadata does not re-encode to its input")
            try fuzzCheck(Metadata(key: m.key) == m, "metadata fields")
        case .failure(let error):
            try fuzzCheck(!looksValid, "rejected a valid header: \(error)")
        }
    }

    // MARK: uvarint

    /// An independent uvarint reader (most significant group first, overflow-reporting), to
    /// compare `Uvarint.decode` and the WireReader port lists with.
    static func referenceUvarint(_ b: UnsafeRawBufferPointer, at offset: Int) -> Result<(UInt64, Int), WireError> {
        guard offset >= 0, offset <= b.count else { return .failure(.uvarintTruncated) }
        var groups: [UInt8] = []
        var k = offset
        while true {
            if groups.count == Uvarint.maxLength { return .failure(.uvarintOverflow) }
            guard k < b.count else { return .failure(.uvarintTruncated) }
            groups.append(b[k] & 0x7f)
            let more = b[k] & 0x80 != 0
            k += 1
            if !more { break }
        }
        var value: UInt64 = 0
        for g in groups.reversed() {
            let (shifted, o1) = value.multipliedReportingOverflow(by: 128)
            let (sum, o2) = shifted.addingReportingOverflow(UInt64(g))
            if o1 || o2 { return .failure(.uvarintOverflow) }
            value = sum
        }
        return .success((value, groups.count))
    }

    enum PortList { case coords, route, rpath }

    static func referencePorts(_ b: UnsafeRawBufferPointer, _ kind: PortList) -> Result<([UInt64], Int), WireError> {
        var ports: [UInt64] = []
        var k = 0
        while true {
            if k == b.count {
                return kind == .route ? .failure(.unterminatedRoute) : .success((ports, k))
            }
            switch referenceUvarint(b, at: k) {
            case .failure(let e): return .failure(e)
            case .success(let (v, n)):
                k += n
                switch kind {
                case .coords:
                    ports.append(v)
                    if v == 0 { return .success((ports, k)) }
                case .route:
                    if v == 0 { return .success((ports, k)) }
                    ports.append(v)
                case .rpath:
                    if v == 0 { return .failure(.zeroInRpath) }
                    ports.append(v)
                }
            }
        }
    }

    static func uvarint(_ data: UnsafeRawBufferPointer) throws {
        func same(_ a: Result<(UInt64, Int), WireError>, _ b: Result<(UInt64, Int), WireError>) -> Bool {
            switch (a, b) {
            case (.success(let x), .success(let y)): return x == y
            case (.failure(let x), .failure(let y)): return x == y
            default: return false
            }
        }
        // Every offset of the input, plus some out of range ones.
        for offset in [-1, data.count, data.count + 1] + Array(0..<min(data.count, 16)) {
            let got = Result { () throws(WireError) -> (UInt64, Int) in
                let r = try Uvarint.decode(data, at: offset)
                return (r.value, r.length)
            }
            let want = referenceUvarint(data, at: offset)
            try fuzzCheck(same(got, want), "Uvarint.decode at \(offset) of \(hex(data)): \(got) vs reference \(want)")
            if case .success(let (v, n)) = got {
                let enc = Uvarint.encode(v)
                try fuzzCheck(enc.count == Uvarint.encodedLength(v) && enc.count <= n, "encodedLength of \(v)")
                let back = try? Uvarint.decode(enc)
                try fuzzCheck(back?.value == v && back?.length == enc.count, "uvarint round trip of \(v)")
                // A minimal input re-encodes to itself.
                let original = Array(data[offset..<offset + n])
                if n == 1 || original.last != 0x00 { try fuzzCheck(enc == original, "minimal uvarint did not re-encode") }
            }
        }
        // Arbitrary 64-bit values from the input.
        var k = 0
        while k + 8 <= data.count && k < 64 {
            let v = UInt64(bigEndian: data.loadUnaligned(fromByteOffset: k, as: UInt64.self))
            for x in [v, v >> (v & 63)] {
                let enc = Uvarint.encode(x)
                try fuzzCheck(enc.count == Uvarint.encodedLength(x), "encodedLength of \(x)")
                let back = try? Uvarint.decode(enc)
                try fuzzCheck(back?.value == x && back?.length == enc.count, "uvarint round trip of \(x)")
            }
            k += 8
        }
        // The three port-list conventions of WireReader.
        for kind in [PortList.coords, .route, .rpath] {
            var reader = WireReader(data)
            let got = Result { () throws(WireError) -> ([UInt64], Int) in
                let ports: [UInt64]
                switch kind {
                case .coords: ports = try reader.readCoords()
                case .route: ports = try reader.readRoute()
                case .rpath: ports = try reader.readRpath()
                }
                return (ports, reader.offset)
            }
            let want = referencePorts(data, kind)
            let agree: Bool
            switch (got, want) {
            case (.success(let x), .success(let y)): agree = x == y
            case (.failure(let x), .failure(let y)): agree = x == y
            default: agree = false
            }
            try fuzzCheck(agree, "WireReader \(kind) on \(hex(data)): \(got) vs reference \(want)")
            if case .success(let (ports, _)) = got {
                var out = [UInt8]()
                WireWriter.appendPorts(ports, to: &out)
                try fuzzCheck(out.count == WireWriter.portsLength(ports), "portsLength")
            }
        }
        // Reader primitives driven by the input: none may trap, and the offset never passes the end.
        var reader = WireReader(data, offset: data.isEmpty ? 0 : Int(Int8(bitPattern: data[0])))
        var steps = 0
        while !reader.isAtEnd && steps < 32 {
            steps += 1
            let before = reader.offset
            let op = data[reader.offset]
            switch op % 7 {
            case 0: _ = try? reader.readUInt8()
            case 1: _ = try? reader.readUInt64()
            case 2: _ = try? reader.readKey()
            case 3: _ = try? reader.readSignature()
            case 4: _ = try? reader.readUvarint()
            case 5:
                let declared = (try? reader.readUvarint()) ?? UInt64(op)
                _ = try? reader.readBytes(declaredLength: declared)
            default: _ = try? reader.readBytes(Int(op) - 200)
            }
            try fuzzCheck(reader.offset >= before && reader.offset <= data.count, "reader offset out of range")
            if reader.offset == before { _ = try? reader.readUInt8() }
        }
    }

    // MARK: traffic

    static func slice(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: b[r])
    }

    /// Builds `prefix ‖ type ‖ body` in an exactly-sized heap buffer (so AddressSanitizer sees any
    /// write past either end), runs `body` on it and frees it.
    static func withFrame<R>(type: WireType, body: UnsafeRawBufferPointer, _ f: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        let length = body.count + 1
        let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: length + 2, alignment: 1)
        defer { frame.deallocate() }
        frame[0] = UInt8(length >> 8)
        frame[1] = UInt8(length & 0xff)
        frame[2] = type.rawValue
        if !body.isEmpty { UnsafeMutableRawBufferPointer(rebasing: frame[3...]).copyMemory(from: body) }
        return try f(frame)
    }

    /// The allocation-free traffic header parsers and in-place rewrites, checked against the full
    /// decoders.
    static func traffic(_ body: UnsafeRawBufferPointer) throws {
        // Type 9.
        let full = try? DHTTraffic(decoding: body)
        let header = try? TrafficHeader.parse(body)
        try fuzzCheck((full == nil) == (header == nil), "TrafficHeader.parse and DHTTraffic disagree on \(hex(body))")
        if let full, let header {
            try fuzzCheck(header.source == full.source && header.dest == full.dest && header.kind == full.kind, "traffic header fields")
            try fuzzCheck(header.payloadRange.upperBound == body.count, "payload does not run to the end")
            try fuzzCheck(Array(slice(body, header.payloadRange)) == full.payload, "payload range")
            var out = [UInt8]()
            let appended: Bool = full.payload.withUnsafeBytes { p in
                (try? DHTTraffic.appendFrame(source: full.source, dest: full.dest, kind: full.kind, payload: p, to: &out)) != nil
            }
            let encoded = try? Frame.encode(full)
            try fuzzCheck(appended == (encoded != nil) && (!appended || out == encoded!), "DHTTraffic.appendFrame differs from Frame.encode")
        }
        // At other offsets, including out-of-range ones.
        for offset in [-1, 1, body.count / 2, body.count, body.count + 1] {
            let h = try? TrafficHeader.parse(body, at: offset)
            guard offset >= 0, offset <= body.count else {
                try fuzzCheck(h == nil, "TrafficHeader.parse accepted offset \(offset)")
                continue
            }
            let t = try? DHTTraffic(decoding: slice(body, offset..<body.count))
            try fuzzCheck((h == nil) == (t == nil), "TrafficHeader.parse at \(offset) disagrees with DHTTraffic")
            if let h, let t {
                try fuzzCheck(h.source == t.source && h.dest == t.dest && h.kind == t.kind, "traffic header fields at \(offset)")
                try fuzzCheck(Array(slice(body, h.payloadRange)) == t.payload, "payload range at \(offset)")
            }
        }

        // Type 10.
        let path = try? PathTraffic(decoding: body)
        let ph = try? PathTrafficHeader.parse(body)
        try fuzzCheck((path == nil) == (ph == nil), "PathTrafficHeader.parse and PathTraffic disagree on \(hex(body))")
        if let p = path, let h = ph {
            try fuzzCheck(h.firstPort == (p.route.first ?? 0), "firstPort \(h.firstPort) vs route \(p.route)")
            let first = try? Uvarint.decode(body, at: 0)
            try fuzzCheck(first?.value == h.firstPort && first?.length == h.firstPortLength, "firstPortLength")
            try fuzzCheck(h.routeLength >= h.firstPortLength && h.routeLength <= body.count, "routeLength")
            let t = h.traffic
            try fuzzCheck(t.source == p.traffic.source && t.dest == p.traffic.dest && t.kind == p.traffic.kind, "path traffic header fields")
            try fuzzCheck(t.payloadRange.upperBound == body.count && Array(slice(body, t.payloadRange)) == p.traffic.payload, "path payload range")
            let fallback = try? DHTTraffic(decoding: slice(body, h.dhtFallbackBodyRange))
            try fuzzCheck(fallback == p.traffic, "dhtFallbackBodyRange does not hold the type-9 body")
            if h.firstPort != 0 {
                let forwarded = try? PathTraffic(decoding: slice(body, h.forwardedBodyRange))
                try fuzzCheck(forwarded == PathTraffic(route: Array(p.route.dropFirst()), traffic: p.traffic),
                              "forwardedBodyRange does not hold the rest of the route")
            }
            var out = [UInt8]()
            let appended: Bool = p.traffic.payload.withUnsafeBytes { pl in
                (try? PathTraffic.appendFrame(route: p.route, source: p.traffic.source, dest: p.traffic.dest,
                                              kind: p.traffic.kind, payload: pl, to: &out)) != nil
            }
            let encoded = try? Frame.encode(p)
            try fuzzCheck(appended == (encoded != nil) && (!appended || out == encoded!), "PathTraffic.appendFrame differs from Frame.encode")

            if body.count + 1 <= Frame.maxMessageLength {
                // Forward in place: drops the first port.
                try withFrame(type: .pathTraffic, body: body) { frame in
                    let range: Range<Int>
                    do { range = try h.forwardFrameInPlace(frame) } catch {
                        throw FuzzFailure("forwardFrameInPlace failed: \(error)")
                    }
                    try fuzzCheck(range.upperBound == frame.count && range.lowerBound == h.firstPortLength, "forward range \(range)")
                    let decoded = decodeFrame(UnsafeRawBufferPointer(rebasing: frame[range]))
                    if h.firstPort != 0 {
                        let want = WireMessage.pathTraffic(PathTraffic(route: Array(p.route.dropFirst()), traffic: p.traffic))
                        try fuzzCheck(decoded == .success(want), "forwardFrameInPlace gave \(decoded)")
                    }
                }
                // Fall back to DHT traffic in place: drops the route.
                try withFrame(type: .pathTraffic, body: body) { frame in
                    let range: Range<Int>
                    do { range = try h.dhtFallbackFrameInPlace(frame) } catch {
                        throw FuzzFailure("dhtFallbackFrameInPlace failed: \(error)")
                    }
                    try fuzzCheck(range == h.routeLength..<frame.count, "fallback range \(range)")
                    let decoded = decodeFrame(UnsafeRawBufferPointer(rebasing: frame[range]))
                    try fuzzCheck(decoded == .success(.dhtTraffic(p.traffic)), "dhtFallbackFrameInPlace gave \(decoded)")
                }
                // A frame of the wrong size is refused, not overrun.
                let shorter = UnsafeRawBufferPointer(rebasing: body[0..<max(0, body.count - 1)])
                try withFrame(type: .pathTraffic, body: shorter) { frame in
                    if body.count > 0 {
                        if (try? h.forwardFrameInPlace(frame)) != nil { throw FuzzFailure("forwarded a short frame") }
                        if (try? h.dhtFallbackFrameInPlace(frame)) != nil { throw FuzzFailure("fell back on a short frame") }
                    }
                }
            }
        }

        // Frame.rewriteInPlace on the raw input taken as a whole frame, with a count from the input.
        let count = body.isEmpty ? 0 : Int(Int8(bitPattern: body[body.count - 1]))
        let frame = UnsafeMutableRawBufferPointer.allocate(byteCount: body.count, alignment: 1)
        defer { frame.deallocate() }
        if !body.isEmpty { frame.copyMemory(from: body) }
        if let r = try? Frame.rewriteInPlace(frame, droppingBodyPrefix: count, newType: .dhtTraffic) {
            try fuzzCheck(r.upperBound == frame.count && r.lowerBound == count && r.count >= 3, "rewriteInPlace range \(r)")
            let declared = Int(frame[r.lowerBound]) << 8 | Int(frame[r.lowerBound + 1])
            try fuzzCheck(declared == r.count - 2 && frame[r.lowerBound + 2] == WireType.dhtTraffic.rawValue, "rewritten prefix")
        }
    }
}

// MARK: - router

/// Drives one Router with a byte-coded sequence of operations: raw frames on its links, messages
/// the harness builds and signs with keys it owns (so that signature checks pass and the deep
/// paths are reached), time steps, and links going up and down. Every `close` action is honoured
/// with `linkDown`, as the node does. Properties: no trap; every frame the router sends decodes
/// and re-encodes to itself, fits a frame and goes to a link that is up; an undecodable frame on
/// a live link is answered with a `close` of that link; the peer table matches the live links.
struct RouterFuzzHarness {
    /// Key 0 is the router's own; keys 1–3 belong to the peers of links 1–3; 4–5 to distant nodes.
    static let pairs: [SigningKeyPair] = (0..<6).map { i in
        try! SigningKeyPair(seed: (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i &* 101 &+ 7) })
    }
    static let links: [LinkID] = [1, 2, 3, 99]  // 99 is never up
    static let timeSteps: [Double] = [0, 0.01, 0.5, 1, 1.5, 7, 30, 61, 1801, 3601, 7201]
    static let bigPorts: [PeerPort] = [0x7f, 0x80, 0x3fff, 0x4000, 1 << 32, 1 << 63, UInt64.max, 617]
    static let startUnixTime = 1_795_313_042.0

    var router: Router
    var now = 0.0
    var linkKey: [LinkID: Int] = [:]
    /// Frames the router sent, for the echo operation.
    var sent: [[UInt8]] = []

    var local: PublicKey { Self.pairs[0].publicKey }

    init() {
        router = Router(keys: Self.pairs[0], now: 0, unixTime: Self.startUnixTime, setupSeqStart: 0)
    }

    static func run(_ data: UnsafeRawBufferPointer) throws {
        var h = RouterFuzzHarness()
        h.router.linkUp(1, key: pairs[1].publicKey, priority: 0, now: 0)
        h.linkKey[1] = 1
        h.router.linkUp(2, key: pairs[2].publicKey, priority: 0, now: 0)
        h.linkKey[2] = 2
        try h.drain()
        var c = Cursor(data: data)
        var ops = 0
        while !c.isAtEnd && ops < 128 {
            ops += 1
            try h.step(&c)
        }
        // Let every timer run out, in a few jumps.
        for _ in 0..<4 {
            guard let wake = h.router.nextWakeup else { break }
            h.now = max(h.now, wake)
            h.router.tick(now: h.now)
            try h.drain()
        }
    }

    struct Cursor {
        let data: UnsafeRawBufferPointer
        var pos = 0
        var isAtEnd: Bool { pos >= data.count }
        mutating func u8() -> UInt8 {
            guard pos < data.count else { return 0 }
            defer { pos += 1 }
            return data[pos]
        }
        mutating func take(_ n: Int) -> UnsafeRawBufferPointer {
            let k = min(n, data.count - pos)
            defer { pos += k }
            return UnsafeRawBufferPointer(rebasing: data[pos..<pos + k])
        }
        mutating func port() -> PeerPort {
            let b = u8()
            return b < 0xf8 ? PeerPort(b & 7) : RouterFuzzHarness.bigPorts[Int(b & 7)]
        }
        mutating func nonzeroPort() -> PeerPort { max(1, port()) }
        mutating func ports(nonzero: Bool) -> [PeerPort] {
            (0..<Int(u8() % 5)).map { _ in nonzero ? nonzeroPort() : port() }
        }
        mutating func key() -> Int { Int(u8()) % RouterFuzzHarness.pairs.count }
    }

    func link(_ b: UInt8) -> LinkID { Self.links[Int(b) % Self.links.count] }

    /// A root: usually the router's current one, else any key.
    func root(_ c: inout Cursor) -> PublicKey {
        let b = c.u8()
        return b < 0x80 ? router.root : Self.pairs[Int(b) % Self.pairs.count].publicKey
    }

    /// A tree seq: usually the router's current one (or near it), else a small number.
    func seq(_ c: inout Cursor) -> UInt64 {
        let b = c.u8()
        switch b >> 6 {
        case 0, 1: return router.rootSeq
        case 2: return router.rootSeq &+ UInt64(b & 3)
        default: return UInt64(b & 0x3f)
        }
    }

    func label(_ c: inout Cursor) -> TreeLabel {
        let signer = Self.pairs[c.key()]
        let r = root(&c)
        let s = seq(&c)
        let usePath = c.u8()
        let path = usePath < 0x40 ? router.coords : c.ports(nonzero: false)
        return TreeLabel(signedBy: signer, root: r, seq: s, path: path)
    }

    func token(_ c: inout Cursor, source: PublicKey? = nil) -> DHTSetupToken {
        let src = source ?? Self.pairs[c.key()].publicKey
        let dest = label(&c)
        let signer = Self.pairs.first { $0.publicKey == dest.key }!
        return DHTSetupToken(signedBy: signer, source: src, dest: dest)
    }

    mutating func step(_ c: inout Cursor) throws {
        let op = c.u8()
        switch op % 16 {
        case 0:
            // A raw frame (type ‖ body) from the input.
            let l = link(c.u8())
            let length = Int(c.u8()) << 8 | Int(c.u8())
            let frame = c.take(length)
            try receive(frame, on: l)
        case 1:
            now += Self.timeSteps[Int(c.u8()) % Self.timeSteps.count]
            router.tick(now: now)
            try drain()
        case 2:
            let l = link(c.u8())
            router.linkDown(l, now: now)
            linkKey[l] = nil
            try drain(justDown: l)
        case 3:
            let l = link(c.u8())
            let k = c.key()
            let priority = c.u8() % 4
            if l != 99, linkKey[l] == nil {
                router.linkUp(l, key: Self.pairs[k].publicKey, priority: priority, now: now)
                linkKey[l] = k
                try drain()
            }
        case 4:
            let dest = Self.pairs[c.key()].publicKey
            let kind = TrafficKind(rawValue: c.u8() % 4)
            let payload = Array(c.take(Int(c.u8() % 32)))
            router.send(payload: payload, to: dest, kind: kind, now: now)
            try drain()
        case 5:
            // A tree announcement from the peer of a link, correctly signed hop by hop:
            // root → intermediates → sender → us (the sender and us may be swapped for others).
            let l = link(c.u8())
            let flags = c.u8()
            let rootIndex = c.key()
            let seq: UInt64 = flags & 1 == 0 ? router.rootSeq &+ UInt64(c.u8() % 3) : UInt64(c.u8())
            var nexts = (0..<Int(c.u8() % 4)).map { _ in c.key() }
            let sender = flags & 2 == 0 ? (linkKey[l] ?? 1) : c.key()
            if sender != rootIndex || !nexts.isEmpty { nexts.append(sender) }
            nexts.append(flags & 4 == 0 ? 0 : c.key())
            var ann = TreeAnnouncement(root: Self.pairs[rootIndex].publicKey, seq: seq)
            var signer = rootIndex
            for n in nexts {
                ann = ann.appendingHop(next: Self.pairs[n].publicKey, port: c.nonzeroPort(), signedBy: Self.pairs[signer])
                signer = n
            }
            try send(ann, on: l, corrupt: flags & 8 != 0, &c)
        case 6:
            let l = link(c.u8())
            try send(DHTBootstrap(label: label(&c)), on: l, corrupt: false, &c)
        case 7:
            let lb = c.u8()
            let l = link(lb)
            let boot = DHTBootstrap(label: label(&c))
            let toUs = c.u8() < 0xc0
            let ack = DHTBootstrapAck(bootstrap: boot, response: token(&c, source: toUs ? local : nil))
            try send(ack, on: l, corrupt: lb & 0xc0 == 0xc0, &c)
        case 8:
            let l = link(c.u8())
            let source = Self.pairs[c.key()]
            let setup = DHTSetup(signedBy: source, seq: UInt64(c.u8() % 4), token: token(&c, source: source.publicKey))
            try send(setup, on: l, corrupt: c.u8() >= 0xf0, &c)
        case 9:
            let l = link(c.u8())
            let td = DHTTeardown(seq: UInt64(c.u8() % 4), key: Self.pairs[c.key()].publicKey, root: root(&c), rootSeq: seq(&c))
            try send(td, on: l, corrupt: false, &c)
        case 10:
            let lb = c.u8()
            let l = link(lb)
            try send(notify(&c), on: l, corrupt: lb & 0xc0 == 0xc0, &c)
        case 11:
            let lb = c.u8()
            let l = link(lb)
            let lookup = PathLookup(notify: notify(&c), rpath: c.ports(nonzero: true))
            try send(lookup, on: l, corrupt: lb & 0xc0 == 0xc0, &c)
        case 12:
            let l = link(c.u8())
            let r = PathResponse(from: Self.pairs[c.key()].publicKey, route: c.ports(nonzero: true), rpath: c.ports(nonzero: true))
            try send(r, on: l, corrupt: false, &c)
        case 13:
            let l = link(c.u8())
            let t = traffic(&c)
            try send(t, on: l, corrupt: false, &c)
        case 14:
            let l = link(c.u8())
            let p = PathTraffic(route: c.ports(nonzero: true), traffic: traffic(&c))
            try send(p, on: l, corrupt: false, &c)
        default:
            // Echo a frame the router sent back to it, on some link.
            let l = link(c.u8())
            let i = Int(c.u8())
            if !sent.isEmpty {
                let frame = sent[i % sent.count]
                // Through the [UInt8] overload of Router.receive.
                let live = linkKey[l] != nil
                router.receive(frame: frame, from: l, now: now)
                let closed = try drain()
                if live && (try? WireMessage(decoding: frame)) == nil {
                    try fuzzCheck(closed.contains(l), "undecodable echoed frame did not close link \(l)")
                }
            } else {
                try send(Dummy(priority: c.u8()), on: l, corrupt: false, &c)
            }
        }
    }

    func notify(_ c: inout Cursor) -> PathNotify {
        let l = label(&c)
        let signer = Self.pairs.first { $0.publicKey == l.key }!
        return PathNotify(signedBy: signer, dest: Self.pairs[c.key()].publicKey, label: l)
    }

    func traffic(_ c: inout Cursor) -> DHTTraffic {
        let source = Self.pairs[c.key()].publicKey
        let dest = Self.pairs[c.key()].publicKey
        let kind = TrafficKind(rawValue: c.u8() % 4)
        return DHTTraffic(source: source, dest: dest, kind: kind, payload: Array(c.take(Int(c.u8() % 16))))
    }

    mutating func send<M: WireMessageBody>(_ m: M, on l: LinkID, corrupt: Bool, _ c: inout Cursor) throws {
        var frame = [M.wireType.rawValue]
        m.encode(into: &frame)
        if corrupt {
            let at = Int(c.u8()) << 8 | Int(c.u8())
            frame[at % frame.count] ^= max(1, c.u8())
        }
        guard frame.count <= Frame.maxMessageLength else { return }
        try frame.withUnsafeBytes { try receive($0, on: l) }
    }

    mutating func receive(_ frame: UnsafeRawBufferPointer, on l: LinkID) throws {
        let live = linkKey[l] != nil
        let decodable = (try? WireMessage(decoding: frame)) != nil
        // Differential: the data path (`receiveTraffic`) must do what the general path does, its
        // decision turned into the actions the general path would have queued.
        var general = router
        general.receive(frame: frame, from: l, now: now)
        let disposition = router.receiveTraffic(frame: frame, from: l, now: now)
        switch disposition {
        case .forward, .forwardRewriting:
            let (link, out) = disposition.forwardedFrame(from: frame)!
            router.actions.append(.send(link: link, frame: out))
        case .deliver(let source, let payload):
            router.actions.append(.deliver(source: source, payload: Array(frame[payload])))
        case .handled:
            break
        }
        try fuzzCheck("\(router.actions)" == "\(general.actions)" && "\(router.counters)" == "\(general.counters)",
                      "data path and general path differ on \(FuzzHarness.hex(frame))")
        let closed = try drain()
        if live && !decodable {
            try fuzzCheck(closed.contains(l), "undecodable frame \(FuzzHarness.hex(frame)) on link \(l) did not close it")
        }
    }

    /// Performs the router's actions; returns the links it closed. As in the node, actions are
    /// performed in order, and a link asked to close goes down after the batch that asked for it,
    /// one link at a time (its `linkDown` may queue more actions, e.g. teardowns on other links).
    ///
    /// `linkDown(l)` may "send" a teardown on `l` itself: a DHT path that came in and went out on
    /// the same link is torn down toward its other side, which is `l` again. Ironwood does the
    /// same (`dhtree.remove` → `_teardown` → `sendTeardown` to the removed peer, a no-op) and the
    /// node drops sends to a link ID it no longer has (IDs are never reused), so exactly those
    /// sends are tolerated: `justDown` is the link the caller has just taken down.
    @discardableResult
    mutating func drain(justDown: LinkID? = nil) throws -> [LinkID] {
        var closed: [LinkID] = []
        var pending: [LinkID] = []
        var tolerated = justDown
        var rounds = 0
        while rounds < 64 {
            rounds += 1
            let batch = router.takeActions()
            if batch.isEmpty {
                guard !pending.isEmpty else { break }
                let l = pending.removeFirst()
                router.linkDown(l, now: now)
                linkKey[l] = nil
                closed.append(l)
                tolerated = l
                continue
            }
            defer { tolerated = nil }
            for action in batch {
                switch action {
                case .send(let l, let frame):
                    try fuzzCheck(linkKey[l] != nil || l == tolerated, "sent on link \(l), which is not up")
                    try fuzzCheck(!frame.isEmpty && frame.count <= Frame.maxMessageLength, "sent a frame of \(frame.count) bytes")
                    let decoded = frame.withUnsafeBytes { FuzzHarness.decodeMessage($0) }
                    guard case .success(let m) = decoded else {
                        throw FuzzFailure("the router sent an undecodable frame: \(decoded) \(FuzzHarness.hex(frame))")
                    }
                    var again = [m.wireType.rawValue]
                    m.encodeBody(into: &again)
                    try fuzzCheck(again == frame, "a frame the router sent does not re-encode to itself")
                    if sent.count < 64 { sent.append(frame) } else { sent[Int(now) % 64] = frame }
                case .deliver(_, _):
                    break
                case .deliverOutOfBand(_, _, _), .learnedKey:
                    break
                case .close(let l, _):
                    try fuzzCheck(linkKey[l] != nil, "closed link \(l), which is not up")
                    if !pending.contains(l) { pending.append(l) }
                }
            }
        }
        try fuzzCheck(router.actions.isEmpty, "actions keep coming")
        try fuzzCheck(router.tableSizes.peers == linkKey.count, "peer table has \(router.tableSizes.peers) entries for \(linkKey.count) links")
        // What the admin API reads must not trap, and must agree with the links.
        let status = router.peerStatus
        try fuzzCheck(Set(status.map(\.link)) == Set(linkKey.keys), "peerStatus lists \(status.map(\.link)) for links \(linkKey.keys.sorted())")
        try fuzzCheck(Set(status.map(\.port)).count == status.count && !status.contains { $0.port == 0 }, "peer ports not unique and non-zero")
        _ = router.dhtEntries
        _ = router.pathEntries
        _ = router.predecessor
        _ = router.successor
        _ = router.parentLink
        _ = router.nextWakeup
        return closed
    }
}

// MARK: wire05 (protocol 0.5)

/// The "wire05" target: the 0.5.12 routing-layer decoders (routing.md §2–§3). The input is read
/// as the body of every 0.5 message type, as one message (type ‖ body) and as a stream of
/// uvarint-prefixed frames. Whatever decodes must re-encode (never longer: encodings are minimal
/// and bloom filters canonical), decode back equal and be a fixed point; the allocation-free
/// traffic parser and wire-coords distance must agree with the full decoders; errors must be the
/// documented ones. Signature checks and bloom operations run on whatever decoded, to show they
/// cannot trap.
enum Wire05FuzzHarness {
    static func run(_ data: UnsafeRawBufferPointer) throws {
        try bodies(data)
        try message(data)
        try stream(data)
        try coords(data)
    }

    static func decode<M: WireMessage05 & Equatable>(_: M.Type, _ b: UnsafeRawBufferPointer) -> Result<M, WireError> {
        Result { () throws(WireError) -> M in try M(decoding: b) }
    }

    static func roundTrip<M: WireMessage05 & Equatable>(_ m: M, inputLength: Int) throws {
        let body = m.body
        try fuzzCheck(body.count <= inputLength, "re-encoded \(M.wireType) is \(body.count) bytes, longer than the \(inputLength) decoded")
        let again = body.withUnsafeBytes { decode(M.self, $0) }
        guard case .success(let m2) = again else {
            throw FuzzFailure("re-encoded \(M.wireType) does not decode: \(again) body \(FuzzHarness.hex(body))")
        }
        try fuzzCheck(m2 == m, "\(M.wireType) changed in a round trip")
        try fuzzCheck(m2.body == body, "encoding of \(M.wireType) is not a fixed point")
        try fuzzCheck(m.frame == [M.wireType.rawValue] + body, "frame is not type ‖ body")
        let framed: [UInt8]
        do { framed = try Frame05.encode(m) } catch { throw FuzzFailure("framing \(M.wireType) failed: \(error)") }
        let viaFrame = Result { () throws(WireError) -> Message05 in try Frame05.decode(frame: framed) }
        guard case .success(let whole) = viaFrame else { throw FuzzFailure("framed \(M.wireType) does not decode: \(viaFrame)") }
        try fuzzCheck(whole.wireType == M.wireType && whole.frame == m.frame, "Frame05 round trip of \(M.wireType)")
    }

    /// Every exact type: the input as its body.
    static func bodies(_ b: UnsafeRawBufferPointer) throws {
        if case .success(let m) = decode(SigRequest05.self, b) { try roundTrip(m, inputLength: b.count) }
        if case .success(let m) = decode(SigResponse05.self, b) {
            try roundTrip(m, inputLength: b.count)
            let key = PublicKey(w0: m.seq, w1: m.nonce, w2: m.port, w3: 1)
            _ = m.verify(node: key, parent: key)
        }
        if case .success(let m) = decode(Announcement05.self, b) {
            try roundTrip(m, inputLength: b.count)
            try fuzzCheck(m.signedBytes.count == 64 + Uvarint.encodedLength(m.seq) + Uvarint.encodedLength(m.nonce) + Uvarint.encodedLength(m.port), "announcement signed bytes")
            let ok = m.check()
            try fuzzCheck(!(ok && m.port == 0 && m.key != m.parent), "a non-root announcement with port 0 passed its check")
        }
        if case .success(let m) = decode(BloomFilter05.self, b) {
            try roundTrip(m, inputLength: b.count)
            try fuzzCheck(m.words.count == BloomFilter05.wordCount, "bloom word count")
            try fuzzCheck(m.isEmpty == (m == .empty), "bloom isEmpty")
            if b.count >= 32, let x = PublicKey(bytes: UnsafeRawBufferPointer(rebasing: b[0..<32])) {
                let t = KeyTransform05.subnetKey(x)
                try fuzzCheck(KeyTransform05.subnetKey(t) == t, "key transform is not idempotent")
                try fuzzCheck(t.w0 | x.w0 == t.w0 && t.w1 | x.w1 == t.w1 && t.w2 | x.w2 == t.w2 && t.w3 | x.w3 == t.w3, "transform cleared a bit")
                var f = m
                f.insert(t)
                try fuzzCheck(f.contains(t), "inserted key not contained")
                try fuzzCheck(f.union(m) == f && m.union(f) == f, "union is not a superset")
                for l in BloomFilter05.locationList(t) { try fuzzCheck(l >= 0 && l < BloomFilter05.bitCount, "location out of range") }
            }
        } else if b.count >= 32, case .failure(let e) = decode(BloomFilter05.self, b) {
            switch e {
            case .truncated, .leftoverBytes, .bloomFlagsConflict: break
            default: throw FuzzFailure("unexpected bloom error \(e)")
            }
        }
        if case .success(let m) = decode(PathLookup05.self, b) {
            try roundTrip(m, inputLength: b.count)
            try fuzzCheck(!m.from.contains(0), "lookup coords hold 0")
        }
        if case .success(let m) = decode(PathNotify05.self, b) {
            try roundTrip(m, inputLength: b.count)
            try fuzzCheck(!m.path.contains(0) && !m.info.path.contains(0), "notify coords hold 0")
            _ = m.info.verify(key: m.source)
        }
        if case .success(let m) = decode(PathBroken05.self, b) {
            try roundTrip(m, inputLength: b.count)
            try fuzzCheck(!m.path.contains(0), "broken coords hold 0")
        }
        try traffic(b)
    }

    /// Type 9 and its allocation-free parser.
    static func traffic(_ b: UnsafeRawBufferPointer) throws {
        let full = decode(Traffic05.self, b)
        let header = Result { () throws(WireError) -> Traffic05Header in try Traffic05Header.parse(b) }
        switch (full, header) {
        case (.success(let t), .success(let h)):
            try roundTrip(t, inputLength: b.count)
            try fuzzCheck(t.source == h.source && t.dest == h.dest && t.watermark == h.watermark, "traffic header fields")
            try fuzzCheck(h.pathRange.lowerBound == 0 && h.pathRange.upperBound == h.fromRange.lowerBound
                          && h.fromRange.upperBound + 64 == h.watermarkRange.lowerBound
                          && h.watermarkRange.upperBound == h.payloadRange.lowerBound && h.payloadRange.upperBound == b.count,
                          "traffic ranges do not tile the body")
            try fuzzCheck(Array(FuzzHarness.slice(b, h.payloadRange)) == t.payload, "traffic payload range")
            let pathWire = FuzzHarness.slice(b, h.pathRange)
            let fromWire = FuzzHarness.slice(b, h.fromRange)
            for other in [t.from, t.path, [], [1], Array(t.path.prefix(1))] {
                try fuzzCheck(Coords05.distance(wire: pathWire, other) == Coords05.distance(t.path, other), "distance(wire:) on path")
                try fuzzCheck(Coords05.distance(wire: fromWire, other) == Coords05.distance(t.from, other), "distance(wire:) on from")
            }
            try fuzzCheck(Traffic05.headerLength(path: t.path, from: t.from, watermark: t.watermark) <= h.payloadRange.lowerBound, "traffic header length")
        case (.failure(let e1), .failure(let e2)):
            try fuzzCheck(e1 == e2, "Traffic05Header.parse and Traffic05 fail differently: \(e1) vs \(e2)")
        default:
            throw FuzzFailure("Traffic05Header.parse and Traffic05 disagree on \(FuzzHarness.hex(Array(b)))")
        }
    }

    /// The input as type ‖ body.
    static func message(_ data: UnsafeRawBufferPointer) throws {
        let r = Result { () throws(WireError) -> Message05 in try Message05(decoding: data) }
        switch r {
        case .success(let m):
            try fuzzCheck(m.wireType.rawValue == data[0], "decoded type differs from the type byte")
            if m != .dummy && m != .keepAlive {
                try fuzzCheck(m.frame.count <= data.count, "re-encoded message is longer than its input")
                let again = Result { () throws(WireError) -> Message05 in try Message05(decoding: m.frame) }
                try fuzzCheck(again == .success(m), "Message05 round trip")
            }
        case .failure(let e):
            switch e {
            case .emptyPacket: try fuzzCheck(data.isEmpty, "emptyPacket for a non-empty message")
            case .unknownType(let t): try fuzzCheck(data[0] == t && WireType05(rawValue: t) == nil, "bad unknownType")
            case .malformed05(let type, let inner):
                try fuzzCheck(type.rawValue == data[0], "malformed05 names the wrong type")
                if case .malformed05 = inner { throw FuzzFailure("nested malformed05") }
            default: throw FuzzFailure("unexpected top-level error \(e)")
            }
        }
        // Behind its own prefix, the same result.
        if !data.isEmpty && data.count <= Frame05.maxMessageLength {
            let framed = Uvarint.encode(UInt64(data.count)) + Array(data)
            let viaFrame = Result { () throws(WireError) -> Message05 in try Frame05.decode(frame: framed) }
            try fuzzCheck(viaFrame == r, "Frame05.decode disagrees with Message05(decoding:)")
        }
    }

    /// The input as a stream of prefixed frames.
    static func stream(_ data: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < data.count {
            let rest = FuzzHarness.slice(data, offset..<data.count)
            let next = Result { () throws(WireError) -> Range<Int>? in try Frame05.nextMessage(in: rest) }
            switch next {
            case .success(nil): return
            case .success(let range?):
                try fuzzCheck(range.lowerBound >= 1 && range.lowerBound <= 3 && range.upperBound <= rest.count && !range.isEmpty, "nextMessage range \(range)")
                _ = Result { () throws(WireError) -> Message05 in try Message05(decoding: FuzzHarness.slice(rest, range)) }
                offset += range.upperBound
            case .failure(let e):
                switch e {
                case .emptyPacket, .messageTooLong, .uvarintOverflow: return
                default: throw FuzzFailure("unexpected stream error \(e)")
                }
            }
        }
    }

    /// Coords read from the input agree with the wire distance.
    static func coords(_ data: UnsafeRawBufferPointer) throws {
        var reader = WireReader(data)
        guard let c = try? Coords05.read(&reader) else { return }
        try fuzzCheck(!c.contains(0) && Coords05.encodedLength(c) <= reader.offset, "coords read")
        let wire = FuzzHarness.slice(data, 0..<reader.offset)
        for other in [c, [], Array(c.prefix(1)), Array(c.dropLast()) + [7]] {
            try fuzzCheck(Coords05.distance(wire: wire, other) == Coords05.distance(c, other), "distance(wire:)")
        }
    }
}
