// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include "vk_http_int.h"
#include "vk_https.h"

struct vk_https {
	char host[256], port[8], prefix[256], connect_host[256];
	struct vk_https_opts o;
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt ca, cert;
	mbedtls_pk_context key;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	mbedtls_net_context net;
	int have_cert, connected;
	long long deadline;		/* of the request under way (monotonic ms) */
	int why;			/* set by the I/O below: VK_HTTPS_E_TIMEOUT
					 * or _CANCELLED, what ended the request */
};

const char *vk_https_strerror(int e)
{
	switch (e) {
	case VK_HTTPS_OK: return "ok";
	case VK_HTTPS_E_CONFIG: return "configuration error";
	case VK_HTTPS_E_CONNECT: return "cannot connect";
	case VK_HTTPS_E_TIMEOUT: return "timed out";
	case VK_HTTPS_E_TLS_UNKNOWN_CA: return "TLS: the server's certificate is not from the pinned CA";
	case VK_HTTPS_E_TLS_EXPIRED: return "TLS: the server's certificate has expired";
	case VK_HTTPS_E_TLS_NAME: return "TLS: the server's certificate is for another name";
	case VK_HTTPS_E_TLS_CLIENT_CERT: return "TLS: the server demanded a client certificate";
	case VK_HTTPS_E_TLS_ALERT: return "TLS: the server ended the handshake with an alert";
	case VK_HTTPS_E_TLS: return "TLS error";
	case VK_HTTPS_E_RESET: return "connection closed mid-response";
	case VK_HTTPS_E_TOO_LARGE: return "response larger than the limit";
	case VK_HTTPS_E_PROTOCOL: return "malformed HTTP response";
	case VK_HTTPS_E_CANCELLED: return "stopped (the agent is stopping)";
	}
	return "unknown error";
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int parse_url(struct vk_https *h, const char *url)
{
	const char *p, *slash, *colon;
	size_t n;

	if (strncmp(url, "https://", 8))
		return -1;
	p = url + 8;
	slash = strchr(p, '/');
	n = slash ? (size_t)(slash - p) : strlen(p);
	if (p[0] == '[') {	/* [v6]:port */
		const char *rb = memchr(p, ']', n);

		if (!rb || (size_t)(rb - p - 1) >= sizeof(h->host))
			return -1;
		memcpy(h->host, p + 1, (size_t)(rb - p - 1));
		colon = rb + 1 < p + n && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(p, ':', n);
		if ((size_t)((colon ? colon : p + n) - p) >= sizeof(h->host))
			return -1;
		memcpy(h->host, p, (size_t)((colon ? colon : p + n) - p));
	}
	snprintf(h->port, sizeof(h->port), "%.*s", colon ? (int)(p + n - colon - 1) : 3,
		 colon ? colon + 1 : "443");
	snprintf(h->prefix, sizeof(h->prefix), "%s", slash ? slash : "");
	n = strlen(h->prefix);
	if (n && h->prefix[n - 1] == '/')
		h->prefix[n - 1] = 0;
	return h->host[0] ? 0 : -1;
}

int vk_https_open(struct vk_https **hp, const char *url, const struct vk_https_opts *o,
		  char *err, size_t errlen)
{
	struct vk_https *h = calloc(1, sizeof(*h));
	int rc;

	*hp = NULL;
	if (!h)
		return VK_HTTPS_E_CONFIG;
	h->o = *o;
	snprintf(h->connect_host, sizeof(h->connect_host), "%s", o->connect_host ? o->connect_host : "");
	h->o.connect_host = NULL;	/* the caller's string need not outlive this */
	mbedtls_entropy_init(&h->ent);
	mbedtls_ctr_drbg_init(&h->drbg);
	mbedtls_x509_crt_init(&h->ca);
	mbedtls_x509_crt_init(&h->cert);
	mbedtls_pk_init(&h->key);
	mbedtls_ssl_config_init(&h->conf);
	mbedtls_ssl_init(&h->ssl);
	mbedtls_net_init(&h->net);
	*hp = h;
	if (parse_url(h, url)) {
		snprintf(err, errlen, "upstream URL must be https://host[:port][/path]: %s", url);
		return VK_HTTPS_E_CONFIG;
	}
	if (mbedtls_ctr_drbg_seed(&h->drbg, mbedtls_entropy_func, &h->ent,
				  (const unsigned char *)"vardkase", 8)) {
		snprintf(err, errlen, "cannot seed the random generator");
		return VK_HTTPS_E_CONFIG;
	}
	if (!o->ca_file || mbedtls_x509_crt_parse_file(&h->ca, o->ca_file)) {
		snprintf(err, errlen, "cannot read the CA bundle %s", o->ca_file ? o->ca_file : "(none)");
		return VK_HTTPS_E_CONFIG;
	}
	if (o->cert_file) {
		if (mbedtls_x509_crt_parse_file(&h->cert, o->cert_file)) {
			snprintf(err, errlen, "cannot read the client certificate %s", o->cert_file);
			return VK_HTTPS_E_CONFIG;
		}
		if (!o->key_file || mbedtls_pk_parse_keyfile(&h->key, o->key_file, NULL)) {
			snprintf(err, errlen, "cannot read the client key %s",
				 o->key_file ? o->key_file : "(none)");
			return VK_HTTPS_E_CONFIG;
		}
		h->have_cert = 1;
	}
	rc = mbedtls_ssl_config_defaults(&h->conf, MBEDTLS_SSL_IS_CLIENT,
					 MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc)
		return VK_HTTPS_E_CONFIG;
	mbedtls_ssl_conf_min_version(&h->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);	/* TLS 1.2 or newer */
	mbedtls_ssl_conf_authmode(&h->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&h->conf, &h->ca, NULL);
	mbedtls_ssl_conf_rng(&h->conf, mbedtls_ctr_drbg_random, &h->drbg);
	mbedtls_ssl_conf_read_timeout(&h->conf, o->read_ms);
	if (h->have_cert && mbedtls_ssl_conf_own_cert(&h->conf, &h->cert, &h->key)) {
		snprintf(err, errlen, "the client key does not match the certificate");
		return VK_HTTPS_E_CONFIG;
	}
	if (mbedtls_ssl_setup(&h->ssl, &h->conf) || mbedtls_ssl_set_hostname(&h->ssl, h->host))
		return VK_HTTPS_E_CONFIG;
	return 0;
}

static void disconnect(struct vk_https *h)
{
	if (!h->connected)
		return;
	mbedtls_ssl_close_notify(&h->ssl);
	mbedtls_net_free(&h->net);
	mbedtls_ssl_session_reset(&h->ssl);
	h->connected = 0;
}

void vk_https_close(struct vk_https *h)
{
	if (!h)
		return;
	disconnect(h);
	mbedtls_ssl_free(&h->ssl);
	mbedtls_ssl_config_free(&h->conf);
	mbedtls_pk_free(&h->key);
	mbedtls_x509_crt_free(&h->cert);
	mbedtls_x509_crt_free(&h->ca);
	mbedtls_ctr_drbg_free(&h->drbg);
	mbedtls_entropy_free(&h->ent);
	free(h);
}

/* Wait until fd is ready for ev. Every wait of a request is bounded by
 * its total deadline and by step_ms (0: none): a peer that sends a byte a
 * second, or TLS warning alerts without end, cannot hold the agent past
 * total_timeout. A readable cancel_fd (the agent's stop) ends it at once.
 * Returns 0, VK_HTTPS_E_TIMEOUT or VK_HTTPS_E_CANCELLED (also in h->why). */
static int wait_fd(struct vk_https *h, int fd, short ev, unsigned step_ms)
{
	struct pollfd p[2] = { { .fd = fd, .events = ev },
			       { .fd = h->o.cancel_fd, .events = POLLIN } };
	nfds_t n = h->o.cancel_fd > 0 ? 2 : 1;

	for (;;) {
		long long left = h->deadline - now_ms();
		int rc;

		if (left <= 0)
			return h->why = VK_HTTPS_E_TIMEOUT;
		if (step_ms && left > step_ms)
			left = step_ms;
		rc = poll(p, n, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (n == 2 && p[1].revents)
			return h->why = VK_HTTPS_E_CANCELLED;
		if (rc <= 0)	/* step_ms or the deadline passed; poll cannot fail here */
			return h->why = VK_HTTPS_E_TIMEOUT;
		return 0;
	}
}

/* Checked before every read and write, even when data is waiting: a
 * stream of records must not outlast the deadline either. */
static int io_expired(struct vk_https *h)
{
	struct pollfd c = { .fd = h->o.cancel_fd, .events = POLLIN };

	if (h->o.cancel_fd > 0 && poll(&c, 1, 0) > 0)
		return h->why = VK_HTTPS_E_CANCELLED;
	if (now_ms() >= h->deadline)
		return h->why = VK_HTTPS_E_TIMEOUT;
	return 0;
}

/* TCP connect with a timeout (mbedtls_net_connect has none). */
static int tcp_connect(struct vk_https *h, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	const char *where = h->connect_host[0] ? h->connect_host : h->host;
	int fd = -1, rc, timed_out = 0;

	rc = getaddrinfo(where, h->port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "%s: %s", where, gai_strerror(rc));
		return VK_HTTPS_E_CONNECT;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS)
			goto next;
		rc = wait_fd(h, fd, POLLOUT, h->o.connect_ms);
		if (rc == VK_HTTPS_E_CANCELLED) {
			close(fd);
			freeaddrinfo(res);
			snprintf(err, errlen, "%s", vk_https_strerror(rc));
			return rc;
		}
		if (rc == VK_HTTPS_E_TIMEOUT) {
			/* a name with an AAAA and an A record where IPv6 goes
			 * nowhere: the next address is tried, as a browser would */
			char a[INET6_ADDRSTRLEN] = "?";

			getnameinfo(ai->ai_addr, ai->ai_addrlen, a, sizeof(a), NULL, 0,
				    NI_NUMERICHOST);
			snprintf(err, errlen, "connecting to %s:%s (%s) timed out", h->host, h->port,
				 a);
			timed_out = 1;
			close(fd);
			fd = -1;
			continue;
		}
		/* the socket stays non-blocking: every read and write waits
		 * in wait_fd, under the request's deadline */
		if (!rc && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) && !soerr) {
			h->why = 0;	/* an earlier address's timeout is over */
			break;
		}
		errno = soerr;
next:
		snprintf(err, errlen, "connecting to %s:%s: %s", h->host, h->port, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return timed_out ? VK_HTTPS_E_TIMEOUT : VK_HTTPS_E_CONNECT;
	h->net.fd = fd;
	return 0;
}

static const char *alert_name(int a)
{
	switch (a) {
	case 40: return "handshake failure";
	case 42: return "bad certificate";
	case 44: return "certificate revoked";
	case 45: return "certificate expired (our client certificate)";
	case 46: return "certificate unknown";
	case 48: return "unknown CA (our client certificate is not from a CA it trusts)";
	case 116: return "certificate required";
	}
	return "other";
}

/* A server that refuses our certificate sends a plaintext TLS 1.2 alert
 * and closes; our next write then fails before mbedTLS reads the alert.
 * Look for it in what the socket still holds. Returns the alert or -1. */
static int pending_alert(struct vk_https *h)
{
	unsigned char b[512];
	ssize_t n = recv(h->net.fd, b, sizeof(b), MSG_DONTWAIT), i = 0;

	while (n > 0 && i + 7 <= n) {
		size_t len = (size_t)b[i + 3] << 8 | b[i + 4];

		if (b[i] == 21 && len == 2)	/* alert record */
			return b[i + 6];
		i += 5 + (ssize_t)len;
	}
	return -1;
}

static int handshake_error(struct vk_https *h, int ret, char *err, size_t errlen)
{
	uint32_t flags = mbedtls_ssl_get_verify_result(&h->ssl);
	char m[160];

	if (ret == MBEDTLS_ERR_NET_CONN_RESET || ret == MBEDTLS_ERR_NET_SEND_FAILED) {
		int alert = pending_alert(h);

		if (alert >= 0) {
			h->ssl.in_msg[1] = (unsigned char)alert;
			ret = MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE;
		} else if (!h->have_cert) {
			ret = MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE;
			h->ssl.in_msg[1] = 116;	/* certificate required, by inference */
		}
	}
	if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
		if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
			ret = VK_HTTPS_E_TLS_UNKNOWN_CA;
		else if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
			ret = VK_HTTPS_E_TLS_EXPIRED;
		else if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
			ret = VK_HTTPS_E_TLS_NAME;
		else
			ret = VK_HTTPS_E_TLS;
		snprintf(err, errlen, "%s (%s:%s)", vk_https_strerror(ret), h->host, h->port);
		return ret;
	}
	if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
		int alert = h->ssl.in_msg ? h->ssl.in_msg[1] : 0;

		if (!h->have_cert && (alert == 40 || alert == 42 || alert == 116)) {
			snprintf(err, errlen, "%s (%s:%s): configure client_cert and client_key",
				 vk_https_strerror(VK_HTTPS_E_TLS_CLIENT_CERT), h->host, h->port);
			return VK_HTTPS_E_TLS_CLIENT_CERT;
		}
		snprintf(err, errlen, "%s: %d, %s (%s:%s)", vk_https_strerror(VK_HTTPS_E_TLS_ALERT),
			 alert, alert_name(alert), h->host, h->port);
		return VK_HTTPS_E_TLS_ALERT;
	}
	if (ret == MBEDTLS_ERR_SSL_TIMEOUT) {
		snprintf(err, errlen, "TLS handshake with %s:%s timed out", h->host, h->port);
		return VK_HTTPS_E_TIMEOUT;
	}
	mbedtls_strerror(ret, m, sizeof(m));
	snprintf(err, errlen, "TLS handshake with %s:%s failed: %s", h->host, h->port, m);
	return VK_HTTPS_E_TLS;
}

