/*
 * The C test of licstore's C API: every function, the main scenario of issue 2 (open, add, read
 * back through the SQL channel, CSV import with a malformed row, a refused write), bad input of
 * every kind (NULL pointers, invalid UTF-8, out-of-range enum values) and one handle per thread
 * from several threads. Includes only licstore.h. Prints "N passed, M failed" last; exits 1 on
 * any failure. Run by `make -C tests/c run` (plain, under valgrind, and with ASan + UBSan).
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "licstore.h"

#include "check.h"

static char db_path[128];

static uint64_t count_customers(const licstore_store *store) {
  uint64_t n = 0;
  CHECK_OK(licstore_customers_count(store, &n));
  return n;
}

/* Reads one text column of the first row of a parameterless query. */
static int query_text_equals(licstore_store *store, const char *sql, const char *want) {
  licstore_query *q = NULL;
  int32_t has_row = 0;
  const char *text = NULL;
  int ok = 0;
  if (licstore_query_prepare(store, sql, &q) == LICSTORE_OK &&
      licstore_query_step(q, &has_row) == LICSTORE_OK && has_row &&
      licstore_query_column_text(q, 0, &text) == LICSTORE_OK) {
    ok = want == NULL ? text == NULL : (text != NULL && strcmp(text, want) == 0);
  }
  licstore_query_free(q);
  return ok;
}

static void test_version_and_names(void) {
  CHECK(strcmp(licstore_version(), LICSTORE_VERSION_STRING) == 0);
  CHECK(LICSTORE_VERSION_MAJOR == 0 && LICSTORE_VERSION_MINOR >= 1);
  CHECK(strcmp(licstore_result_name(LICSTORE_OK), "LICSTORE_OK") == 0);
  CHECK(strcmp(licstore_result_name(LICSTORE_QUERY_REFUSED), "LICSTORE_QUERY_REFUSED") == 0);
  CHECK(strcmp(licstore_result_name(LICSTORE_COUNT_VIOLATION), "LICSTORE_COUNT_VIOLATION") == 0);
  CHECK(LICSTORE_COUNT_VIOLATION == 100 && LICSTORE_ACTIVATION_LIMIT_REACHED == 200);
  /* Out-of-range result codes. */
  CHECK(strcmp(licstore_result_name(99), "LICSTORE_UNKNOWN_RESULT") == 0);
  CHECK(strcmp(licstore_result_name(0xFFFFFFFFu), "LICSTORE_UNKNOWN_RESULT") == 0);
}

