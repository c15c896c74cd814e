/* ngtcp2 1.11 + GnuTLS glue for Rhizome's quic:// links: the callback-heavy parts of a QUIC
 * connection, behind the opaque API in cquic.h. Every library function is reached through a
 * pointer resolved with dlsym, so nothing here links against ngtcp2 or GnuTLS: the shared
 * objects are mapped only when the first quic endpoint is made. */
#define _GNU_SOURCE
#include "cquic.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_gnutls.h>

/* Functions called directly: name, library index (0 ngtcp2, 1 crypto, 2 gnutls). */
#define RZQ_FUNCTIONS(X)                                  \
    X(ngtcp2_pkt_decode_version_cid, 0)                   \
    X(ngtcp2_accept, 0)                                   \
    X(ngtcp2_conn_client_new_versioned, 0)                \
    X(ngtcp2_conn_server_new_versioned, 0)                \
    X(ngtcp2_conn_del, 0)                                 \
    X(ngtcp2_settings_default_versioned, 0)               \
    X(ngtcp2_transport_params_default_versioned, 0)       \
    X(ngtcp2_conn_read_pkt_versioned, 0)                  \
    X(ngtcp2_conn_writev_stream_versioned, 0)             \
    X(ngtcp2_conn_write_connection_close_versioned, 0)    \
    X(ngtcp2_conn_get_expiry, 0)                          \
    X(ngtcp2_conn_handle_expiry, 0)                       \
    X(ngtcp2_conn_update_pkt_tx_time, 0)                  \
    X(ngtcp2_conn_set_keep_alive_timeout, 0)              \
    X(ngtcp2_conn_set_tls_native_handle, 0)               \
    X(ngtcp2_conn_open_bidi_stream, 0)                    \
    X(ngtcp2_conn_extend_max_stream_offset, 0)            \
    X(ngtcp2_conn_extend_max_offset, 0)                   \
    X(ngtcp2_conn_get_ccerr, 0)                           \
    X(ngtcp2_conn_get_tls_alert, 0)                       \
    X(ngtcp2_conn_get_handshake_completed, 0)             \
    X(ngtcp2_conn_get_max_tx_udp_payload_size, 0)         \
    X(ngtcp2_ccerr_default, 0)                            \
    X(ngtcp2_ccerr_set_application_error, 0)              \
    X(ngtcp2_ccerr_set_liberr, 0)                         \
    X(ngtcp2_ccerr_set_tls_alert, 0)                      \
    X(ngtcp2_cid_init, 0)                                 \
    X(ngtcp2_path_storage_zero, 0)                        \
    X(ngtcp2_strerror, 0)                                 \
    X(ngtcp2_crypto_gnutls_configure_client_session, 1)   \
    X(ngtcp2_crypto_gnutls_configure_server_session, 1)   \
    X(gnutls_init, 2)                                     \
    X(gnutls_deinit, 2)                                   \
    X(gnutls_priority_set_direct, 2)                      \
    X(gnutls_session_set_ptr, 2)                          \
    X(gnutls_credentials_set, 2)                          \
    X(gnutls_certificate_allocate_credentials, 2)         \
    X(gnutls_certificate_free_credentials, 2)             \
    X(gnutls_certificate_set_x509_key_mem2, 2)            \
    X(gnutls_strerror, 2)                                 \
    X(gnutls_rnd, 2)

/* ngtcp2_crypto callbacks handed to ngtcp2 as function pointers. */
#define RZQ_CALLBACKS(X)                                  \
    X(ngtcp2_crypto_client_initial_cb)                    \
    X(ngtcp2_crypto_recv_client_initial_cb)               \
    X(ngtcp2_crypto_recv_crypto_data_cb)                  \
    X(ngtcp2_crypto_encrypt_cb)                           \
    X(ngtcp2_crypto_decrypt_cb)                           \
    X(ngtcp2_crypto_hp_mask_cb)                           \
    X(ngtcp2_crypto_recv_retry_cb)                        \
    X(ngtcp2_crypto_update_key_cb)                        \
    X(ngtcp2_crypto_delete_crypto_aead_ctx_cb)            \
    X(ngtcp2_crypto_delete_crypto_cipher_ctx_cb)          \
    X(ngtcp2_crypto_get_path_challenge_data_cb)           \
    X(ngtcp2_crypto_version_negotiation_cb)

#define RZQ_DECLARE(name, lib) static __typeof__(name) *p_##name;
RZQ_FUNCTIONS(RZQ_DECLARE)
#define RZQ_DECLARE_CB(name) static __typeof__(name) *p_##name;
RZQ_CALLBACKS(RZQ_DECLARE_CB)

