/* SPDX-License-Identifier: MIT */
/* A small kselftest-style harness: TEST(name) { ... } with TAP output. */
#ifndef KSSH_TEST_H
#define KSSH_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(int *failed);
};

#define MAX_TESTS 256
extern struct test_case test_cases[MAX_TESTS];
extern int test_count;

#define TEST(name)                                                             \
	static void test_##name(int *failed);                                  \
	__attribute__((constructor)) static void register_##name(void)         \
	{                                                                      \
		if (test_count < MAX_TESTS)                                    \
			test_cases[test_count++] = (struct test_case){ #name, test_##name }; \
	}                                                                      \
	static void test_##name(int *failed)

#define EXPECT(cond)                                                           \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("#   %s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
			*failed = 1;                                           \
		}                                                              \
	} while (0)

#define ASSERT(cond)                                                           \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("#   %s:%d: required %s\n", __FILE__, __LINE__, #cond); \
			*failed = 1;                                           \
			return;                                                \
		}                                                              \
	} while (0)

#define EXPECT_EQ(a, b) EXPECT((a) == (b))

/* Runs every registered test with TAP output; the exit status for main */
static inline int test_run_all(void)
{
	int bad = 0;

	printf("1..%d\n", test_count);
	for (int i = 0; i < test_count; i++) {
		int failed = 0;

		test_cases[i].fn(&failed);
		printf("%sok %d - %s\n", failed ? "not " : "", i + 1, test_cases[i].name);
		bad += failed;
	}
	return bad ? 1 : 0;
}

#define TEST_MAIN()                                                            \
	struct test_case test_cases[MAX_TESTS];                                \
	int test_count;                                                        \
	int main(void)                                                         \
	{                                                                      \
		return test_run_all();                                         \
	}

#endif
