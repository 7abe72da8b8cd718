#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// The SSL_CTX_*, SSL_* and BIO_* calls below are macros over SSL_CTX_ctrl, SSL_ctrl and BIO_ctrl, which Swift
// cannot import: these wrappers are the same calls.

static inline int COpenSSL_CTX_set_min_proto_version(SSL_CTX *context, int version) {
    return (int)SSL_CTX_set_min_proto_version(context, version);
}

static inline long COpenSSL_CTX_set_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_mode(context, mode);
}

static inline int COpenSSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

/// How many bytes the memory BIO holds, and how many it has room for without growing (its allocation).
static inline void COpenSSL_mem_sizes(BIO *bio, size_t *length, size_t *capacity) {
    BUF_MEM *memory = NULL;
    BIO_get_mem_ptr(bio, &memory);
    *length = memory ? memory->length : 0;
    *capacity = memory ? memory->max : 0;
}

/// A memory BIO that reads back as empty (-1, retry) rather than end of stream when it holds nothing, as a
/// socket that has not received more would.
static inline BIO *COpenSSL_new_mem_bio(void) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio) BIO_set_mem_eof_return(bio, -1);
    return bio;
}

static inline uint64_t COpenSSL_OP_NO_RENEGOTIATION(void) { return (uint64_t)SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t COpenSSL_OP_IGNORE_UNEXPECTED_EOF(void) { return (uint64_t)SSL_OP_IGNORE_UNEXPECTED_EOF; }
static inline uint64_t COpenSSL_OP_NO_COMPRESSION(void) { return (uint64_t)SSL_OP_NO_COMPRESSION; }
static inline long COpenSSL_MODE_RELEASE_BUFFERS(void) { return (long)SSL_MODE_RELEASE_BUFFERS; }

static inline long COpenSSL_CTX_disable_session_cache(SSL_CTX *context) {
    return SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
}

/// A certificate name in RFC 2253 form (`CN=chat.example.org,O=Example`), written into `buffer` (NUL-terminated,
/// cut to fit). Returns the length written, or -1.
static inline int COpenSSL_name_text(const X509_NAME *name, char *buffer, int size) {
    if (size <= 0) return -1;
    buffer[0] = 0;
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio) return -1;
    int written = -1;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        written = BIO_read(bio, buffer, size - 1);
        if (written < 0) written = 0;
        buffer[written] = 0;
    }
    BIO_free(bio);
    return written;
}

/// A new EC P-256 key (EVP_EC_gen is a variadic macro), for the certificates tests make.
static inline EVP_PKEY *COpenSSL_new_P256_key(void) {
    return EVP_EC_gen("P-256");
}

#endif
