// SPDX-License-Identifier: MIT
// control_errors.c - the control-plane codec of component errors, and of
// the streams and configuration that typed stats carry for the web UI.

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/control_pb.h"

void
gale_component_error_fini(gale_component_error *e)
{
	if (e == NULL) {
		return;
	}
	free(e->component);
	free(e->host);
	free(e->error);
	memset(e, 0, sizeof *e);
}

gale_err
gale_component_error_copy(
    gale_component_error *dst, const gale_component_error *src)
{
	assert(dst != NULL && src != NULL);
	*dst           = *src;
	dst->component = NULL;
	dst->host      = NULL;
	dst->error     = NULL;
	if (!gale__pb_copy_str(&dst->component, src->component)
	    || !gale__pb_copy_str(&dst->host, src->host)
	    || !gale__pb_copy_str(&dst->error, src->error)) {
		gale_component_error_fini(dst);
		return GALE_ENOMEM;
	}
	return GALE_OK;
}

void
gale__pb_errors_fini(gale_component_error *e, size_t n)
{
	for (size_t i = 0; e != NULL && i < n; i++) {
		gale_component_error_fini(&e[i]);
	}
	free(e);
}

gale_err
gale__pb_errors_to(gale_pb_pool *pl, const gale_component_error *e, size_t n,
    Gale__ComponentError ***out, size_t *nout)
{
	if (n == 0 || e == NULL) {
		return GALE_OK;
	}
	Gale__ComponentError **pp = gale__pb_calloc(pl, n, sizeof *pp);
	Gale__ComponentError  *ms = gale__pb_calloc(pl, n, sizeof *ms);
	if (pp == NULL || ms == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		gale__component_error__init(&ms[i]);
		ms[i].component = gale__pb_str(e[i].component);
		ms[i].task      = e[i].task;
		ms[i].time_secs = e[i].time_secs;
		ms[i].host      = gale__pb_str(e[i].host);
		ms[i].port      = e[i].port;
		ms[i].error     = gale__pb_str(e[i].error);
		pp[i]           = &ms[i];
	}
	*out  = pp;
	*nout = n;
	return GALE_OK;
}

gale_err
gale__pb_errors_from(gale_component_error **dst, size_t *ndst,
    Gale__ComponentError *const *src, size_t n)
{
	*dst  = NULL;
	*ndst = 0;
	if (n > GALE_WIRE_MAX_ERRORS * (size_t) GALE_WIRE_MAX_TASKS) {
		return GALE_EPROTO;
	}
	if (n == 0) {
		return GALE_OK;
	}
	gale_component_error *e = calloc(n, sizeof *e);
	if (e == NULL) {
		return GALE_ENOMEM;
	}
	*dst  = e;
	*ndst = n;
	for (size_t i = 0; i < n; i++) {
		e[i].task      = src[i]->task;
		e[i].time_secs = src[i]->time_secs;
		e[i].port      = src[i]->port;
		if (!gale__pb_dup_str(&e[i].component, src[i]->component)
		    || !gale__pb_dup_str(&e[i].host, src[i]->host)
		    || !gale__pb_dup_str(&e[i].error, src[i]->error)) {
			return GALE_ENOMEM;
		}
	}
	return GALE_OK;
}

gale_err
gale__pb_replays_to(gale_pb_pool *pl, const gale_replay_record *r, size_t n,
    Gale__ReplayRecord ***out, size_t *nout)
{
	if (n == 0 || r == NULL) {
		return GALE_OK;
	}
	Gale__ReplayRecord **pp = gale__pb_calloc(pl, n, sizeof *pp);
	Gale__ReplayRecord  *ms = gale__pb_calloc(pl, n, sizeof *ms);
	if (pp == NULL || ms == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		gale__replay_record__init(&ms[i]);
		ms[i].spout   = (char *) r[i].spout;
		ms[i].task    = r[i].task;
		ms[i].time_ms = r[i].time_ms;
		ms[i].msg_id  = r[i].msg_id;
		ms[i].reason  = (char *) r[i].reason;
		ms[i].attempt = r[i].attempt;
		ms[i].seq     = r[i].seq;
		pp[i]         = &ms[i];
	}
	*out  = pp;
	*nout = n;
	return GALE_OK;
}

gale_err
gale__pb_replays_from(gale_replay_record **dst, size_t *ndst,
    Gale__ReplayRecord *const *src, size_t n)
{
	*dst  = NULL;
	*ndst = 0;
	if (n > GALE_WIRE_MAX_REPLAYS) {
		return GALE_EPROTO;
	}
	if (n == 0) {
		return GALE_OK;
	}
	gale_replay_record *r = calloc(n, sizeof *r);
	if (r == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(r[i].spout, sizeof r[i].spout, "%s",
		    src[i]->spout != NULL ? src[i]->spout : "");
		snprintf(r[i].reason, sizeof r[i].reason, "%s",
		    src[i]->reason != NULL ? src[i]->reason : "");
		r[i].task    = src[i]->task;
		r[i].time_ms = src[i]->time_ms;
		r[i].msg_id  = src[i]->msg_id;
		r[i].attempt = src[i]->attempt;
		r[i].seq     = src[i]->seq;
	}
	*dst  = r;
	*ndst = n;
	return GALE_OK;
}

