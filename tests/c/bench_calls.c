/*
 * Cost of C calls (issue 7's performance figures): a call that does no work (target: at most
 * 50 ns) and adding customers one committed transaction each. Not part of `run`; use
 * `make -C tests/c bench LIBDIR=$PWD/target/release INCLUDEDIR=$PWD/include` after
 * `cargo build --release -p licstore-ffi`.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "licstore.h"

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void require(licstore_result rc, const char *what) {
  if (rc != LICSTORE_OK) {
    fprintf(stderr, "%s: %s\n", what, licstore_last_error_message());
    exit(1);
  }
}

int main(void) {
  enum { CALLS = 10000000, ADDS = 5000 };
  char dir[] = "/tmp/licstore-bench-XXXXXX";
  char path[64], extra[80], name[32];
  licstore_store *store = NULL;
  licstore_customer *customer = NULL;
  licstore_query *query = NULL;
  const char *value = NULL;
  size_t count = 0;
  long i;
  double t;

  if (mkdtemp(dir) == NULL) return 2;
  snprintf(path, sizeof path, "%s/bench.licstore", dir);
  require(licstore_store_open(path, &store), "open");
  require(licstore_customers_add(store, "Contoso", NULL, NULL, &customer), "add");
  require(licstore_query_prepare(store, "SELECT name FROM customers", &query), "prepare");

  t = seconds();
  for (i = 0; i < CALLS; i++) licstore_customer_name(customer, &value);
  t = seconds() - t;
  printf("licstore_customer_name (no work): %.1f ns/call\n", t / CALLS * 1e9);

  t = seconds();
  for (i = 0; i < CALLS; i++) licstore_query_column_count(query, &count);
  t = seconds() - t;
  printf("licstore_query_column_count (no work): %.1f ns/call\n", t / CALLS * 1e9);

  t = seconds();
  for (i = 0; i < ADDS; i++) {
    snprintf(name, sizeof name, "Customer %ld", i);
    require(licstore_customers_add(store, name, NULL, NULL, NULL), "add");
  }
  t = seconds() - t;
  printf("licstore_customers_add (one committed transaction each): %.0f per second\n", ADDS / t);

  licstore_query_free(query);
  licstore_customer_free(customer);
  licstore_store_free(store);
  unlink(path);
  snprintf(extra, sizeof extra, "%s-wal", path);
  unlink(extra);
  snprintf(extra, sizeof extra, "%s-shm", path);
  unlink(extra);
  rmdir(dir);
  return 0;
}
