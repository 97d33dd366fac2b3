// SPDX-License-Identifier: MIT
// errors.c - error codes and their descriptions.

#include "gale.h"

const char *
gale_strerror(gale_err err)
{
	switch (err) {
	case GALE_OK:
		return "success";
	case GALE_ENOMEM:
		return "out of memory";
	case GALE_EINVAL:
		return "invalid argument";
	case GALE_ENOENT:
		return "not found";
	case GALE_EEXIST:
		return "already exists";
	case GALE_ECLOSED:
		return "closed";
	case GALE_ETIMEDOUT:
		return "timed out";
	case GALE_EPROTO:
		return "malformed message";
	case GALE_EIO:
		return "input/output error";
	case GALE_EAGAIN:
		return "try again";
	case GALE_EUNREACH:
		return "unreachable";
	}
	return "unknown error";
}
