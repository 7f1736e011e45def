// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
#include <string.h>
#include "ctl.h"

static json_t *to_json(const Vardkase__Console__Indicator *x)
{
	json_t *o = json_object(), *tags = json_array();
	size_t i;

	for (i = 0; i < x->n_tags; i++)
		json_array_append_new(tags, json_string(x->tags[i]));
	json_object_set_new(o, "value", json_string(x->value));
	json_object_set_new(o, "enforced", json_boolean(x->enforced));
	if (!x->enforced)
		json_object_set_new(o, "why_not", json_string(x->why_not));
	json_object_set_new(o, "attribute_uuid", json_string(x->attribute_uuid));
	json_object_set_new(o, "type", json_string(x->type));
	json_object_set_new(o, "event_uuid", json_string(x->event_uuid));
	json_object_set_new(o, "event_info", json_string(x->event_info));
	json_object_set_new(o, "tlp", json_string(x->tlp));
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "matches", json_integer((json_int_t)x->matches));
	return o;
}

static void human(const Vardkase__Console__Indicator *x)
{
	size_t i;

	printf("%s: %s%s\n", x->value, x->enforced ? "ENFORCED" : "not enforced: ",
	       x->enforced ? "" : x->why_not);
	if (x->attribute_uuid[0])
		printf("  attribute %s %s\n", x->attribute_uuid, x->type);
	if (x->event_uuid[0])
		printf("  event     %s %s\n", x->event_uuid, x->event_info);
	if (x->tlp[0])
		printf("  TLP       %s\n", x->tlp);
	for (i = 0; i < x->n_tags; i++)
		printf("%s%s", i ? ", " : "  tags      ", x->tags[i]);
	if (x->n_tags)
		printf("\n");
	if (x->enforced)
		printf("  matches   %llu (the dataplane's count)\n", (unsigned long long)x->matches);
}

int cmd_indicator(struct ctl *c, int argc, char **argv)
{
	Vardkase__Console__Request rq = VARDKASE__CONSOLE__REQUEST__INIT;
	Vardkase__Console__IndicatorQuery q = VARDKASE__CONSOLE__INDICATOR_QUERY__INIT;
	Vardkase__Console__Response *r;
	json_t *all = json_array();
	int i;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			c->json = 1;
		else
			q.value = argv[i];
	}
	if (!q.value) {
		fprintf(stderr, "usage: vardkasectl indicator VALUE [--json]\n");
		json_decref(all);
		return 2;
	}
	rq.msg_case = VARDKASE__CONSOLE__REQUEST__MSG_INDICATOR;
	rq.indicator = &q;
	if (ctl_send(c, &rq) || !(r = ctl_recv(c, 30000))) {
		json_decref(all);
		return 1;
	}
	for (k = 0; r->msg_case == VARDKASE__CONSOLE__RESPONSE__MSG_INDICATORS &&
	     k < r->indicators->n_indicator; k++) {
		if (c->json)
			json_array_append_new(all, to_json(r->indicators->indicator[k]));
		else
			human(r->indicators->indicator[k]);
	}
	if (c->json)
		ctl_print_json(all);
	else
		json_decref(all);
	vardkase__console__response__free_unpacked(r, NULL);
	return 0;
}
