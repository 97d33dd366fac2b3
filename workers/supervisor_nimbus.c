// SPDX-License-Identifier: MIT
// supervisor_nimbus.c - a supervisor's side of the cluster: its reports
// to nimbus (and the next nimbus when one stands by or stops answering),
// the assignments it takes from nimbus's replies or from ZooKeeper,
// fencing itself when cut off from both, and the poll loop.

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "base/log.h"
#include "workers/keys.h"
#include "workers/supervisor_impl.h"

// Reports go to nimbus this often.
#define SUP_REPORT_MS 500
// A report not answered in this long is given up on, and sent again.
#define SUP_REPLY_TIMEOUT_MS 2000

// ---------------------------------------------------------------------
// Talking to nimbus
// ---------------------------------------------------------------------

// Takes the assignments of a reply and makes the slots match them.
static void
sup_apply(gale_supervisor *s, gale_reply *r)
{
	if (r->supervisor_timeout_secs > 0) {
		s->fence_ms = (uint64_t) r->supervisor_timeout_secs * 500u;
	}
	gale__sup_drop_assignments(s);
	s->asg          = r->assignments;
	s->nasg         = r->nassignments;
	r->assignments  = NULL;
	r->nassignments = 0;
	for (uint32_t i = 0; i < s->nslots; i++) {
		uint32_t               port  = s->port_base + i;
		const gale_assignment *want  = NULL;
		uint32_t               index = 0;
		for (size_t k = 0; k < s->nasg && want == NULL; k++) {
			const gale_assignment *a = &s->asg[k];
			for (size_t j = 0; j < a->nworkers; j++) {
				if (a->workers[j].port == port
				    && strcmp(a->workers[j].supervisor, s->id)
					== 0) {
					want  = a;
					index = a->workers[j].index;
					break;
				}
			}
		}
		sup_worker *w = s->slot[i];
		if (w != NULL
		    && (want == NULL
			|| strcmp(w->topology, want->topology) != 0
			|| strcmp(w->run_id, want->run_id) != 0
			|| w->index != index)) {
			gale__sup_retire(s, i, true);
			w = NULL;
		}
		if (want == NULL) {
			continue;
		}
		if (index >= want->nworkers) {
			continue; // cannot be run: the worker would refuse it
		}
		if (w == NULL) {
			gale__sup_launch(s, i, want, index);
		} else if (gale__sup_connected(w)
		    && want->generation > w->sent_gen) {
			gale__sup_forward(s, w);
		}
	}
}

static void
sup_report(gale_supervisor *s)
{
	gale_request          req  = { .kind = GALE_REQ_SUPERVISOR_HEARTBEAT };
	gale_supervisor_info *info = &req.u.supervisor;
	uint32_t             *ports  = calloc(s->nslots, sizeof(*ports));
	size_t                nprocs = 0;
	for (gale_worker_proc *p = gale_worker_host_next(s->workers, NULL);
	     p != NULL; p        = gale_worker_host_next(s->workers, p)) {
		nprocs++;
	}
	gale_heartbeat *hbs
	    = calloc((size_t) s->nslots + nprocs + 1, sizeof(*hbs));
	gale_component_error **extra
	    = calloc((size_t) s->nslots + nprocs + 1, sizeof(*extra));
	if (ports == NULL || hbs == NULL || extra == NULL) {
		goto out;
	}
	for (uint32_t i = 0; i < s->nslots; i++) {
		ports[i] = s->port_base + i;
		if (s->slot[i] != NULL && s->slot[i]->have_hb) {
			// A shallow copy: the strings stay the worker's.
			hbs[info->nworkers]   = s->slot[i]->hb;
			extra[info->nworkers] = gale__sup_with_deaths(
			    &hbs[info->nworkers], s->slot[i]);
			info->nworkers++;
		}
	}
	for (gale_worker_proc *p = gale_worker_host_next(s->workers, NULL);
	     p != NULL; p        = gale_worker_host_next(s->workers, p)) {
		const sup_worker *w = gale_worker_proc_owner(p);
		if (gale_worker_proc_retired(p) && w->have_hb) {
			hbs[info->nworkers++] = w->hb;
		}
	}
	info->protocol = GALE_CONTROL_PROTOCOL;
	info->id       = s->id;
	info->host     = s->host;
	info->ports   = ports;
	info->nports  = s->nslots;
	info->workers = hbs;
	if (gale_client_send(s->client, &req) != GALE_OK) {
		if (!s->nimbus_down) {
			GALE_WARN("%s", gale_client_error(s->client));
		}
		s->nimbus_down = true;
		gale_client_reset(s->client);
	}
	s->sent_ms        = sup_now_ms();
	s->next_report_ms = s->sent_ms + SUP_REPORT_MS;
	s->report_soon    = false;
out:
	for (size_t i = 0; extra != NULL && i < info->nworkers; i++) {
		free(extra[i]);
	}
	free(extra);
	free(ports);
	free(hbs);
}