/* From here on the header's names (and its *_versioned macros) call through the pointers. */
#define ngtcp2_pkt_decode_version_cid (*p_ngtcp2_pkt_decode_version_cid)
#define ngtcp2_accept (*p_ngtcp2_accept)
#define ngtcp2_conn_client_new_versioned (*p_ngtcp2_conn_client_new_versioned)
#define ngtcp2_conn_server_new_versioned (*p_ngtcp2_conn_server_new_versioned)
#define ngtcp2_conn_del (*p_ngtcp2_conn_del)
#define ngtcp2_settings_default_versioned (*p_ngtcp2_settings_default_versioned)
#define ngtcp2_transport_params_default_versioned (*p_ngtcp2_transport_params_default_versioned)
#define ngtcp2_conn_read_pkt_versioned (*p_ngtcp2_conn_read_pkt_versioned)
#define ngtcp2_conn_writev_stream_versioned (*p_ngtcp2_conn_writev_stream_versioned)
#define ngtcp2_conn_write_connection_close_versioned (*p_ngtcp2_conn_write_connection_close_versioned)
#define ngtcp2_conn_get_expiry (*p_ngtcp2_conn_get_expiry)
#define ngtcp2_conn_handle_expiry (*p_ngtcp2_conn_handle_expiry)
#define ngtcp2_conn_update_pkt_tx_time (*p_ngtcp2_conn_update_pkt_tx_time)
#define ngtcp2_conn_set_keep_alive_timeout (*p_ngtcp2_conn_set_keep_alive_timeout)
#define ngtcp2_conn_set_tls_native_handle (*p_ngtcp2_conn_set_tls_native_handle)
#define ngtcp2_conn_open_bidi_stream (*p_ngtcp2_conn_open_bidi_stream)
#define ngtcp2_conn_extend_max_stream_offset (*p_ngtcp2_conn_extend_max_stream_offset)
#define ngtcp2_conn_extend_max_offset (*p_ngtcp2_conn_extend_max_offset)
#define ngtcp2_conn_get_ccerr (*p_ngtcp2_conn_get_ccerr)
#define ngtcp2_conn_get_tls_alert (*p_ngtcp2_conn_get_tls_alert)
#define ngtcp2_conn_get_handshake_completed (*p_ngtcp2_conn_get_handshake_completed)
#define ngtcp2_conn_get_max_tx_udp_payload_size (*p_ngtcp2_conn_get_max_tx_udp_payload_size)
#define ngtcp2_ccerr_default (*p_ngtcp2_ccerr_default)
#define ngtcp2_ccerr_set_application_error (*p_ngtcp2_ccerr_set_application_error)
#define ngtcp2_ccerr_set_liberr (*p_ngtcp2_ccerr_set_liberr)
#define ngtcp2_ccerr_set_tls_alert (*p_ngtcp2_ccerr_set_tls_alert)
#define ngtcp2_cid_init (*p_ngtcp2_cid_init)
#define ngtcp2_path_storage_zero (*p_ngtcp2_path_storage_zero)
#define ngtcp2_strerror (*p_ngtcp2_strerror)
#define ngtcp2_crypto_gnutls_configure_client_session (*p_ngtcp2_crypto_gnutls_configure_client_session)
#define ngtcp2_crypto_gnutls_configure_server_session (*p_ngtcp2_crypto_gnutls_configure_server_session)
#define gnutls_init (*p_gnutls_init)
#define gnutls_deinit (*p_gnutls_deinit)
#define gnutls_priority_set_direct (*p_gnutls_priority_set_direct)
#define gnutls_session_set_ptr (*p_gnutls_session_set_ptr)
#define gnutls_credentials_set (*p_gnutls_credentials_set)
#define gnutls_certificate_allocate_credentials (*p_gnutls_certificate_allocate_credentials)
#define gnutls_certificate_free_credentials (*p_gnutls_certificate_free_credentials)
#define gnutls_certificate_set_x509_key_mem2 (*p_gnutls_certificate_set_x509_key_mem2)
#define gnutls_strerror (*p_gnutls_strerror)
#define gnutls_rnd (*p_gnutls_rnd)

static int loaded;
static char load_error[512];

static const char *const library_names[3] = {
    "libngtcp2.so.16", "libngtcp2_crypto_gnutls.so.8", "libgnutls.so.30",
};

