import CQuic
import RhizomeCrypto
#if canImport(Glibc)
import Glibc
#endif

/// The node's TLS identity for quic:// links: the same self-signed Ed25519 certificate and key as
/// tls:// (see `TLSIdentity`). Making one costs no library load; the GnuTLS credentials are built
/// by the first endpoint that uses it and shared after that.
struct QuicIdentity {
    final class Credentials {
        let certificate: [UInt8]
        let key: [UInt8]
        private var handle: OpaquePointer?

        init(certificate: [UInt8], key: [UInt8]) {
            self.certificate = certificate
            self.key = key
        }

        /// The GnuTLS credentials; loads the libraries on first use.
        func resolve() throws -> OpaquePointer {
            if let handle { return handle }
            try QuicLibrary.load()
            var error = [CChar](repeating: 0, count: 256)
            guard let made = rzq_identity_new(certificate, certificate.count, key, key.count, &error, error.count) else {
                throw QuicLibrary.Unavailable(detail: String(cString: error))
            }
            handle = made
            return made
        }

        deinit { if let handle { rzq_identity_free(handle) } }
    }

    let credentials: Credentials

    init(keys: SigningKeyPair, now: time_t = time(nil)) throws {
        credentials = Credentials(certificate: TLSIdentity.certificate(keys: keys, notBefore: now),
                                  key: TLSIdentity.pkcs8(seed: keys.seed))
    }
}
