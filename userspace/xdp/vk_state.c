// SPDX-License-Identifier: GPL-2.0-only
/* The state file: see vk_state.h for the layout. The reader checks every
 * length against the file before it reads; nothing in the file is trusted
 * to be in bounds (it is root's own file, but a reader that trusts a file
 * is one bug away from a worse one). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "vk_state.h"

static const char magic[8] = { 'V', 'K', 'S', 'T', 'A', 'T', 'E', '2' };

/* ---- writing ------------------------------------------------------------ */

struct wbuf {
	int fd, err;
	size_t n;
	uint8_t b[1 << 16];
};

static void w_flush(struct wbuf *w)
{
	size_t off = 0;

	while (!w->err && off < w->n) {
		ssize_t k = write(w->fd, w->b + off, w->n - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			w->err = k < 0 ? errno : EIO;
		else
			off += (size_t)k;
	}
	w->n = 0;
}

static void w_bytes(struct wbuf *w, const void *p, size_t l)
{
	while (l) {
		size_t k = sizeof(w->b) - w->n;

		if (!k) {
			w_flush(w);
			continue;
		}
		k = k < l ? k : l;
		memcpy(w->b + w->n, p, k);
		w->n += k;
		p = (const uint8_t *)p + k;
		l -= k;
	}
}

static void w_le(struct wbuf *w, uint64_t v, int bytes)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < bytes; i++, v >>= 8)
		b[i] = (uint8_t)v;
	w_bytes(w, b, (size_t)bytes);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The 16 bytes of a canonical lowercase uuid; -1 for any other text (it is
 * kept as sent, so that a restart never changes an attribute's identity). */
static int uuid_bin(const char *u, uint8_t out[16])
{
	int i, k = 0;

	if (strlen(u) != VK_UUID_LEN)
		return -1;
	for (i = 0; i < VK_UUID_LEN; i++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (u[i] != '-')
				return -1;
			continue;
		}
		hi = hexval(u[i]);
		lo = hexval(u[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[k++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	return 0;
}

static void w_ent(struct wbuf *w, const struct vk_ent *e)
{
	uint8_t alen = 0, ub[16];
	uint16_t nlen = e->name ? e->name_len : 0;
	uint32_t j;

	if (!e->name) {	/* the prefix's bytes; all 16 if a key is not masked */
		uint8_t k;

		alen = (uint8_t)(e->plen > 128 ? 16 : (e->plen + 7) / 8);
		for (k = alen; k < 16; k++)
			if (e->addr[k])
				alen = 16;
	}
	w_le(w, e->id, 4);
	w_le(w, e->kind, 1);
	w_le(w, e->plen, 1);
	w_le(w, e->port, 2);
	w_le(w, e->flags, 1);
	w_le(w, alen, 1);
	w_le(w, nlen, 2);
	w_bytes(w, e->addr, alen);
	w_bytes(w, e->name, nlen);
	w_le(w, e->nattr, 4);
	for (j = 0; j < e->nattr; j++) {
		const struct vk_attr *a = &e->attrs[j];
		size_t vl = a->value ? strlen(a->value) : 0;

		w_le(w, a->type, 1);
		if (!uuid_bin(a->uuid, ub)) {
			w_le(w, 16, 1);
			w_bytes(w, ub, 16);
		} else {
			w_le(w, VK_UUID_LEN, 1);
			w_bytes(w, a->uuid, VK_UUID_LEN);
		}
		vl = vl > 0xffff ? 0xffff : vl;
		w_le(w, vl, 2);
		w_bytes(w, a->value, vl);
	}
}

int vk_state_write(const char *path, uint64_t gen, struct vk_ent *const *ents, size_t n)
{
	struct wbuf *w = malloc(sizeof(*w));
	char tmp[4096];
	size_t i;
	int rc = 0;

	if (!w)
		return -ENOMEM;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	w->fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		rc = -errno;
		free(w);
		return rc;
	}
	w->n = 0;
	w->err = 0;
	w_bytes(w, magic, sizeof(magic));
	w_le(w, gen, 8);
	w_le(w, n, 8);
	for (i = 0; i < n && !w->err; i++)
		w_ent(w, ents[i]);
	w_flush(w);
	if (w->err)
		rc = -w->err;
	else if (fsync(w->fd))
		rc = -errno;
	if (close(w->fd) && !rc)
		rc = -EIO;
	free(w);
	if (rc) {
		unlink(tmp);
		return rc;
	}
	return rename(tmp, path) ? -errno : 0;
}

/* ---- reading ------------------------------------------------------------ */

struct rd {
	const uint8_t *p, *end;
};

static int r_take(struct rd *r, size_t l, const uint8_t **out)
{
	if ((size_t)(r->end - r->p) < l)
		return -EBADMSG;
	*out = r->p;
	r->p += l;
	return 0;
}

static int r_le(struct rd *r, int bytes, uint64_t *v)
{
	const uint8_t *b;
	int i;

	if (r_take(r, (size_t)bytes, &b))
		return -EBADMSG;
	for (*v = 0, i = bytes - 1; i >= 0; i--)
		*v = *v << 8 | b[i];
	return 0;
}

static void uuid_text(const uint8_t b[16], char out[VK_UUID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	int i, k = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[b[i] >> 4];
		out[k++] = hex[b[i] & 15];
	}
	out[k] = 0;
}

/* One entry into e (attrs and their values in *buf, grown as needed). */
static int r_ent(struct rd *r, struct vk_state_ent *e, struct vk_attr **attrs, uint32_t *cap,
		 char **vals, size_t *vcap)
{
	uint64_t id, kind, plen, port, flags, alen, nlen, nattr, type, ulen, vlen;
	const uint8_t *b;
	size_t voff = 0;
	uint32_t j;

	if (r_le(r, 4, &id) || r_le(r, 1, &kind) || r_le(r, 1, &plen) || r_le(r, 2, &port) ||
	    r_le(r, 1, &flags) || r_le(r, 1, &alen) || r_le(r, 2, &nlen) || alen > 16 ||
	    nlen > VK_NAME_TEXT_MAX)
		return -EBADMSG;
	memset(&e->key, 0, sizeof(e->key));
	e->id = (uint32_t)id;
	e->flags = (uint8_t)flags;
	e->key.kind = (uint8_t)kind;
	e->key.plen = (uint8_t)plen;
	e->key.port = (uint16_t)port;
	if (r_take(r, alen, &b))
		return -EBADMSG;
	memcpy(e->key.addr, b, alen);
	if (r_take(r, nlen, &b))
		return -EBADMSG;
	memcpy(e->key.name, b, nlen);
	e->key.name_len = (uint16_t)nlen;
	if (vk_key_check(&e->key))
		return -EBADMSG;
	if (r_le(r, 4, &nattr) || nattr > VK_STATE_MAX_ATTRS)
		return -EBADMSG;
	if (nattr > *cap) {
		struct vk_attr *a = realloc(*attrs, nattr * sizeof(*a));

		if (!a)
			return -ENOMEM;
		*attrs = a;
		*cap = (uint32_t)nattr;
	}
	/* the values first, into one buffer; pointers are set after it
	 * stopped moving */
	for (j = 0; j < nattr; j++) {
		struct vk_attr *a = &(*attrs)[j];

		if (r_le(r, 1, &type) || r_le(r, 1, &ulen) || (ulen != 16 && ulen != VK_UUID_LEN) ||
		    r_take(r, ulen, &b))
			return -EBADMSG;
		memset(a, 0, sizeof(*a));
		a->type = (uint8_t)type;
		if (ulen == 16)
			uuid_text(b, a->uuid);
		else
			memcpy(a->uuid, b, VK_UUID_LEN);
		if (r_le(r, 2, &vlen) || r_take(r, vlen, &b))
			return -EBADMSG;
		if (voff + vlen + 1 > *vcap) {
			size_t c = (voff + vlen + 1) * 2;
			char *v = realloc(*vals, c);

			if (!v)
				return -ENOMEM;
			*vals = v;
			*vcap = c;
		}
		memcpy(*vals + voff, b, vlen);
		(*vals)[voff + vlen] = 0;
		a->value = (char *)(uintptr_t)voff;	/* an offset until the end */
		voff += vlen + 1;
	}
	for (j = 0; j < nattr; j++)
		(*attrs)[j].value = *vals + (uintptr_t)(*attrs)[j].value;
	e->nattr = (uint32_t)nattr;
	e->attrs = *attrs;
	return 0;
}

int vk_state_read(const char *path, const uint64_t *want_gen, vk_state_fn fn, void *arg)
{
	struct vk_attr *attrs = NULL;
	struct vk_state_ent e;
	uint64_t gen, n, i;
	char *vals = NULL;
	size_t vcap = 0;
	uint32_t cap = 0;
	const uint8_t *b;
	struct stat st;
	struct rd r;
	void *map;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if ((size_t)st.st_size < sizeof(magic) + 16) {
		close(fd);
		return -EBADMSG;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	rc = map == MAP_FAILED ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	r.p = map;
	r.end = r.p + st.st_size;
	if (r_take(&r, sizeof(magic), &b) || memcmp(b, magic, sizeof(magic)) ||
	    r_le(&r, 8, &gen) || r_le(&r, 8, &n)) {
		rc = -EBADMSG;
		goto out;
	}
	if (want_gen && gen != *want_gen) {
		rc = -ESTALE;
		goto out;
	}
	for (i = 0; i < n && !rc; i++) {
		rc = r_ent(&r, &e, &attrs, &cap, &vals, &vcap);
		if (!rc)
			rc = fn(arg, &e);
	}
	if (!rc && r.p != r.end)	/* more than the header said */
		rc = -EBADMSG;
out:
	munmap(map, (size_t)st.st_size);
	free(attrs);
	free(vals);
	return rc;
}