/* The BIO: send without SIGPIPE (a server that hangs up mid-handshake,
 * as it does when it refuses our certificate, must be an error, not a
 * signal that kills the agent), and both directions under wait_fd. An
 * expired wait is MBEDTLS_ERR_SSL_TIMEOUT to mbedTLS; h->why says which. */
static int net_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct vk_https *h = ctx;

	for (;;) {
		ssize_t n;

		if (io_expired(h))
			return MBEDTLS_ERR_SSL_TIMEOUT;
		n = send(h->net.fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET :
			       MBEDTLS_ERR_NET_SEND_FAILED;
		if (wait_fd(h, h->net.fd, POLLOUT, h->o.read_ms))
			return MBEDTLS_ERR_SSL_TIMEOUT;
	}
}

static int net_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct vk_https *h = ctx;

	for (;;) {
		ssize_t n;

		if (io_expired(h))
			return MBEDTLS_ERR_SSL_TIMEOUT;
		n = recv(h->net.fd, buf, len, 0);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET :
			       MBEDTLS_ERR_NET_RECV_FAILED;
		if (wait_fd(h, h->net.fd, POLLIN, h->o.read_ms))
			return MBEDTLS_ERR_SSL_TIMEOUT;
	}
}

static int do_connect(struct vk_https *h, char *err, size_t errlen)
{
	int ret = tcp_connect(h, err, errlen);

	if (ret)
		return ret;
	mbedtls_ssl_set_bio(&h->ssl, h, net_send, net_recv, NULL);
	while ((ret = mbedtls_ssl_handshake(&h->ssl)) != 0) {
		if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE)
			break;
	}
	if (ret) {
		if (h->why == VK_HTTPS_E_CANCELLED) {
			snprintf(err, errlen, "TLS handshake with %s:%s: %s", h->host, h->port,
				 vk_https_strerror(h->why));
			ret = h->why;
		} else {
			ret = handshake_error(h, ret, err, errlen);
		}
		mbedtls_net_free(&h->net);
		mbedtls_ssl_session_reset(&h->ssl);
		return ret;
	}
	h->connected = 1;
	return 0;
}

