#ifndef CQUIC_H
#define CQUIC_H
/* A small opaque API over ngtcp2 1.11 + GnuTLS for Rhizome's quic:// links. The libraries are
 * loaded with dlopen on first use (rzq_load), so a node without quic links never maps them.
 * One rzq_conn is one QUIC connection carrying one bidirectional stream (the link). Not
 * thread-safe: a connection belongs to the thread that drives it. */
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Loads libngtcp2.so.16, libngtcp2_crypto_gnutls.so.8 and libgnutls.so.30 and resolves every
 * function used. NULL on success (and on every later call), else a static error message. */
const char *rzq_load(void);
/* 1 once rzq_load has succeeded. */
int rzq_is_loaded(void);
/* Fills buf with random bytes from GnuTLS (rzq_load must have succeeded). */
void rzq_random(uint8_t *buf, size_t len);

typedef struct rzq_identity rzq_identity;
/* Certificate (DER X.509) and key (DER PKCS#8) for both TLS roles; NULL and err filled on failure. */
rzq_identity *rzq_identity_new(const uint8_t *cert, size_t certlen, const uint8_t *key, size_t keylen,
                               char *err, size_t errlen);
void rzq_identity_free(rzq_identity *identity);

typedef struct rzq_config {
    uint64_t max_stream_data;      /* initial stream flow-control window (both directions) */
    uint64_t max_data;             /* initial connection flow-control window */
    uint64_t max_stream_window;    /* auto-tuning ceilings */
    uint64_t max_window;
    uint64_t idle_timeout_ns;
    uint64_t keep_alive_ns;
    uint64_t handshake_timeout_ns;
    size_t max_udp_payload;        /* largest datagram we send (PMTUD probes up to it) */
} rzq_config;

/* Length of every connection ID we issue: RZQ_PREFIX_LEN routing bytes chosen by the endpoint,
 * the rest random, so one map entry per connection routes all of its IDs. */
#define RZQ_CID_LEN 16
#define RZQ_PREFIX_LEN 8

/* A classic BPF socket filter for a UDP socket whose endpoint begins every connection ID it
 * issues with the 4 bytes of `tag` (big-endian): the kernel then drops, before any wake-up or
 * copy, every datagram that cannot be QUIC for this socket. Kept: long headers of versions 1, 2
 * and 0 (version negotiation), and short headers whose destination ID starts with the tag.
 * Everything else (garbage, other versions, short headers for IDs we never issued, stateless
 * resets, which the endpoint would not route either) never leaves the kernel. */
typedef struct rzq_bpf_insn { uint16_t code; uint8_t jt; uint8_t jf; uint32_t k; } rzq_bpf_insn;
typedef struct rzq_bpf_prog { unsigned short len; rzq_bpf_insn *filter; } rzq_bpf_prog;
#define RZQ_CID_FILTER_LEN 10
/* Writes the program (RZQ_CID_FILTER_LEN instructions) into out; returns its length. */
int rzq_cid_filter(rzq_bpf_insn *out, uint32_t tag);
/* SOL_SOCKET and SO_ATTACH_FILTER, for setsockopt with an rzq_bpf_prog. */
int rzq_so_attach_filter(void);

/* The destination connection ID of a datagram (short headers: RZQ_CID_LEN bytes). Returns 0 and
 * fills the out values, or -1 when the header does not parse or has an unsupported version. */
int rzq_decode_dcid(const uint8_t *pkt, size_t len, const uint8_t **dcid, size_t *dcidlen, int *is_long);
/* 0 when the datagram is an acceptable client Initial for a new server connection. */
int rzq_accept_check(const uint8_t *pkt, size_t len);

typedef struct rzq_conn rzq_conn;

rzq_conn *rzq_conn_client_new(rzq_identity *identity, const rzq_config *config, const uint8_t *prefix,
                              const struct sockaddr *local, socklen_t locallen,
                              const struct sockaddr *remote, socklen_t remotelen, uint64_t now,
                              char *err, size_t errlen);
/* A server connection for the client Initial in pkt (which must then be passed to rzq_conn_read). */
rzq_conn *rzq_conn_server_new(rzq_identity *identity, const rzq_config *config, const uint8_t *prefix,
                              const uint8_t *pkt, size_t len,
                              const struct sockaddr *local, socklen_t locallen,
                              const struct sockaddr *remote, socklen_t remotelen, uint64_t now,
                              char *err, size_t errlen);
void rzq_conn_free(rzq_conn *conn);

/* Connection states, as bit flags from rzq_conn_state. */
#define RZQ_HANDSHAKE_DONE 1
#define RZQ_STREAM_OPEN 2      /* client: stream 0 opened; server: the peer's first bidi stream arrived */
#define RZQ_PEER_FIN 4         /* the peer finished or reset the link stream */
#define RZQ_CLOSE_PENDING 8    /* a CONNECTION_CLOSE is to be written by rzq_conn_write */
#define RZQ_DEAD 16            /* gone: drop without sending anything */

int rzq_conn_state(const rzq_conn *conn);
/* Why the connection is closing/dead ("" if not). */
const char *rzq_conn_reason(const rzq_conn *conn);

/* Feeds one datagram. 0 when fine; negative when the connection is closing or dead (see state). */
int rzq_conn_read(rzq_conn *conn, const uint8_t *pkt, size_t len,
                  const struct sockaddr *remote, socklen_t remotelen, uint64_t now);

/* Writes up to max_packets packets of one GSO batch (equal sizes, the last may be shorter) into
 * buf. Returns the byte count (0: nothing to send now), with *segment the packet size and dest the
 * destination; negative when the connection is dead. Writes the CONNECTION_CLOSE when one is
 * pending (and then marks the connection dead). */
ssize_t rzq_conn_write(rzq_conn *conn, uint8_t *buf, size_t cap, size_t max_packets, size_t *segment,
                       struct sockaddr_storage *dest, socklen_t *destlen, uint64_t now);

/* Tells the pacer that a burst of writes ended before rzq_conn_write returned 0. */
void rzq_conn_burst_done(rzq_conn *conn, uint64_t now);

/* Starts a local close with an application error 0 and this reason. */
void rzq_conn_close(rzq_conn *conn, const char *reason);

uint64_t rzq_conn_expiry(rzq_conn *conn);   /* UINT64_MAX when none */
int rzq_conn_handle_expiry(rzq_conn *conn, uint64_t now);

/* Appends bytes to the link stream's send buffer (copied; kept until acknowledged). */
void rzq_conn_append(rzq_conn *conn, const uint8_t *bytes, size_t len);
/* Bytes appended but not yet acknowledged. */
uint64_t rzq_conn_buffered(const rzq_conn *conn);

/* Received link-stream bytes not yet taken; rzq_conn_consume releases them and reopens the
 * flow-control window by as much. */
size_t rzq_conn_received(rzq_conn *conn, const uint8_t **bytes);
void rzq_conn_consume(rzq_conn *conn);

#ifdef __cplusplus
}
#endif
#endif
