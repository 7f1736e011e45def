// SPDX-License-Identifier: GPL-2.0-only
/* The HTTP response side: http-parser callbacks, body cap, gzip. Kept apart
 * from the TLS code so the fuzzer drives it without a connection. */
#include <errno.h>
#include <limits.h>
#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include "vk_http_int.h"

static int on_header_field(http_parser *p, const char *at, size_t n)
{
	struct vk_http_acc *a = p->data;

	if (a->in_value || a->fl + n >= sizeof(a->field)) {
		a->fl = 0;
		a->in_value = 0;
	}
	if (a->fl + n < sizeof(a->field)) {
		memcpy(a->field + a->fl, at, n);
		a->fl += n;
		a->field[a->fl] = 0;
	}
	return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t n)
{
	struct vk_http_acc *a = p->data;
	char v[64];

	a->in_value = 1;
	if (n >= sizeof(v))
		return 0;
	memcpy(v, at, n);
	v[n] = 0;
	if (!strcasecmp(a->field, "X-Result-Count"))
		a->r->result_count = strtol(v, NULL, 10);
	else if (!strcasecmp(a->field, "X-Rate-Limit-Reset"))
		a->r->rate_limit_reset = strtol(v, NULL, 10);
	else if (!strcasecmp(a->field, "X-Skipped-Elements-Count"))
		a->r->skipped = strtol(v, NULL, 10);
	else if (!strcasecmp(a->field, "Content-Type"))
		a->r->json = !strncasecmp(v, "application/json", 16);
	else if (!strcasecmp(a->field, "Content-Encoding"))
		a->gzip = !strcasecmp(v, "gzip");
	return 0;
}

static int on_headers_complete(http_parser *p)
{
	struct vk_http_acc *a = p->data;

	/* size the body once when the length is known (no doubling copies) */
	if (p->content_length != ULLONG_MAX && p->content_length < a->max_raw && !a->body) {
		a->body = malloc(p->content_length + 1);
		a->cap = a->body ? p->content_length + 1 : 0;
	}
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
	struct vk_http_acc *a = p->data;

	if (a->len + n > a->max_raw) {
		a->too_large = 1;
		return -1;	/* stop: the caller drops the connection */
	}
	if (a->len + n + 1 > a->cap) {
		size_t cap = a->cap ? a->cap : 65536;
		char *b;

		while (cap < a->len + n + 1)
			cap *= 2;
		b = realloc(a->body, cap);
		if (!b)
			return -1;
		a->body = b;
		a->cap = cap;
	}
	memcpy(a->body + a->len, at, n);
	a->len += n;
	return 0;
}

static int on_complete(http_parser *p)
{
	struct vk_http_acc *a = p->data;

	a->done = 1;
	a->r->status = (int)p->status_code;
	a->keep_alive = http_should_keep_alive(p);
	return 0;
}

static const http_parser_settings vk_settings = {
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_complete,
};

void vk_http_acc_init(struct vk_http_acc *a, struct vk_http_resp *r, size_t max_body)
{
	memset(a, 0, sizeof(*a));
	memset(r, 0, sizeof(*r));
	r->result_count = -1;
	r->rate_limit_reset = -1;
	r->skipped = -1;
	a->r = r;
	a->max_body = max_body;
	/* a compressed body is at most as large as what it inflates to, for
	 * anything worth sending; cap the raw bytes at the same limit */
	a->max_raw = max_body;
	http_parser_init(&a->p, HTTP_RESPONSE);
	a->p.data = a;
}

int vk_http_acc_feed(struct vk_http_acc *a, const char *buf, size_t n)
{
	size_t used = http_parser_execute(&a->p, &vk_settings, buf, n);

	if (a->too_large)
		return VK_HTTPS_E_TOO_LARGE;
	if (HTTP_PARSER_ERRNO(&a->p) != HPE_OK || used != n)
		return a->done ? 0 : VK_HTTPS_E_PROTOCOL;
	return 0;
}

/* End of the stream: a body delimited by the connection's end completes. */
int vk_http_acc_eof(struct vk_http_acc *a)
{
	http_parser_execute(&a->p, &vk_settings, NULL, 0);
	return a->done ? 0 : VK_HTTPS_E_RESET;
}

static int gunzip(struct vk_http_acc *a, char *err, size_t errlen)
{
	z_stream z = { 0 };
	size_t cap = a->len * 4 + 1024, out = 0;
	char *o = NULL;
	int rc;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return VK_HTTPS_E_PROTOCOL;
	z.next_in = (Bytef *)a->body;
	z.avail_in = (uInt)a->len;
	do {
		char *no;

		if (cap > a->max_body + 1)
			cap = a->max_body + 1;
		no = realloc(o, cap + 1);
		if (!no) {
			rc = Z_MEM_ERROR;
			break;
		}
		o = no;
		z.next_out = (Bytef *)o + out;
		z.avail_out = (uInt)(cap - out);
		rc = inflate(&z, Z_NO_FLUSH);
		out = cap - z.avail_out;
		if (out > a->max_body) {
			inflateEnd(&z);
			free(o);
			return VK_HTTPS_E_TOO_LARGE;
		}
		cap *= 2;
	} while (rc == Z_OK);
	inflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(o);
		snprintf(err, errlen, "gzip body does not decode (zlib %d)", rc);
		return VK_HTTPS_E_PROTOCOL;
	}
	free(a->body);
	a->body = o;
	a->len = out;
	return 0;
}

int vk_http_acc_finish(struct vk_http_acc *a, char *err, size_t errlen)
{
	int rc = 0;

	if (a->gzip && a->len)
		rc = gunzip(a, err, errlen);
	if (rc) {
		free(a->body);
		a->body = NULL;
		return rc;
	}
	if (!a->body)
		a->body = calloc(1, 1);
	else
		a->body[a->len] = 0;
	a->r->body = a->body;
	a->r->len = a->len;
	a->body = NULL;
	return a->r->body ? 0 : VK_HTTPS_E_PROTOCOL;
}

void vk_http_acc_free(struct vk_http_acc *a)
{
	free(a->body);
	a->body = NULL;
}

int vk_http_parse_response(const char *buf, size_t len, size_t max_body,
			   struct vk_http_resp *r, char *err, size_t errlen)
{
	struct vk_http_acc a;
	int rc;

	vk_http_acc_init(&a, r, max_body);
	rc = vk_http_acc_feed(&a, buf, len);
	if (!rc && !a.done)
		rc = vk_http_acc_eof(&a);
	if (!rc)
		return vk_http_acc_finish(&a, err, errlen);
	vk_http_acc_free(&a);
	snprintf(err, errlen, "%s", vk_https_strerror(rc));
	return rc;
}
