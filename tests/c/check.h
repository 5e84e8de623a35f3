/*
 * The check harness shared by the C tests (test_licstore.c, test_volume.c, test_online.c):
 * pass/fail counters, CHECK macros that name the failing call and the last error, the temporary
 * directory helpers, and "nothing was written" through the audit log. Include after licstore.h.
 * Functions are `static inline` so that a test not using one compiles warning-free.
 */
#ifndef LICSTORE_TEST_CHECK_H
#define LICSTORE_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "licstore.h"

static int passed;
static int failed;

static inline void check(int ok, const char *what, const char *file, int line) {
  if (ok) {
    passed++;
  } else {
    failed++;
    fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
  }
}

static inline void check_rc(licstore_result got, licstore_result want, const char *what,
                     const char *file, int line) {
  if (got == want) {
    passed++;
  } else {
    failed++;
    fprintf(stderr, "FAIL %s:%d: %s returned %s, expected %s: %s\n", file, line, what,
            licstore_result_name(got), licstore_result_name(want), licstore_last_error_message());
  }
}

#define CHECK(cond) check((cond) != 0, #cond, __FILE__, __LINE__)
#define CHECK_RC(call, want) check_rc((call), (want), #call, __FILE__, __LINE__)
#define CHECK_OK(call) CHECK_RC(call, LICSTORE_OK)
#define CHECK_MSG(needle) check(strstr(licstore_last_error_message(), (needle)) != NULL, \
                                "message contains \"" needle "\"", __FILE__, __LINE__)
#define STREQ(a, b) ((a) != NULL && strcmp((a), (b)) == 0)

/* A value no successful call writes: outputs must keep it after a failure. */
#define SENTINEL_INT64 ((int64_t)-424242)

static char dir[64];

static inline void path_in(char *out, size_t size, const char *name) {
  snprintf(out, size, "%s/%s", dir, name);
}

static inline void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
}

static inline char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf;
  size_t n;
  if (f == NULL) return NULL;
  buf = calloc(1, 65536);
  if (buf == NULL) exit(2);
  n = fread(buf, 1, 65535, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

/* The integer in the first column of the first row of a parameterless query, or -1. */
static inline int64_t query_int(licstore_store *store, const char *sql) {
  licstore_query *q = NULL;
  int32_t has_row = 0;
  int64_t v = -1;
  if (licstore_query_prepare(store, sql, &q) != LICSTORE_OK ||
      licstore_query_step(q, &has_row) != LICSTORE_OK || !has_row ||
      licstore_query_column_int64(q, 0, &v) != LICSTORE_OK) {
    fprintf(stderr, "query failed: %s: %s\n", sql, licstore_last_error_message());
    v = -1;
  }
  licstore_query_free(q);
  return v;
}

static inline int64_t audit_rows(licstore_store *store) {
  return query_int(store, "SELECT count(*) FROM audit_log");
}

/* A store change of any kind shows in the audit log: the count of its rows. */
#define CHECK_NOTHING_WRITTEN(store, before) CHECK(audit_rows(store) == (before))

#endif /* LICSTORE_TEST_CHECK_H */
