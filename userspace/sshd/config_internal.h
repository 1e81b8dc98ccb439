/* SPDX-License-Identifier: MIT */
/* The configuration language's parser (config.c) and its printer (config_print.c) share the numbers. */
#ifndef KSSHD_CONFIG_INTERNAL_H
#define KSSHD_CONFIG_INTERNAL_H

#include <stddef.h>

/* "ssh WORDS N": a number with a range and a default */
struct number_setting {
	const char *words; /* after "ssh " */
	size_t offset;
	unsigned min, max, def;
	const char *unit;
};

#define SSHD_CONFIG_NUMBERS 11
extern const struct number_setting sshd_config_numbers[SSHD_CONFIG_NUMBERS];

#endif
