// SPDX-License-Identifier: MIT
// kafka_topics.h - the topic names of a Kafka option: one name, names
// separated by commas, or a list.

#ifndef GALE_COMPONENTS_KAFKA_TOPICS_H
#define GALE_COMPONENTS_KAFKA_TOPICS_H

#include <stddef.h>

#include "gale.h"

// Parses text into *out, a malloc'ed array of *n malloc'ed names in the
// order given: "name", "a,b" (no Kafka topic name holds a comma), a JSON
// list of strings (how a list in the topology file reaches a component),
// or "[a, b]" (how --set gives one). Names are trimmed of spaces. Sets *out
// and *n only on success; GALE_EINVAL with a reason in why for an empty
// name, an empty list or an item that is not a string; GALE_ENOMEM.
gale_err gale__kafka_topics_parse(
    const char *text, char ***out, size_t *n, char *why, size_t whylen);

// Frees the names and the array; accepts *out == NULL; zeroes both.
void gale__kafka_topics_free(char ***out, size_t *n);

#endif // GALE_COMPONENTS_KAFKA_TOPICS_H
