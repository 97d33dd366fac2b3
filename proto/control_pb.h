// SPDX-License-Identifier: MIT
// control_pb.h - what the files of the control-plane codec share.
//
// Internal to proto/control*.c: nothing else includes this header, so the
// protobuf-c structs of proto/gale.pb-c.h stay inside the control codec.
// Encoding builds protobuf-c structs that borrow from the plain structs;
// decoding fills plain structs that own everything.

#ifndef GALE_PROTO_CONTROL_PB_H
#define GALE_PROTO_CONTROL_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/control.h"
#include "proto/gale.pb-c.h"

// Encoding builds protobuf-c structs that borrow the plain structs'
// strings and arrays; the few arrays of pointers it needs come from a pool
// freed in one go after packing.
typedef struct gale_pb_pool {
	void **ptrs;
	size_t n;
	size_t cap;
} gale_pb_pool;

// A zeroed array of n elements of size bytes (one when n is 0) that lives
// until gale__pb_pool_fini; NULL when out of memory.
void *gale__pb_calloc(gale_pb_pool *pl, size_t n, size_t size);
void  gale__pb_pool_fini(gale_pb_pool *pl);

// protobuf-c wants char * and "" for an absent string; it never writes
// through these pointers when packing.
static inline char *
gale__pb_str(const char *s)
{
	return (char *) (s != NULL ? s : protobuf_c_empty_string);
}

// A decoded string: never NULL (absent is ""). False when out of memory.
bool gale__pb_dup_str(char **dst, const char *src);
// A copied string: NULL stays NULL. False when out of memory.
bool gale__pb_copy_str(char **dst, const char *src);
// A heap copy of n elements of size bytes, or NULL when there are none;
// *ok is cleared when the copy fails and left alone otherwise.
void *gale__pb_dup_array(const void *src, size_t n, size_t size, bool *ok);

// Every top-level message goes through one encoder and one decoder, driven
// by its row: the generated descriptor, the plain struct's size, and the
// conversions. to_pb builds the protobuf-c struct in the pool (borrowing
// from the plain struct); from_pb fills the zeroed plain struct and may
// leave it partly filled on error, for fini to free.
typedef struct gale_pb_codec {
	const ProtobufCMessageDescriptor *desc;
	size_t                            size;
	gale_err (*to_pb)(
	    gale_pb_pool *pl, const void *plain, ProtobufCMessage **m);
	gale_err (*from_pb)(void *plain, const ProtobufCMessage *m);
	void (*fini)(void *plain);
} gale_pb_codec;

// Packs what row c's to_pb builds from plain into a malloc'ed *buf.
gale_err gale__pb_encode(
    const gale_pb_codec *c, const void *plain, uint8_t **buf, size_t *len);
// Zeroes plain, unpacks buf with c's descriptor and converts it with c's
// from_pb; on error plain is finalised. GALE_EPROTO for malformed bytes.
gale_err gale__pb_decode(
    const gale_pb_codec *c, void *plain, const void *buf, size_t len);

// Conversions the message families share. The _to functions fill protobuf-c
// structs from the pool; the _from ones fill zeroed plain structs and leave
// what they allocated before an error for the caller's fini.
gale_err gale__pb_spec_to(
    gale_pb_pool *pl, const gale_spec *s, Gale__TopologySpec *m);
gale_err gale__pb_spec_from(gale_spec *s, const Gale__TopologySpec *m);
void     gale__pb_endpoints_fini(gale_task_endpoint *e, size_t n);
bool     gale__pb_endpoints_copy(gale_task_endpoint **dst, size_t *ndst,
	const gale_task_endpoint *src, size_t nsrc);
gale_err gale__pb_endpoints_to(gale_pb_pool *pl, const gale_task_endpoint *e,
    size_t n, Gale__TaskEndpoint ***out, size_t *nout);
bool     gale__pb_endpoints_from(gale_task_endpoint **dst, size_t *ndst,
	Gale__TaskEndpoint *const *src, size_t n);
