// SPDX-License-Identifier: MIT
// filter.c - Flux's substitution before parsing: ${ENV-NAME} from the
// environment, ${key} from a Java properties file.

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/filter.h"
#include "topology/yaml_tree.h"

struct gale_props {
	char **keys;
	char **values;
	size_t n;
	size_t cap;
};

// The most bytes of a properties file read.
#define PROPS_MAX_BYTES (1u << 20)

static bool
props_add(
    gale_props *p, const char *k, size_t klen, const char *v, size_t vlen)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		char **ks  = realloc(p->keys, cap * sizeof(*ks));
		if (ks == NULL) {
			return false;
		}
		p->keys   = ks;
		char **vs = realloc(p->values, cap * sizeof(*vs));
		if (vs == NULL) {
			return false;
		}
		p->values = vs;
		p->cap    = cap;
	}
	char *kc = strndup(k, klen);
	char *vc = strndup(v, vlen);
	if (kc == NULL || vc == NULL) {
		free(kc);
		free(vc);
		return false;
	}
	// A later line sets a key again, as java.util.Properties does.
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->keys[i], kc) == 0) {
			free(kc);
			free(p->values[i]);
			p->values[i] = vc;
			return true;
		}
	}
	p->keys[p->n]   = kc;
	p->values[p->n] = vc;
	p->n++;
	return true;
}

static bool
props_space(char c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

static char
props_unescape(char c)
{
	switch (c) {
	case 't':
		return '\t';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 'f':
		return '\f';
	default:
		return c;
	}
}

// One logical line (continuations joined) into key and value, escapes
// undone.
static bool
props_line(gale_props *p, const char *line, size_t len)
{
	size_t i = 0;
	while (i < len && props_space(line[i])) {
		i++;
	}
	if (i == len || line[i] == '#' || line[i] == '!') {
		return true;
	}
	char *buf = malloc(len + 1);
	if (buf == NULL) {
		return false;
	}
	size_t n = 0;
	for (; i < len; i++) {
		char c = line[i];
		if (c == '=' || c == ':' || props_space(c)) {
			break;
		}
		if (c == '\\' && i + 1 < len) {
			c = props_unescape(line[++i]);
		}
		buf[n++] = c;
	}
	size_t klen = n;
	while (i < len && props_space(line[i])) {
		i++;
	}
	if (i < len && (line[i] == '=' || line[i] == ':')) {
		i++;
	}
	while (i < len && props_space(line[i])) {
		i++;
	}
	for (; i < len; i++) {
		char c = line[i];
		if (c == '\\' && i + 1 < len) {
			c = props_unescape(line[++i]);
		}
		buf[n++] = c;
	}
	bool ok = props_add(p, buf, klen, buf + klen, n - klen);
	free(buf);
	return ok;
}

gale_err
gale__props_load(gale_props **out, const char *path, gale_report *r)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		gale_diag_add(r->d, path, NULL,
		    "cannot open the --filter file: %s", strerror(errno));
		r->failed = true;
		return GALE_EIO;
	}
	char  *text = malloc(PROPS_MAX_BYTES + 1);
	size_t len = text != NULL ? fread(text, 1, PROPS_MAX_BYTES + 1, f) : 0;
	bool   bad = text != NULL && (ferror(f) || len > PROPS_MAX_BYTES);
	fclose(f);
	if (text == NULL) {
		return GALE_ENOMEM;
	}
	if (bad) {
		gale_diag_add(r->d, path, NULL,
		    "cannot read the --filter file (at most %u bytes)",
		    PROPS_MAX_BYTES);
		r->failed = true;
		free(text);
		return GALE_EIO;
	}
	gale_props *p       = calloc(1, sizeof(*p));
	char       *logical = malloc(len + 1);
	bool        ok      = p != NULL && logical != NULL;
	size_t      ll      = 0;
	for (size_t i = 0; ok && i <= len; i++) {
		bool end = i == len || text[i] == '\n';
		if (!end) {
			logical[ll++] = text[i];
			continue;
		}
		if (ll > 0 && logical[ll - 1] == '\r') {
			ll--;
		}
		// An odd number of trailing backslashes continues the line.
		size_t bs = 0;
		while (bs < ll && logical[ll - 1 - bs] == '\\') {
			bs++;
		}
		if (bs % 2 == 1 && i < len) {
			ll--;
			while (i + 1 < len && props_space(text[i + 1])) {
				i++;
			}
			continue;
		}
		ok = props_line(p, logical, ll);
		ll = 0;
	}
	free(logical);
	free(text);
	if (!ok) {
		gale__props_destroy(&p);
		return GALE_ENOMEM;
	}
	*out = p;
	return GALE_OK;
}

const char *
gale__props_get(const gale_props *p, const char *key)
{
	for (size_t i = 0; p != NULL && i < p->n; i++) {
		if (strcmp(p->keys[i], key) == 0) {
			return p->values[i];
		}
	}
	return NULL;
}

