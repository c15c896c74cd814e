// swift-tools-version:6.0
import PackageDescription

// Layers, outermost last; arrows point down only (see README "Layout"):
//   CSodium -> RhizomeCrypto -> RhizomeCore (wire + routing, sans-IO) -> RhizomeSessions, RhizomeIPv6
//   -> RhizomeNodeCore (the layers composed, the data path; sans-IO)
//   -> RhizomeNode (SwiftNIO I/O shell, config) -> executables.
/// The data path's modules are optimised in every configuration: their promise of no allocation
/// per packet holds for optimised code (unoptimised Swift boxes and retains freely), and the test
/// that checks it runs in the default debug build. It also keeps debug-build interop tests fast.
let optimised: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "Rhizome",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Rhizome", targets: ["RhizomeNode"]),
        .executable(name: "rhizome", targets: ["rhizome"]),
        .executable(name: "rhizomectl", targets: ["rhizomectl"]),
        .executable(name: "rhizome-sim", targets: ["rhizome-sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // The metrics endpoint's exposition (swift-metrics comes with it, for CoreMetrics).
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .target(name: "CTun"),
        // ngtcp2 + GnuTLS glue for quic:// links; the libraries are dlopen'ed on first use.
        .target(name: "CQuic", cSettings: [.unsafeFlags(["-O2"])], linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "RhizomeCrypto", dependencies: ["CSodium"], swiftSettings: optimised),
        .target(name: "RhizomeCore", dependencies: ["RhizomeCrypto"], swiftSettings: optimised),
        .target(name: "RhizomeIPv6", dependencies: ["RhizomeCrypto", "RhizomeCore"], swiftSettings: optimised),
        .target(name: "RhizomeSessions", dependencies: ["RhizomeCrypto", "RhizomeCore"], swiftSettings: optimised),
        .target(name: "RhizomeNodeCore", dependencies: ["RhizomeCrypto", "RhizomeCore", "RhizomeSessions", "RhizomeIPv6"], swiftSettings: optimised),
        .target(
            name: "RhizomeNode",
            dependencies: [
                "RhizomeCore", "RhizomeSessions", "RhizomeIPv6", "RhizomeNodeCore", "RhizomeCrypto", "CTun", "CQuic",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            // Optimised in debug builds too: the daemon the interop tests run is this module, and a
            // flood of datagrams at a quic listener (50,000 a second) must cost under half a core.
            swiftSettings: [.swiftLanguageMode(.v5), .unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        .executableTarget(
            name: "rhizome",
            dependencies: [
                "RhizomeNode",
                .product(name: "Logging", package: "swift-log"),
            ],
            // A release daemon carries the Swift runtime (linked statically): it runs without the
            // toolchain and idles 1.5 MiB smaller, with no libswiftCore.so & co. to map and bind.
            // Linked by lld with packed relative relocations (DT_RELR, glibc 2.36) and without
            // exporting its own symbols (the static stdlib asks for -export-dynamic): the loader
            // then reads ~10 KiB of relocations instead of 1.1 MiB, and no 1.7 MiB symbol table
            // and hash, at start (3.3 MiB less idle RSS per daemon).
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-use-ld=lld", "-Xlinker", "--no-export-dynamic",
                                           "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
                                          .when(platforms: [.linux], configuration: .release))]
        ),
        // A fixed data-path workload for instruction counts (Benchmarks/datapath-instructions).
        .executableTarget(name: "rhizome-datapath-bench", dependencies: ["RhizomeNodeCore"], swiftSettings: optimised,
                         linkerSettings: [.linkedLibrary("m")]),
        .target(name: "RhizomeSim", dependencies: ["RhizomeCore", "RhizomeCrypto"]),
        .executableTarget(
            name: "rhizome-sim",
            dependencies: [
                "RhizomeSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "RhizomeSimTests", dependencies: ["RhizomeSim", "RhizomeTestSupport"]),
        .executableTarget(
            name: "rhizomectl",
            dependencies: [
                "RhizomeNode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "RhizomeCryptoTests", dependencies: ["RhizomeCrypto", "RhizomeIPv6"], exclude: ["Vectors"]),
        .testTarget(name: "RhizomeCoreTests", dependencies: ["RhizomeCore", "RhizomeCrypto"], exclude: ["FuzzRegressions"]),
        .testTarget(name: "RhizomeSessionsTests", dependencies: ["RhizomeSessions", "RhizomeIPv6", "RhizomeCore", "RhizomeCrypto"],
                    exclude: ["FuzzRegressions"]),
        .testTarget(name: "RhizomeIPv6Tests", dependencies: ["RhizomeIPv6", "RhizomeCrypto"]),
        // Counts this thread's malloc calls, for the test that the data path allocates nothing.
        .target(name: "CMallocCounter", path: "Tests/CMallocCounter"),
        .testTarget(name: "RhizomeNodeCoreTests", dependencies: ["RhizomeNodeCore", "CMallocCounter"], swiftSettings: optimised),
        .testTarget(name: "RhizomeNodeTests", dependencies: ["RhizomeNode", "RhizomeTestSupport", .product(name: "NIOEmbedded", package: "swift-nio")],
                    exclude: ["FuzzRegressions"]),
        .target(name: "RhizomeTestSupport", path: "Tests/RhizomeTestSupport"),
        .testTarget(name: "RhizomeCLITests", dependencies: ["RhizomeTestSupport"]),
        .testTarget(name: "RhizomeInteropTests", dependencies: ["RhizomeTestSupport"]),
    ]
)
