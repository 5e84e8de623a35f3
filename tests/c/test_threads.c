/*
 * Thread safety of licstore's C API (docs/c-api.md, "Thread safety"), with POSIX threads:
 *
 *  1. one licstore_store shared by THREADS threads at once: writers racing for the last
 *     activations of one MAK (exactly its limit succeed, every other call is refused with
 *     LICSTORE_ACTIVATION_LIMIT_REACHED), readers preparing and stepping statements, and every
 *     thread making and freeing snapshot handles (the live-handle registry under contention);
 *  2. one handle per thread on one file: the same race across connections (the limit holds
 *     across SQLite connections, BUSY never escapes);
 *  3. one snapshot handle read by every thread at once, and one statement handed from thread to
 *     thread under a mutex;
 *  4. the last error is per thread.
 *
 * Run by `make -C tests/c run` plainly, under valgrind, with ASan + UBSan, and with
 * ThreadSanitizer (run-tsan). Prints "N passed, M failed" last; exits 1 on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "licstore.h"

#include "check.h"

enum { THREADS = 4, ATTEMPTS = 15, LIMIT = 40 };

static char db_path[128];
static int64_t key_id;

struct worker {
  int id;
  const licstore_store *shared; /* NULL: the thread opens its own handle on db_path */
  const char *prefix;
  const licstore_customer *snapshot;
  int activated, refused, reads, errors;
};

static void *race(void *arg) {
  struct worker *w = arg;
  licstore_store *own = NULL;
  const licstore_store *store = w->shared;
  char machine[64];
  int k;

  if (store == NULL) {
    if (licstore_store_open_existing(db_path, &own) != LICSTORE_OK) {
      w->errors++;
      return NULL;
    }
    store = own;
  }
  for (k = 0; k < ATTEMPTS; k++) {
    licstore_query *q = NULL;
    licstore_customer_list *list = NULL;
    const licstore_customer *item = NULL;
    const char *s = NULL;
    int32_t has_row = 0;
    int64_t n = -1;
    size_t len = 0;
    licstore_result rc;

    /* A writer racing for the last activations. */
    snprintf(machine, sizeof machine, "%s-%d-%02d", w->prefix, w->id, k);
    rc = licstore_key_activate(store, key_id, machine, NULL);
    if (rc == LICSTORE_OK) {
      w->activated++;
    } else if (rc == LICSTORE_ACTIVATION_LIMIT_REACHED &&
               strstr(licstore_last_error_message(), "activations available") != NULL) {
      w->refused++;
    } else {
      fprintf(stderr, "thread %d: activate: %s: %s\n", w->id, licstore_result_name(rc),
              licstore_last_error_message());
      w->errors++;
    }
    /* A reader. */
    if (licstore_query_prepare(store, "SELECT count(*) FROM key_activations", &q) == LICSTORE_OK &&
        licstore_query_step(q, &has_row) == LICSTORE_OK && has_row &&
        licstore_query_column_int64(q, 0, &n) == LICSTORE_OK && n >= 0 && n <= 2 * LIMIT) {
      w->reads++;
    } else {
      w->errors++;
    }
    licstore_query_free(q);
    /* Handles made and freed while other threads do the same, and a shared snapshot read. */
    if (licstore_customers_list(store, &list) == LICSTORE_OK &&
        licstore_customer_list_len(list, &len) == LICSTORE_OK && len == 1 &&
        licstore_customer_list_get(list, 0, &item) == LICSTORE_OK &&
        licstore_customer_name(item, &s) == LICSTORE_OK && strcmp(s, "Contoso") == 0 &&
        licstore_customer_name(w->snapshot, &s) == LICSTORE_OK && strcmp(s, "Contoso") == 0) {
      w->reads++;
    } else {
      w->errors++;
    }
    licstore_customer_list_free(list);
    /* The freed list's item is refused in this thread, whatever the others do. */
    if (licstore_customer_name(item, &s) != LICSTORE_INVALID_ARGUMENT) w->errors++;
  }
  /* The last error is per thread: this thread's own failure, named. */
  snprintf(machine, sizeof machine, "Missing-%s-%d", w->prefix, w->id);
  if (licstore_customers_remove(store, machine) != LICSTORE_NOT_FOUND ||
      strstr(licstore_last_error_message(), machine) == NULL) {
    w->errors++;
  }
  licstore_store_free(own);
  return NULL;
}

