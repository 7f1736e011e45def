/* SPDX-License-Identifier: GPL-2.0-only */
/* Internal to vk_http.c and vk_https.c: the response accumulator. */
#ifndef VK_HTTP_INT_H
#define VK_HTTP_INT_H

#include <http_parser.h>
#include "vk_https.h"

struct vk_http_acc {
	http_parser p;
	struct vk_http_resp *r;
	char field[64];
	size_t fl;
	int in_value, gzip, done, keep_alive, too_large;
	char *body;
	size_t len, cap, max_body, max_raw;
};

void vk_http_acc_init(struct vk_http_acc *a, struct vk_http_resp *r, size_t max_body);
/* 0 or a vk_https_err. */
int vk_http_acc_feed(struct vk_http_acc *a, const char *buf, size_t n);
int vk_http_acc_eof(struct vk_http_acc *a);
/* Decode the body (gzip) and hand it to the response. 0 or an error. */
int vk_http_acc_finish(struct vk_http_acc *a, char *err, size_t errlen);
void vk_http_acc_free(struct vk_http_acc *a);

#endif
