// SPDX-License-Identifier: GPL-2.0-only
/*
 * Failure paths of the table updates that would corrupt counts: a
 * recycled id whose counter cannot be zeroed must not hand its old count
 * to a new indicator (vk_apply.c, id_alloc).
 */
#include "bpf_env.h"

#define U_A "00000000-0000-4000-8000-000000000301"
#define U_B "00000000-0000-4000-8000-000000000302"
#define U_C "00000000-0000-4000-8000-000000000303"

static const char *ATTR[] = {
	"{\"uuid\":\"" U_A "\",\"type\":\"ip-dst\",\"value\":\"198.51.100.7\",\"to_ids\":true}",
	"{\"uuid\":\"" U_B "\",\"type\":\"ip-dst\",\"value\":\"198.51.100.9\",\"to_ids\":true}",
	"{\"uuid\":\"" U_C "\",\"type\":\"ip-dst\",\"value\":\"198.51.100.11\",\"to_ids\":true}",
};

static int apply(struct env *e, int a, int b, int c, uint64_t gen)
{
	char json[1024];
	struct vk_misp_stats ms;
	struct vk_apply_stats as;
	struct vk_set set;
	const char *err;

	snprintf(json, sizeof(json), "{\"response\":{\"Attribute\":[%s%s%s%s%s]}}",
		 a ? ATTR[0] : "", a && (b || c) ? "," : "", b ? ATTR[1] : "",
		 b && c ? "," : "", c ? ATTR[2] : "");
	vk_set_init(&set);
	if (vk_misp_parse(json, strlen(json), &set, &ms, NULL, NULL, &err))
		return -1;
	return vk_dp_apply(&e->dp, &set, gen, NULL, NULL, &as);
}

static uint32_t id_of(struct env *e, const char *ip)
{
	struct vk_key k;
	const char *why;
	const struct vk_ent *ent;

	vk_key_ip(ip, &k, &why);
	ent = vk_set_find(e->dp.t.cur, &k);
	return ent ? ent->id : 0;
}

static void hit(struct env *e, const char *dst, int times)
{
	struct pkt p;
	size_t at;

	while (times--) {
		eth(&p, 0, 0x0800);
		at = ip4(&p, "10.0.0.1", dst, 6, 0);
		tcp(&p, 40000, 443, at);
		run(e, &p, p.n);
	}
}

static void test_recycled_id_unzeroable(void **state)
{
	struct env *e = *state;
	uint32_t a, c;
	int fd;

	assert_int_equal(apply(e, 1, 1, 0, 2), 0);
	a = id_of(e, "198.51.100.7");
	hit(e, "198.51.100.7", 5);
	assert_int_equal(vk_tables_count(&e->dp.t, a), 5);
	assert_int_equal(apply(e, 0, 1, 0, 3), 0);	/* A goes, its id is free */
	/* zeroing the counter fails (a map gone bad): C must not inherit 5 */
	fd = e->dp.t.counters_fd;
	e->dp.t.counters_fd = -1;
	assert_int_equal(apply(e, 0, 1, 1, 4), 0);
	e->dp.t.counters_fd = fd;
	c = id_of(e, "198.51.100.11");
	assert_int_not_equal(c, 0);
	assert_int_not_equal(c, a);
	assert_int_equal(vk_tables_count(&e->dp.t, c), 0);
	hit(e, "198.51.100.11", 2);
	assert_int_equal(vk_tables_count(&e->dp.t, c), 2);
	/* the control: with zeroing working, a recycled id starts at zero */
	assert_int_equal(apply(e, 0, 1, 0, 5), 0);
	assert_int_equal(apply(e, 1, 1, 0, 6), 0);
	a = id_of(e, "198.51.100.7");
	assert_int_equal(a, c);			/* C's id, recycled */
	assert_int_equal(vk_tables_count(&e->dp.t, a), 0);
}

static int f_setup(void **state)
{
	static struct env e;

	return env_setup_json(state, &e, "{\"response\":{\"Attribute\":[]}}");
}

int vk_fault_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recycled_id_unzeroable),
	};

	return cmocka_run_group_tests_name("faults", tests, f_setup, env_teardown);
}
