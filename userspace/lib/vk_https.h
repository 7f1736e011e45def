/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * HTTPS client for the MISP platform: mbedTLS (TLS 1.2+, the server checked
 * against a pinned CA and the URL's host name, a client certificate for
 * mutual TLS), keep-alive, connect/read/total timeouts, a cap on the body,
 * chunked transfer and gzip; responses parsed with http-parser.
 */
#ifndef VK_HTTPS_H
#define VK_HTTPS_H

#include <stddef.h>
#include <stdint.h>

/* Failures, each with its own log line (vk_https_strerror). */
enum vk_https_err {
	VK_HTTPS_OK = 0,
	VK_HTTPS_E_CONFIG = -1,		/* bad URL, unreadable CA, cert or key */
	VK_HTTPS_E_CONNECT = -2,	/* name lookup or TCP connect failed */
	VK_HTTPS_E_TIMEOUT = -3,
	VK_HTTPS_E_TLS_UNKNOWN_CA = -4,	/* the server's chain is not under our CA */
	VK_HTTPS_E_TLS_EXPIRED = -5,	/* the server's certificate is expired */
	VK_HTTPS_E_TLS_NAME = -6,	/* the certificate is not for this host */
	VK_HTTPS_E_TLS_CLIENT_CERT = -7, /* the server demanded a client certificate */
	VK_HTTPS_E_TLS_ALERT = -8,	/* the server ended the handshake with an alert */
	VK_HTTPS_E_TLS = -9,		/* any other TLS failure */
	VK_HTTPS_E_RESET = -10,		/* the connection died mid-response */
	VK_HTTPS_E_TOO_LARGE = -11,	/* the body exceeds max_body */
	VK_HTTPS_E_PROTOCOL = -12,	/* not HTTP, or a broken body encoding */
	VK_HTTPS_E_CANCELLED = -13,	/* cancel_fd became readable */
};

struct vk_https_opts {
	const char *ca_file;		/* the pinned CA bundle (required) */
	const char *cert_file;		/* client certificate (NULL: none) */
	const char *key_file;
	/* connect here instead of the URL's host (the name is still the one
	 * verified): mbedTLS 2.28 cannot match IP addresses in certificates,
	 * and a box may pin the platform's address. NULL: resolve the host. */
	const char *connect_host;
	/* connect_ms: each address; read_ms: the longest wait for any byte;
	 * total_ms: the whole request (connect, handshake, send, answer) */
	unsigned connect_ms, read_ms, total_ms;
	int cancel_fd;			/* > 0: readable ends a request at once
					 * (VK_HTTPS_E_CANCELLED); 0: none */
	size_t max_body;		/* after gzip decoding */
};

struct vk_http_resp {
	int status;
	char *body;			/* NUL-terminated; free() it */
	size_t len;
	long result_count;		/* X-Result-Count, -1 if absent */
	long rate_limit_reset;		/* X-Rate-Limit-Reset, -1 if absent */
	long skipped;			/* X-Skipped-Elements-Count: rows MISP
					 * took out of this page after its
					 * limit (warninglists); -1 if absent */
	int json;			/* Content-Type is application/json:
					 * MISP's own answer, not a proxy's page */
};

struct vk_https;

/* url: https://host[:port][/prefix]. Returns 0 or a vk_https_err, with
 * the details in err. */
int vk_https_open(struct vk_https **h, const char *url, const struct vk_https_opts *o,
		  char *err, size_t errlen);

/* One request; headers is a NULL-terminated list of "Name: value" lines.
 * Re-uses the connection when the server keeps it, reconnects once if a
 * kept connection turns out to be closed. Returns 0 or a vk_https_err. */
int vk_https_request(struct vk_https *h, const char *method, const char *path,
		     const char *const *headers, const char *body, size_t body_len,
		     struct vk_http_resp *r, char *err, size_t errlen);

void vk_https_close(struct vk_https *h);

/* The validity period of the (first) certificate in the PEM file at path,
 * as unix times. 0, or -EINVAL when it cannot be read. */
int vk_cert_validity(const char *path, int64_t *not_before, int64_t *not_after);
const char *vk_https_strerror(int e);

/* The response parser alone (http-parser + chunked + gzip), for tests and
 * the fuzzer: parse one complete response held in buf. */
int vk_http_parse_response(const char *buf, size_t len, size_t max_body,
			   struct vk_http_resp *r, char *err, size_t errlen);

#endif
