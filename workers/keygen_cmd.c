// SPDX-License-Identifier: MIT
// keygen_cmd.c - `gale keygen`: writes a CURVE key pair for a cluster.

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "workers/cli.h"
#include "workers/commands.h"
#include "workers/keys.h"

int
gale_cmd_keygen(int argc, char **argv)
{
	static const char         *name   = "keygen";
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *key = NULL;
	int         c;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'n':
			key = optarg;
			break;
		case 'h':
			gale__cli_print_usage(name, stdout);
			return GALE_EXIT_OK;
		default:
			return gale__cli_bad_flag(name, c, argv);
		}
	}
	if (optind < argc) {
		return gale__cli_usage(
		    name, "unexpected argument '%s'", argv[optind]);
	}
	if (out == NULL || out[0] == '\0' || key == NULL) {
		return gale__cli_usage(
		    name, "--out DIR and --name NAME are needed");
	}
	if (!zmq_has("curve")) {
		fprintf(stderr,
		    "gale keygen: this libzmq was built without CURVE\n");
		return GALE_EXIT_FAIL;
	}
	char pub[GALE_KEY_Z85], err[1024];
	if (gale__keys_generate(out, key, pub, err, sizeof(err)) != GALE_OK) {
		fprintf(stderr, "gale keygen: %s\n", err);
		return GALE_EXIT_FAIL;
	}
	uint8_t raw[32];
	char    fp[GALE_KEY_FP];
	zmq_z85_decode(raw, pub);
	gale__keys_fp(raw, fp);
	printf("wrote %s/%s.key (secret, mode 0600) and %s/%s.pub "
	       "(fingerprint %s)\n",
	    out, key, out, key, fp);
	return GALE_EXIT_OK;
}
