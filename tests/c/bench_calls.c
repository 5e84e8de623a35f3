/*
 * Cost of C calls (issue 7's performance figures): a call that does no work (target: at most
 * 50 ns), adding customers one committed transaction each, and 100,000 MAK activations recorded
 * one licstore_key_activate call (one committed transaction) each on a file store (target: at
 * least 10,000 per second). Not part of `run`; use
 * `make -C tests/c bench LIBDIR=$PWD/target/release INCLUDEDIR=$PWD/include` after
 * `cargo build --release -p licstore-ffi`. With the argument `--calls` only the no-work calls are
 * measured, with `--activations` only the activations (for a profile of them alone). The no-work figures are given in wall time and in this thread's CPU time (what the
 * call costs when the process is not preempted, the meaningful figure on a loaded machine); the
 * best of 5 rounds.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "licstore.h"

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* This process's CPU time: what the work costs on a shared machine, beside the wall time. */
static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double thread_cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void require(licstore_result rc, const char *what) {
  if (rc != LICSTORE_OK) {
    fprintf(stderr, "%s: %s\n", what, licstore_last_error_message());
    exit(1);
  }
}

/* Best of 5 rounds of CALLS calls of `call`, in wall and thread CPU nanoseconds per call. */
#define NO_WORK(label, call)                                                              \
  do {                                                                                    \
    double wall_best = 1e9, cpu_best = 1e9, w, c;                                         \
    for (round = 0; round < 5; round++) {                                                 \
      w = seconds();                                                                      \
      c = thread_cpu_seconds();                                                           \
      for (i = 0; i < CALLS; i++) call;                                                   \
      c = thread_cpu_seconds() - c;                                                       \
      w = seconds() - w;                                                                  \
      if (w < wall_best) wall_best = w;                                                   \
      if (c < cpu_best) cpu_best = c;                                                     \
    }                                                                                     \
    printf("%s (no work): %.1f ns/call wall, %.1f ns/call CPU\n", label,                  \
           wall_best / CALLS * 1e9, cpu_best / CALLS * 1e9);                              \
  } while (0)

int main(int argc, char **argv) {
  enum { CALLS = 2000000, ADDS = 5000, ACTIVATIONS = 100000 };
  const int64_t limit = ACTIVATIONS;
  licstore_product_key *key = NULL;
  int64_t key_id = 0, available = -1;
  int32_t present = 0;
  double best = 1e9, cpu;
  int round;
  char dir[] = "/tmp/licstore-bench-XXXXXX";
  char path[64], extra[80], name[32];
  licstore_store *store = NULL, *dead = NULL;
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
  require(licstore_store_open_in_memory(&dead), "open");
  licstore_store_free(dead);

  if (argc > 1 && strcmp(argv[1], "--activations") == 0) goto activations;
  NO_WORK("licstore_last_error_code (no handle, no guard)", licstore_last_error_code());
  NO_WORK("licstore_customer_name", licstore_customer_name(customer, &value));
  NO_WORK("licstore_query_column_count", licstore_query_column_count(query, &count));
  NO_WORK("licstore_store_schema_version, freed handle (refused)",
          licstore_store_schema_version(dead, &available));
  if (argc > 1 && strcmp(argv[1], "--calls") == 0) goto done;

  t = seconds();
  for (i = 0; i < ADDS; i++) {
    snprintf(name, sizeof name, "Customer %ld", i);
    require(licstore_customers_add(store, name, NULL, NULL, NULL), "add");
  }
  t = seconds() - t;
  printf("licstore_customers_add (one committed transaction each): %.0f per second\n", ADDS / t);

activations:
  /* A MAK with room for every activation; one call, one transaction, one audit row each. */
  require(licstore_licensing_ids_add(store, "E-BENCH", "Contoso", LICSTORE_PROGRAM_ENTERPRISE,
                                     NULL, NULL, NULL, NULL, NULL, NULL), "licensing id");
  require(licstore_product_keys_add(store, "E-BENCH", "Office Professional Plus 2021",
                                    "BCDFG-HJKMN-PQRTV-WXY23-46789", LICSTORE_KEY_TYPE_MAK, &limit,
                                    0, &key), "key");
  require(licstore_product_key_id(key, &key_id), "key id");
  licstore_product_key_free(key);
  key = NULL;
  t = seconds();
  cpu = cpu_seconds();
  for (i = 0; i < ACTIVATIONS; i++) {
    snprintf(name, sizeof name, "PC-%06ld", i);
    require(licstore_key_activate(store, key_id, name, NULL), "activate");
  }
  t = seconds() - t;
  cpu = cpu_seconds() - cpu;
  printf("licstore_key_activate x %d (MAK, one committed transaction each, file store): "
         "%.2f s, %.0f per second (CPU time %.2f s, %.0f per CPU second)\n", ACTIVATIONS, t,
         ACTIVATIONS / t, cpu, ACTIVATIONS / cpu);
  require(licstore_product_keys_get(store, key_id, &key), "get key");
  require(licstore_product_key_activations_available(key, &available, &present), "available");
  licstore_product_key_free(key);
  if (!present || available != 0) {
    fprintf(stderr, "expected 0 activations left, found %lld\n", (long long)available);
    return 1;
  }
  /* The 100,001st is refused: the cost of a refusal (a rolled-back transaction). */
  for (round = 0; round < 5; round++) {
    double r = seconds();
    if (licstore_key_activate(store, key_id, "PC-ONE-TOO-MANY", NULL) !=
        LICSTORE_ACTIVATION_LIMIT_REACHED) {
      fprintf(stderr, "the activation past the limit was not refused\n");
      return 1;
    }
    r = seconds() - r;
    if (r < best) best = r;
  }
  printf("licstore_key_activate refused at the limit: %.1f us\n", best * 1e6);

done:
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