/* Runs THREADS racers and checks that exactly `limit` activations were recorded. */
static void run_race(const licstore_store *shared, const char *prefix,
                     const licstore_customer *snapshot, int limit) {
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  int t, activated = 0, refused = 0;
  for (t = 0; t < THREADS; t++) {
    memset(&workers[t], 0, sizeof workers[t]);
    workers[t].id = t;
    workers[t].shared = shared;
    workers[t].prefix = prefix;
    workers[t].snapshot = snapshot;
    CHECK(pthread_create(&threads[t], NULL, race, &workers[t]) == 0);
  }
  for (t = 0; t < THREADS; t++) {
    CHECK(pthread_join(threads[t], NULL) == 0);
    CHECK(workers[t].errors == 0);
    CHECK(workers[t].reads == 2 * ATTEMPTS);
    activated += workers[t].activated;
    refused += workers[t].refused;
  }
  CHECK(activated == limit);
  CHECK(refused == THREADS * ATTEMPTS - limit);
}

/* --- a statement handed from thread to thread ----------------------------------------------- */

struct relay {
  pthread_mutex_t lock;
  licstore_query *query;
  int rows;
  int errors;
};

static void *relay_step(void *arg) {
  struct relay *r = arg;
  int32_t has_row = 0;
  int k;
  for (k = 0; k < 5; k++) {
    pthread_mutex_lock(&r->lock);
    if (licstore_query_step(r->query, &has_row) != LICSTORE_OK) r->errors++;
    if (has_row) r->rows++;
    pthread_mutex_unlock(&r->lock);
  }
  return NULL;
}

static void test_statement_handover(licstore_store *store) {
  struct relay r;
  pthread_t threads[THREADS];
  int t;
  memset(&r, 0, sizeof r);
  CHECK(pthread_mutex_init(&r.lock, NULL) == 0);
  CHECK_OK(licstore_query_prepare(store, "SELECT machine FROM key_activations", &r.query));
  for (t = 0; t < THREADS; t++) CHECK(pthread_create(&threads[t], NULL, relay_step, &r) == 0);
  for (t = 0; t < THREADS; t++) CHECK(pthread_join(threads[t], NULL) == 0);
  CHECK(r.errors == 0);
  CHECK(r.rows == THREADS * 5); /* 20 steps over 2 * LIMIT rows: every step had a row */
  licstore_query_free(r.query);
  pthread_mutex_destroy(&r.lock);
}

int main(void) {
  licstore_store *store = NULL;
  licstore_product_key *key = NULL;
  licstore_customer *snapshot = NULL;
  const int64_t limit = LIMIT;
  int64_t available = -1;
  int32_t present = 0;
  char extra[160];

  snprintf(dir, sizeof dir, "%s", "/tmp/licstore-threads-XXXXXX");
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 2;
  }
  path_in(db_path, sizeof db_path, "threads.licstore");
  CHECK_OK(licstore_store_open(db_path, &store));
  CHECK_OK(licstore_customers_add(store, "Contoso", NULL, NULL, &snapshot));
  CHECK_OK(licstore_licensing_ids_add(store, "E1", "Contoso", LICSTORE_PROGRAM_ENTERPRISE, NULL,
                                      NULL, NULL, NULL, NULL, NULL));
  CHECK_OK(licstore_product_keys_add(store, "E1", "Office Professional Plus 2021",
                                     "BCDFG-HJKMN-PQRTV-WXY23-46789", LICSTORE_KEY_TYPE_MAK,
                                     &limit, 0, &key));
  CHECK_OK(licstore_product_key_id(key, &key_id));
  licstore_product_key_free(key);

  /* 1. One shared handle: 60 attempts for 40 activations. */
  run_race(store, "Shared", snapshot, LIMIT);
  /* 2. One handle per thread: the limit is raised by 40 and raced for again. */
  {
    licstore_limit_request *req = NULL;
    int64_t req_id = 0;
    CHECK_OK(licstore_limit_increase_request(store, key_id, LIMIT, "second wave", &req));
    CHECK_OK(licstore_limit_request_id(req, &req_id));
    licstore_limit_request_free(req);
    CHECK_OK(licstore_limit_increase_decide(store, req_id, LICSTORE_DECISION_GRANT, NULL));
  }
  run_race(NULL, "Own", snapshot, LIMIT);
  CHECK_OK(licstore_product_keys_get(store, key_id, &key));
  CHECK_OK(licstore_product_key_activations_available(key, &available, &present));
  CHECK(present && available == 0);
  licstore_product_key_free(key);
  CHECK(query_int(store, "SELECT count(*) FROM key_activations") == 2 * LIMIT);
  /* 3. A statement handed over between threads. */
  test_statement_handover(store);

  licstore_customer_free(snapshot);
  licstore_store_free(store);
  unlink(db_path);
  snprintf(extra, sizeof extra, "%s-wal", db_path);
  unlink(extra);
  snprintf(extra, sizeof extra, "%s-shm", db_path);
  unlink(extra);
  if (rmdir(dir) != 0) {
    fprintf(stderr, "FAIL: files left in %s\n", dir);
    failed++;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