const char *rzq_load(void) {
    if (loaded) return NULL;
    void *libs[3];
    for (int i = 0; i < 3; i++) {
        libs[i] = dlopen(library_names[i], RTLD_NOW | RTLD_LOCAL);
        if (!libs[i]) {
            const char *e = dlerror();
            snprintf(load_error, sizeof load_error, "cannot load %s (%s)", library_names[i], e ? e : "not found");
            return load_error;
        }
    }
    void *sym;
#define RZQ_RESOLVE(name, lib)                                                                    \
    sym = dlsym(libs[lib], #name);                                                                \
    if (!sym) {                                                                                   \
        snprintf(load_error, sizeof load_error, "%s lacks %s", library_names[lib], #name);        \
        return load_error;                                                                        \
    }                                                                                             \
    memcpy(&p_##name, &sym, sizeof sym);
    RZQ_FUNCTIONS(RZQ_RESOLVE)
#define RZQ_RESOLVE_CB(name) RZQ_RESOLVE(name, 1)
    RZQ_CALLBACKS(RZQ_RESOLVE_CB)
    loaded = 1;
    return NULL;
}

int rzq_is_loaded(void) { return loaded; }

void rzq_random(uint8_t *buf, size_t len) { gnutls_rnd(GNUTLS_RND_RANDOM, buf, len); }

/* MARK: identity */

struct rzq_identity {
    gnutls_certificate_credentials_t credentials;
};

rzq_identity *rzq_identity_new(const uint8_t *cert, size_t certlen, const uint8_t *key, size_t keylen,
                               char *err, size_t errlen) {
    rzq_identity *identity = calloc(1, sizeof *identity);
    if (!identity) { snprintf(err, errlen, "out of memory"); return NULL; }
    int rv = gnutls_certificate_allocate_credentials(&identity->credentials);
    if (rv != 0) { snprintf(err, errlen, "%s", gnutls_strerror(rv)); free(identity); return NULL; }
    gnutls_datum_t c = {(unsigned char *)cert, (unsigned int)certlen};
    gnutls_datum_t k = {(unsigned char *)key, (unsigned int)keylen};
    rv = gnutls_certificate_set_x509_key_mem2(identity->credentials, &c, &k, GNUTLS_X509_FMT_DER, NULL, 0);
    if (rv < 0) {
        snprintf(err, errlen, "certificate or key rejected: %s", gnutls_strerror(rv));
        gnutls_certificate_free_credentials(identity->credentials);
        free(identity);
        return NULL;
    }
    return identity;
}

void rzq_identity_free(rzq_identity *identity) {
    if (!identity) return;
    gnutls_certificate_free_credentials(identity->credentials);
    free(identity);
}

/* MARK: connection */

/* Send-buffer chunks never move: ngtcp2 keeps pointers into them until the bytes are acked. */
#define CHUNK_SIZE (64 * 1024)
typedef struct chunk {
    struct chunk *next;
    uint64_t start; /* stream offset of data[0] */
    size_t len;
    uint8_t data[CHUNK_SIZE];
} chunk;

struct rzq_conn {
    ngtcp2_crypto_conn_ref conn_ref;
    ngtcp2_conn *conn;
    gnutls_session_t session;
    int is_server;
    int state;
    uint8_t prefix[RZQ_PREFIX_LEN];
    struct sockaddr_storage local;
    socklen_t locallen;
    struct sockaddr_storage remote;
    socklen_t remotelen;
    int64_t stream; /* the link stream, -1 before it exists */
    uint16_t probes[3]; /* PMTUD sizes, largest first (ngtcp2 may keep a pointer) */
    ngtcp2_ccerr ccerr;
    char reason[256];
    /* send buffer */
    chunk *head, *tail, *sendc, *spare;
    uint64_t acked, sent, end;
    /* receive buffer */
    uint8_t *rbuf;
    size_t rlen, rcap;
};

static void set_reason(rzq_conn *c, const char *fmt, const char *a, size_t alen) {
    if (c->reason[0]) return; /* the first reason wins */
    if (a) snprintf(c->reason, sizeof c->reason, fmt, (int)alen, a);
    else snprintf(c->reason, sizeof c->reason, "%s", fmt);
}

static ngtcp2_conn *get_conn(ngtcp2_crypto_conn_ref *ref) { return ((rzq_conn *)ref->user_data)->conn; }

static void rand_cb(uint8_t *dest, size_t destlen, const ngtcp2_rand_ctx *ctx) {
    (void)ctx;
    gnutls_rnd(GNUTLS_RND_RANDOM, dest, destlen);
}

static void make_cid(rzq_conn *c, ngtcp2_cid *cid) {
    uint8_t data[RZQ_CID_LEN];
    memcpy(data, c->prefix, RZQ_PREFIX_LEN);
    gnutls_rnd(GNUTLS_RND_NONCE, data + RZQ_PREFIX_LEN, RZQ_CID_LEN - RZQ_PREFIX_LEN);
    ngtcp2_cid_init(cid, data, RZQ_CID_LEN);
}

static int new_cid_cb(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token, size_t cidlen, void *user) {
    (void)conn;
    if (cidlen != RZQ_CID_LEN) return NGTCP2_ERR_CALLBACK_FAILURE;
    make_cid(user, cid);
    gnutls_rnd(GNUTLS_RND_NONCE, token, NGTCP2_STATELESS_RESET_TOKENLEN);
    return 0;
}

static int stream_open_cb(ngtcp2_conn *conn, int64_t stream_id, void *user) {
    (void)conn;
    rzq_conn *c = user;
    /* The listener takes the peer's first bidirectional stream as the link. */
    if (c->is_server && c->stream < 0 && (stream_id & 0x3) == 0) {
        c->stream = stream_id;
        c->state |= RZQ_STREAM_OPEN;
    }
    return 0;
}

static int recv_stream_data_cb(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id, uint64_t offset,
                               const uint8_t *data, size_t datalen, void *user, void *stream_user) {
    (void)conn; (void)offset; (void)stream_user;
    rzq_conn *c = user;
    if (stream_id != c->stream) return 0; /* other streams are ignored (and never get more credit) */
    if (datalen) {
        if (c->rlen + datalen > c->rcap) {
            size_t cap = c->rcap ? c->rcap : 65536;
            while (cap < c->rlen + datalen) cap *= 2;
            uint8_t *b = realloc(c->rbuf, cap);
            if (!b) return NGTCP2_ERR_CALLBACK_FAILURE;
            c->rbuf = b;
            c->rcap = cap;
        }
        memcpy(c->rbuf + c->rlen, data, datalen);
        c->rlen += datalen;
    }
    if (flags & NGTCP2_STREAM_DATA_FLAG_FIN) {
        c->state |= RZQ_PEER_FIN;
        set_reason(c, "remote side closed the stream", NULL, 0);
    }
    return 0;
}

static void free_acked(rzq_conn *c) {
    if (c->acked >= c->end) {
        /* Everything acknowledged: an idle link keeps no send memory at all. */
        for (chunk *h = c->head; h;) { chunk *n = h->next; free(h); h = n; }
        c->head = c->tail = c->sendc = NULL;
        free(c->spare);
        c->spare = NULL;
        return;
    }
    while (c->head && c->head->start + c->head->len <= c->acked) {
        chunk *h = c->head;
        if (h == c->tail) {
            if (h->len < CHUNK_SIZE) break; /* still being filled */
            c->head = c->tail = c->sendc = NULL;
        } else {
            if (h == c->sendc) c->sendc = h->next; /* fully acked, so fully sent */
            c->head = h->next;
        }
        if (!c->spare) { h->next = NULL; c->spare = h; } else free(h);
    }
}

static int acked_cb(ngtcp2_conn *conn, int64_t stream_id, uint64_t offset, uint64_t datalen, void *user,
                    void *stream_user) {
    (void)conn; (void)stream_user;
    rzq_conn *c = user;
    if (stream_id != c->stream) return 0;
    if (offset + datalen > c->acked) c->acked = offset + datalen;
    free_acked(c);
    return 0;
}

static int stream_close_cb(ngtcp2_conn *conn, uint32_t flags, int64_t stream_id, uint64_t app_error_code,
                           void *user, void *stream_user) {
    (void)conn; (void)flags; (void)app_error_code; (void)stream_user;
    rzq_conn *c = user;
    if (stream_id == c->stream) {
        c->state |= RZQ_PEER_FIN;
        set_reason(c, "the link stream closed", NULL, 0);
    }
    return 0;
}

static int stream_reset_cb(ngtcp2_conn *conn, int64_t stream_id, uint64_t final_size, uint64_t app_error_code,
                           void *user, void *stream_user) {
    (void)conn; (void)final_size; (void)app_error_code; (void)stream_user;
    rzq_conn *c = user;
    if (stream_id == c->stream) {
        c->state |= RZQ_PEER_FIN;
        set_reason(c, "remote side reset the stream", NULL, 0);
    }
    return 0;
}

static int handshake_completed_cb(ngtcp2_conn *conn, void *user) {
    (void)conn;
    ((rzq_conn *)user)->state |= RZQ_HANDSHAKE_DONE;
    return 0;
}

static void fill_callbacks(ngtcp2_callbacks *cb, int server) {
    memset(cb, 0, sizeof *cb);
    if (server) {
        cb->recv_client_initial = p_ngtcp2_crypto_recv_client_initial_cb;
    } else {
        cb->client_initial = p_ngtcp2_crypto_client_initial_cb;
        cb->recv_retry = p_ngtcp2_crypto_recv_retry_cb;
    }
    cb->recv_crypto_data = p_ngtcp2_crypto_recv_crypto_data_cb;
    cb->encrypt = p_ngtcp2_crypto_encrypt_cb;
    cb->decrypt = p_ngtcp2_crypto_decrypt_cb;
    cb->hp_mask = p_ngtcp2_crypto_hp_mask_cb;
    cb->update_key = p_ngtcp2_crypto_update_key_cb;
    cb->delete_crypto_aead_ctx = p_ngtcp2_crypto_delete_crypto_aead_ctx_cb;
    cb->delete_crypto_cipher_ctx = p_ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
    cb->get_path_challenge_data = p_ngtcp2_crypto_get_path_challenge_data_cb;
    cb->version_negotiation = p_ngtcp2_crypto_version_negotiation_cb;
    cb->rand = rand_cb;
    cb->get_new_connection_id = new_cid_cb;
    cb->handshake_completed = handshake_completed_cb;
    cb->stream_open = stream_open_cb;
    cb->recv_stream_data = recv_stream_data_cb;
    cb->acked_stream_data_offset = acked_cb;
    cb->stream_close = stream_close_cb;
    cb->stream_reset = stream_reset_cb;
}

static void fill_settings(rzq_conn *c, ngtcp2_settings *s, ngtcp2_transport_params *p, const rzq_config *cfg,
                          uint64_t now, int server) {
    ngtcp2_settings_default(s);
    /* Path MTU discovery: the configured ceiling first, then common tunnel-sized fallbacks. */
    size_t nprobes = 0;
    const uint16_t sizes[3] = {(uint16_t)cfg->max_udp_payload, 1400, 1280};
    for (int i = 0; i < 3; i++) {
        if (sizes[i] > 1200 && sizes[i] <= cfg->max_udp_payload && (i == 0 || sizes[i] < sizes[0])) c->probes[nprobes++] = sizes[i];
    }
    if (nprobes) {
        s->pmtud_probes = c->probes;
        s->pmtud_probeslen = nprobes;
    }
    s->initial_ts = now;
    s->cc_algo = NGTCP2_CC_ALGO_CUBIC;
    s->max_tx_udp_payload_size = cfg->max_udp_payload;
    s->handshake_timeout = cfg->handshake_timeout_ns;
    s->max_window = cfg->max_window;
    s->max_stream_window = cfg->max_stream_window;
    ngtcp2_transport_params_default(p);
    p->initial_max_stream_data_bidi_local = cfg->max_stream_data;
    p->initial_max_stream_data_bidi_remote = cfg->max_stream_data;
    p->initial_max_stream_data_uni = 0;
    p->initial_max_data = cfg->max_data;
    p->initial_max_streams_bidi = server ? 1 : 0;
    p->initial_max_streams_uni = 0;
    p->max_idle_timeout = cfg->idle_timeout_ns;
}

/* TLS 1.3 only, no middlebox compatibility mode (QUIC forbids it). */
static const char *const priority =
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-CCM:"
    "-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:+GROUP-SECP521R1:%DISABLE_TLS13_COMPAT_MODE";

static int setup_tls(rzq_conn *c, rzq_identity *identity, char *err, size_t errlen) {
    unsigned flags = (c->is_server ? GNUTLS_SERVER : GNUTLS_CLIENT) | GNUTLS_NO_END_OF_EARLY_DATA;
    int rv = gnutls_init(&c->session, flags);
    if (rv != 0) { snprintf(err, errlen, "gnutls_init: %s", gnutls_strerror(rv)); c->session = NULL; return -1; }
    const char *pos = NULL;
    rv = gnutls_priority_set_direct(c->session, priority, &pos);
    if (rv != 0) { snprintf(err, errlen, "gnutls priority: %s", gnutls_strerror(rv)); return -1; }
    rv = c->is_server ? ngtcp2_crypto_gnutls_configure_server_session(c->session)
                      : ngtcp2_crypto_gnutls_configure_client_session(c->session);
    if (rv != 0) { snprintf(err, errlen, "ngtcp2_crypto_gnutls_configure_session failed"); return -1; }
    gnutls_session_set_ptr(c->session, &c->conn_ref);
    rv = gnutls_credentials_set(c->session, GNUTLS_CRD_CERTIFICATE, identity->credentials);
    if (rv != 0) { snprintf(err, errlen, "gnutls credentials: %s", gnutls_strerror(rv)); return -1; }
    /* No ALPN, no SNI, no certificate verification: the link metadata carries identity. */
    ngtcp2_conn_set_tls_native_handle(c->conn, c->session);
    return 0;
}

static rzq_conn *conn_alloc(int server, const uint8_t *prefix, const struct sockaddr *local, socklen_t locallen,
                            const struct sockaddr *remote, socklen_t remotelen) {
    if (locallen > sizeof(struct sockaddr_storage) || remotelen > sizeof(struct sockaddr_storage)) return NULL;
    rzq_conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->conn_ref.get_conn = get_conn;
    c->conn_ref.user_data = c;
    c->is_server = server;
    c->stream = -1;
    memcpy(c->prefix, prefix, RZQ_PREFIX_LEN);
    memcpy(&c->local, local, locallen);
    c->locallen = locallen;
    memcpy(&c->remote, remote, remotelen);
    c->remotelen = remotelen;
    ngtcp2_ccerr_default(&c->ccerr);
    return c;
}

static ngtcp2_path conn_path(rzq_conn *c) {
    ngtcp2_path path;
    memset(&path, 0, sizeof path);
    path.local.addr = (ngtcp2_sockaddr *)&c->local;
    path.local.addrlen = c->locallen;
    path.remote.addr = (ngtcp2_sockaddr *)&c->remote;
    path.remote.addrlen = c->remotelen;
    return path;
}

rzq_conn *rzq_conn_client_new(rzq_identity *identity, const rzq_config *config, const uint8_t *prefix,
                              const struct sockaddr *local, socklen_t locallen,
                              const struct sockaddr *remote, socklen_t remotelen, uint64_t now,
                              char *err, size_t errlen) {
    rzq_conn *c = conn_alloc(0, prefix, local, locallen, remote, remotelen);
    if (!c) { snprintf(err, errlen, "out of memory"); return NULL; }
    ngtcp2_cid dcid, scid;
    uint8_t d[RZQ_CID_LEN];
    gnutls_rnd(GNUTLS_RND_NONCE, d, sizeof d);
    ngtcp2_cid_init(&dcid, d, sizeof d);
    make_cid(c, &scid);
    ngtcp2_callbacks cb;
    fill_callbacks(&cb, 0);
    ngtcp2_settings settings;
    ngtcp2_transport_params params;
    fill_settings(c, &settings, &params, config, now, 0);
    ngtcp2_path path = conn_path(c);
    int rv = ngtcp2_conn_client_new(&c->conn, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &cb, &settings, &params,
                                    NULL, c);
    if (rv != 0) { snprintf(err, errlen, "ngtcp2_conn_client_new: %s", ngtcp2_strerror(rv)); free(c); return NULL; }
    if (setup_tls(c, identity, err, errlen) != 0) { rzq_conn_free(c); return NULL; }
    ngtcp2_conn_set_keep_alive_timeout(c->conn, config->keep_alive_ns);
    return c;
}

rzq_conn *rzq_conn_server_new(rzq_identity *identity, const rzq_config *config, const uint8_t *prefix,
                              const uint8_t *pkt, size_t len,
                              const struct sockaddr *local, socklen_t locallen,
                              const struct sockaddr *remote, socklen_t remotelen, uint64_t now,
                              char *err, size_t errlen) {
    ngtcp2_pkt_hd hd;
    int rv = ngtcp2_accept(&hd, pkt, len);
    if (rv != 0) { snprintf(err, errlen, "not a client Initial"); return NULL; }
    rzq_conn *c = conn_alloc(1, prefix, local, locallen, remote, remotelen);
    if (!c) { snprintf(err, errlen, "out of memory"); return NULL; }
    ngtcp2_cid scid;
    make_cid(c, &scid);
    ngtcp2_callbacks cb;
    fill_callbacks(&cb, 1);
    ngtcp2_settings settings;
    ngtcp2_transport_params params;
    fill_settings(c, &settings, &params, config, now, 1);
    params.original_dcid = hd.dcid;
    params.original_dcid_present = 1;
    ngtcp2_path path = conn_path(c);
    rv = ngtcp2_conn_server_new(&c->conn, &hd.scid, &scid, &path, hd.version, &cb, &settings, &params, NULL, c);
    if (rv != 0) { snprintf(err, errlen, "ngtcp2_conn_server_new: %s", ngtcp2_strerror(rv)); free(c); return NULL; }
    if (setup_tls(c, identity, err, errlen) != 0) { rzq_conn_free(c); return NULL; }
    ngtcp2_conn_set_keep_alive_timeout(c->conn, config->keep_alive_ns);
    return c;
}

void rzq_conn_free(rzq_conn *c) {
    if (!c) return;
    if (c->conn) ngtcp2_conn_del(c->conn);
    if (c->session) gnutls_deinit(c->session);
    for (chunk *h = c->head; h;) { chunk *n = h->next; free(h); h = n; }
    free(c->spare);
    free(c->rbuf);
    free(c);
}

int rzq_conn_state(const rzq_conn *c) { return c->state; }
const char *rzq_conn_reason(const rzq_conn *c) { return c->reason; }

/* Offsets are from the UDP header: a UDP socket's filter sees the datagram from there. */
int rzq_cid_filter(rzq_bpf_insn *out, uint32_t tag) {
    enum { LDB = 0x30, LDW = 0x20, JSET = 0x45, JEQ = 0x15, RET = 0x06, P = 8 };
    const rzq_bpf_insn program[RZQ_CID_FILTER_LEN] = {
        /* 0 */ {LDB, 0, 0, P},             /* the first byte */
        /* 1 */ {JSET, 2, 0, 0x80},         /* long header: to 4 */
        /* 2 */ {LDW, 0, 0, P + 1},         /* short: the first 4 bytes of the destination ID */
        /* 3 */ {JEQ, 5, 4, tag},           /* one of ours: keep (9), else drop (8) */
        /* 4 */ {LDW, 0, 0, P + 1},         /* long: the version */
        /* 5 */ {JEQ, 3, 0, 0x00000001},    /* QUIC v1 */
        /* 6 */ {JEQ, 2, 0, 0x6b3343cfu},   /* QUIC v2 */
        /* 7 */ {JEQ, 1, 0, 0x00000000},    /* version negotiation */
        /* 8 */ {RET, 0, 0, 0},             /* drop */
        /* 9 */ {RET, 0, 0, 0xffffffffu},   /* keep all of it */
    };
    memcpy(out, program, sizeof program);
    return RZQ_CID_FILTER_LEN;
}

int rzq_so_attach_filter(void) { return SO_ATTACH_FILTER; }

int rzq_decode_dcid(const uint8_t *pkt, size_t len, const uint8_t **dcid, size_t *dcidlen, int *is_long) {
    if (len < 1) return -1;
    ngtcp2_version_cid vc;
    if (ngtcp2_pkt_decode_version_cid(&vc, pkt, len, RZQ_CID_LEN) != 0) return -1;
    if (vc.dcidlen > NGTCP2_MAX_CIDLEN) return -1;
    *dcid = vc.dcid;
    *dcidlen = vc.dcidlen;
    *is_long = (pkt[0] & 0x80) != 0;
    return 0;
}

int rzq_accept_check(const uint8_t *pkt, size_t len) {
    ngtcp2_pkt_hd hd;
    return ngtcp2_accept(&hd, pkt, len) == 0 ? 0 : -1;
}

/* Marks a local error: a CONNECTION_CLOSE carrying it goes out on the next write. */
static void fail(rzq_conn *c, int liberr) {
    if (c->state & (RZQ_CLOSE_PENDING | RZQ_DEAD)) return;
    if (liberr == NGTCP2_ERR_CRYPTO) {
        uint8_t alert = ngtcp2_conn_get_tls_alert(c->conn);
        ngtcp2_ccerr_set_tls_alert(&c->ccerr, alert, NULL, 0);
        char msg[64];
        snprintf(msg, sizeof msg, "TLS handshake failed (alert %u)", alert);
        set_reason(c, msg, NULL, 0);
    } else {
        ngtcp2_ccerr_set_liberr(&c->ccerr, liberr, NULL, 0);
        set_reason(c, ngtcp2_strerror(liberr), NULL, 0);
    }
    c->state |= RZQ_CLOSE_PENDING;
}

static void open_stream_if_ready(rzq_conn *c) {
    if (c->is_server || c->stream >= 0 || !(c->state & RZQ_HANDSHAKE_DONE)) return;
    int64_t id;
    int rv = ngtcp2_conn_open_bidi_stream(c->conn, &id, NULL);
    if (rv == 0) {
        c->stream = id;
        c->state |= RZQ_STREAM_OPEN;
    } else if (rv != NGTCP2_ERR_STREAM_ID_BLOCKED) {
        fail(c, rv);
    }
}

int rzq_conn_read(rzq_conn *c, const uint8_t *pkt, size_t len, const struct sockaddr *remote, socklen_t remotelen,
                  uint64_t now) {
    if (c->state & (RZQ_DEAD | RZQ_CLOSE_PENDING)) return -1;
    if (remotelen > sizeof(struct sockaddr_storage)) return -1;
    ngtcp2_path path;
    memset(&path, 0, sizeof path);
    path.local.addr = (ngtcp2_sockaddr *)&c->local;
    path.local.addrlen = c->locallen;
    path.remote.addr = (ngtcp2_sockaddr *)remote;
    path.remote.addrlen = remotelen;
    ngtcp2_pkt_info pi;
    memset(&pi, 0, sizeof pi);
    int rv = ngtcp2_conn_read_pkt(c->conn, &path, &pi, pkt, len, now);
    if (rv == 0) {
        open_stream_if_ready(c);
        return (c->state & (RZQ_DEAD | RZQ_CLOSE_PENDING)) ? -1 : 0;
    }
    switch (rv) {
    case NGTCP2_ERR_DRAINING: {
        const ngtcp2_ccerr *e = ngtcp2_conn_get_ccerr(c->conn);
        if (e && e->reasonlen) set_reason(c, "remote side closed the connection: %.*s", (const char *)e->reason, e->reasonlen);
        else set_reason(c, "remote side closed the connection", NULL, 0);
        c->state |= RZQ_DEAD;
        break;
    }
    case NGTCP2_ERR_DROP_CONN:
    case NGTCP2_ERR_CLOSING:
        set_reason(c, "connection dropped", NULL, 0);
        c->state |= RZQ_DEAD;
        break;
    default:
        fail(c, rv);
    }
    return -1;
}

void rzq_conn_close(rzq_conn *c, const char *reason) {
    if (c->state & (RZQ_CLOSE_PENDING | RZQ_DEAD)) return;
    set_reason(c, reason, NULL, 0);
    ngtcp2_ccerr_set_application_error(&c->ccerr, 0, (const uint8_t *)c->reason, strlen(c->reason));
    c->state |= RZQ_CLOSE_PENDING;
}

static void copy_dest(const ngtcp2_path *p, struct sockaddr_storage *dest, socklen_t *destlen) {
    socklen_t n = p->remote.addrlen;
    if (n > sizeof *dest) n = sizeof *dest;
    memcpy(dest, p->remote.addr, n);
    *destlen = n;
}

ssize_t rzq_conn_write(rzq_conn *c, uint8_t *buf, size_t cap, size_t max_packets, size_t *segment,
                       struct sockaddr_storage *dest, socklen_t *destlen, uint64_t now) {
    (void)max_packets;
    if (c->state & RZQ_DEAD) return -1;
    ngtcp2_path_storage ps;
    ngtcp2_path_storage_zero(&ps);
    ngtcp2_pkt_info pi;
    memset(&pi, 0, sizeof pi);
    /* Room for the largest datagram (PMTUD probes need it); ngtcp2 sizes ordinary packets to the path. */
    size_t pktmax = ngtcp2_conn_get_max_tx_udp_payload_size(c->conn);
    if (pktmax > cap) pktmax = cap;
    if (!(c->state & RZQ_CLOSE_PENDING)) {
        int blocked = 0;
        for (;;) {
            int64_t sid = -1;
            ngtcp2_vec v[2];
            size_t nv = 0;
            if (!blocked && c->stream >= 0 && c->sent < c->end && c->sendc) {
                chunk *k = c->sendc;
                while (k->next && c->sent >= k->start + k->len) k = k->next;
                c->sendc = k;
                size_t off = (size_t)(c->sent - k->start);
                v[0].base = k->data + off;
                v[0].len = k->len - off;
                nv = v[0].len ? 1 : 0;
                if (k->next && k->next->len) {
                    v[nv].base = k->next->data;
                    v[nv].len = k->next->len;
                    nv++;
                }
                if (nv) sid = c->stream;
            }
            ngtcp2_ssize ndatalen = -1;
            ngtcp2_ssize n = ngtcp2_conn_writev_stream(c->conn, &ps.path, &pi, buf, pktmax, &ndatalen,
                                                       NGTCP2_WRITE_STREAM_FLAG_NONE, sid, nv ? v : NULL, nv, now);
            if (n < 0) {
                if (sid >= 0 && (n == NGTCP2_ERR_STREAM_DATA_BLOCKED || n == NGTCP2_ERR_STREAM_SHUT_WR ||
                                 n == NGTCP2_ERR_STREAM_NOT_FOUND)) {
                    blocked = 1;
                    continue;
                }
                fail(c, (int)n);
                break;
            }
            if (ndatalen > 0) c->sent += (uint64_t)ndatalen;
            if (n == 0) {
                ngtcp2_conn_update_pkt_tx_time(c->conn, now);
                return 0;
            }
            copy_dest(&ps.path, dest, destlen);
            *segment = (size_t)n;
            return n;
        }
    }
    /* A CONNECTION_CLOSE, once; then the connection is gone. */
    ngtcp2_ssize n = ngtcp2_conn_write_connection_close(c->conn, &ps.path, &pi, buf, pktmax, &c->ccerr, now);
    c->state |= RZQ_DEAD;
    if (n > 0) {
        copy_dest(&ps.path, dest, destlen);
        *segment = (size_t)n;
        return n;
    }
    return -1;
}

void rzq_conn_burst_done(rzq_conn *c, uint64_t now) {
    if (!(c->state & RZQ_DEAD)) ngtcp2_conn_update_pkt_tx_time(c->conn, now);
}

uint64_t rzq_conn_expiry(rzq_conn *c) {
    if (c->state & (RZQ_DEAD | RZQ_CLOSE_PENDING)) return 0;
    return ngtcp2_conn_get_expiry(c->conn);
}

int rzq_conn_handle_expiry(rzq_conn *c, uint64_t now) {
    if (c->state & (RZQ_DEAD | RZQ_CLOSE_PENDING)) return -1;
    int rv = ngtcp2_conn_handle_expiry(c->conn, now);
    if (rv == 0) return 0;
    if (rv == NGTCP2_ERR_IDLE_CLOSE) {
        set_reason(c, "idle timeout", NULL, 0);
        c->state |= RZQ_DEAD;
    } else if (rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT) {
        set_reason(c, "handshake timeout", NULL, 0);
        c->state |= RZQ_DEAD;
    } else {
        fail(c, rv);
    }
    return -1;
}

void rzq_conn_append(rzq_conn *c, const uint8_t *bytes, size_t len) {
    while (len > 0) {
        if (!c->tail || c->tail->len == CHUNK_SIZE) {
            chunk *k = c->spare;
            if (k) c->spare = NULL;
            else k = malloc(sizeof *k);
            if (!k) { fail(c, NGTCP2_ERR_NOMEM); return; }
            k->next = NULL;
            k->start = c->end;
            k->len = 0;
            if (c->tail) c->tail->next = k;
            else c->head = k;
            c->tail = k;
            if (!c->sendc) c->sendc = k;
        }
        size_t n = CHUNK_SIZE - c->tail->len;
        if (n > len) n = len;
        memcpy(c->tail->data + c->tail->len, bytes, n);
        c->tail->len += n;
        c->end += n;
        bytes += n;
        len -= n;
    }
}

uint64_t rzq_conn_buffered(const rzq_conn *c) { return c->end - c->acked; }

size_t rzq_conn_received(rzq_conn *c, const uint8_t **bytes) {
    *bytes = c->rbuf;
    return c->rlen;
}

void rzq_conn_consume(rzq_conn *c) {
    size_t n = c->rlen;
    c->rlen = 0;
    if (c->rcap > (1u << 20)) { /* a burst grew it; do not keep megabytes for an idle link */
        free(c->rbuf);
        c->rbuf = NULL;
        c->rcap = 0;
    }
    if (n == 0 || (c->state & (RZQ_DEAD | RZQ_CLOSE_PENDING)) || c->stream < 0) return;
    ngtcp2_conn_extend_max_stream_offset(c->conn, c->stream, n);
    ngtcp2_conn_extend_max_offset(c->conn, n);
}
