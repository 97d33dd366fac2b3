// SPDX-License-Identifier: MIT
// validate_cmd.c - `gale validate FILE...`.
#include "workers/commands.h"
int
gale_cmd_validate(int argc, char **argv)
{
	(void) argc;
	(void) argv;
	return 2;
}