// Talks to the nimbus at ep from now on.
static void
sup_use_nimbus(gale_supervisor *s, const char *ep)
{
	gale_client *c = NULL;
	if (gale_client_new(&c, ep) != GALE_OK
	    || (s->keys_dir != NULL
		&& gale_client_use_keys(c, s->keys_dir, "supervisor")
		    != GALE_OK)) {
		gale_client_destroy(&c);
		return;
	}
	gale_client_destroy(&s->client);
	s->client = c;
	GALE_INFO("trying nimbus at %s", ep);
}

// Moves on to the leader that ZooKeeper names, else to the next nimbus
// of the list when there is more than one.
static void
sup_next_nimbus(gale_supervisor *s)
{
	char ep[512];
	if (s->zk != NULL
	    && gale__supervisor_zk_leader(s->zk, ep, sizeof(ep))) {
		sup_use_nimbus(s, ep);
		return;
	}
	size_t n = 1;
	for (const char *p = s->nimbus_eps; *p != '\0'; p++) {
		n += *p == ',';
	}
	if (n < 2) {
		return;
	}
	s->nimbus_i   = (s->nimbus_i + 1) % n;
	const char *p = s->nimbus_eps;
	for (size_t i = 0; i < s->nimbus_i; i++) {
		p += strcspn(p, ",") + 1;
	}
	snprintf(ep, sizeof(ep), "%.*s", (int) strcspn(p, ","), p);
	sup_use_nimbus(s, ep);
}

// Logs a refusal of nimbus once, not at every report until it changes
// (a supervisor of another gale version is refused at every one).
static void
sup_refused(gale_supervisor *s, const char *error)
{
	if (s->refused != NULL && strcmp(s->refused, error) == 0) {
		return;
	}
	GALE_WARN("nimbus refused the report: %s", error);
	free(s->refused);
	s->refused = strdup(error);
}

static void
sup_nimbus(gale_supervisor *s)
{
	if (gale_client_busy(s->client)) {
		gale_reply r  = { 0 };
		gale_err   rv = gale_client_recv(s->client, &r, 0);
		if (rv == GALE_OK) {
			if (s->nimbus_down) {
				GALE_INFO("nimbus is reachable again");
			}
			s->nimbus_down = false;
			// A nimbus of another protocol is no contact: it will
			// run this supervisor's workers elsewhere, so they are
			// fenced as if it could not be reached.
			if (r.ok || r.error == NULL
			    || strstr(r.error, " speaks gale protocol ")
				== NULL) {
				s->contact_ms = sup_now_ms();
			}
			if (r.ok) {
				free(s->refused);
				s->refused = NULL;
				sup_apply(s, &r);
			} else if (r.error != NULL
			    && strstr(r.error, " is a standby; ") != NULL) {
				sup_next_nimbus(s);
				s->report_soon = true;
			} else {
				sup_refused(s, r.error != NULL ? r.error : "");
			}
			gale_reply_fini(&r);
		} else if (rv == GALE_EPROTO) {
			GALE_WARN("%s", gale_client_error(s->client));
		} else if (rv == GALE_EUNREACH) {
			// Refused keys: said once, not on every report.
			if (!s->nimbus_down) {
				GALE_WARN("%s; keeping the last assignments",
				    gale_client_error(s->client));
			}
			s->nimbus_down = true;
		} else if (sup_now_ms() - s->sent_ms > SUP_REPLY_TIMEOUT_MS) {
			if (!s->nimbus_down) {
				GALE_WARN("nimbus does not answer%s",
				    s->fenced ? ""
					      : "; keeping the last "
						"assignments");
			}
			s->nimbus_down = true;
			gale_client_reset(s->client);
			sup_next_nimbus(s);
		}
	}
	if (!gale_client_busy(s->client)
	    && (s->report_soon || sup_now_ms() >= s->next_report_ms)) {
		sup_report(s);
	}
}