static void test_store(void) {
  licstore_store *store = NULL;
  licstore_store *sentinel = (licstore_store *)&store; /* never dereferenced */
  licstore_store *out = sentinel;
  int64_t version = -1;
  char csv_path[128];
  char *before;
  char *after;

  CHECK_OK(licstore_store_open_in_memory(&store));
  CHECK_OK(licstore_store_schema_version(store, &version));
  CHECK(version >= 1);
  CHECK_OK(licstore_store_set_actor(store, "c-test@contoso.com"));
  CHECK_RC(licstore_store_set_actor(store, "   "), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("actor");
  CHECK_OK(licstore_store_set_clock(store, "2024-05-06T07:08:09Z"));
  CHECK_RC(licstore_store_set_clock(store, "yesterday"), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("yesterday");
  CHECK_OK(licstore_store_set_clock(store, NULL));
  licstore_store_free(store);

  /* A missing file with open_existing; outputs stay untouched on failure. */
  path_in(csv_path, sizeof csv_path, "missing.licstore");
  CHECK_RC(licstore_store_open_existing(csv_path, &out), LICSTORE_NOT_FOUND);
  CHECK(out == sentinel);
  CHECK(access(csv_path, F_OK) != 0);

  /* A file that is not a store is refused and left byte-for-byte untouched. */
  path_in(csv_path, sizeof csv_path, "not-a-store.txt");
  write_file(csv_path, "name,tenant_domain\nContoso,contoso.onmicrosoft.com\n");
  before = read_file(csv_path);
  CHECK_RC(licstore_store_open(csv_path, &out), LICSTORE_NOT_A_DATABASE);
  CHECK(out == sentinel);
  CHECK_MSG("not-a-store.txt");
  after = read_file(csv_path);
  CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
  free(before);
  free(after);
  unlink(csv_path);
}

static void test_customers(licstore_store *store) {
  licstore_customer *c = NULL;
  licstore_customer_list *list = NULL;
  const licstore_customer *borrowed = NULL;
  const char *s = NULL;
  size_t len = 0;

  CHECK_OK(licstore_customers_add(store, "Contoso", "contoso.onmicrosoft.com", "us", &c));
  CHECK_OK(licstore_customer_name(c, &s));
  CHECK(strcmp(s, "Contoso") == 0);
  CHECK_OK(licstore_customer_tenant_domain(c, &s));
  CHECK(strcmp(s, "contoso.onmicrosoft.com") == 0);
  CHECK_OK(licstore_customer_default_usage_location(c, &s));
  CHECK(strcmp(s, "US") == 0); /* normalized */
  CHECK_OK(licstore_customer_created_at(c, &s));
  CHECK(strcmp(s, "2024-05-06T07:08:09Z") == 0); /* the store's fixed clock */
  CHECK_OK(licstore_customer_updated_at(c, &s));
  CHECK(strcmp(s, "2024-05-06T07:08:09Z") == 0);
  licstore_customer_free(c);
  c = NULL;
  /* The last error is cleared by a successful call. */
  CHECK(licstore_last_error_code() == LICSTORE_OK);
  CHECK(strcmp(licstore_last_error_message(), "") == 0);

  CHECK_OK(licstore_customers_add(store, "Adatum", NULL, NULL, NULL));
  CHECK_RC(licstore_customers_add(store, "CONTOSO", NULL, NULL, NULL), LICSTORE_ALREADY_EXISTS);
  CHECK_MSG("CONTOSO");
  CHECK(licstore_last_error_code() == LICSTORE_ALREADY_EXISTS);
  CHECK_RC(licstore_customers_add(store, "", NULL, NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("customer name");
  CHECK_RC(licstore_customers_add(store, "Fabrikam", NULL, "XX", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("XX");
  CHECK(count_customers(store) == 2);

  /* Update: NULL leaves a field, "" clears it. */
  CHECK_OK(licstore_customers_update(store, "contoso", NULL, "", "de", &c));
  CHECK_OK(licstore_customer_tenant_domain(c, &s));
  CHECK(s == NULL);
  CHECK_OK(licstore_customer_default_usage_location(c, &s));
  CHECK(strcmp(s, "DE") == 0);
  licstore_customer_free(c);
  c = NULL;
  CHECK_OK(licstore_customers_update(store, "Contoso", NULL, "contoso.onmicrosoft.com", NULL, NULL));
  CHECK_RC(licstore_customers_update(store, "Nobody", "X", NULL, NULL, NULL), LICSTORE_NOT_FOUND);
  CHECK_MSG("Nobody");
  CHECK_RC(licstore_customers_update(store, "Contoso", "", NULL, NULL, NULL),
           LICSTORE_INVALID_ARGUMENT);

  CHECK_OK(licstore_customers_get(store, "CONTOSO", &c));
  CHECK_OK(licstore_customer_tenant_domain(c, &s));
  CHECK(strcmp(s, "contoso.onmicrosoft.com") == 0);
  CHECK_OK(licstore_customer_default_usage_location(c, &s));
  CHECK(strcmp(s, "DE") == 0);
  licstore_customer_free(c);
  c = NULL;
  CHECK_RC(licstore_customers_get(store, "Nobody", &c), LICSTORE_NOT_FOUND);
  CHECK(c == NULL);

  CHECK_OK(licstore_customers_list(store, &list));
  CHECK_OK(licstore_customer_list_len(list, &len));
  CHECK(len == 2);
  CHECK_OK(licstore_customer_list_get(list, 0, &borrowed));
  CHECK_OK(licstore_customer_name(borrowed, &s));
  CHECK(strcmp(s, "Adatum") == 0);
  CHECK_RC(licstore_customer_list_get(list, 2, &borrowed), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("index");
  licstore_customer_list_free(list);

  CHECK_OK(licstore_customers_remove(store, "adatum"));
  CHECK_RC(licstore_customers_remove(store, "adatum"), LICSTORE_NOT_FOUND);
  CHECK(count_customers(store) == 1);
}

static void test_query(licstore_store *store) {
  licstore_query *q = NULL;
  licstore_query *sentinel = (licstore_query *)&q; /* never dereferenced */
  licstore_query *out = sentinel;
  int32_t has_row = -1;
  size_t n = 0;
  const char *s = NULL;
  int64_t i = 0;
  double d = 0;
  licstore_column_type type = LICSTORE_COLUMN_TYPE_NULL;
  const uint8_t *bytes = NULL;

  /* Read the customer back through the SQL channel, binding by name. */
  CHECK_OK(licstore_query_prepare(store,
      "SELECT name, tenant_domain, default_usage_location, length(name) AS len, 0.5 AS half "
      "FROM customers WHERE name = :name", &q));
  CHECK_OK(licstore_query_column_count(q, &n));
  CHECK(n == 5);
  CHECK_OK(licstore_query_column_name(q, 0, &s));
  CHECK(strcmp(s, "name") == 0);
  CHECK_OK(licstore_query_column_name(q, 3, &s));
  CHECK(strcmp(s, "len") == 0);
  CHECK_RC(licstore_query_column_name(q, 5, &s), LICSTORE_INVALID_ARGUMENT);
  CHECK_OK(licstore_query_parameter_count(q, &n));
  CHECK(n == 1);
  CHECK_OK(licstore_query_parameter_index(q, "name", &n));
  CHECK(n == 1);
  CHECK_OK(licstore_query_parameter_index(q, ":name", &n));
  CHECK(n == 1);
  CHECK_RC(licstore_query_parameter_index(q, "who", &n), LICSTORE_NOT_FOUND);
  /* No current row yet; an unbound parameter is named when the query runs. */
  CHECK_RC(licstore_query_column_text(q, 0, &s), LICSTORE_INVALID_STATE);
  CHECK_RC(licstore_query_step(q, &has_row), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG(":name");
  CHECK_RC(licstore_query_bind_text(q, 0, "Contoso"), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_bind_text(q, 2, "Contoso"), LICSTORE_INVALID_ARGUMENT);
  CHECK_OK(licstore_query_bind_text(q, 1, "Contoso"));
  CHECK_OK(licstore_query_step(q, &has_row));
  CHECK(has_row == 1);
  CHECK_OK(licstore_query_column_type(q, 0, &type));
  CHECK(type == LICSTORE_COLUMN_TYPE_TEXT);
  CHECK_OK(licstore_query_column_text(q, 0, &s));
  CHECK(strcmp(s, "Contoso") == 0);
  CHECK_OK(licstore_query_column_text(q, 1, &s));
  CHECK(strcmp(s, "contoso.onmicrosoft.com") == 0);
  CHECK_OK(licstore_query_column_bytes(q, 2, &bytes, &n));
  CHECK(n == 2 && memcmp(bytes, "DE", 2) == 0);
  CHECK_OK(licstore_query_column_type(q, 3, &type));
  CHECK(type == LICSTORE_COLUMN_TYPE_INTEGER);
  CHECK_OK(licstore_query_column_int64(q, 3, &i));
  CHECK(i == 7);
  CHECK_OK(licstore_query_column_double(q, 3, &d));
  CHECK(d == 7.0);
  CHECK_OK(licstore_query_column_text(q, 3, &s));
  CHECK(strcmp(s, "7") == 0);
  CHECK_OK(licstore_query_column_type(q, 4, &type));
  CHECK(type == LICSTORE_COLUMN_TYPE_DOUBLE);
  CHECK_OK(licstore_query_column_double(q, 4, &d));
  CHECK(d == 0.5);
  CHECK_RC(licstore_query_column_int64(q, 0, &i), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("\"name\"");
  CHECK_RC(licstore_query_column_int64(q, 9, &i), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_bind_text(q, 1, "Adatum"), LICSTORE_INVALID_STATE);
  CHECK_OK(licstore_query_step(q, &has_row));
  CHECK(has_row == 0);
  CHECK_OK(licstore_query_step(q, &has_row));
  CHECK(has_row == 0);
  /* Reset keeps the bindings and runs the query again. */
  CHECK_OK(licstore_query_reset(q));
  CHECK_OK(licstore_query_step(q, &has_row));
  CHECK(has_row == 1);
  CHECK_OK(licstore_query_reset(q));
  CHECK_OK(licstore_query_bind_text(q, 1, "Nobody"));
  CHECK_OK(licstore_query_step(q, &has_row));
  CHECK(has_row == 0);
  licstore_query_free(q);
  q = NULL;

  /* Positional int64, double and NULL bindings; a NULL value reads as a NULL pointer. */
  CHECK_OK(licstore_query_prepare(store, "SELECT ?1 + 1, ?2 * 2, ?3, (SELECT count(*) FROM customers)", &q));
  CHECK_OK(licstore_query_bind_int64(q, 1, 41));
  CHECK_OK(licstore_query_bind_double(q, 2, 1.25));
  CHECK_OK(licstore_query_bind_null(q, 3));
  CHECK_OK(licstore_query_step(q, &has_row));
  CHECK(has_row == 1);
  CHECK_OK(licstore_query_column_int64(q, 0, &i));
  CHECK(i == 42);
  CHECK_OK(licstore_query_column_double(q, 1, &d));
  CHECK(d == 2.5);
  CHECK_OK(licstore_query_column_type(q, 2, &type));
  CHECK(type == LICSTORE_COLUMN_TYPE_NULL);
  s = "not null";
  CHECK_OK(licstore_query_column_text(q, 2, &s));
  CHECK(s == NULL);
  CHECK_RC(licstore_query_column_int64(q, 2, &i), LICSTORE_INVALID_ARGUMENT);
  CHECK_OK(licstore_query_column_int64(q, 3, &i));
  CHECK(i == 1);
  licstore_query_free(q);
  q = NULL;

  /* The length variant: not NUL-terminated, NUL bytes allowed; read back with _bytes. */
  CHECK_OK(licstore_query_prepare(store, "SELECT ?, length(?1)", &q));
  CHECK_OK(licstore_query_bind_text_len(q, 1, "a\0bXYZ", 3));
  CHECK_OK(licstore_query_step(q, &has_row));
  CHECK(has_row == 1);
  CHECK_OK(licstore_query_column_bytes(q, 0, &bytes, &n));
  CHECK(n == 3 && memcmp(bytes, "a\0b", 3) == 0);
  CHECK_RC(licstore_query_column_text(q, 0, &s), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("NUL");
  licstore_query_free(q);
  q = NULL;

  /* Writes and private tables are refused at prepare; nothing changes; out stays untouched. */
  CHECK_RC(licstore_query_prepare(store, "DELETE FROM customers", &out), LICSTORE_QUERY_REFUSED);
  CHECK(out == sentinel);
  CHECK_MSG("read-only");
  CHECK_RC(licstore_query_prepare(store,
      "INSERT INTO customer (name, created_at, updated_at) VALUES ('x', '', '')", &out),
      LICSTORE_QUERY_REFUSED);
  CHECK_RC(licstore_query_prepare(store, "UPDATE customer SET name = 'x'", &out),
           LICSTORE_QUERY_REFUSED);
  CHECK_RC(licstore_query_prepare(store, "SELECT * FROM customer", &out), LICSTORE_QUERY_REFUSED);
  CHECK_RC(licstore_query_prepare(store, "PRAGMA user_version = 7", &out), LICSTORE_QUERY_REFUSED);
  CHECK_RC(licstore_query_prepare(store, "SELEKT 1", &out), LICSTORE_INVALID_ARGUMENT);
  CHECK(out == sentinel);
  CHECK(count_customers(store) == 1);
  CHECK(query_text_equals(store, "SELECT name FROM customers", "Contoso"));
}

static void test_csv(licstore_store *store) {
  char bad[128], good[128], exported[128], queried[128], missing[128];
  licstore_import_report report;
  char *text;

  path_in(bad, sizeof bad, "bad.csv");
  path_in(good, sizeof good, "good.csv");
  path_in(exported, sizeof exported, "export.csv");
  path_in(queried, sizeof queried, "query.csv");
  path_in(missing, sizeof missing, "missing.csv");

  /* Line 3's usage location is malformed: the whole file is refused, nothing written. */
  write_file(bad, "name,tenant_domain,default_usage_location\n"
                  "Fabrikam,fabrikam.onmicrosoft.com,US\n"
                  "Litware,,Atlantis\n"
                  "Northwind,,GB\n");
  memset(&report, 0xAB, sizeof report);
  CHECK_RC(licstore_customers_import_csv(store, bad, LICSTORE_IMPORT_MODE_ALL_OR_NOTHING, &report),
           LICSTORE_CSV_ERROR);
  CHECK_MSG("bad.csv:3");
  CHECK_MSG("default_usage_location");
  CHECK_MSG("Atlantis");
  CHECK(report.rows == 0xABABABABABABABABu); /* untouched on failure */
  CHECK(count_customers(store) == 1);

  /* Skip-invalid applies the good rows and counts the bad one. */
  CHECK_OK(licstore_customers_import_csv(store, bad, LICSTORE_IMPORT_MODE_SKIP_INVALID, &report));
  CHECK(report.rows == 3 && report.inserted == 2 && report.updated == 0 &&
        report.unchanged == 0 && report.rejected == 1);
  CHECK(count_customers(store) == 3);

  /* Upsert: one unchanged, one updated. */
  write_file(good, "name,default_usage_location\nFabrikam,US\nNorthwind,FR\n");
  CHECK_OK(licstore_customers_import_csv(store, good, LICSTORE_IMPORT_MODE_ALL_OR_NOTHING, &report));
  CHECK(report.rows == 2 && report.updated == 1 && report.unchanged == 1 && report.inserted == 0);

  /* Out-of-range mode, missing file, NULL report. */
  CHECK_RC(licstore_customers_import_csv(store, good, 99, &report), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("mode");
  CHECK_RC(licstore_customers_import_csv(store, missing, LICSTORE_IMPORT_MODE_ALL_OR_NOTHING, &report),
           LICSTORE_IO_ERROR);
  CHECK_MSG("missing.csv");
  CHECK_RC(licstore_customers_import_csv(store, good, LICSTORE_IMPORT_MODE_ALL_OR_NOTHING, NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("report_out");

  /* Export. */
  {
    uint64_t rows = 0;
    CHECK_OK(licstore_customers_export_csv(store, exported, &rows));
    CHECK(rows == 3);
    text = read_file(exported);
    CHECK(text != NULL && strcmp(text, "name,tenant_domain,default_usage_location\n"
                                       "Contoso,contoso.onmicrosoft.com,DE\n"
                                       "Fabrikam,fabrikam.onmicrosoft.com,US\n"
                                       "Northwind,,FR\n") == 0);
    free(text);
    CHECK_OK(licstore_customers_export_csv(store, exported, NULL));

    /* A query to CSV; a refused one creates no file. */
    CHECK_OK(licstore_query_to_csv(store,
        "SELECT name FROM customers WHERE default_usage_location = 'FR'", queried, &rows));
    CHECK(rows == 1);
    text = read_file(queried);
    CHECK(text != NULL && strcmp(text, "name\nNorthwind\n") == 0);
    free(text);
    unlink(queried);
    CHECK_RC(licstore_query_to_csv(store, "DELETE FROM customers", queried, &rows),
             LICSTORE_QUERY_REFUSED);
    CHECK(access(queried, F_OK) != 0);
    CHECK(count_customers(store) == 3);
  }
  unlink(bad);
  unlink(good);
  unlink(exported);
}

/* NULL pointers, invalid UTF-8 and out-of-range values: error codes, never a crash. */
static void test_bad_input(licstore_store *store) {
  licstore_store *s = NULL;
  licstore_customer *c = NULL;
  licstore_query *q = NULL;
  const char *text = NULL;
  int32_t has_row = 0;
  size_t n = 0;
  int64_t i = 0;
  double d = 0;
  licstore_column_type type;
  licstore_import_report report;
  const uint8_t *bytes = NULL;
  const char bad_utf8[] = {'C', 'o', (char)0xFF, (char)0xFE, 'o', '\0'};

  CHECK_RC(licstore_store_open(NULL, &s), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("path");
  CHECK_RC(licstore_store_open(db_path, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("store_out");
  CHECK_RC(licstore_store_open("", &s), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_store_open_existing(NULL, &s), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_store_open_in_memory(NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK(s == NULL);
  CHECK_RC(licstore_store_set_actor(NULL, "x"), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("store");
  CHECK_RC(licstore_store_set_actor(store, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_store_set_actor(store, bad_utf8), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("UTF-8");
  CHECK_RC(licstore_store_set_clock(NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_store_set_clock(store, bad_utf8), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_store_schema_version(store, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_store_schema_version(NULL, &i), LICSTORE_INVALID_ARGUMENT);

  CHECK_RC(licstore_customers_add(NULL, "X", NULL, NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_add(store, NULL, NULL, NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("argument name");
  CHECK_RC(licstore_customers_add(store, bad_utf8, NULL, NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("UTF-8");
  CHECK_RC(licstore_customers_add(store, "X", bad_utf8, NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("tenant_domain");
  CHECK_RC(licstore_customers_update(store, NULL, NULL, NULL, NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_update(store, "Contoso", bad_utf8, NULL, NULL, NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_remove(store, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_remove(NULL, "Contoso"), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_get(store, "Contoso", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_get(store, bad_utf8, &c), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_list(store, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_count(store, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customer_list_len(NULL, &n), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customer_list_get(NULL, 0, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customer_name(NULL, &text), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customer_tenant_domain(NULL, &text), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customer_default_usage_location(NULL, &text), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customer_created_at(NULL, &text), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customer_updated_at(NULL, &text), LICSTORE_INVALID_ARGUMENT);
  CHECK_OK(licstore_customers_get(store, "Contoso", &c));
  CHECK_RC(licstore_customer_name(c, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("value_out");
  licstore_customer_free(c);

  CHECK_RC(licstore_customers_import_csv(NULL, "x.csv", 0, &report), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_import_csv(store, NULL, 0, &report), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_import_csv(store, "x.csv", 0xFFFFFFFFu, &report),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_export_csv(store, NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_export_csv(NULL, "x.csv", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_to_csv(store, NULL, "x.csv", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_to_csv(store, "SELECT 1", NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_to_csv(store, bad_utf8, "x.csv", NULL), LICSTORE_INVALID_ARGUMENT);

  CHECK_RC(licstore_query_prepare(NULL, "SELECT 1", &q), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_prepare(store, NULL, &q), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("sql");
  CHECK_RC(licstore_query_prepare(store, bad_utf8, &q), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("UTF-8");
  CHECK_RC(licstore_query_prepare(store, "SELECT 1", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK(q == NULL);
  CHECK_RC(licstore_query_parameter_count(NULL, &n), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_parameter_index(NULL, "x", &n), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_bind_int64(NULL, 1, 1), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_bind_double(NULL, 1, 1.0), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_bind_text(NULL, 1, "x"), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_bind_null(NULL, 1), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_reset(NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_step(NULL, &has_row), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_column_count(NULL, &n), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_column_name(NULL, 0, &text), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_column_type(NULL, 0, &type), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_column_int64(NULL, 0, &i), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_column_double(NULL, 0, &d), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_column_text(NULL, 0, &text), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_column_bytes(NULL, 0, &bytes, &n), LICSTORE_INVALID_ARGUMENT);

  CHECK_OK(licstore_query_prepare(store, "SELECT ?", &q));
  CHECK_RC(licstore_query_bind_text(q, 1, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("value");
  CHECK_RC(licstore_query_bind_text(q, 1, bad_utf8), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_parameter_index(q, NULL, &n), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_parameter_index(q, "x", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_bind_text_len(q, 1, NULL, 3), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_bind_text_len(q, 1, bad_utf8, 4), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("UTF-8");
  CHECK_RC(licstore_query_bind_text_len(NULL, 1, "x", 1), LICSTORE_INVALID_ARGUMENT);
  CHECK_OK(licstore_query_bind_text_len(q, 1, NULL, 0));
  CHECK_RC(licstore_query_step(q, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_OK(licstore_query_step(q, &has_row));
  CHECK_RC(licstore_query_column_text(q, 0, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_column_bytes(q, 0, &bytes, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_OK(licstore_query_column_bytes(q, 0, &bytes, &n));
  CHECK(bytes != NULL && n == 0);
  CHECK_RC(licstore_query_column_count(q, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_column_type(q, 0, NULL), LICSTORE_INVALID_ARGUMENT);
  licstore_query_free(q);

  /* Every _free accepts NULL (and does not even touch the last error). */
  CHECK_RC(licstore_customers_get(store, "Nobody", &c), LICSTORE_NOT_FOUND);
  licstore_store_free(NULL);
  licstore_customer_free(NULL);
  licstore_customer_list_free(NULL);
  licstore_query_free(NULL);
  CHECK(licstore_last_error_code() == LICSTORE_NOT_FOUND);
}

/* A statement keeps its store alive: freeing the store first is safe. */
static void test_statement_outlives_store(void) {
  licstore_store *store = NULL;
  licstore_query *q = NULL;
  int32_t has_row = 0;
  const char *s = NULL;
  CHECK_OK(licstore_store_open_in_memory(&store));
  CHECK_OK(licstore_customers_add(store, "Solo", NULL, NULL, NULL));
  CHECK_OK(licstore_query_prepare(store, "SELECT name FROM customers", &q));
  licstore_store_free(store);
  CHECK_OK(licstore_query_step(q, &has_row));
  CHECK(has_row == 1);
  CHECK_OK(licstore_query_column_text(q, 0, &s));
  CHECK(s != NULL && strcmp(s, "Solo") == 0);
  licstore_query_free(q);
}

/* --- every entity's canonical CSV: licstore_import and licstore_export ----------------------- */

struct progress_log {
  int calls;
  uint64_t last_rows, last_total;
  int cancel; /* non-zero: cancel at the first call */
};

static int32_t on_progress(void *user_data, uint64_t rows, uint64_t bytes, uint64_t total_bytes) {
  struct progress_log *log = user_data;
  log->calls++;
  log->last_rows = rows;
  log->last_total = total_bytes;
  (void)bytes;
  return log->cancel;
}

static void test_entities(licstore_store *store) {
  char csv[128], tsv[128], jsonl[128], view[128], bad[128], rejects[128], nowhere[128];
  licstore_store *copy = NULL;
  licstore_import_report report;
  licstore_import_options opts;
  struct progress_log log;
  uint64_t rows = 0, customers = count_customers(store);
  int64_t audit;
  char *text;

  path_in(csv, sizeof csv, "customers-export.csv");
  path_in(tsv, sizeof tsv, "customers-export.tsv");
  path_in(jsonl, sizeof jsonl, "customers-export.jsonl");
  path_in(view, sizeof view, "audit.csv");
  path_in(bad, sizeof bad, "bad-customers.csv");
  path_in(rejects, sizeof rejects, "rejects.csv");
  path_in(nowhere, sizeof nowhere, "nowhere.csv");

  /* Export: an entity in three formats, a view as it is. */
  CHECK_OK(licstore_export(store, "customers", LICSTORE_FORMAT_CSV, csv, &rows));
  CHECK(rows == customers);
  text = read_file(csv);
  CHECK(text != NULL && strncmp(text, "name,tenant_domain,default_usage_location\n", 42) == 0);
  free(text);
  CHECK_OK(licstore_export(store, "customers", LICSTORE_FORMAT_TSV, tsv, NULL));
  text = read_file(tsv);
  CHECK(text != NULL && strncmp(text, "name\ttenant_domain\t", 19) == 0);
  free(text);
  CHECK_OK(licstore_export(store, "customers", LICSTORE_FORMAT_JSON_LINES, jsonl, &rows));
  text = read_file(jsonl);
  CHECK(text != NULL && text[0] == '{' && rows == customers);
  free(text);
  CHECK_OK(licstore_export(store, "audit_log", LICSTORE_FORMAT_CSV, view, &rows));
  CHECK(rows > 0);
  /* Refusals create no file. */
  rows = 77;
  CHECK_RC(licstore_export(store, "no_such_view", LICSTORE_FORMAT_CSV, nowhere, &rows),
           LICSTORE_NOT_FOUND);
  CHECK_MSG("no_such_view");
  CHECK_RC(licstore_export(store, "customer", LICSTORE_FORMAT_CSV, nowhere, &rows),
           LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_export(store, "customers", 3, nowhere, &rows), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licstore_format");
  CHECK_RC(licstore_export(store, "customers", 0xFFFFFFFFu, nowhere, &rows),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_export(store, NULL, LICSTORE_FORMAT_CSV, nowhere, &rows),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_export(store, "customers", LICSTORE_FORMAT_CSV, NULL, &rows),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_export(NULL, "customers", LICSTORE_FORMAT_CSV, nowhere, &rows),
           LICSTORE_INVALID_ARGUMENT);
  CHECK(rows == 77 && access(nowhere, F_OK) != 0);

  /* Import into a new store: the export reads back; NULL options are the defaults. */
  CHECK_OK(licstore_store_open_in_memory(&copy));
  memset(&report, 0, sizeof report);
  CHECK_OK(licstore_import(copy, "customers", csv, NULL, &report));
  CHECK(report.rows == customers && report.inserted == customers && report.rejected == 0);
  CHECK(count_customers(copy) == customers);
  /* Again, from the TSV export, with a progress callback: every row unchanged. */
  memset(&opts, 0, sizeof opts);
  memset(&log, 0, sizeof log);
  opts.format = LICSTORE_FORMAT_TSV;
  opts.progress = on_progress;
  opts.user_data = &log;
  CHECK_OK(licstore_import(copy, "customers", tsv, &opts, &report));
  CHECK(report.rows == customers && report.unchanged == customers);
  CHECK(log.calls >= 1 && log.last_rows == customers && log.last_total > 0);

  /* A bad row: all-or-nothing refuses the file and writes its rejects file; skip-invalid applies
   * the rest. */
  write_file(bad, "name,tenant_domain,default_usage_location\n"
                  "Tailspin,,US\n"
                  "Wingtip,,Atlantis\n");
  audit = audit_rows(copy);
  memset(&opts, 0, sizeof opts);
  opts.rejects_path = rejects;
  memset(&report, 0xAB, sizeof report);
  CHECK_RC(licstore_import(copy, "customers", bad, &opts, &report), LICSTORE_CSV_ERROR);
  CHECK_MSG("bad-customers.csv:3");
  CHECK_MSG("Atlantis");
  CHECK(report.rows == 0xABABABABABABABABu);
  CHECK_NOTHING_WRITTEN(copy, audit);
  text = read_file(rejects);
  CHECK(text != NULL && strstr(text, "error_reason") != NULL && strstr(text, "Wingtip") != NULL &&
        strstr(text, "Tailspin") == NULL);
  free(text);
  unlink(rejects);
  opts.mode = LICSTORE_IMPORT_MODE_SKIP_INVALID;
  CHECK_OK(licstore_import(copy, "customers", bad, &opts, &report));
  CHECK(report.rows == 2 && report.inserted == 1 && report.rejected == 1);
  CHECK(access(rejects, F_OK) == 0);
  unlink(rejects);
  CHECK(count_customers(copy) == customers + 1);

  /* Cancelled by the callback: LICSTORE_INTERRUPTED, nothing written. */
  write_file(bad, "name,tenant_domain,default_usage_location\nAlpine Ski House,,US\n");
  memset(&opts, 0, sizeof opts);
  memset(&log, 0, sizeof log);
  log.cancel = 1;
  opts.progress = on_progress;
  opts.user_data = &log;
  audit = audit_rows(copy);
  CHECK_RC(licstore_import(copy, "customers", bad, &opts, &report), LICSTORE_INTERRUPTED);
  CHECK(log.calls == 1);
  CHECK_NOTHING_WRITTEN(copy, audit);
  CHECK(count_customers(copy) == customers + 1);

  /* Bad arguments. */
  CHECK_RC(licstore_import(copy, "customer", csv, NULL, &report), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("group_members"); /* the message lists the entities */
  memset(&opts, 0, sizeof opts);
  opts.mode = 2;
  CHECK_RC(licstore_import(copy, "customers", csv, &opts, &report), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("argument mode");
  opts.mode = 0;
  opts.format = LICSTORE_FORMAT_JSON_LINES;
  CHECK_RC(licstore_import(copy, "customers", jsonl, &opts, &report), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("JSON Lines");
  opts.format = 7;
  CHECK_RC(licstore_import(copy, "customers", csv, &opts, &report), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_import(copy, "customers", nowhere, NULL, &report), LICSTORE_IO_ERROR);
  CHECK_MSG("nowhere.csv");
  CHECK_RC(licstore_import(copy, "customers", csv, NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_import(copy, NULL, csv, NULL, &report), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_import(copy, "customers", NULL, NULL, &report), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_import(NULL, "customers", csv, NULL, &report), LICSTORE_INVALID_ARGUMENT);
  licstore_store_free(copy);

  unlink(csv);
  unlink(tsv);
  unlink(jsonl);
  unlink(view);
  unlink(bad);
}

/* --- store details, views, timeouts and interrupting a query from another thread ----------- */

/* A query that never ends on its own: counts without limit. */
static const char *const ENDLESS =
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n";

struct interrupter {
  const licstore_store *store;
  atomic_int done;
  int calls;
};

static void *interrupt_until_done(void *arg) {
  struct interrupter *it = arg;
  struct timespec pause = {0, 20 * 1000 * 1000};
  while (!atomic_load(&it->done)) {
    nanosleep(&pause, NULL);
    if (licstore_store_interrupt(it->store) == LICSTORE_OK) it->calls++;
  }
  return NULL;
}

static void test_store_details(licstore_store *store) {
  licstore_store *mem = NULL;
  licstore_string_list *views = NULL;
  licstore_query *q = NULL;
  struct interrupter it;
  pthread_t thread;
  const char *s = NULL;
  size_t n = 0, i;
  int32_t has_row = -1;
  int customers = 0, audit_log = 0;

  CHECK_OK(licstore_store_path(store, &s));
  CHECK(STREQ(s, db_path));
  CHECK_OK(licstore_store_open_in_memory(&mem));
  CHECK_OK(licstore_store_path(mem, &s));
  CHECK(s == NULL);
  CHECK_OK(licstore_store_set_busy_timeout(mem, 0));
  CHECK_OK(licstore_store_set_busy_timeout(mem, 30000));
  /* Nothing runs: interrupting is a no-op. */
  CHECK_OK(licstore_store_interrupt(mem));
  licstore_store_free(mem);

  CHECK_OK(licstore_store_views(store, &views));
  CHECK_OK(licstore_string_list_len(views, &n));
  for (i = 0; i < n; i++) {
    CHECK_OK(licstore_string_list_get(views, i, &s));
    customers += STREQ(s, "customers");
    audit_log += STREQ(s, "audit_log");
  }
  CHECK(n > 10 && customers == 1 && audit_log == 1);
  licstore_string_list_free(views);

  /* A timeout ends a statement's run; reset and step again, and it ends again. */
  CHECK_OK(licstore_query_prepare(store, ENDLESS, &q));
  CHECK_OK(licstore_query_set_timeout(q, 50));
  CHECK_RC(licstore_query_step(q, &has_row), LICSTORE_INTERRUPTED);
  CHECK_MSG("timeout");
  CHECK(has_row == -1);
  CHECK_OK(licstore_query_reset(q));
  CHECK_RC(licstore_query_step(q, &has_row), LICSTORE_INTERRUPTED);

  /* Another thread interrupts the run (the timeout, a minute, is only a safety net). */
  CHECK_OK(licstore_query_reset(q));
  CHECK_OK(licstore_query_set_timeout(q, 60000));
  it.store = store;
  atomic_init(&it.done, 0);
  it.calls = 0;
  CHECK(pthread_create(&thread, NULL, interrupt_until_done, &it) == 0);
  CHECK_RC(licstore_query_step(q, &has_row), LICSTORE_INTERRUPTED);
  CHECK_MSG("interrupted");
  atomic_store(&it.done, 1);
  CHECK(pthread_join(thread, NULL) == 0);
  CHECK(it.calls >= 1);
  licstore_query_free(q);
  /* The store works on. */
  CHECK(count_customers(store) > 0);
  CHECK_RC(licstore_query_set_timeout(NULL, 1), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_store_interrupt(NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_store_path(store, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_store_views(store, NULL), LICSTORE_INVALID_ARGUMENT);
}

/* --- threads ------------------------------------------------------------------------------- */

enum { THREADS = 4, PER_THREAD = 25 };

struct worker {
  int id;
  const licstore_store *shared; /* NULL: open an own handle on db_path */
  int ok;
  int failures;
};

static void *worker_main(void *arg) {
  struct worker *w = arg;
  licstore_store *own = NULL;
  const licstore_store *store = w->shared;
  char name[64];
  int k;
  if (store == NULL) {
    if (licstore_store_open_existing(db_path, &own) != LICSTORE_OK) {
      fprintf(stderr, "thread %d: open: %s\n", w->id, licstore_last_error_message());
      w->failures++;
      return NULL;
    }
    store = own;
  }
  for (k = 0; k < PER_THREAD; k++) {
    snprintf(name, sizeof name, "%s-%d-%d", w->shared ? "Shared" : "Own", w->id, k);
    if (licstore_customers_add(store, name, NULL, NULL, NULL) == LICSTORE_OK) {
      w->ok++;
    } else {
      fprintf(stderr, "thread %d: add %s: %s\n", w->id, name, licstore_last_error_message());
      w->failures++;
    }
  }
  /* The last error is per thread: each thread sees the message of its own failure. */
  snprintf(name, sizeof name, "Missing-%d", w->id);
  if (licstore_customers_remove(store, name) == LICSTORE_NOT_FOUND &&
      strstr(licstore_last_error_message(), name) != NULL) {
    w->ok++;
  } else {
    w->failures++;
  }
  licstore_store_free(own);
  return NULL;
}

static void run_workers(const licstore_store *shared) {
  pthread_t threads[THREADS];
  struct worker workers[THREADS];
  int t;
  for (t = 0; t < THREADS; t++) {
    workers[t].id = t;
    workers[t].shared = shared;
    workers[t].ok = 0;
    workers[t].failures = 0;
    CHECK(pthread_create(&threads[t], NULL, worker_main, &workers[t]) == 0);
  }
  for (t = 0; t < THREADS; t++) {
    CHECK(pthread_join(threads[t], NULL) == 0);
    CHECK(workers[t].ok == PER_THREAD + 1 && workers[t].failures == 0);
  }
}

static void test_threads(licstore_store *store) {
  uint64_t before = count_customers(store);
  /* One handle per thread on one file. */
  run_workers(NULL);
  CHECK(count_customers(store) == before + THREADS * PER_THREAD);
  /* One handle shared by several threads (calls are serialized inside the handle). */
  run_workers(store);
  CHECK(count_customers(store) == before + 2 * THREADS * PER_THREAD);
  CHECK(query_text_equals(store,
      "SELECT CAST(count(*) AS TEXT) FROM customers WHERE name LIKE 'Own-%'", "100"));
}

int main(void) {
  licstore_store *store = NULL;
  char extra[160];

  snprintf(dir, sizeof dir, "%s", "/tmp/licstore-c-XXXXXX");
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 2;
  }
  path_in(db_path, sizeof db_path, "test.licstore");

  test_version_and_names();
  test_store();

  CHECK_OK(licstore_store_open(db_path, &store));
  CHECK_OK(licstore_store_set_actor(store, "c-test@contoso.com"));
  CHECK_OK(licstore_store_set_clock(store, "2024-05-06T07:08:09Z"));
  test_customers(store);
  test_query(store);
  test_csv(store);
  test_entities(store);
  test_store_details(store);
  test_bad_input(store);
  test_threads(store);
  licstore_store_free(store);

  /* Reopen: everything was committed. */
  store = NULL;
  CHECK_OK(licstore_store_open_existing(db_path, &store));
  CHECK(count_customers(store) == 3 + 2 * THREADS * PER_THREAD);
  licstore_store_free(store);

  test_statement_outlives_store();

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
