// SPDX-License-Identifier: GPL-2.0-only
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl.h"

json_t *ctl_sighting_json(const Vardkase__Console__Sighting *s)
{
	json_t *o = json_object(), *tags = json_array();
	size_t i;

	for (i = 0; i < s->n_tags; i++)
		json_array_append_new(tags, json_string(s->tags[i]));
	json_object_set_new(o, "id", json_integer((json_int_t)s->id));
	json_object_set_new(o, "first_seen", json_integer(s->first_seen));
	json_object_set_new(o, "last_seen", json_integer(s->last_seen));
	json_object_set_new(o, "local", json_string(s->local));
	json_object_set_new(o, "remote", json_string(s->remote));
	json_object_set_new(o, "indicator", json_string(s->indicator));
	json_object_set_new(o, "type", json_string(s->type));
	json_object_set_new(o, "matched_on", json_string(s->matched_on));
	if (s->name[0])
		json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "count", json_integer((json_int_t)s->count));
	json_object_set_new(o, "attribute_uuid", json_string(s->attribute_uuid));
	json_object_set_new(o, "category", json_string(s->category));
	json_object_set_new(o, "comment", json_string(s->comment));
	json_object_set_new(o, "event_uuid", json_string(s->event_uuid));
	json_object_set_new(o, "event_info", json_string(s->event_info));
	json_object_set_new(o, "threat_level", json_integer(s->threat_level));
	json_object_set_new(o, "event_date", json_string(s->event_date));
	json_object_set_new(o, "tlp", json_string(s->tlp));
	json_object_set_new(o, "tags", tags);
	if (s->encap[0]) {	/* what carried it: the mirror session, the tunnel */
		json_t *t = json_object();

		json_object_set_new(t, "encap", json_string(s->encap));
		if (s->outer_src[0]) {
			json_object_set_new(t, "src", json_string(s->outer_src));
			json_object_set_new(t, "dst", json_string(s->outer_dst));
		}
		json_object_set_new(t, "tunnel_id", json_integer(s->tunnel_id));
		json_object_set_new(o, "outer", t);
	}
	return o;
}

void ctl_sighting_line(const Vardkase__Console__Sighting *s)
{
	char t[64], ind[300];

	/* a name match shows the name queried, under the indicator; a match
	 * of an address a DNS answer gave says so, and for which name */
	int name = s->name[0] && strcmp(s->name, s->indicator);
	int answer = !strcmp(s->matched_on, "dns_answer");

	snprintf(ind, sizeof(ind), "%s%s%s%s", s->indicator,
		 answer ? " (DNS answer for " : name ? " (" : "", name ? s->name : "",
		 name || answer ? ")" : "");
	printf("%-6llu %-19s %-24s %-24s %-34s %-12s %-11s %6llu  %s\n",
	       (unsigned long long)s->id, ctl_time(s->last_seen, t, sizeof(t)), s->local,
	       s->remote, ind, s->type, s->tlp[0] ? s->tlp : "-",
	       (unsigned long long)s->count, s->event_info);
}

static void header(void)
{
	printf("%-6s %-19s %-24s %-24s %-34s %-12s %-11s %6s  %s\n", "ID", "LAST SEEN",
	       "LOCAL HOST", "REMOTE", "INDICATOR", "TYPE", "TLP", "COUNT", "EVENT");
}

static int follow(struct ctl *c)
{
	Vardkase__Console__Response *r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((r = ctl_recv(c, -1))) {
		if (r->msg_case == VARDKASE__CONSOLE__RESPONSE__MSG_UPDATE) {
			if (c->json) {
				char *s = json_dumps(ctl_sighting_json(r->update) ?: json_null(),
						     JSON_COMPACT);
				printf("%s\n", s ? s : "{}");
				free(s);
			} else {
				ctl_sighting_line(r->update);
			}
		}
		vardkase__console__response__free_unpacked(r, NULL);
	}
	return 1;
}

int cmd_sightings(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' }, { "host", required_argument, NULL, 'H' },
		{ "indicator", required_argument, NULL, 'i' },
		{ "event", required_argument, NULL, 'e' }, { "limit", required_argument, NULL, 'n' },
		{ "follow", no_argument, NULL, 'f' }, { "json", no_argument, NULL, 'j' }, { 0 }
	};
	Vardkase__Console__Request rq = VARDKASE__CONSOLE__REQUEST__INIT;
	Vardkase__Console__SightingsQuery q = VARDKASE__CONSOLE__SIGHTINGS_QUERY__INIT;
	Vardkase__Console__Response *r;
	json_t *all = json_array();
	int o, more = 1, rows = 0;
	size_t i;

	optind = 1;
	while ((o = getopt_long(argc, argv, "s:H:i:e:n:fj", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (ctl_duration(optarg, &q.since_s)) {
				fprintf(stderr, "vardkasectl: --since wants 90s, 15m, 2h or 7d\n");
				return 2;
			}
			break;
		case 'H': q.host = optarg; break;
		case 'i': q.indicator = optarg; break;
		case 'e': q.event_uuid = optarg; break;
		case 'n': q.limit = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'f': q.follow = 1; break;
		case 'j': c->json = 1; break;
		default:
			fprintf(stderr, "usage: vardkasectl sightings [--since D] [--host IP] "
				"[--indicator V] [--event UUID] [--limit N] [--follow] [--json]\n");
			return 2;
		}
	}
	rq.msg_case = VARDKASE__CONSOLE__REQUEST__MSG_SIGHTINGS;
	rq.sightings = &q;
	if (ctl_send(c, &rq))
		return 1;
	if (!c->json)
		header();
	while (more && (r = ctl_recv(c, 30000))) {
		more = r->msg_case == VARDKASE__CONSOLE__RESPONSE__MSG_SIGHTINGS && r->sightings->more;
		for (i = 0; r->msg_case == VARDKASE__CONSOLE__RESPONSE__MSG_SIGHTINGS &&
		     i < r->sightings->n_sighting; i++, rows++) {
			if (c->json)
				json_array_append_new(all, ctl_sighting_json(r->sightings->sighting[i]));
			else
				ctl_sighting_line(r->sightings->sighting[i]);
		}
		vardkase__console__response__free_unpacked(r, NULL);
	}
	if (more) {
		/* cut off: never "none" for "failed" */
		json_decref(all);
		fprintf(stderr, "vardkasectl: the agent's answer stopped after %d sightings;"
			" see the agent's log\n", rows);
		return 1;
	}
	if (c->json && !q.follow)
		ctl_print_json(all);
	else
		json_decref(all);
	if (!c->json && !rows)
		printf("(no sightings%s)\n", q.follow ? " yet; following" : "");
	return q.follow ? follow(c) : 0;
}