gale_err gale__pb_assignment_to(
    gale_pb_pool *pl, const gale_assignment *a, Gale__Assignment *m);
gale_err gale__pb_assignment_from(
    gale_assignment *a, const Gale__Assignment *m);
// Counters and histograms by name; rates too. Names this version does not
// know are ignored on decode.
size_t   gale__pb_metric_by_name(const char *name);
gale_err gale__pb_counters_to(gale_pb_pool *pl, const uint64_t c[GALE_M_COUNT],
    Gale__Counter ***out, size_t *nout);
void     gale__pb_counters_from(
	uint64_t c[GALE_M_COUNT], Gale__Counter *const *cs, size_t n);
gale_err gale__pb_hists_to(gale_pb_pool *pl, const gale_hist *complete,
    const gale_hist *execute, Gale__Histogram ***out, size_t *nout);
void     gale__pb_hists_from(gale_hist *complete, gale_hist *execute,
	Gale__Histogram *const *hs, size_t n);
gale_err gale__pb_tasks_to(gale_pb_pool *pl, const gale_task_snapshot *t,
    size_t n, Gale__TaskStats ***out, size_t *nout);
gale_err gale__pb_tasks_from(gale_task_snapshot **out, size_t *nout,
    Gale__TaskStats *const *ts, size_t n);
// Component errors, streams and key-value lists (control_errors.c). The
// _fini functions free the elements and the array; the _from ones leave
// what they allocated in *dst for them on error. Decoding rejects lists
// longer than the wire limits.
void     gale__pb_errors_fini(gale_component_error *e, size_t n);
gale_err gale__pb_errors_to(gale_pb_pool *pl, const gale_component_error *e,
    size_t n, Gale__ComponentError ***out, size_t *nout);
gale_err gale__pb_errors_from(gale_component_error **dst, size_t *ndst,
    Gale__ComponentError *const *src, size_t n);
// Replay records: plain data, freed with free().
gale_err gale__pb_replays_to(gale_pb_pool *pl, const gale_replay_record *r,
    size_t n, Gale__ReplayRecord ***out, size_t *nout);
gale_err gale__pb_replays_from(gale_replay_record **dst, size_t *ndst,
    Gale__ReplayRecord *const *src, size_t n);
// Trace records: plain data, freed with free().
gale_err gale__pb_traces_to(gale_pb_pool *pl, const gale_trace_record *r,
    size_t n, Gale__TraceRecord ***out, size_t *nout);
gale_err gale__pb_traces_from(gale_trace_record **dst, size_t *ndst,
    Gale__TraceRecord *const *src, size_t n);
// Windows: each owns its components; gale__pb_windows_fini frees the
// array too. On error the _from function leaves what it allocated in *dst.
void     gale__pb_windows_fini(gale_window_stats *w, size_t n);
gale_err gale__pb_windows_to(gale_pb_pool *pl, const gale_window_stats *w,
    size_t n, Gale__WindowStats ***out, size_t *nout);
gale_err gale__pb_windows_from(gale_window_stats **dst, size_t *ndst,
    Gale__WindowStats *const *src, size_t n);
void     gale__pb_streams_fini(gale_stream_info *s, size_t n);
gale_err gale__pb_streams_to(gale_pb_pool *pl, const gale_stream_info *s,
    size_t n, Gale__StreamInfo ***out, size_t *nout);
gale_err gale__pb_streams_from(gale_stream_info **dst, size_t *ndst,
    Gale__StreamInfo *const *src, size_t n);
void     gale__pb_kvs_fini(gale_kv *kv, size_t n);
gale_err gale__pb_kvs_to(gale_pb_pool *pl, const gale_kv *kv, size_t n,
    Gale__KeyValue ***out, size_t *nout);
gale_err gale__pb_kvs_from(
    gale_kv **dst, size_t *ndst, Gale__KeyValue *const *src, size_t n);

#endif // GALE_PROTO_CONTROL_PB_H
