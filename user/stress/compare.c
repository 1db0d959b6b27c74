// SPDX-License-Identifier: GPL-2.0
/*
 * gosync vs the best userspace peer: per variant and thread count, each
 * gosync backend's ops/s over the fastest peer's at that point, for the bench
 * workloads' finish hooks (beside their pairwise gosync/peer tables).
 */
#include <math.h>
#include <string.h>

#include "stress.h"

static bool same_variant(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* The fastest peer point that @g may be compared with, or NULL. */
static const struct stress_result *best_peer(const struct stress_run *run,
					     const struct stress_result *g,
					     const char *variant)
{
	const struct stress_result *best = NULL;

	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *q = &run->res[i];

		if (!q->ok || q->p.be->kernel || !(q->rate.med > 0) ||
		    q->p.threads != g->p.threads || q->p.procs != g->p.procs ||
		    !same_variant(q->p.variant, variant) ||
		    (g->p.be->exact && !q->p.be->exact) ||
		    (run->wl->peer_ok && !run->wl->peer_ok(g, q)))
			continue;
		if (!best || q->rate.med > best->rate.med)
			best = q;
	}
	return best;
}

static void best_row(struct stress_run *run, const struct stress_result *g,
		     const struct stress_result *q, double floor_ns)
{
	struct stress_row row = { 0 };
	struct stress_col *c;
	double v = g->rate.med / q->rate.med;
	const char *unit = g->p.procs ? "procs" : "threads";
	char of[160];

	snprintf(of, sizeof(of), "%s / best peer %s%s%s, %s, %u %s",
		 g->p.be->name, q->p.be->name,
		 same_variant(g->p.variant, q->p.variant) ? "" : " ",
		 same_variant(g->p.variant, q->p.variant) ? "" : q->p.variant,
		 g->p.variant ? g->p.variant : "-", g->p.threads, unit);
	row_str(&row, "workload", NULL, run->wl->name);
	row_str(&row, "kind", NULL, "ratio");
	row_str(&row, "ratio", NULL, "gosync/best-peer");
	row_str(&row, "variant", "variant", g->p.variant ? g->p.variant : "");
	row_int(&row, "threads", unit, g->p.threads);
	row_bool(&row, "procs", NULL, g->p.procs);
	row_str(&row, "backend", "gosync", g->p.be->name);
	c = row_num(&row, "ops_per_sec", "ops/s", g->rate.med);
	snprintf(c->text, sizeof(c->text), "%.0f", g->rate.med);
	row_str(&row, "peer", "best peer", q->p.be->name);
	row_str(&row, "peer_variant", NULL, q->p.variant ? q->p.variant : "");
	c = row_num(&row, "peer_ops_per_sec", "peer ops/s", q->rate.med);
	snprintf(c->text, sizeof(c->text), "%.0f", q->rate.med);
	row_str(&row, "of", NULL, of);
	c = row_num(&row, "value", "gosync/best", v);
	snprintf(c->text, sizeof(c->text), "%.3gx", v);
	c = row_num(&row, "inverse", "best/gosync", 1 / v);
	snprintf(c->text, sizeof(c->text), "%.3gx", 1 / v);
	/* per worker that counts ops, as the point's row: beside floor_ns */
	c = row_num(&row, "ns_per_op", "ns/op", stress_ns_per_op(&g->p, g->rate.med));
	snprintf(c->text, sizeof(c->text), "%.0f", c->d);
	if (isfinite(floor_ns)) {
		c = row_num(&row, "floor_ns", "floor ns", floor_ns);
		snprintf(c->text, sizeof(c->text), "%.0f", floor_ns);
	}
	stress_out_row(run->out, &row);
}

unsigned int stress_best_peer_ratios(struct stress_run *run,
				     const struct stress_result *floor,
				     const char *(*peer_variant)(const char *))
{
	double floor_ns = floor && floor->reps && floor->ok && floor->rate.med > 0 ?
			  1e9 / floor->rate.med : NAN;
	unsigned int n = 0;

	if (!run->o->quiet)
		stress_out_section(run->out, "gosync / best userspace peer at each "
				   "variant and thread count (ops/s, medians; > 1: "
				   "gosync faster)");
	/* in the order measured: variant-major for interleaving workloads */
	for (unsigned int i = 0; i < run->nres; i++) {
		const struct stress_result *g = &run->res[i], *q;

		if (!g->ok || !g->p.be->kernel || !(g->rate.med > 0))
			continue;
		q = best_peer(run, g, peer_variant ? peer_variant(g->p.variant) :
			      g->p.variant);
		if (!q)
			continue;
		best_row(run, g, q, floor_ns);
		n++;
	}
	if (!n)
		stress_out_note(run->out, "(no gosync point had a peer point to "
				"compare with: run gosync and peer backends together)");
	if (isfinite(floor_ns))
		stress_out_note(run->out, "floor: an empty ioctl (enotty-ioctl, 1 "
				"thread) costs %.0f ns: %.0f ops/s", floor_ns,
				floor->rate.med);
	return n;
}
