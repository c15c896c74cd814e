import RhizomeCrypto

/// The Ed25519 private key as a PEM `PRIVATE KEY` block (PKCS#8), the form of yggdrasil 0.5's
/// `PrivateKeyPath` file and `-exportkey` output. An Ed25519 PKCS#8 document is always the same
/// 16-byte DER header followed by the 32-byte seed, so no general ASN.1 reader is needed.
public enum PrivateKeyPEM {
    /// SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }.
    static let derPrefix: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    /// The Ed25519 algorithm identifier (OID 1.3.101.112) inside the header.
    static let ed25519OID: [UInt8] = [0x06, 0x03, 0x2b, 0x65, 0x70]

    /// `-----BEGIN PRIVATE KEY-----`, base64 of the DER in lines of 64, the END line, newline.
    public static func encode(_ keys: SigningKeyPair) -> String {
        let body = Base64.encode(derPrefix + keys.seed)
        var out = "-----BEGIN PRIVATE KEY-----\n"
        var rest = Substring(body)
        while !rest.isEmpty {
            out += rest.prefix(64) + "\n"
            rest = rest.dropFirst(64)
        }
        return out + "-----END PRIVATE KEY-----\n"
    }

    /// Reads the first PEM block of `text`; the message of a thrown `ConfigError` says what is wrong.
    public static func decode(_ text: String, field: String = "PrivateKeyPath") throws -> SigningKeyPair {
        func fail(_ message: String) -> ConfigError { ConfigError(field: field, message: message) }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map {
            $0.trimmingSuffix(while: \.isWhitespace)
        }
        guard let begin = lines.firstIndex(where: { $0.hasPrefix("-----BEGIN ") && $0.hasSuffix("-----") }) else {
            throw fail("failed to parse PEM file: no -----BEGIN line")
        }
        let type = lines[begin].dropFirst("-----BEGIN ".count).dropLast(5)
        guard let end = lines[(begin + 1)...].firstIndex(of: "-----END \(type)-----") else {
            throw fail("failed to parse PEM file: no -----END \(type)----- line")
        }
        guard type == "PRIVATE KEY" else { throw fail("unexpected PEM type \"\(type)\" (expected PRIVATE KEY)") }
        // Header lines (`Name: value`) are allowed by PEM but unused here; skip them.
        let body = lines[(begin + 1)..<end].filter { !$0.contains(":") }.joined()
        guard let der = Base64.decode(body) else { throw fail("failed to parse PEM file: the body is not base64") }
        guard der.count == derPrefix.count + 32, Array(der.prefix(derPrefix.count)) == derPrefix else {
            let ed = der.count > 12 && Array(der[7..<12]) == ed25519OID
            throw fail(ed ? "failed to unmarshal PKCS8 key: not the 48-byte Ed25519 form" : "private key must be ed25519 key (a PKCS#8 Ed25519 key)")
        }
        return try SigningKeyPair(seed: Array(der.suffix(32)))
    }
}

/// Standard base64 (RFC 4648 §4) with padding, as PEM uses it.
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = UInt32(bytes[i]), b1 = n > 1 ? UInt32(bytes[i + 1]) : 0, b2 = n > 2 ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(n > 1 ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(n > 2 ? alphabet[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Nil for characters outside the alphabet, a length that is not a multiple of 4, or
    /// misplaced padding.
    static func decode(_ text: String) -> [UInt8]? {
        var values = [UInt8]()
        for c in text.utf8 {
            guard let v = alphabet.firstIndex(of: c) else {
                if c == UInt8(ascii: "=") { values.append(64); continue }
                return nil
            }
            values.append(UInt8(v))
        }
        guard values.count % 4 == 0 else { return nil }
        let padding = values.reversed().prefix { $0 == 64 }.count
        guard padding <= 2, !values.dropLast(padding).contains(64) else { return nil }
        var out = [UInt8]()
        var i = 0
        while i < values.count {
            let v = values[i..<i + 4].reduce(UInt32(0)) { $0 << 6 | UInt32($1 == 64 ? 0 : $1) }
            out.append(UInt8(v >> 16 & 0xff))
            out.append(UInt8(v >> 8 & 0xff))
            out.append(UInt8(v & 0xff))
            i += 4
        }
        return Array(out.dropLast(padding))
    }
}

extension Substring {
    func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var s = self
        while let last = s.last, predicate(last) { s = s.dropLast() }
        return s
    }
}
