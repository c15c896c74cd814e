/* Throughput of the session cipher's two halves for 64 KiB messages (the size TCP through the
   overlay sends): libsodium's XSalsa20 and Poly1305, which the node uses, and OpenSSL 3's
   Poly1305 for comparison (built only with -DWITH_OPENSSL). Run by Benchmarks/crypto-speed. */
#include <sodium.h>
#include <stdio.h>
#include <time.h>
#ifdef WITH_OPENSSL
#include <openssl/evp.h>
#endif

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static unsigned char message[65536], tag[16], key[32], nonce[24];

int main(void) {
    if (sodium_init() < 0) return 1;
    randombytes_buf(message, sizeof message);
    randombytes_buf(key, sizeof key);
    const int rounds = 20000;
    double start = seconds();
    for (int i = 0; i < rounds; i++) crypto_onetimeauth(tag, message, sizeof message, key);
    printf("libsodium Poly1305   %6.2f GB/s\n", rounds * (double)sizeof message / (seconds() - start) / 1e9);
    start = seconds();
    for (int i = 0; i < rounds / 4; i++) crypto_stream_xsalsa20_xor(message, message, sizeof message, nonce, key);
    printf("libsodium XSalsa20   %6.2f GB/s\n", rounds / 4 * (double)sizeof message / (seconds() - start) / 1e9);
#ifdef WITH_OPENSSL
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "POLY1305", NULL);
    EVP_MAC_CTX *context = mac ? EVP_MAC_CTX_new(mac) : NULL;
    if (!context) { printf("OpenSSL Poly1305     unavailable\n"); return 0; }
    size_t length = 0;
    start = seconds();
    for (int i = 0; i < rounds; i++) {
        EVP_MAC_init(context, key, sizeof key, NULL);
        EVP_MAC_update(context, message, sizeof message);
        EVP_MAC_final(context, tag, &length, sizeof tag);
    }
    printf("OpenSSL Poly1305     %6.2f GB/s\n", rounds * (double)sizeof message / (seconds() - start) / 1e9);
    EVP_MAC_CTX_free(context);
    EVP_MAC_free(mac);
#endif
    return 0;
}