void
gale__pb_streams_fini(gale_stream_info *s, size_t n)
{
	for (size_t i = 0; s != NULL && i < n; i++) {
		free(s[i].from);
		free(s[i].to);
		free(s[i].stream);
		free(s[i].grouping);
		for (size_t k = 0; s[i].fields != NULL && k < s[i].nfields;
		     k++) {
			free(s[i].fields[k]);
		}
		free(s[i].fields);
	}
	free(s);
}

gale_err
gale__pb_streams_to(gale_pb_pool *pl, const gale_stream_info *s, size_t n,
    Gale__StreamInfo ***out, size_t *nout)
{
	if (n == 0 || s == NULL) {
		return GALE_OK;
	}
	Gale__StreamInfo **pp = gale__pb_calloc(pl, n, sizeof *pp);
	Gale__StreamInfo  *ms = gale__pb_calloc(pl, n, sizeof *ms);
	if (pp == NULL || ms == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		gale__stream_info__init(&ms[i]);
		ms[i].from     = gale__pb_str(s[i].from);
		ms[i].to       = gale__pb_str(s[i].to);
		ms[i].stream   = gale__pb_str(s[i].stream);
		ms[i].grouping = gale__pb_str(s[i].grouping);
		if (s[i].nfields > 0 && s[i].fields != NULL) {
			// The strings are borrowed; protobuf-c only reads
			// them.
			ms[i].fields   = s[i].fields;
			ms[i].n_fields = s[i].nfields;
		}
		pp[i] = &ms[i];
	}
	*out  = pp;
	*nout = n;
	return GALE_OK;
}

gale_err
gale__pb_streams_from(gale_stream_info **dst, size_t *ndst,
    Gale__StreamInfo *const *src, size_t n)
{
	*dst  = NULL;
	*ndst = 0;
	if (n > GALE_WIRE_MAX_TASKS) {
		return GALE_EPROTO;
	}
	if (n == 0) {
		return GALE_OK;
	}
	gale_stream_info *s = calloc(n, sizeof *s);
	if (s == NULL) {
		return GALE_ENOMEM;
	}
	*dst  = s;
	*ndst = n;
	for (size_t i = 0; i < n; i++) {
		const Gale__StreamInfo *m = src[i];
		if (!gale__pb_dup_str(&s[i].from, m->from)
		    || !gale__pb_dup_str(&s[i].to, m->to)
		    || !gale__pb_dup_str(&s[i].stream, m->stream)
		    || !gale__pb_dup_str(&s[i].grouping, m->grouping)) {
			return GALE_ENOMEM;
		}
		if (m->n_fields > 0) {
			s[i].fields = calloc(m->n_fields, sizeof *s[i].fields);
			if (s[i].fields == NULL) {
				return GALE_ENOMEM;
			}
			s[i].nfields = m->n_fields;
			for (size_t k = 0; k < m->n_fields; k++) {
				if (!gale__pb_dup_str(
					&s[i].fields[k], m->fields[k])) {
					return GALE_ENOMEM;
				}
			}
		}
	}
	return GALE_OK;
}

void
gale__pb_kvs_fini(gale_kv *kv, size_t n)
{
	for (size_t i = 0; kv != NULL && i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

gale_err
gale__pb_kvs_to(gale_pb_pool *pl, const gale_kv *kv, size_t n,
    Gale__KeyValue ***out, size_t *nout)
{
	if (n == 0 || kv == NULL) {
		return GALE_OK;
	}
	Gale__KeyValue **pp = gale__pb_calloc(pl, n, sizeof *pp);
	Gale__KeyValue  *ms = gale__pb_calloc(pl, n, sizeof *ms);
	if (pp == NULL || ms == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		gale__key_value__init(&ms[i]);
		ms[i].key   = gale__pb_str(kv[i].key);
		ms[i].value = gale__pb_str(kv[i].value);
		pp[i]       = &ms[i];
	}
	*out  = pp;
	*nout = n;
	return GALE_OK;
}

gale_err
gale__pb_kvs_from(
    gale_kv **dst, size_t *ndst, Gale__KeyValue *const *src, size_t n)
{
	*dst  = NULL;
	*ndst = 0;
	if (n > GALE_WIRE_MAX_TASKS) {
		return GALE_EPROTO;
	}
	if (n == 0) {
		return GALE_OK;
	}
	gale_kv *kv = calloc(n, sizeof *kv);
	if (kv == NULL) {
		return GALE_ENOMEM;
	}
	*dst  = kv;
	*ndst = n;
	for (size_t i = 0; i < n; i++) {
		if (!gale__pb_dup_str(&kv[i].key, src[i]->key)
		    || !gale__pb_dup_str(&kv[i].value, src[i]->value)) {
			return GALE_ENOMEM;
		}
	}
	return GALE_OK;
}
