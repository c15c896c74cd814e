import Logging
import RhizomeCrypto
import RhizomeIPv6
#if canImport(Glibc)
import Glibc
#endif

/// The running node: owns the configuration and identity and, as the layers land, the links,
/// the router, the TUN device and the admin socket. Stops on SIGINT or SIGTERM.
public final class Daemon {
    public let config: NodeConfig
    public let keys: SigningKeyPair
    let log: Logger

    public init(config: NodeConfig, keys: SigningKeyPair, logger: Logger) throws {
        self.config = config
        self.keys = keys
        self.log = logger
    }

    /// Logs the identity, then blocks until SIGINT or SIGTERM. SIGHUP is taken too, so a stray
    /// hangup no longer kills the node (0.4.7 dies on it); it is logged and ignored.
    public func runUntilSignalled() throws {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGHUP)
        pthread_sigmask(SIG_BLOCK, &set, nil)

        log.info("Your public key is \(keys.publicKey.hex)")
        log.info("Your IPv6 address is \(Address(key: keys.publicKey))")
        log.info("Your IPv6 subnet is \(Subnet(key: keys.publicKey))")

        while true {
            var sig: Int32 = 0
            guard sigwait(&set, &sig) == 0 else { continue }
            if sig == SIGHUP {
                log.info("SIGHUP received: ignored (restart the node to apply config changes)")
                continue
            }
            log.info("Stopping (signal \(sig))")
            return
        }
    }
}
