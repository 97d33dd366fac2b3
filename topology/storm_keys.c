// SPDX-License-Identifier: MIT
// storm_keys.c - the names of the topology config keys Storm defines
// (Config.java and defaults.yaml, Storm 1.x and 2.x), as data: a Storm
// file that sets one gale does not implement validates with a warning.

#include <stdlib.h>
#include <string.h>

#include "topology/config_keys.h"

// Sorted, for bsearch; names only.
static const char *const storm_keys[] = {
	"topology.acker.cpu.pcore.percent",
	"topology.acker.executors",
	"topology.acker.resources.offheap.memory.mb",
	"topology.acker.resources.onheap.memory.mb",
	"topology.auto-credentials",
	"topology.auto.task.hooks",
	"topology.backpressure.check.millis",
	"topology.backpressure.enable",
	"topology.backpressure.wait.park.microsec",
	"topology.backpressure.wait.progressive.level1.count",
	"topology.backpressure.wait.progressive.level2.count",
	"topology.backpressure.wait.progressive.level3.sleep.millis",
	"topology.backpressure.wait.strategy",
	"topology.batch.flush.interval.millis",
	"topology.blobstore.map",
	"topology.bolt.wait.park.microsec",
	"topology.bolt.wait.progressive.level1.count",
	"topology.bolt.wait.progressive.level2.count",
	"topology.bolt.wait.progressive.level3.sleep.millis",
	"topology.bolt.wait.strategy",
	"topology.bolts.late.tuple.stream",
	"topology.bolts.message.id.field.name",
	"topology.bolts.outgoing.overflow.buffer.enable",
	"topology.bolts.tuple.timestamp.max.lag.ms",
	"topology.bolts.watermark.event.interval.ms",
	"topology.bolts.window.length.count",
	"topology.bolts.window.length.duration.ms",
	"topology.bolts.window.sliding.interval.count",
	"topology.bolts.window.sliding.interval.duration.ms",
	"topology.builtin.metrics.bucket.size.secs",
	"topology.classpath",
	"topology.classpath.beginning",
	"topology.component.cpu.pcore.percent",
	"topology.component.resources.map",
	"topology.component.resources.offheap.memory.mb",
	"topology.component.resources.onheap.memory.mb",
	"topology.debug",
	"topology.disable.loadaware",
	"topology.disable.loadaware.messaging",
	"topology.disruptor.batch.size",
	"topology.disruptor.batch.timeout.millis",
	"topology.disruptor.wait.timeout.millis",
	"topology.enable.message.timeouts",
	"topology.enable.v2.metrics.tick",
	"topology.environment",
	"topology.error.throttle.interval.secs",
	"topology.event.logger.register",
	"topology.eventlogger.executors",
	"topology.executor.overflow.limit",
	"topology.executor.receive.buffer.size",
	"topology.executor.send.buffer.size",
	"topology.fall.back.on.java.serialization",
	"topology.groups",
	"topology.isolate.machines",
	"topology.kryo.decorators",
	"topology.kryo.factory",
	"topology.kryo.register",
	"topology.localityaware.higher.bound",
	"topology.localityaware.lower.bound",
	"topology.logging.config",
	"topology.logging.sensitivity",
	"topology.max.error.report.per.interval",
	"topology.max.replication.wait.time.sec",
	"topology.max.spout.pending",
	"topology.max.task.parallelism",
	"topology.message.timeout.secs",
	"topology.metrics.consumer.cpu.pcore.percent",
	"topology.metrics.consumer.register",
	"topology.metrics.consumer.resources.offheap.memory.mb",
	"topology.metrics.consumer.resources.onheap.memory.mb",
	"topology.min.replication.count",
	"topology.multilang.log.handler",
	"topology.multilang.serializer",
	"topology.name",
	"topology.priority",
	"topology.producer.batch.size",
	"topology.ras.constraint.max.state.search",
	"topology.ras.constraint.max.time.secs",
	"topology.ras.constraints",
	"topology.ras.one.component.per.worker",
	"topology.ras.one.executor.per.worker",
	"topology.ras.order.executors.by.proximity.needs",
	"topology.readonly.groups",
	"topology.readonly.users",
	"topology.scheduler.favored.nodes",
	"topology.scheduler.strategy",
	"topology.scheduler.unfavored.nodes",
	"topology.serialized.message.size.metrics",
	"topology.shellbolt.max.pending",
	"topology.skip.missing.kryo.registrations",
	"topology.sleep.spout.wait.strategy.time.ms",
	"topology.spout.recvq.skips",
	"topology.spout.wait.park.microsec",
	"topology.spout.wait.progressive.level1.count",
	"topology.spout.wait.progressive.level2.count",
	"topology.spout.wait.progressive.level3.sleep.millis",
	"topology.spout.wait.strategy",
	"topology.spread.components",
	"topology.state.checkpoint.interval.ms",
	"topology.state.kryo.register",
	"topology.state.provider",
	"topology.state.provider.config",
	"topology.state.synchronization.timeout.secs",
	"topology.stats.sample.rate",
	"topology.submitter.principal",
	"topology.submitter.user",
	"topology.subprocess.timeout.secs",
	"topology.tasks",
	"topology.testing.always.try.serialize",
	"topology.tick.tuple.freq.secs",
	"topology.transactional.id",
	"topology.transfer.batch.size",
	"topology.transfer.buffer.size",
	"topology.trident.batch.emit.interval.millis",
	"topology.trident.windowing.cache.tuple.limit",
	"topology.tuple.compression.enable",
	"topology.tuple.serializer",
	"topology.users",
	"topology.version",
	"topology.worker.childopts",
	"topology.worker.gc.childopts",
	"topology.worker.logwriter.childopts",
	"topology.worker.max.heap.size.mb",
	"topology.worker.metrics",
	"topology.worker.receiver.thread.count",
	"topology.worker.shared.thread.pool.size",
	"topology.worker.timeout.secs",
	"topology.workers",
};
#define NSTORM_KEYS (sizeof(storm_keys) / sizeof(storm_keys[0]))

static int
storm_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *) elem);
}

bool
gale__storm_key_known(const char *name)
{
	return name != NULL
	    && bsearch(name, storm_keys, NSTORM_KEYS, sizeof(storm_keys[0]),
		   storm_key_cmp)
	    != NULL;
}

const char *
gale__storm_key_name(size_t i)
{
	return i < NSTORM_KEYS ? storm_keys[i] : NULL;
}
