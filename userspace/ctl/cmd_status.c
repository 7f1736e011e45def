// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>
#include "ctl.h"

static json_t *counts(Vardkase__Console__Count **c, size_t n)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, c[i]->name, json_integer((json_int_t)c[i]->value));
	return o;
}

static void print_json(const Vardkase__Console__Status *s)
{
	json_t *o = json_object(), *ifs = json_array();
	size_t i;

	for (i = 0; i < s->n_interface; i++)
		json_array_append_new(ifs, json_string(s->interface[i]));
	json_object_set_new(o, "dataplane_attached", json_boolean(s->dataplane_attached));
	json_object_set_new(o, "interfaces", ifs);
	json_object_set_new(o, "packets_per_s", json_integer((json_int_t)s->packets_per_s));
	json_object_set_new(o, "drops", json_integer((json_int_t)s->drops));
	json_object_set_new(o, "dataplane_generation",
			    json_integer((json_int_t)s->dataplane_generation));
	json_object_set_new(o, "indicators_by_type",
			    counts(s->indicators_by_type, s->n_indicators_by_type));
	json_object_set_new(o, "refused_by_reason",
			    counts(s->refused_by_reason, s->n_refused_by_reason));
	json_object_set_new(o, "last_sync", json_integer(s->last_sync));
	json_object_set_new(o, "last_sync_result", json_string(s->last_sync_result));
	json_object_set_new(o, "generation", json_integer((json_int_t)s->generation));
	json_object_set_new(o, "spool_depth", json_integer((json_int_t)s->spool_depth));
	json_object_set_new(o, "last_upload", json_integer(s->last_upload));
	json_object_set_new(o, "upstream_error", json_string(s->upstream_error));
	json_object_set_new(o, "spool_set_aside", json_integer((json_int_t)s->spool_set_aside));
	json_object_set_new(o, "report_mode", json_string(s->report_mode));
	json_object_set_new(o, "cert_days_left", json_integer(s->cert_days_left));
	json_object_set_new(o, "sightings_stored", json_integer((json_int_t)s->sightings_stored));
	json_object_set_new(o, "counted_matches", json_integer((json_int_t)s->counted_matches));
	json_object_set_new(o, "detail_paused", json_boolean(s->detail_paused));
	json_object_set_new(o, "db_bytes", json_integer((json_int_t)s->db_bytes));
	json_object_set_new(o, "disk_free_bytes", json_integer((json_int_t)s->disk_free_bytes));
	ctl_print_json(o);
}

static void print_human(const Vardkase__Console__Status *s)
{
	char t[64], ago[64];
	size_t i;
	uint64_t total = 0;

	printf("dataplane     %s", s->dataplane_attached ? "attached to" : "NOT ATTACHED");
	for (i = 0; i < s->n_interface; i++)
		printf("%s %s", i ? "," : "", s->interface[i]);
	printf("\n              %llu packets/s (all interfaces), %llu events dropped, "
	       "generation %llu\n", (unsigned long long)s->packets_per_s,
	       (unsigned long long)s->drops, (unsigned long long)s->dataplane_generation);
	for (i = 0; i < s->n_indicators_by_type; i++)
		total += s->indicators_by_type[i]->value;
	printf("indicators    %llu enforced", (unsigned long long)total);
	for (i = 0; i < s->n_indicators_by_type; i++)
		printf("%s %s %llu", i ? "," : ":", s->indicators_by_type[i]->name,
		       (unsigned long long)s->indicators_by_type[i]->value);
	printf("\n");
	for (i = 0; i < s->n_refused_by_reason; i++)
		printf("%s%llu %s\n", i ? "              " : "refused       ",
		       (unsigned long long)s->refused_by_reason[i]->value,
		       s->refused_by_reason[i]->name);
	printf("last sync     %s (%s)\n              %s\n", ctl_time(s->last_sync, t, sizeof(t)),
	       ctl_ago(s->last_sync, ago, sizeof(ago)),
	       s->last_sync_result[0] ? s->last_sync_result : "-");
	printf("upstream      reporting %s; %llu sightings spooled; last upload %s%s%s\n",
	       s->report_mode, (unsigned long long)s->spool_depth,
	       ctl_ago(s->last_upload, ago, sizeof(ago)),
	       s->upstream_error[0] ? "\n              last error: " : "", s->upstream_error);
	if (s->spool_set_aside)
		printf("              %llu sightings set aside: their events are gone from MISP or"
		       " no longer shared with this box\n", (unsigned long long)s->spool_set_aside);
	if (s->cert_days_left >= 0)
		printf("certificate   expires in %lld days%s\n", (long long)s->cert_days_left,
		       s->cert_days_left < 30 ? "  << RENEW SOON" : "");
	else
		printf("certificate   unknown (no client certificate configured)\n");
	printf("sightings     %llu stored, %llu matches counted by the dataplane%s\n",
	       (unsigned long long)s->sightings_stored, (unsigned long long)s->counted_matches,
	       s->detail_paused ? "\n              STORAGE FULL: counting only, no new detail" :
	       "");
	printf("disk          %.1f MiB used by the state, %.1f MiB free\n",
	       (double)s->db_bytes / 1048576.0, (double)s->disk_free_bytes / 1048576.0);
}

int cmd_status(struct ctl *c, int argc, char **argv)
{
	Vardkase__Console__Request rq = VARDKASE__CONSOLE__REQUEST__INIT;
	Vardkase__Console__StatusRequest m = VARDKASE__CONSOLE__STATUS_REQUEST__INIT;
	Vardkase__Console__Response *r;
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--json"))
			c->json = 1;
	rq.msg_case = VARDKASE__CONSOLE__REQUEST__MSG_STATUS;
	rq.status = &m;
	if (ctl_send(c, &rq) || !(r = ctl_recv(c, 10000)))
		return 1;
	if (r->msg_case == VARDKASE__CONSOLE__RESPONSE__MSG_STATUS) {
		if (c->json)
			print_json(r->status);
		else
			print_human(r->status);
	}
	vardkase__console__response__free_unpacked(r, NULL);
	return 0;
}
