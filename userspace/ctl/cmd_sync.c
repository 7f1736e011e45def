// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>
#include "ctl.h"

int cmd_sync(struct ctl *c, int argc, char **argv)
{
	Vardkase__Console__Request rq = VARDKASE__CONSOLE__REQUEST__INIT;
	Vardkase__Console__SyncRequest m = VARDKASE__CONSOLE__SYNC_REQUEST__INIT;
	Vardkase__Console__Response *r;
	int i, ok;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--json"))
			c->json = 1;
	rq.msg_case = VARDKASE__CONSOLE__REQUEST__MSG_SYNC;
	rq.sync = &m;
	if (!c->json)
		fprintf(stderr, "syncing with MISP...\n");
	/* a full sync of a large set takes a while */
	if (ctl_send(c, &rq) || !(r = ctl_recv(c, 600000)))
		return 1;
	ok = r->msg_case == VARDKASE__CONSOLE__RESPONSE__MSG_SYNC && r->sync->ok;
	if (r->msg_case == VARDKASE__CONSOLE__RESPONSE__MSG_SYNC) {
		if (c->json)
			ctl_print_json(json_pack("{s:b, s:s, s:I}", "ok", r->sync->ok, "summary",
						 r->sync->summary, "generation",
						 (json_int_t)r->sync->generation));
		else
			printf("%s: %s\n", ok ? "ok" : "FAILED", r->sync->summary);
	}
	vardkase__console__response__free_unpacked(r, NULL);
	return ok ? 0 : 1;
}
