/*
 * tls-int: what the two halves of the TLS module share (tls.c: loading
 * OpenSSL, the streams; tls-ctx.c: contexts, certificates, checks),
 * and nothing else sees: OpenSSL's functions through one table filled
 * by dlsym(3) (the binary links no TLS library, so a direct call would
 * not even link), and the module's own structures.
 */
#ifndef SOCKCAT_TLS_INT_H
#define SOCKCAT_TLS_INT_H

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls.h"

/* Every OpenSSL function used.  Macros of OpenSSL's that hide a call
 * are spelled out as the call they hide (SSL_CTX_ctrl, SSL_ctrl). */
#define TLS_FUNCS(X) \
	X(OPENSSL_init_ssl) X(TLS_client_method) X(TLS_server_method) \
	X(SSL_CTX_new) X(SSL_CTX_free) X(SSL_CTX_ctrl) X(SSL_CTX_set_options) \
	X(SSL_CTX_set_verify) X(SSL_CTX_load_verify_locations) \
	X(SSL_CTX_set_default_verify_paths) \
	X(SSL_CTX_use_certificate_chain_file) X(SSL_CTX_use_PrivateKey_file) \
	X(SSL_CTX_use_certificate) X(SSL_CTX_use_PrivateKey) \
	X(SSL_CTX_check_private_key) X(SSL_CTX_set_cipher_list) \
	X(SSL_CTX_set_ciphersuites) X(SSL_CTX_set_alpn_protos) \
	X(SSL_CTX_set_alpn_select_cb) \
	X(SSL_new) X(SSL_free) X(SSL_set_connect_state) \
	X(SSL_set_accept_state) X(SSL_ctrl) X(SSL_set1_host) X(SSL_get0_param) \
	X(SSL_do_handshake) X(SSL_read_ex) X(SSL_write_ex) X(SSL_shutdown) \
	X(SSL_get_error) X(SSL_pending) X(SSL_has_pending) \
	X(SSL_get_verify_result) X(SSL_get1_peer_certificate) \
	X(SSL_get_version) X(SSL_get_current_cipher) X(SSL_CIPHER_get_name) \
	X(SSL_get0_alpn_selected) X(SSL_get_ex_data_X509_STORE_CTX_idx) \
	X(SSL_set_ex_data) X(SSL_get_ex_data) X(SSL_select_next_proto) X(SSL_CTX_set_msg_callback) \
	X(ERR_get_error) X(ERR_clear_error) X(ERR_reason_error_string) \
	X(X509_verify_cert_error_string) X(X509_free) X(X509_new) \
	X(X509_set_version) X(X509_get_serialNumber) X(ASN1_INTEGER_set) \
	X(X509_gmtime_adj) X(X509_getm_notBefore) X(X509_getm_notAfter) \
	X(X509_get0_notAfter) X(X509_set_pubkey) X(X509_get_subject_name) \
	X(X509_get_issuer_name) X(X509_set_issuer_name) \
	X(X509_NAME_add_entry_by_txt) X(X509_NAME_print_ex) X(X509_sign) \
	X(X509_get_X509_PUBKEY) X(i2d_X509_PUBKEY) \
	X(X509_STORE_CTX_get_current_cert) X(X509_STORE_CTX_get_error_depth) \
	X(X509_STORE_CTX_get_ex_data) X(X509_STORE_CTX_set_error) \
	X(X509_VERIFY_PARAM_set1_ip_asc) X(EVP_PKEY_Q_keygen) \
	X(EVP_PKEY_free) X(EVP_sha256) X(EVP_Digest) X(EVP_EncodeBlock) \
	X(RAND_bytes) X(BIO_new) X(BIO_s_mem) X(BIO_read) X(BIO_free) \
	X(ASN1_TIME_to_tm) X(OpenSSL_version) \
	X(BIO_get_new_index) X(BIO_meth_new) X(BIO_meth_set_write_ex) \
	X(BIO_meth_set_read_ex) X(BIO_meth_set_ctrl) X(BIO_set_data) \
	X(BIO_get_data) X(BIO_set_init) X(BIO_set_flags) X(BIO_clear_flags) \
	X(SSL_set_bio) X(BIO_meth_free) X(SSL_CTX_set_default_passwd_cb) \
	X(SSL_CTX_set_default_passwd_cb_userdata) X(SSL_CTX_set_client_cert_cb)

#define TLS_DECL(f)	__typeof__(f) *f;

struct tls_fns {
	TLS_FUNCS(TLS_DECL)
};

/* The table, filled by tls_load(). */
extern struct tls_fns tls_f;
#define F	tls_f

struct tls_ctx {
	SSL_CTX		*ssl;
	int		 server;
	int		 verify;	/* the peer's certificate is checked */
	int		 pin_only;	/* a pin stands in for a CA */
	char		*pins;
	X509		*own;		/* the throwaway certificate */
	unsigned char	 alpn[256];	/* wire format: length, name, ... */
	size_t		 alpnlen;
	int		 many;		/* many sessions: buffers given back */
	int		 own_cert;	/* a certificate to show the peer */
};

/* Bytes at p + off, len of them. */
struct tls_buf {
	char		*p;
	size_t		 off;
	size_t		 len;
};

struct tls_conn {
	SSL		*ssl;
	struct tls_ctx	*ctx;
	int		 sent_notify;
	int		 shut;		/* close_notify out, write side shut */
	int		 got_notify;	/* the peer's close_notify came */
	int		 failed;
	int		 pin_failed;
	int		 cert_asked;	/* the server asked for a client
					   certificate this side lacks */
	char		 subject[256];	/* a rejected certificate's */
	char		 why[TLS_ERR_MAX];
	/* TLS inside TLS: the stream this one runs over (NULL: the
	 * socket itself), and what its last EAGAIN waits for. */
	struct stream	*inner;
	int		 inner_wants_out;
	/* Over the socket itself: tls-sock.c's buffers, whether the
	 * socket's end was read, and how many bytes of an earlier write
	 * OpenSSL took whose records were still in the out-buffer. */
	int		 fd;
	struct tls_buf	 in;
	struct tls_buf	 out;
	int		 in_eof;
	size_t		 owed;
};

/* The last error OpenSSL queued (the queue emptied), or 0. */
unsigned long	tls_last_error(void);
/* OpenSSL's words for its last error, or dflt. */
const char	*tls_reason(const char *dflt);

/* OpenSSL's words for the first error it queued (the cause, where the
 * last is often only "PEM lib"; the queue emptied), or dflt. */
const char	*tls_first_reason(const char *dflt);
/* An X509 name as RFC 2253 text, UTF-8 kept. */
void		 tls_name_text(const X509_NAME *name, char *buf, size_t len);

/* A BIO method of sockcat's: name, its write, read and ctrl.  NULL on
 * failure. */
BIO_METHOD	*tls_bio_method(const char *name,
		    int (*wr)(BIO *, const char *, size_t, size_t *),
		    int (*rd)(BIO *, char *, size_t, size_t *),
		    long (*ctrl)(BIO *, int, long, void *));
/* c's SSL reads and writes fd through tls-sock.c's buffers.  Returns
 * 0, or -1. */
int		 tls_sock_attach(struct tls_conn *c, int fd);
/* Send what waits in c's out-buffer.  Returns 0 once it is all out,
 * or -1 with errno (EAGAIN: the socket is full). */
int		 tls_sock_flush(struct tls_conn *c);
/* Give c's buffers back. */
void		 tls_sock_free(struct tls_conn *c);

#endif
