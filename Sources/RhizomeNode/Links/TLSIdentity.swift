import NIOSSL
import RhizomeCrypto
#if canImport(Glibc)
import Glibc
#endif

/// The TLS side of a node, as yggdrasil 0.4.7 sets it up: a self-signed Ed25519 certificate made
/// from the node key at start-up (CN = the key in hex, serial 1, valid until 9999-12-31), TLS 1.3
/// only, and no certificate verification in either direction — identity is the 38-byte metadata
/// and `?key=` pins, not the certificate.
struct TLSIdentity {
    let server: NIOSSLContext
    let client: NIOSSLContext

    init(keys: SigningKeyPair, now: time_t = time(nil)) throws {
        let certificate = try NIOSSLCertificate(bytes: Self.certificate(keys: keys, notBefore: now), format: .der)
        let key = try NIOSSLPrivateKey(bytes: Self.pkcs8(seed: keys.seed), format: .der)
        var serverConfig = TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
        serverConfig.minimumTLSVersion = .tlsv13
        serverConfig.certificateVerification = .none
        server = try NIOSSLContext(configuration: serverConfig)
        var clientConfig = TLSConfiguration.makeClientConfiguration()
        clientConfig.minimumTLSVersion = .tlsv13
        clientConfig.certificateVerification = .none
        // Offer the certificate if a server asks (0.4.7 does), and accept Ed25519 server
        // certificates, which BoringSSL leaves out of signature_algorithms by default.
        clientConfig.certificateChain = [.certificate(certificate)]
        clientConfig.privateKey = .privateKey(key)
        clientConfig.verifySignatureAlgorithms = [.ed25519, .ecdsaSecp256R1Sha256, .ecdsaSecp384R1Sha384,
                                                  .rsaPssRsaeSha256, .rsaPssRsaeSha384, .rsaPssRsaeSha512]
        client = try NIOSSLContext(configuration: clientConfig)
    }

    // MARK: DER

    static let ed25519OID: [UInt8] = [0x06, 0x03, 0x2B, 0x65, 0x70]

    /// RFC 8410 PKCS#8 for an Ed25519 seed.
    static func pkcs8(seed: [UInt8]) -> [UInt8] {
        sequence([0x02, 0x01, 0x00] + sequence(ed25519OID) + tlv(0x04, tlv(0x04, seed)))
    }

    /// A self-signed X.509 v3 certificate for the node key.
    static func certificate(keys: SigningKeyPair, notBefore: time_t) -> [UInt8] {
        let algorithm = sequence(ed25519OID)
        let name = sequence(tlv(0x31, sequence([0x06, 0x03, 0x55, 0x04, 0x03] + tlv(0x0C, Array(keys.publicKey.hex.utf8)))))
        let validity = sequence(tlv(0x17, Array(utcTime(notBefore).utf8)) + tlv(0x18, Array("99991231235959Z".utf8)))
        let spki = sequence(algorithm + tlv(0x03, [0x00] + keys.publicKey.bytes))
        let keyUsage = sequence([0x06, 0x03, 0x55, 0x1D, 0x0F, 0x01, 0x01, 0xFF] + tlv(0x04, tlv(0x03, [0x05, 0xA0])))
        let extKeyUsage = sequence([0x06, 0x03, 0x55, 0x1D, 0x25]
            + tlv(0x04, sequence([0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01])))
        let basic = sequence([0x06, 0x03, 0x55, 0x1D, 0x13, 0x01, 0x01, 0xFF] + tlv(0x04, sequence([])))
        let extensions = tlv(0xA3, sequence(keyUsage + extKeyUsage + basic))
        let tbs = sequence([0xA0, 0x03, 0x02, 0x01, 0x02] + [0x02, 0x01, 0x01] + algorithm + name + validity + name + spki + extensions)
        let signature = keys.sign(tbs).bytes
        return sequence(tbs + algorithm + tlv(0x03, [0x00] + signature))
    }

    static func utcTime(_ t: time_t) -> String {
        var tt = t
        var tmv = tm()
        gmtime_r(&tt, &tmv)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return two((tmv.tm_year + 1900) % 100) + two(tmv.tm_mon + 1) + two(tmv.tm_mday) + two(tmv.tm_hour) + two(tmv.tm_min) + two(tmv.tm_sec) + "Z"
    }

    static func sequence(_ content: [UInt8]) -> [UInt8] { tlv(0x30, content) }

    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out = [tag]
        let n = content.count
        if n < 0x80 {
            out.append(UInt8(n))
        } else if n < 0x100 {
            out += [0x81, UInt8(n)]
        } else {
            out += [0x82, UInt8(n >> 8), UInt8(n & 0xff)]
        }
        return out + content
    }
}