// Takes the assignments the leader keeps in ZooKeeper when they changed:
// the same as its last reply, so that they hold while no nimbus is up
// (this supervisor restarted meanwhile, or the leader moved workers).
static void
sup_zk_assignments(gale_supervisor *s)
{
	uint8_t *data = NULL;
	size_t   len  = 0;
	if (!gale__supervisor_zk_assignments(s->zk, &data, &len)) {
		return;
	}
	gale_reply r = { 0 };
	if (gale_reply_decode(&r, data, len) == GALE_OK && r.ok) {
		GALE_INFO(
		    "took %zu assignment(s) from ZooKeeper", r.nassignments);
		sup_apply(s, &r);
	} else {
		GALE_WARN("the assignments in ZooKeeper are malformed");
	}
	gale_reply_fini(&r);
	free(data);
}

// A supervisor cut off from nimbus (and ZooKeeper, when it has it) for
// half of nimbus's supervisor timeout kills its workers: nimbus is about
// to give their tasks to other supervisors, and two copies of a task must
// never run. The assignments go with them; the next ones come from nimbus
// or ZooKeeper once either is back.
static void
sup_fence(gale_supervisor *s)
{
	uint64_t now = sup_now_ms();
	if (s->zk != NULL && gale__supervisor_zk_connected(s->zk)) {
		s->contact_ms = now;
	}
	bool cut = s->fence_ms > 0 && now - s->contact_ms > s->fence_ms;
	if (s->fenced && !cut) {
		GALE_INFO("in touch with the cluster again");
		s->fenced = false;
	}
	if (s->fenced || !cut) {
		return;
	}
	size_t n = 0;
	for (uint32_t i = 0; i < s->nslots; i++) {
		if (s->slot[i] != NULL && gale__sup_retire(s, i, false)) {
			n++;
		}
	}
	gale__sup_drop_assignments(s);
	if (s->zk != NULL) {
		gale__supervisor_zk_forget(s->zk);
	}
	s->fenced = true;
	GALE_WARN("cut off from nimbus%s for %" PRIu64 " ms (half of "
		  "nimbus.supervisor.timeout.secs): killed %zu worker(s), "
		  "whose tasks nimbus moves elsewhere",
	    s->zk != NULL ? " and ZooKeeper" : "", now - s->contact_ms, n);
}

void
gale_supervisor_poll(gale_supervisor *s, int timeout_ms)
{
	uint64_t deadline = sup_now_ms() + (uint64_t) timeout_ms;
	do {
		zmq_pollitem_t items[2] = {
			{ .socket   = gale_worker_host_socket(s->workers),
			    .events = ZMQ_POLLIN },
			{ .socket   = gale_client_socket(s->client),
			    .events = ZMQ_POLLIN },
		};
		int      nitems = items[1].socket != NULL ? 2 : 1;
		uint64_t now    = sup_now_ms();
		long     wait   = deadline > now ? (long) (deadline - now) : 0;
		zmq_poll(items, nitems, wait < 50 ? wait : 50);
		if (s->zk != NULL) {
			gale__supervisor_zk_tick(s->zk);
			sup_zk_assignments(s);
		}
		gale_worker_host_receive(s->workers);
		gale_worker_host_poll(s->workers);
		sup_nimbus(s);
		sup_fence(s);
	} while (sup_now_ms() < deadline);
}