void
gale__props_destroy(gale_props **pp)
{
	if (pp == NULL || *pp == NULL) {
		return;
	}
	gale_props *p = *pp;
	for (size_t i = 0; i < p->n; i++) {
		free(p->keys[i]);
		free(p->values[i]);
	}
	free(p->keys);
	free(p->values);
	free(p);
	*pp = NULL;
}

// Element i of a list value written as [a, "b", c], as Storm reads
// ${key[i]}: split on commas, trimmed, one pair of quotes removed. Writes
// into buf; false when there is no such element.
static bool
filter_list_elem(const char *list, unsigned long idx, char *buf, size_t cap)
{
	size_t n = strlen(list);
	if (n < 2 || list[0] != '[' || list[n - 1] != ']') {
		return false;
	}
	const char *p   = list + 1;
	const char *end = list + n - 1;
	for (unsigned long k = 0;; k++) {
		const char *comma = memchr(p, ',', (size_t) (end - p));
		const char *stop  = comma != NULL ? comma : end;
		if (k == idx) {
			while (p < stop && (*p == ' ' || *p == '\t')) {
				p++;
			}
			while (stop > p
			    && (stop[-1] == ' ' || stop[-1] == '\t')) {
				stop--;
			}
			if (stop - p >= 2 && (*p == '"' || *p == '\'')
			    && stop[-1] == *p) {
				p++;
				stop--;
			}
			snprintf(buf, cap, "%.*s", (int) (stop - p), p);
			return true;
		}
		if (comma == NULL) {
			return false;
		}
		p = comma + 1;
	}
}

gale_err
gale__filter_text(const char *text, size_t len, const gale_props *props,
    const char *props_path, gale_report *r, char **out, size_t *outlen)
{
	size_t cap = len + 1;
	char  *o   = malloc(cap);
	size_t ol  = 0;
	bool   bad = false;
	if (o == NULL) {
		return GALE_ENOMEM;
	}
	for (size_t i = 0; i < len;) {
		const char *close = NULL;
		if (text[i] == '$' && i + 1 < len && text[i + 1] == '{') {
			const char *eol = memchr(text + i, '\n', len - i);
			size_t lim = eol != NULL ? (size_t) (eol - text) : len;
			close      = memchr(text + i + 2, '}', lim - i - 2);
		}
		if (close == NULL || close == text + i + 2) {
			if (ol + 1 >= cap) {
				char *g = realloc(o, cap *= 2);
				if (g == NULL) {
					free(o);
					return GALE_ENOMEM;
				}
				o = g;
			}
			o[ol++] = text[i++];
			continue;
		}
		size_t nlen = (size_t) (close - (text + i + 2));
		char  *name = strndup(text + i + 2, nlen);
		if (name == NULL) {
			free(o);
			return GALE_ENOMEM;
		}
		const char   *value = NULL;
		char          elem[1024];
		char         *lb = strchr(name, '[');
		unsigned long idx;
		char         *iend = NULL;
		if (strncmp(name, "ENV-", 4) == 0) {
			value = getenv(name + 4);
		} else if ((value = gale__props_get(props, name)) == NULL
		    && lb != NULL && lb[1] >= '0' && lb[1] <= '9') {
			idx = strtoul(lb + 1, &iend, 10);
			if (iend != NULL && iend[0] == ']'
			    && iend[1] == '\0') {
				*lb = '\0';
				const char *list
				    = gale__props_get(props, name);
				*lb = '[';
				if (list != NULL
				    && filter_list_elem(
					list, idx, elem, sizeof(elem))) {
					value = elem;
				}
			}
		}
		if (value == NULL) {
			gale_where  w = gale__yaml_offset_where(text, len, i);
			const char *shown = gale__report_show(r, name);
			if (strncmp(name, "ENV-", 4) == 0) {
				gale__report_error(r, &w,
				    "'${%s}': the environment variable '%s' "
				    "is "
				    "not set",
				    shown, gale__report_show(r, name + 4));
			} else if (props_path == NULL) {
				gale__report_error(r, &w,
				    "'${%s}': no value; give a properties "
				    "file "
				    "with --filter FILE (or write ${ENV-NAME} "
				    "for an environment variable)",
				    shown);
			} else {
				gale__report_error(r, &w,
				    "'${%s}': no property '%s' in '%s'", shown,
				    shown, gale__report_show(r, props_path));
			}
			bad   = true;
			value = "";
		}
		size_t vlen = strlen(value);
		if (ol + vlen + (len - i) + 1 > cap) {
			cap     = ol + vlen + (len - i) + 1;
			char *g = realloc(o, cap);
			if (g == NULL) {
				free(name);
				free(o);
				return GALE_ENOMEM;
			}
			o = g;
		}
		memcpy(o + ol, value, vlen);
		ol += vlen;
		i = (size_t) (close - text) + 1;
		free(name);
	}
	o[ol]   = '\0';
	*out    = o;
	*outlen = ol;
	return bad ? GALE_EINVAL : GALE_OK;
}