static int write_all(struct vk_https *h, const char *buf, size_t n)
{
	while (n) {
		int w = mbedtls_ssl_write(&h->ssl, (const unsigned char *)buf, n);

		if (w == MBEDTLS_ERR_SSL_WANT_WRITE || w == MBEDTLS_ERR_SSL_WANT_READ)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

static char *build_request(const struct vk_https *h, const char *method, const char *path,
			   const char *const *headers, size_t body_len, size_t *len)
{
	size_t cap = 1024, i;
	char *b;
	int n;

	for (i = 0; headers && headers[i]; i++)
		cap += strlen(headers[i]) + 2;
	cap += strlen(h->prefix) + strlen(path);
	b = malloc(cap);
	if (!b)
		return NULL;
	n = snprintf(b, cap, "%s %s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: vardkase/1\r\n"
		     "Accept-Encoding: gzip\r\nConnection: keep-alive\r\n",
		     method, h->prefix, path, h->host);
	for (i = 0; headers && headers[i]; i++)
		n += snprintf(b + n, cap - (size_t)n, "%s\r\n", headers[i]);
	n += snprintf(b + n, cap - (size_t)n, "Content-Length: %zu\r\n\r\n", body_len);
	*len = (size_t)n;
	return b;
}

/* One attempt on the current (or a new) connection. *stale is set when a
 * kept connection turned out closed before any byte of the response. */
static int attempt(struct vk_https *h, const char *req, size_t rlen, const char *body,
		   size_t blen, struct vk_http_resp *r, int *stale, char *err, size_t errlen)
{
	unsigned char buf[16384];
	struct vk_http_acc a;
	int reused = h->connected, ret, got = 0;

	*stale = 0;
	if (!h->connected) {
		ret = do_connect(h, err, errlen);
		if (ret)
			return ret;
	}
	if (write_all(h, req, rlen) || (blen && write_all(h, body, blen))) {
		disconnect(h);
		if (h->why) {
			snprintf(err, errlen, "sending to %s:%s: %s", h->host, h->port,
				 vk_https_strerror(h->why));
			return h->why;
		}
		*stale = reused;
		snprintf(err, errlen, "sending to %s:%s failed", h->host, h->port);
		return VK_HTTPS_E_RESET;
	}
	vk_http_acc_init(&a, r, h->o.max_body);
	for (;;) {
		ret = mbedtls_ssl_read(&h->ssl, buf, sizeof(buf));
		if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (ret == MBEDTLS_ERR_SSL_TIMEOUT) {
			ret = h->why ? h->why : VK_HTTPS_E_TIMEOUT;
			break;
		}
		if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
			ret = vk_http_acc_eof(&a);
			*stale = reused && !got;
			break;
		}
		if (ret < 0) {
			*stale = reused && !got;
			ret = VK_HTTPS_E_RESET;
			break;
		}
		got = 1;
		ret = vk_http_acc_feed(&a, (const char *)buf, (size_t)ret);
		if (ret || a.done)
			break;
	}
	if (!ret && a.done) {
		if (!a.keep_alive)
			disconnect(h);
		return vk_http_acc_finish(&a, err, errlen);
	}
	vk_http_acc_free(&a);
	disconnect(h);
	snprintf(err, errlen, "%s (%s:%s)", vk_https_strerror(ret), h->host, h->port);
	return ret;
}

int vk_https_request(struct vk_https *h, const char *method, const char *path,
		     const char *const *headers, const char *body, size_t body_len,
		     struct vk_http_resp *r, char *err, size_t errlen)
{
	size_t rlen;
	char *req = build_request(h, method, path, headers, body_len, &rlen);
	int stale, ret;

	if (!req)
		return VK_HTTPS_E_CONFIG;
	h->deadline = now_ms() + h->o.total_ms;	/* connect, handshake, send, answer */
	h->why = 0;
	ret = attempt(h, req, rlen, body, body_len, r, &stale, err, errlen);
	if (ret && stale)	/* the server had closed the kept connection */
		ret = attempt(h, req, rlen, body, body_len, r, &stale, err, errlen);
	free(req);
	return ret;
}

static int64_t x509_time(const mbedtls_x509_time *x)
{
	struct tm tm = { 0 };

	tm.tm_year = x->year - 1900;
	tm.tm_mon = x->mon - 1;
	tm.tm_mday = x->day;
	tm.tm_hour = x->hour;
	tm.tm_min = x->min;
	tm.tm_sec = x->sec;
	return (int64_t)timegm(&tm);
}

int vk_cert_validity(const char *path, int64_t *not_before, int64_t *not_after)
{
	mbedtls_x509_crt crt;
	int rc = -EINVAL;

	mbedtls_x509_crt_init(&crt);
	if (path && path[0] && !mbedtls_x509_crt_parse_file(&crt, path)) {
		*not_before = x509_time(&crt.valid_from);
		*not_after = x509_time(&crt.valid_to);
		rc = 0;
	}
	mbedtls_x509_crt_free(&crt);
	return rc;
}
