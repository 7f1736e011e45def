// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"

int cmd_fp(struct ctl *c, int argc, char **argv)
{
	Vardkase__Console__Request rq = VARDKASE__CONSOLE__REQUEST__INIT;
	Vardkase__Console__FpRequest m = VARDKASE__CONSOLE__FP_REQUEST__INIT;
	Vardkase__Console__Response *r;
	char *end = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			c->json = 1;
		else
			m.sighting_id = strtoull(argv[i], &end, 10);
	}
	if (!end || *end || !m.sighting_id) {
		fprintf(stderr, "usage: vardkasectl fp SIGHTING-ID [--json]\n"
			"  (the ID column of vardkasectl sightings)\n");
		return 2;
	}
	rq.msg_case = VARDKASE__CONSOLE__REQUEST__MSG_FP;
	rq.fp = &m;
	if (ctl_send(c, &rq) || !(r = ctl_recv(c, 10000)))
		return 1;
	if (r->msg_case == VARDKASE__CONSOLE__RESPONSE__MSG_FP) {
		if (c->json)
			ctl_print_json(json_pack("{s:s, s:s, s:b}", "attribute_uuid",
						 r->fp->attribute_uuid, "value", r->fp->value,
						 "reported", r->fp->reported));
		else
			printf("%s (%s) is marked a false positive: it no longer matches on this "
			       "box%s\n", r->fp->value, r->fp->attribute_uuid,
			       r->fp->reported ? ", and MISP will get a false-positive sighting" :
			       " (reporting is off: MISP is not told)");
	}
	vardkase__console__response__free_unpacked(r, NULL);
	return 0;
}
