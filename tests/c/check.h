/*
 * The check macro of the C test programs: counts passes and failures, prints each failure with
 * its place. Each program prints "N passed, M failed" at the end and exits non-zero on failure.
 */
#ifndef MX_SSO_TEST_CHECK_H
#define MX_SSO_TEST_CHECK_H

#include <stdio.h>

static int passed = 0;
static int failed = 0;

#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (cond) {                                            \
      passed++;                                            \
    } else {                                               \
      failed++;                                            \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                        \
      fprintf(stderr, "\n");                               \
    }                                                      \
  } while (0)

#endif
