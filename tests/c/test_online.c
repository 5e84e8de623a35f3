/*
 * The C test of licstore's online-services C API (docs/c-api.md, "Online services"): every
 * function and getter; every per-user error code reachable from C, from the single calls as
 * results and from bulk runs as job items (CountViolation, MutuallyExclusiveViolation,
 * DependencyViolation, ProhibitedInUsageLocationViolation, UsageLocationMissing, UserNotFound,
 * UserOffboarded, SkuNotFound, NumberUnavailable, BulkOperationFailed); that an atomic refusal
 * applies nothing and leaves its Failed job readable; that a refused call writes nothing (neither
 * its outputs nor the store); NULL pointers and out-of-range enum values.
 * Includes only licstore.h. Prints "N passed, M failed" last; exits 1 on any failure. Run by
 * `make -C tests/c run` (plain, under valgrind, and with ASan + UBSan).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "licstore.h"

#include "check.h"

static const char *const E3 = "ENTERPRISEPACK";   /* Office 365 E3 */
static const char *const M365E3 = "SPE_E3";       /* Microsoft 365 E3 */
static const char *const PHONE = "MCOEV";         /* Microsoft Teams Phone Standard (add-on) */
static const char *const BI = "POWER_BI_PRO";
static const char *const E3_GUID = "6fd2c87f-b296-42f0-b197-1e91e994b900";
static const char *const EXCHANGE_PLAN = "efb87545-963c-4e0d-99df-69c6916d9eb0"; /* in E3 */

static int64_t assignments(licstore_store *store) {
  return query_int(store, "SELECT count(*) FROM subscriber_licenses");
}

static int64_t history_rows(licstore_store *store) {
  return query_int(store, "SELECT count(*) FROM assignment_history");
}

static void add_sku(licstore_store *store, const char *customer, const char *sku, int64_t n) {
  licstore_units units = {0, 0, 0, 0};
  units.enabled = n;
  CHECK_OK(licstore_skus_set(store, customer, sku, &units, NULL, NULL, NULL, NULL, NULL));
}

static void add_user(licstore_store *store, const char *customer, const char *upn) {
  CHECK_OK(licstore_subscribers_add(store, customer, upn, NULL, NULL, NULL, NULL,
                                    LICSTORE_SUBSCRIBER_STATUS_ACTIVE, NULL));
}

/*
 * Contoso (default US) with E3 (5 seats), Microsoft 365 E3 (2), Teams Phone (2), Power BI (10)
 * and users u0..u5; Fabrikam (no default usage location) with E3 and nobody@fabrikam.com.
 * Rules: Phone requires E3 or Microsoft 365 E3; E3 excludes Microsoft 365 E3; Power BI is
 * blocked in CN.
 */
static licstore_store *fixture(void) {
  licstore_store *store = NULL;
  const char *bases[] = {E3, M365E3};
  const char *cn[] = {"CN"};
  char upn[64];
  int i;
  CHECK_OK(licstore_store_open_in_memory(&store));
  CHECK_OK(licstore_store_set_clock(store, "2026-01-10T08:00:00Z"));
  CHECK_OK(licstore_store_set_actor(store, "c-online@contoso.com"));
  CHECK_OK(licstore_customers_add(store, "Contoso", NULL, "US", NULL));
  CHECK_OK(licstore_customers_add(store, "Fabrikam", NULL, NULL, NULL));
  add_sku(store, "Contoso", E3, 5);
  add_sku(store, "Contoso", M365E3, 2);
  add_sku(store, "Contoso", PHONE, 2);
  add_sku(store, "Contoso", BI, 10);
  add_sku(store, "Fabrikam", E3, 5);
  for (i = 0; i < 6; i++) {
    snprintf(upn, sizeof upn, "u%d@contoso.com", i);
    add_user(store, "Contoso", upn);
  }
  add_user(store, "Fabrikam", "nobody@fabrikam.com");
  CHECK_OK(licstore_sku_rules_add_requires(store, PHONE, bases, 2));
  CHECK_OK(licstore_sku_rules_add_excludes(store, E3, M365E3));
  CHECK_OK(licstore_sku_rules_add_blocked_in(store, BI, cn, 1));
  return store;
}

/* ------------------------------------------------------------------------------------------ */

static void test_skus(void) {
  licstore_store *store = fixture();
  licstore_sku *sku = (licstore_sku *)&sku; /* a sentinel, never freed */
  licstore_sku *sentinel = sku;
  licstore_sku_list *list = NULL;
  const licstore_sku *item = NULL;
  licstore_units units = {7, 1, 3, 0};
  licstore_units got = {0, 0, 0, 0};
  int64_t reported = 4, v = 0;
  int32_t present = -1;
  const char *s = NULL;
  size_t n = 0;
  int64_t audit;

  CHECK_OK(licstore_skus_set(store, "Contoso", E3_GUID, &units, "warning", NULL, "2026-01-25",
                             &reported, &sku));
  CHECK(sku != sentinel);
  CHECK_OK(licstore_sku_customer(sku, &s));
  CHECK(STREQ(s, "Contoso"));
  CHECK_OK(licstore_sku_sku_id(sku, &s));
  CHECK(STREQ(s, E3_GUID));
  CHECK_OK(licstore_sku_part_number(sku, &s));
  CHECK(STREQ(s, E3));
  CHECK_OK(licstore_sku_display_name(sku, &s));
  CHECK(STREQ(s, "Office 365 E3"));
  CHECK_OK(licstore_sku_capability_status(sku, &s));
  CHECK(STREQ(s, "Warning"));
  CHECK_OK(licstore_sku_applies_to(sku, &s));
  CHECK(STREQ(s, "User"));
  CHECK_OK(licstore_sku_term_end(sku, &s));
  CHECK(STREQ(s, "2026-01-25"));
  CHECK_OK(licstore_sku_units(sku, &got));
  CHECK(got.enabled == 7 && got.warning == 1 && got.suspended == 3 && got.locked_out == 0);
  licstore_sku_free(sku);

  /* Assigned, available and drift follow the assignments. */
  CHECK_OK(licstore_licenses_assign(store, "u0@contoso.com", E3, NULL, NULL, NULL, 0, 0, NULL));
  sku = NULL;
  CHECK_OK(licstore_skus_get(store, "contoso", "enterprisepack", &sku));
  CHECK_OK(licstore_sku_assigned(sku, &v));
  CHECK(v == 1);
  CHECK_OK(licstore_sku_available(sku, &v));
  CHECK(v == 7 + 1 - 1);
  CHECK_OK(licstore_sku_reported_consumed(sku, &v, &present));
  CHECK(v == 4 && present == 1);
  CHECK_OK(licstore_sku_drift(sku, &v, &present));
  CHECK(v == 3 && present == 1);
  licstore_sku_free(sku);

  /* An update keeps the capability status given as NULL, clears term end and reported count. */
  units.enabled = 7;
  sku = NULL;
  CHECK_OK(licstore_skus_set(store, "Contoso", E3, &units, NULL, NULL, NULL, NULL, &sku));
  CHECK_OK(licstore_sku_capability_status(sku, &s));
  CHECK(STREQ(s, "Warning"));
  CHECK_OK(licstore_sku_term_end(sku, &s));
  CHECK(s == NULL);
  CHECK_OK(licstore_sku_drift(sku, &v, &present));
  CHECK(present == 0);
  licstore_sku_free(sku);

  /* No reported count: no drift. */
  sku = NULL;
  CHECK_OK(licstore_skus_get(store, "Contoso", BI, &sku));
  CHECK_OK(licstore_sku_drift(sku, &v, &present));
  CHECK(v == 0 && present == 0);
  CHECK_OK(licstore_sku_reported_consumed(sku, &v, &present));
  CHECK(v == 0 && present == 0);
  CHECK_OK(licstore_sku_term_end(sku, &s));
  CHECK(s == NULL);
  licstore_sku_free(sku);

  /* Usage: every SKU of the customer, by friendly name. */
  CHECK_OK(licstore_skus_usage(store, "Contoso", &list));
  CHECK_OK(licstore_sku_list_len(list, &n));
  CHECK(n == 4);
  CHECK_OK(licstore_sku_list_get(list, 0, &item));
  CHECK_OK(licstore_sku_display_name(item, &s));
  CHECK(STREQ(s, "Microsoft 365 E3"));
  CHECK_OK(licstore_sku_list_get(list, 2, &item));
  CHECK_OK(licstore_sku_display_name(item, &s));
  CHECK(STREQ(s, "Office 365 E3"));
  item = NULL;
  CHECK_RC(licstore_sku_list_get(list, 4, &item), LICSTORE_INVALID_ARGUMENT);
  CHECK(item == NULL);
  licstore_sku_list_free(list);

  /* Refusals write nothing, outputs included. */
  audit = audit_rows(store);
  sku = sentinel;
  CHECK_RC(licstore_skus_set(store, "Contoso", "NO_SUCH_SKU", &units, NULL, NULL, NULL, NULL,
                             &sku),
           LICSTORE_SKU_NOT_FOUND);
  CHECK_MSG("NO_SUCH_SKU");
  CHECK_RC(licstore_skus_set(store, "Nobody", E3, &units, NULL, NULL, NULL, NULL, &sku),
           LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_skus_set(store, "Contoso", E3, NULL, NULL, NULL, NULL, NULL, &sku),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("units");
  units.enabled = -1;
  CHECK_RC(licstore_skus_set(store, "Contoso", E3, &units, NULL, NULL, NULL, NULL, &sku),
           LICSTORE_INVALID_ARGUMENT);
  units.enabled = 1;
  CHECK_RC(licstore_skus_set(store, "Contoso", E3, &units, "Sleeping", NULL, NULL, NULL, &sku),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_skus_set(store, "Contoso", E3, &units, NULL, NULL, "2026-13-01", NULL, &sku),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_skus_get(store, "Contoso", "SPE_E5", &sku), LICSTORE_SKU_NOT_FOUND);
  CHECK_RC(licstore_skus_get(store, "Contoso", E3, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_skus_get(NULL, "Contoso", E3, &sku), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("store");
  CHECK_RC(licstore_skus_usage(store, "Nobody", &list), LICSTORE_NOT_FOUND);
  CHECK(sku == sentinel);
  CHECK_NOTHING_WRITTEN(store, audit);

  /* Getters check their pointers. */
  CHECK_RC(licstore_sku_assigned(NULL, &v), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_sku_units(NULL, &got), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_sku_list_len(NULL, &n), LICSTORE_INVALID_ARGUMENT);
  licstore_sku_free(NULL);
  licstore_sku_list_free(NULL);
  licstore_store_free(store);
}

static void test_subscribers(void) {
  licstore_store *store = fixture();
  licstore_subscriber *sub = (licstore_subscriber *)&sub;
  licstore_subscriber *sentinel = sub;
  licstore_subscriber_list *list = NULL;
  const licstore_subscriber *item = NULL;
  const char *s = NULL;
  uint32_t e = 99, staged = LICSTORE_SUBSCRIBER_STATUS_STAGED, bad = 3;
  uint32_t offboarded = LICSTORE_SUBSCRIBER_STATUS_OFFBOARDED;
  size_t n = 0;
  uint64_t removed = 99;
  int64_t audit;

  CHECK_OK(licstore_subscribers_add(store, "Contoso", "Ada@Contoso.com", "Ada Lovelace", "gb",
                                    "Finance", "0b2d7e4c-6d8f-4a8e-9e1b-2a1f0c3d4e5f",
                                    LICSTORE_SUBSCRIBER_STATUS_ACTIVE, &sub));
  CHECK(sub != sentinel);
  CHECK_OK(licstore_subscriber_customer(sub, &s));
  CHECK(STREQ(s, "Contoso"));
  CHECK_OK(licstore_subscriber_user_principal_name(sub, &s));
  CHECK(STREQ(s, "Ada@Contoso.com"));
  CHECK_OK(licstore_subscriber_display_name(sub, &s));
  CHECK(STREQ(s, "Ada Lovelace"));
  CHECK_OK(licstore_subscriber_usage_location(sub, &s));
  CHECK(STREQ(s, "GB"));
  CHECK_OK(licstore_subscriber_department(sub, &s));
  CHECK(STREQ(s, "Finance"));
  CHECK_OK(licstore_subscriber_object_id(sub, &s));
  CHECK(STREQ(s, "0b2d7e4c-6d8f-4a8e-9e1b-2a1f0c3d4e5f"));
  CHECK_OK(licstore_subscriber_status(sub, &e));
  CHECK(e == LICSTORE_SUBSCRIBER_STATUS_ACTIVE);
  licstore_subscriber_free(sub);

  /* Update: NULL keeps, "" clears, a value replaces; status through a pointer. */
  sub = NULL;
  CHECK_OK(licstore_subscribers_update(store, "ada@contoso.com", "Ada King", NULL, "", NULL,
                                       &staged, &sub));
  CHECK_OK(licstore_subscriber_display_name(sub, &s));
  CHECK(STREQ(s, "Ada King"));
  CHECK_OK(licstore_subscriber_usage_location(sub, &s));
  CHECK(STREQ(s, "GB"));
  CHECK_OK(licstore_subscriber_department(sub, &s));
  CHECK(s == NULL);
  CHECK_OK(licstore_subscriber_status(sub, &e));
  CHECK(e == LICSTORE_SUBSCRIBER_STATUS_STAGED);
  licstore_subscriber_free(sub);

  sub = NULL;
  CHECK_OK(licstore_subscribers_get(store, "ADA@contoso.com", &sub));
  CHECK_OK(licstore_subscriber_display_name(sub, &s));
  CHECK(STREQ(s, "Ada King"));
  licstore_subscriber_free(sub);

  CHECK_OK(licstore_subscribers_list(store, "Contoso", &list));
  CHECK_OK(licstore_subscriber_list_len(list, &n));
  CHECK(n == 7);
  CHECK_OK(licstore_subscriber_list_get(list, 0, &item));
  CHECK_OK(licstore_subscriber_user_principal_name(item, &s));
  CHECK(STREQ(s, "Ada@Contoso.com"));
  CHECK_RC(licstore_subscriber_list_get(list, 7, &item), LICSTORE_INVALID_ARGUMENT);
  licstore_subscriber_list_free(list);

  /* Offboarding removes the licenses and marks the user. */
  CHECK_OK(licstore_licenses_assign(store, "u1@contoso.com", E3, NULL, NULL, NULL, 0, 0, NULL));
  CHECK_OK(licstore_licenses_assign(store, "u1@contoso.com", PHONE, NULL, NULL, NULL, 0, 0, NULL));
  CHECK_OK(licstore_subscribers_offboard(store, "u1@contoso.com", &removed));
  CHECK(removed == 2);
  sub = NULL;
  CHECK_OK(licstore_subscribers_get(store, "u1@contoso.com", &sub));
  CHECK_OK(licstore_subscriber_status(sub, &e));
  CHECK(e == LICSTORE_SUBSCRIBER_STATUS_OFFBOARDED);
  licstore_subscriber_free(sub);
  CHECK(assignments(store) == 0);
  CHECK(history_rows(store) == 2);

  /* Refusals write nothing, outputs included. */
  audit = audit_rows(store);
  sub = sentinel;
  removed = 99;
  CHECK_RC(licstore_subscribers_offboard(store, "u1@contoso.com", &removed),
           LICSTORE_USER_OFFBOARDED);
  CHECK(removed == 99);
  CHECK_RC(licstore_subscribers_offboard(store, "ghost@contoso.com", NULL),
           LICSTORE_USER_NOT_FOUND);
  CHECK_RC(licstore_subscribers_add(store, "Contoso", "ADA@contoso.COM", NULL, NULL, NULL, NULL,
                                    LICSTORE_SUBSCRIBER_STATUS_ACTIVE, &sub),
           LICSTORE_ALREADY_EXISTS);
  CHECK_RC(licstore_subscribers_add(store, "Contoso", "new@contoso.com", NULL, NULL, NULL, NULL,
                                    3, &sub),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licstore_subscriber_statuses");
  CHECK_RC(licstore_subscribers_add(store, "Contoso", "new@contoso.com", NULL, NULL, NULL, NULL,
                                    UINT32_MAX, &sub),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_subscribers_add(store, "Contoso", "not-an-upn", NULL, NULL, NULL, NULL,
                                    LICSTORE_SUBSCRIBER_STATUS_ACTIVE, &sub),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_subscribers_add(store, "Contoso", "new@contoso.com", NULL, "Atlantis", NULL,
                                    NULL, LICSTORE_SUBSCRIBER_STATUS_ACTIVE, &sub),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_subscribers_add(store, "Nobody", "new@contoso.com", NULL, NULL, NULL, NULL,
                                    LICSTORE_SUBSCRIBER_STATUS_ACTIVE, &sub),
           LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_subscribers_add(store, "Contoso", NULL, NULL, NULL, NULL, NULL,
                                    LICSTORE_SUBSCRIBER_STATUS_ACTIVE, &sub),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("user_principal_name");
  CHECK_RC(licstore_subscribers_update(store, "u2@contoso.com", NULL, NULL, NULL, NULL,
                                       &offboarded, &sub),
           LICSTORE_INVALID_STATE);
  CHECK_RC(licstore_subscribers_update(store, "u2@contoso.com", NULL, NULL, NULL, NULL, &bad,
                                       &sub),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_subscribers_update(store, "ghost@contoso.com", "X", NULL, NULL, NULL, NULL,
                                       &sub),
           LICSTORE_USER_NOT_FOUND);
  CHECK_RC(licstore_subscribers_get(store, "ghost@contoso.com", &sub), LICSTORE_USER_NOT_FOUND);
  CHECK_RC(licstore_subscribers_get(store, "u2@contoso.com", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_subscribers_list(store, "Nobody", &list), LICSTORE_NOT_FOUND);
  CHECK(sub == sentinel);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_RC(licstore_subscriber_status(NULL, &e), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_subscriber_list_len(NULL, &n), LICSTORE_INVALID_ARGUMENT);
  licstore_subscriber_free(NULL);
  licstore_subscriber_list_free(NULL);
  licstore_store_free(store);
}

static void test_groups_and_rules(void) {
  licstore_store *store = fixture();
  licstore_string_list *list = (licstore_string_list *)&list;
  licstore_string_list *sentinel = list;
  const char *members[] = {"u0@contoso.com", "U1@contoso.com", "u0@contoso.com"};
  const char *foreign[] = {"u2@contoso.com", "nobody@fabrikam.com"};
  const char *with_null[] = {"u2@contoso.com", NULL};
  const char *bad_country[] = {"Atlantis"};
  const char *unknown[] = {"NO_SUCH_SKU"};
  const char *s = NULL;
  uint64_t added = 99;
  size_t n = 0;
  int64_t audit;

  CHECK_OK(licstore_groups_add(store, "Contoso", "Sales"));
  CHECK_OK(licstore_groups_add_members(store, "Contoso", "Sales", members, 3, &added));
  CHECK(added == 2);
  CHECK_OK(licstore_groups_add_members(store, "Contoso", "Sales", members, 1, NULL));
  list = NULL;
  CHECK_OK(licstore_groups_members(store, "Contoso", "Sales", &list));
  CHECK_OK(licstore_string_list_len(list, &n));
  CHECK(n == 2);
  CHECK_OK(licstore_string_list_get(list, 1, &s));
  CHECK(STREQ(s, "u1@contoso.com"));
  CHECK_RC(licstore_string_list_get(list, 2, &s), LICSTORE_INVALID_ARGUMENT);
  licstore_string_list_free(list);

  audit = audit_rows(store);
  list = sentinel;
  added = 99;
  CHECK_RC(licstore_groups_add(store, "Contoso", "Sales"), LICSTORE_ALREADY_EXISTS);
  CHECK_RC(licstore_groups_add(store, "Contoso", ""), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_groups_add(store, "Nobody", "Sales"), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_groups_add_members(store, "Contoso", "Sales", foreign, 2, &added),
           LICSTORE_USER_NOT_FOUND);
  CHECK_MSG("nobody@fabrikam.com");
  CHECK_RC(licstore_groups_add_members(store, "Contoso", "Sales", with_null, 2, &added),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("upns[1]");
  CHECK_RC(licstore_groups_add_members(store, "Contoso", "Sales", NULL, 1, &added),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_groups_add_members(store, "Contoso", "Nope", members, 1, &added),
           LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_groups_members(store, "Contoso", "Nope", &list), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_groups_members(store, "Contoso", "Sales", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK(added == 99 && list == sentinel);

  /* Rules: idempotent when repeated; malformed ones refused. */
  CHECK_RC(licstore_sku_rules_add_requires(store, PHONE, NULL, 0), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_sku_rules_add_requires(store, "NO_SUCH_SKU", members, 1),
           LICSTORE_SKU_NOT_FOUND);
  CHECK_RC(licstore_sku_rules_add_requires(store, PHONE, unknown, 1), LICSTORE_SKU_NOT_FOUND);
  CHECK_RC(licstore_sku_rules_add_excludes(store, E3, E3_GUID), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_sku_rules_add_excludes(store, E3, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_sku_rules_add_blocked_in(store, BI, bad_country, 1),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_sku_rules_add_blocked_in(NULL, BI, bad_country, 1),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_RC(licstore_string_list_len(NULL, &n), LICSTORE_INVALID_ARGUMENT);
  licstore_string_list_free(NULL);
  licstore_store_free(store);
}

/* One single-user assignment that must be refused with `want`, writing nothing. */
static void refused_assign(licstore_store *store, const char *upn, const char *sku,
                           licstore_result want, int line) {
  int64_t audit = audit_rows(store);
  int32_t assigned = 42;
  check_rc(licstore_licenses_assign(store, upn, sku, NULL, NULL, NULL, 0, 0, &assigned), want,
           sku, __FILE__, line);
  check(assigned == 42, "assigned_out untouched", __FILE__, line);
  check(audit_rows(store) == audit, "nothing written", __FILE__, line);
}

static void test_single(void) {
  licstore_store *store = fixture();
  licstore_license_list *list = NULL;
  const licstore_license *item = NULL;
  licstore_string_list *holders = NULL;
  const char *plans[] = {EXCHANGE_PLAN};
  const char *bad_plans[] = {"00000000-0000-0000-0000-000000000001"};
  const char *numbers[] = {"+14255550100"};
  const char *s = NULL;
  int32_t done = -1;
  size_t n = 0;

  CHECK_OK(licstore_licenses_assign(store, "u0@contoso.com", E3, "2026-02-01", NULL, plans, 1, 0,
                                    &done));
  CHECK(done == 1);
  CHECK_OK(licstore_licenses_assign(store, "u0@contoso.com", E3, NULL, NULL, NULL, 0, 0, &done));
  CHECK(done == 0); /* held already: a skip */
  CHECK_OK(licstore_licenses_list(store, "u0@contoso.com", &list));
  CHECK_OK(licstore_license_list_len(list, &n));
  CHECK(n == 1);
  CHECK_OK(licstore_license_list_get(list, 0, &item));
  CHECK_OK(licstore_license_sku_id(item, &s));
  CHECK(STREQ(s, E3_GUID));
  CHECK_OK(licstore_license_display_name(item, &s));
  CHECK(STREQ(s, "Office 365 E3"));
  CHECK_OK(licstore_license_expires_at(item, &s));
  CHECK(STREQ(s, "2026-02-01T00:00:00Z"));
  CHECK_RC(licstore_license_list_get(list, 1, &item), LICSTORE_INVALID_ARGUMENT);
  licstore_license_list_free(list);

  /* Every per-user rule, as the single call's result. */
  refused_assign(store, "ghost@contoso.com", E3, LICSTORE_USER_NOT_FOUND, __LINE__);
  refused_assign(store, "u1@contoso.com", "SPE_E5", LICSTORE_SKU_NOT_FOUND, __LINE__);
  refused_assign(store, "u1@contoso.com", "NO_SUCH_SKU", LICSTORE_SKU_NOT_FOUND, __LINE__);
  refused_assign(store, "u1@contoso.com", PHONE, LICSTORE_DEPENDENCY_VIOLATION, __LINE__);
  refused_assign(store, "u0@contoso.com", M365E3, LICSTORE_MUTUALLY_EXCLUSIVE_VIOLATION,
                 __LINE__);
  refused_assign(store, "nobody@fabrikam.com", E3, LICSTORE_USAGE_LOCATION_MISSING, __LINE__);
  CHECK_OK(licstore_subscribers_update(store, "u5@contoso.com", NULL, "CN", NULL, NULL, NULL,
                                       NULL));
  refused_assign(store, "u5@contoso.com", BI, LICSTORE_PROHIBITED_IN_USAGE_LOCATION_VIOLATION,
                 __LINE__);
  CHECK_OK(licstore_licenses_assign(store, "u1@contoso.com", M365E3, NULL, NULL, NULL, 0, 0,
                                    NULL));
  CHECK_OK(licstore_licenses_assign(store, "u2@contoso.com", M365E3, NULL, NULL, NULL, 0, 0,
                                    NULL));
  refused_assign(store, "u3@contoso.com", M365E3, LICSTORE_COUNT_VIOLATION, __LINE__);
  CHECK_OK(licstore_subscribers_offboard(store, "u4@contoso.com", NULL));
  refused_assign(store, "u4@contoso.com", E3, LICSTORE_USER_OFFBOARDED, __LINE__);

  /* A usage location given with the assignment fixes UsageLocationMissing. */
  CHECK_OK(licstore_licenses_assign(store, "nobody@fabrikam.com", E3, NULL, "DE", NULL, 0, 0,
                                    &done));
  CHECK(done == 1);

  /* take_number: a voice-capable SKU takes the next available number, or fails without one. */
  CHECK_RC(licstore_licenses_assign(store, "u0@contoso.com", PHONE, NULL, NULL, NULL, 0, 1,
                                    &done),
           LICSTORE_NUMBER_UNAVAILABLE);
  CHECK_OK(licstore_numbers_add(store, "Contoso", numbers, 1, NULL));
  CHECK_OK(licstore_licenses_assign(store, "u0@contoso.com", PHONE, NULL, NULL, NULL, 0, 1,
                                    &done));
  CHECK(query_int(store, "SELECT count(*) FROM numbers WHERE user_principal_name = "
                         "'u0@contoso.com'") == 1);

  /* Bad arguments. */
  CHECK_RC(licstore_licenses_assign(store, "u3@contoso.com", E3, NULL, NULL, bad_plans, 1, 0,
                                    NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_licenses_assign(store, "u3@contoso.com", E3, NULL, NULL, NULL, 1, 0, NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_licenses_assign(store, "u3@contoso.com", E3, "someday", NULL, NULL, 0, 0,
                                    NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_licenses_assign(store, "u3@contoso.com", NULL, NULL, NULL, NULL, 0, 0, NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_licenses_list(store, "ghost@contoso.com", &list), LICSTORE_USER_NOT_FOUND);

  /* Remove: the last base of an add-on is refused; a license not held is a skip. */
  CHECK_RC(licstore_licenses_remove(store, "u0@contoso.com", E3, &done),
           LICSTORE_DEPENDENCY_VIOLATION);
  CHECK_OK(licstore_store_set_clock(store, "2026-01-15T08:00:00Z"));
  CHECK_OK(licstore_licenses_remove(store, "u0@contoso.com", PHONE, &done));
  CHECK(done == 1);
  CHECK_OK(licstore_licenses_remove(store, "u0@contoso.com", PHONE, &done));
  CHECK(done == 0);
  CHECK_RC(licstore_licenses_remove(store, "ghost@contoso.com", PHONE, &done),
           LICSTORE_USER_NOT_FOUND);

  /* Point in time: u0 held the Phone SKU on the 12th, not on the 9th nor the 16th. */
  CHECK_OK(licstore_holders_at(store, "Contoso", PHONE, "2026-01-12", &holders));
  CHECK_OK(licstore_string_list_len(holders, &n));
  CHECK(n == 1);
  CHECK_OK(licstore_string_list_get(holders, 0, &s));
  CHECK(STREQ(s, "u0@contoso.com"));
  licstore_string_list_free(holders);
  holders = NULL;
  CHECK_OK(licstore_holders_at(store, "Contoso", PHONE, "2026-01-16T00:00:00+01:00", &holders));
  CHECK_OK(licstore_string_list_len(holders, &n));
  CHECK(n == 0);
  licstore_string_list_free(holders);
  holders = NULL;
  CHECK_OK(licstore_holders_at(store, "Contoso", PHONE, "2026-01-09", &holders));
  CHECK_OK(licstore_string_list_len(holders, &n));
  CHECK(n == 0);
  licstore_string_list_free(holders);
  holders = NULL;
  CHECK_RC(licstore_holders_at(store, "Contoso", PHONE, "yesterday", &holders),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_holders_at(store, "Contoso", "SPE_E5", "2026-01-12", &holders),
           LICSTORE_SKU_NOT_FOUND);
  CHECK_RC(licstore_holders_at(store, "Contoso", PHONE, "2026-01-12", NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK(holders == NULL);
  CHECK_RC(licstore_license_list_len(NULL, &n), LICSTORE_INVALID_ARGUMENT);
  licstore_license_list_free(NULL);
  licstore_store_free(store);
}

/* The item of `list` whose subject is `upn`, or NULL. */
static const licstore_job_item *item_of(const licstore_job_item_list *list, const char *upn) {
  size_t n = 0, i;
  const licstore_job_item *item = NULL;
  const char *s = NULL;
  if (licstore_job_item_list_len(list, &n) != LICSTORE_OK) return NULL;
  for (i = 0; i < n; i++) {
    if (licstore_job_item_list_get(list, i, &item) == LICSTORE_OK &&
        licstore_job_item_subject(item, &s) == LICSTORE_OK && STREQ(s, upn)) {
      return item;
    }
  }
  return NULL;
}

static void check_item(const licstore_job_item_list *list, const char *upn, uint32_t outcome,
                       uint32_t result, const char *code, int line) {
  const licstore_job_item *item = item_of(list, upn);
  uint32_t o = 99, r = 99;
  const char *s = NULL;
  check(item != NULL, upn, __FILE__, line);
  if (item == NULL) return;
  check(licstore_job_item_outcome(item, &o) == LICSTORE_OK && o == outcome, "item outcome",
        __FILE__, line);
  check(licstore_job_item_result(item, &r) == LICSTORE_OK && r == result, "item result",
        __FILE__, line);
  check(licstore_job_item_code(item, &s) == LICSTORE_OK &&
            (code == NULL ? s == NULL : STREQ(s, code)),
        "item code", __FILE__, line);
  if (outcome == LICSTORE_ITEM_OUTCOME_ERROR) {
    check(licstore_job_item_message(item, &s) == LICSTORE_OK && s != NULL && *s != '\0',
          "item message", __FILE__, line);
  }
}

static licstore_bulk_request *request(const char *customer, uint32_t op, uint32_t mode,
                                      const char *sku, const char *const *users, size_t count) {
  licstore_bulk_request *r = NULL;
  size_t i;
  CHECK_OK(licstore_bulk_request_new(customer, &r));
  CHECK_OK(licstore_bulk_request_set_op(r, op));
  CHECK_OK(licstore_bulk_request_set_mode(r, mode));
  if (sku != NULL) CHECK_OK(licstore_bulk_request_add_sku(r, sku));
  for (i = 0; i < count; i++) CHECK_OK(licstore_bulk_request_add_user(r, users[i]));
  return r;
}

static void test_request_builder(void) {
  licstore_bulk_request *r = (licstore_bulk_request *)&r;
  licstore_bulk_request *sentinel = r;
  uint32_t bad = 3, staged = LICSTORE_SUBSCRIBER_STATUS_STAGED;

  CHECK_RC(licstore_bulk_request_new(NULL, &r), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_bulk_request_new("Contoso", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK(r == sentinel);
  CHECK_OK(licstore_bulk_request_new("Contoso", &r));
  CHECK_RC(licstore_bulk_request_set_op(r, 3), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licstore_bulk_op");
  CHECK_RC(licstore_bulk_request_set_op(r, UINT32_MAX), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_bulk_request_set_mode(r, 2), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licstore_bulk_mode");
  CHECK_RC(licstore_bulk_request_set_op(NULL, LICSTORE_BULK_OP_ASSIGN), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("request");
  CHECK_RC(licstore_bulk_request_add_user(r, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_bulk_request_add_sku(r, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_bulk_request_add_group(r, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_bulk_request_add_replaced_sku(r, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_bulk_request_add_disabled_plan(r, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_bulk_request_set_filter(r, NULL, NULL, &bad, NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licstore_subscriber_statuses");
  /* One kind of target per request. */
  CHECK_OK(licstore_bulk_request_add_user(r, "u0@contoso.com"));
  CHECK_RC(licstore_bulk_request_add_group(r, "Sales"), LICSTORE_INVALID_STATE);
  CHECK_RC(licstore_bulk_request_set_filter(r, "Sales", NULL, &staged, NULL),
           LICSTORE_INVALID_STATE);
  CHECK_OK(licstore_bulk_request_add_user(r, "u1@contoso.com"));
  CHECK_OK(licstore_bulk_request_set_expires_at(r, "2026-03-01"));
  CHECK_OK(licstore_bulk_request_set_expires_at(r, NULL));
  CHECK_OK(licstore_bulk_request_set_usage_location(r, "US"));
  CHECK_OK(licstore_bulk_request_set_take_number(r, 1));
  CHECK_RC(licstore_bulk_request_set_take_number(NULL, 1), LICSTORE_INVALID_ARGUMENT);
  licstore_bulk_request_free(r);
  licstore_bulk_request_free(NULL);
}

static void test_preview(void) {
  licstore_store *store = fixture();
  const char *four[] = {"u0@contoso.com", "u1@contoso.com", "u2@contoso.com", "u3@contoso.com"};
  licstore_bulk_request *r;
  licstore_preview *p = (licstore_preview *)&p;
  licstore_preview *sentinel = p;
  const licstore_sku_preview *sp = NULL;
  const licstore_job_item *f = NULL;
  const char *s = NULL;
  uint64_t u = 0;
  int64_t v = 0;
  uint32_t e = 99;
  size_t n = 0;
  int64_t audit;

  CHECK_OK(licstore_licenses_assign(store, "u0@contoso.com", E3, NULL, NULL, NULL, 0, 0, NULL));
  audit = audit_rows(store);

  /* Microsoft 365 E3 (2 seats) to four users, u0 holding the exclusive E3. */
  r = request("Contoso", LICSTORE_BULK_OP_ASSIGN, LICSTORE_BULK_MODE_ATOMIC, M365E3, four, 4);
  CHECK_OK(licstore_bulk_preview(store, r, &p));
  CHECK(p != sentinel);
  CHECK_OK(licstore_preview_targets(p, &u));
  CHECK(u == 4);
  CHECK_OK(licstore_preview_ok(p, &u));
  CHECK(u == 2);
  CHECK_OK(licstore_preview_skipped(p, &u));
  CHECK(u == 0);
  CHECK_OK(licstore_preview_sku_count(p, &n));
  CHECK(n == 1);
  CHECK_OK(licstore_preview_sku(p, 0, &sp));
  CHECK_OK(licstore_sku_preview_part_number(sp, &s));
  CHECK(STREQ(s, M365E3));
  CHECK_OK(licstore_sku_preview_sku_id(sp, &s));
  CHECK(s != NULL && strlen(s) == 36);
  CHECK_OK(licstore_sku_preview_display_name(sp, &s));
  CHECK(STREQ(s, "Microsoft 365 E3"));
  CHECK_OK(licstore_sku_preview_held_by(sp, &e));
  CHECK(e == LICSTORE_HELD_BY_NONE);
  CHECK_OK(licstore_sku_preview_holders(sp, &u));
  CHECK(u == 0);
  CHECK_OK(licstore_sku_preview_seats_needed(sp, &u));
  CHECK(u == 4);
  CHECK_OK(licstore_sku_preview_seats_freed(sp, &u));
  CHECK(u == 0);
  CHECK_OK(licstore_sku_preview_seats_available(sp, &v));
  CHECK(v == 2);
  CHECK_RC(licstore_preview_sku(p, 1, &sp), LICSTORE_INVALID_ARGUMENT);
  CHECK_OK(licstore_preview_failure_count(p, &n));
  CHECK(n == 2);
  CHECK_OK(licstore_preview_failure(p, 0, &f));
  CHECK_OK(licstore_job_item_subject(f, &s));
  CHECK(STREQ(s, "u0@contoso.com"));
  CHECK_OK(licstore_job_item_result(f, &e));
  CHECK(e == LICSTORE_MUTUALLY_EXCLUSIVE_VIOLATION);
  CHECK_OK(licstore_preview_failure(p, 1, &f));
  CHECK_OK(licstore_job_item_subject(f, &s));
  CHECK(STREQ(s, "u3@contoso.com"));
  CHECK_OK(licstore_job_item_result(f, &e));
  CHECK(e == LICSTORE_COUNT_VIOLATION);
  CHECK_OK(licstore_job_item_code(f, &s));
  CHECK(STREQ(s, "CountViolation"));
  CHECK_OK(licstore_job_item_outcome(f, &e));
  CHECK(e == LICSTORE_ITEM_OUTCOME_ERROR);
  CHECK_RC(licstore_preview_failure(p, 2, &f), LICSTORE_INVALID_ARGUMENT);
  licstore_preview_free(p);
  licstore_bulk_request_free(r);

  /* The tri-state: E3 is held by all, some or none of the targets. */
  r = request("Contoso", LICSTORE_BULK_OP_ASSIGN, LICSTORE_BULK_MODE_ATOMIC, E3, four, 1);
  CHECK_OK(licstore_bulk_preview(store, r, &p));
  CHECK_OK(licstore_preview_sku(p, 0, &sp));
  CHECK_OK(licstore_sku_preview_held_by(sp, &e));
  CHECK(e == LICSTORE_HELD_BY_ALL);
  CHECK_OK(licstore_preview_skipped(p, &u));
  CHECK(u == 1);
  licstore_preview_free(p);
  CHECK_OK(licstore_bulk_request_add_user(r, "u1@contoso.com"));
  CHECK_OK(licstore_bulk_preview(store, r, &p));
  CHECK_OK(licstore_preview_sku(p, 0, &sp));
  CHECK_OK(licstore_sku_preview_held_by(sp, &e));
  CHECK(e == LICSTORE_HELD_BY_SOME);
  CHECK_OK(licstore_sku_preview_holders(sp, &u));
  CHECK(u == 1);
  licstore_preview_free(p);
  /* Removing frees seats. */
  CHECK_OK(licstore_bulk_request_set_op(r, LICSTORE_BULK_OP_REMOVE));
  CHECK_OK(licstore_bulk_preview(store, r, &p));
  CHECK_OK(licstore_preview_sku(p, 0, &sp));
  CHECK_OK(licstore_sku_preview_seats_freed(sp, &u));
  CHECK(u == 1);
  CHECK_OK(licstore_sku_preview_seats_needed(sp, &u));
  CHECK(u == 0);
  licstore_preview_free(p);
  licstore_bulk_request_free(r);

  r = request("Contoso", LICSTORE_BULK_OP_ASSIGN, LICSTORE_BULK_MODE_ATOMIC, E3, four + 2, 2);
  CHECK_OK(licstore_bulk_preview(store, r, &p));
  CHECK_OK(licstore_preview_sku(p, 0, &sp));
  CHECK_OK(licstore_sku_preview_held_by(sp, &e));
  CHECK(e == LICSTORE_HELD_BY_NONE);
  licstore_preview_free(p);

  /* Refusals of the whole request; a preview never writes. */
  p = sentinel;
  CHECK_OK(licstore_bulk_request_add_sku(r, "NO_SUCH_SKU"));
  CHECK_RC(licstore_bulk_preview(store, r, &p), LICSTORE_SKU_NOT_FOUND);
  CHECK(licstore_last_error_job_id() == 0);
  CHECK_RC(licstore_bulk_preview(store, NULL, &p), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_bulk_preview(NULL, r, &p), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_bulk_preview(store, r, NULL), LICSTORE_INVALID_ARGUMENT);
  licstore_bulk_request_free(r);
  r = request("Nobody", LICSTORE_BULK_OP_ASSIGN, LICSTORE_BULK_MODE_ATOMIC, E3, four, 1);
  CHECK_RC(licstore_bulk_preview(store, r, &p), LICSTORE_NOT_FOUND);
  licstore_bulk_request_free(r);
  CHECK(p == sentinel);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_RC(licstore_preview_ok(NULL, &u), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_preview_sku_count(NULL, &n), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_sku_preview_held_by(NULL, &e), LICSTORE_INVALID_ARGUMENT);
  licstore_preview_free(NULL);
  licstore_store_free(store);
}

static void test_bulk_run(void) {
  licstore_store *store = fixture();
  const char *four[] = {"u0@contoso.com", "u1@contoso.com", "u2@contoso.com", "u3@contoso.com"};
  const char *sales[] = {"u4@contoso.com", "u5@contoso.com"};
  licstore_bulk_request *r;
  licstore_job *job = (licstore_job *)&job;
  licstore_job *sentinel = job;
  licstore_job_item_list *items = NULL;
  licstore_units units = {4, 0, 0, 0};
  char csv_path[128];
  char *csv;
  const char *s = NULL;
  int64_t refused, best, id = 0, v = 0, audit, history;
  int32_t present = -1;
  uint64_t u = 0;
  uint32_t e = 99;
  size_t n = 0;

  CHECK_OK(licstore_licenses_assign(store, "u0@contoso.com", E3, NULL, NULL, NULL, 0, 0, NULL));
  history = history_rows(store);

  /* Atomic: one failing user refuses the run; nothing is applied; the refusal is a Failed job. */
  r = request("Contoso", LICSTORE_BULK_OP_ASSIGN, LICSTORE_BULK_MODE_ATOMIC, M365E3, four, 4);
  CHECK_RC(licstore_bulk_run(store, r, &job), LICSTORE_BULK_OPERATION_FAILED);
  CHECK_MSG("u0@contoso.com");
  CHECK(job == sentinel);
  refused = licstore_last_error_job_id();
  CHECK(refused > 0);
  CHECK(licstore_last_error_job_id() == refused); /* reading it changes nothing */
  CHECK(licstore_last_error_code() == LICSTORE_BULK_OPERATION_FAILED);
  CHECK(assignments(store) == 1);
  CHECK(history_rows(store) == history);
  CHECK(query_int(store, "SELECT count(*) FROM subscriber_licenses WHERE sku_part_number = "
                         "'SPE_E3'") == 0);
  job = NULL;
  CHECK_OK(licstore_jobs_get(store, refused, &job));
  CHECK(licstore_last_error_job_id() == 0);
  CHECK_OK(licstore_job_id(job, &v));
  CHECK(v == refused);
  CHECK_OK(licstore_job_status(job, &e));
  CHECK(e == LICSTORE_JOB_STATUS_FAILED);
  CHECK_OK(licstore_job_kind(job, &s));
  CHECK(STREQ(s, "assign"));
  CHECK_OK(licstore_job_customer(job, &s));
  CHECK(STREQ(s, "Contoso"));
  CHECK_OK(licstore_job_actor(job, &s));
  CHECK(STREQ(s, "c-online@contoso.com"));
  CHECK_OK(licstore_job_parameters(job, &s));
  CHECK(s != NULL && strstr(s, "SPE_E3") != NULL);
  CHECK_OK(licstore_job_created_at(job, &s));
  CHECK(STREQ(s, "2026-01-10T08:00:00Z"));
  CHECK_OK(licstore_job_started_at(job, &s));
  CHECK_OK(licstore_job_finished_at(job, &s));
  CHECK(s != NULL);
  CHECK_OK(licstore_job_ok(job, &u));
  CHECK(u == 0);
  CHECK_OK(licstore_job_skipped(job, &u));
  CHECK(u == 0);
  CHECK_OK(licstore_job_failed(job, &u));
  CHECK(u == 4);
  CHECK_OK(licstore_job_rerun_of(job, &v, &present));
  CHECK(v == 0 && present == 0);
  licstore_job_free(job);

  /* Its items: the failing users with their codes, the others not applied. */
  CHECK_OK(licstore_job_items(store, refused, &items));
  CHECK_OK(licstore_job_item_list_len(items, &n));
  CHECK(n == 4);
  check_item(items, "u0@contoso.com", LICSTORE_ITEM_OUTCOME_ERROR,
             LICSTORE_MUTUALLY_EXCLUSIVE_VIOLATION, "MutuallyExclusiveViolation", __LINE__);
  check_item(items, "u1@contoso.com", LICSTORE_ITEM_OUTCOME_ERROR,
             LICSTORE_BULK_OPERATION_FAILED, "BulkOperationFailed", __LINE__);
  check_item(items, "u3@contoso.com", LICSTORE_ITEM_OUTCOME_ERROR, LICSTORE_COUNT_VIOLATION,
             "CountViolation", __LINE__);
  CHECK_RC(licstore_job_item_list_get(items, 4, NULL), LICSTORE_INVALID_ARGUMENT);
  licstore_job_item_list_free(items);

  /* The same items as CSV. */
  path_in(csv_path, sizeof csv_path, "items.csv");
  CHECK_OK(licstore_job_items_to_csv(store, refused, csv_path, &u));
  CHECK(u == 4);
  csv = read_file(csv_path);
  CHECK(csv != NULL && strncmp(csv, "job_id,item,user_principal_name,outcome,code,message",
                               strlen("job_id,item,user_principal_name,outcome,code,message")) == 0);
  CHECK(csv != NULL && strstr(csv, "u3@contoso.com,error,CountViolation,") != NULL);
  free(csv);
  unlink(csv_path);
  CHECK_RC(licstore_job_items_to_csv(store, 9999, csv_path, NULL), LICSTORE_NOT_FOUND);
  CHECK(access(csv_path, F_OK) != 0);
  CHECK_RC(licstore_job_items_to_csv(store, refused, "/nonexistent-dir/items.csv", NULL),
           LICSTORE_IO_ERROR);
  CHECK_RC(licstore_job_items_to_csv(store, refused, NULL, NULL), LICSTORE_INVALID_ARGUMENT);

  /* Best effort: the users that pass are applied. */
  CHECK_OK(licstore_bulk_request_set_mode(r, LICSTORE_BULK_MODE_BEST_EFFORT));
  job = NULL;
  CHECK_OK(licstore_bulk_run(store, r, &job));
  CHECK(licstore_last_error_job_id() == 0);
  CHECK_OK(licstore_job_status(job, &e));
  CHECK(e == LICSTORE_JOB_STATUS_FINISHED_WITH_EXCEPTION);
  CHECK_OK(licstore_job_ok(job, &u));
  CHECK(u == 2);
  CHECK_OK(licstore_job_failed(job, &u));
  CHECK(u == 2);
  CHECK_OK(licstore_job_id(job, &best));
  licstore_job_free(job);
  CHECK(query_int(store, "SELECT count(*) FROM subscriber_licenses WHERE sku_part_number = "
                         "'SPE_E3'") == 2);
  licstore_bulk_request_free(r);

  /* Rerun after fixing the causes: more seats, u0 without E3. */
  CHECK_OK(licstore_skus_set(store, "Contoso", M365E3, &units, NULL, NULL, NULL, NULL, NULL));
  CHECK_OK(licstore_licenses_remove(store, "u0@contoso.com", E3, NULL));
  job = NULL;
  CHECK_OK(licstore_job_rerun(store, best, &job));
  CHECK_OK(licstore_job_status(job, &e));
  CHECK(e == LICSTORE_JOB_STATUS_FINISHED);
  CHECK_OK(licstore_job_ok(job, &u));
  CHECK(u == 2);
  CHECK_OK(licstore_job_rerun_of(job, &v, &present));
  CHECK(v == best && present == 1);
  CHECK_OK(licstore_job_id(job, &id));
  licstore_job_free(job);
  job = sentinel;
  CHECK_RC(licstore_job_rerun(store, id, &job), LICSTORE_INVALID_STATE);
  CHECK_RC(licstore_job_rerun(store, 9999, &job), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_jobs_get(store, 9999, &job), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_jobs_get(store, id, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_job_items(store, 9999, &items), LICSTORE_NOT_FOUND);
  CHECK(job == sentinel);
  CHECK_OK(licstore_job_rerun(store, refused, NULL)); /* a Failed job reruns too */

  /* Per-user codes as items of a best-effort run: UserNotFound, DependencyViolation,
   * ProhibitedInUsageLocationViolation, UserOffboarded, and skips. */
  CHECK_OK(licstore_subscribers_update(store, "u5@contoso.com", NULL, "CN", NULL, NULL, NULL,
                                       NULL));
  CHECK_OK(licstore_subscribers_offboard(store, "u3@contoso.com", NULL));
  {
    const char *who[] = {"ghost@contoso.com", "u4@contoso.com", "u5@contoso.com",
                         "u3@contoso.com", "u1@contoso.com"};
    r = request("Contoso", LICSTORE_BULK_OP_ASSIGN, LICSTORE_BULK_MODE_BEST_EFFORT, PHONE, who,
                5);
    CHECK_OK(licstore_bulk_request_add_sku(r, BI));
    job = NULL;
    CHECK_OK(licstore_bulk_run(store, r, &job));
    CHECK_OK(licstore_job_id(job, &id));
    licstore_job_free(job);
    CHECK_OK(licstore_job_items(store, id, &items));
    check_item(items, "ghost@contoso.com", LICSTORE_ITEM_OUTCOME_ERROR, LICSTORE_USER_NOT_FOUND,
               "UserNotFound", __LINE__);
    check_item(items, "u4@contoso.com", LICSTORE_ITEM_OUTCOME_ERROR,
               LICSTORE_DEPENDENCY_VIOLATION, "DependencyViolation", __LINE__);
    /* The usage location is checked before the dependency. */
    check_item(items, "u5@contoso.com", LICSTORE_ITEM_OUTCOME_ERROR,
               LICSTORE_PROHIBITED_IN_USAGE_LOCATION_VIOLATION,
               "ProhibitedInUsageLocationViolation", __LINE__);
    check_item(items, "u3@contoso.com", LICSTORE_ITEM_OUTCOME_ERROR, LICSTORE_USER_OFFBOARDED,
               "UserOffboarded", __LINE__);
    check_item(items, "u1@contoso.com", LICSTORE_ITEM_OUTCOME_OK, LICSTORE_OK, NULL, __LINE__);
    licstore_job_item_list_free(items);
    licstore_bulk_request_free(r);
    r = request("Contoso", LICSTORE_BULK_OP_ASSIGN, LICSTORE_BULK_MODE_BEST_EFFORT, BI, who + 2,
                1);
    CHECK_OK(licstore_bulk_run(store, r, &job));
    CHECK_OK(licstore_job_id(job, &id));
    licstore_job_free(job);
    CHECK_OK(licstore_job_items(store, id, &items));
    check_item(items, "u5@contoso.com", LICSTORE_ITEM_OUTCOME_ERROR,
               LICSTORE_PROHIBITED_IN_USAGE_LOCATION_VIOLATION,
               "ProhibitedInUsageLocationViolation", __LINE__);
    licstore_job_item_list_free(items);
    licstore_bulk_request_free(r);
    /* Already held: a skip with its code and LICSTORE_OK. */
    r = request("Contoso", LICSTORE_BULK_OP_ASSIGN, LICSTORE_BULK_MODE_ATOMIC, BI, who + 4, 1);
    CHECK_OK(licstore_bulk_run(store, r, NULL));
    CHECK_OK(licstore_jobs_get(store, id + 1, &job));
    CHECK_OK(licstore_job_skipped(job, &u));
    CHECK(u == 1);
    licstore_job_free(job);
    CHECK_OK(licstore_job_items(store, id + 1, &items));
    check_item(items, "u1@contoso.com", LICSTORE_ITEM_OUTCOME_SKIPPED, LICSTORE_OK,
               "AlreadyAssigned", __LINE__);
    licstore_job_item_list_free(items);
    licstore_bulk_request_free(r);
  }

  /* UsageLocationMissing as an item, then fixed by the request's usage location. */
  {
    const char *nobody[] = {"nobody@fabrikam.com"};
    r = request("Fabrikam", LICSTORE_BULK_OP_ASSIGN, LICSTORE_BULK_MODE_ATOMIC, E3, nobody, 1);
    CHECK_RC(licstore_bulk_run(store, r, NULL), LICSTORE_BULK_OPERATION_FAILED);
    refused = licstore_last_error_job_id();
    CHECK_OK(licstore_job_items(store, refused, &items));
    check_item(items, "nobody@fabrikam.com", LICSTORE_ITEM_OUTCOME_ERROR,
               LICSTORE_USAGE_LOCATION_MISSING, "UsageLocationMissing", __LINE__);
    licstore_job_item_list_free(items);
    CHECK_OK(licstore_bulk_request_set_usage_location(r, "DE"));
    CHECK_OK(licstore_bulk_request_set_expires_at(r, "2026-02-01"));
    CHECK_OK(licstore_bulk_request_add_disabled_plan(r, EXCHANGE_PLAN));
    CHECK_OK(licstore_bulk_run(store, r, NULL));
    CHECK(query_int(store, "SELECT count(*) FROM subscriber_licenses WHERE user_principal_name "
                           "= 'nobody@fabrikam.com' AND expires_at = '2026-02-01T00:00:00Z' "
                           "AND disabled_plans LIKE '%efb87545%'") == 1);
    licstore_bulk_request_free(r);
  }

  /* Groups and filters as targets; replace. */
  CHECK_OK(licstore_groups_add(store, "Contoso", "Sales"));
  CHECK_OK(licstore_groups_add_members(store, "Contoso", "Sales", sales, 2, NULL));
  CHECK_OK(licstore_subscribers_update(store, "u5@contoso.com", NULL, "", "Finance", NULL, NULL,
                                       NULL));
  CHECK_OK(licstore_bulk_request_new("Contoso", &r));
  CHECK_OK(licstore_bulk_request_add_group(r, "Sales"));
  CHECK_OK(licstore_bulk_request_add_sku(r, E3));
  CHECK_OK(licstore_bulk_run(store, r, &job));
  CHECK_OK(licstore_job_ok(job, &u));
  CHECK(u == 2);
  licstore_job_free(job);
  CHECK(query_int(store, "SELECT count(*) FROM subscriber_licenses WHERE source = 'group:Sales'") ==
        2);
  licstore_bulk_request_free(r);
  CHECK_OK(licstore_bulk_request_new("Contoso", &r));
  CHECK_OK(licstore_bulk_request_set_filter(r, "finance", NULL, NULL, "contoso.com"));
  CHECK_OK(licstore_bulk_request_set_op(r, LICSTORE_BULK_OP_REPLACE));
  CHECK_OK(licstore_bulk_request_add_replaced_sku(r, E3));
  CHECK_OK(licstore_bulk_request_add_sku(r, M365E3));
  CHECK_OK(licstore_bulk_run(store, r, &job));
  CHECK_OK(licstore_job_kind(job, &s));
  CHECK(STREQ(s, "replace"));
  CHECK_OK(licstore_job_ok(job, &u));
  CHECK(u == 1);
  licstore_job_free(job);
  CHECK(query_int(store, "SELECT count(*) FROM subscriber_licenses WHERE user_principal_name = "
                         "'u5@contoso.com' AND sku_part_number = 'SPE_E3'") == 1);
  licstore_bulk_request_free(r);

  /* Whole-request refusals record no job and write nothing. */
  audit = audit_rows(store);
  job = sentinel;
  r = request("Contoso", LICSTORE_BULK_OP_ASSIGN, LICSTORE_BULK_MODE_ATOMIC, "NO_SUCH_SKU", four,
              1);
  CHECK_RC(licstore_bulk_run(store, r, &job), LICSTORE_SKU_NOT_FOUND);
  CHECK(licstore_last_error_job_id() == 0);
  licstore_bulk_request_free(r);
  r = request("Contoso", LICSTORE_BULK_OP_REMOVE, LICSTORE_BULK_MODE_ATOMIC, E3, four, 1);
  CHECK_OK(licstore_bulk_request_set_expires_at(r, "2026-02-01"));
  CHECK_RC(licstore_bulk_run(store, r, &job), LICSTORE_INVALID_ARGUMENT);
  licstore_bulk_request_free(r);
  r = request("Contoso", LICSTORE_BULK_OP_ASSIGN, LICSTORE_BULK_MODE_ATOMIC, E3, four, 1);
  CHECK_OK(licstore_bulk_request_add_replaced_sku(r, BI));
  CHECK_RC(licstore_bulk_run(store, r, &job), LICSTORE_INVALID_ARGUMENT);
  licstore_bulk_request_free(r);
  CHECK_OK(licstore_bulk_request_new("Contoso", &r));
  CHECK_OK(licstore_bulk_request_add_group(r, "Nope"));
  CHECK_OK(licstore_bulk_request_add_sku(r, E3));
  CHECK_RC(licstore_bulk_run(store, r, &job), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_bulk_run(NULL, r, &job), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_bulk_run(store, NULL, &job), LICSTORE_INVALID_ARGUMENT);
  licstore_bulk_request_free(r);
  CHECK(job == sentinel);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_RC(licstore_job_status(NULL, &e), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_job_item_list_len(NULL, &n), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_job_item_result(NULL, &e), LICSTORE_INVALID_ARGUMENT);
  licstore_job_free(NULL);
  licstore_job_item_list_free(NULL);
  licstore_store_free(store);
}

/* licstore_bulk_run_with_progress: the callback sees done/total; a non-zero return cancels. */
struct job_progress_log {
  int calls;
  uint64_t last_done, last_total;
  int cancel;
};

static int32_t on_job_progress(void *user_data, uint64_t done, uint64_t total) {
  struct job_progress_log *log = user_data;
  log->calls++;
  log->last_done = done;
  log->last_total = total;
  return log->cancel;
}

static void test_bulk_progress(void) {
  licstore_store *store = fixture();
  const char *three[] = {"u0@contoso.com", "u1@contoso.com", "u2@contoso.com"};
  licstore_bulk_request *r =
      request("Contoso", LICSTORE_BULK_OP_ASSIGN, LICSTORE_BULK_MODE_ATOMIC, E3, three, 3);
  licstore_job *job = (licstore_job *)&job;
  licstore_job *sentinel = job;
  struct job_progress_log log;
  int64_t audit = audit_rows(store), history = history_rows(store);
  uint64_t ok = 0;

  /* Cancelled at the first call: nothing written, no job. */
  memset(&log, 0, sizeof log);
  log.cancel = 1;
  CHECK_RC(licstore_bulk_run_with_progress(store, r, on_job_progress, &log, &job),
           LICSTORE_INTERRUPTED);
  CHECK(log.calls == 1 && log.last_done == 0 && log.last_total == 3);
  CHECK(job == sentinel);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK(history_rows(store) == history);
  CHECK(query_int(store, "SELECT count(*) FROM jobs") == 0);
  /* Run to the end: the last call says 3 of 3. */
  log.cancel = 0;
  log.calls = 0;
  CHECK_OK(licstore_bulk_run_with_progress(store, r, on_job_progress, &log, &job));
  CHECK(log.calls >= 2 && log.last_done == 3 && log.last_total == 3);
  CHECK_OK(licstore_job_ok(job, &ok));
  CHECK(ok == 3);
  licstore_job_free(job);
  /* No callback is licstore_bulk_run. */
  CHECK_OK(licstore_bulk_request_set_op(r, LICSTORE_BULK_OP_REMOVE));
  CHECK_OK(licstore_bulk_run_with_progress(store, r, NULL, NULL, NULL));
  CHECK(assignments(store) == 0);
  CHECK_RC(licstore_bulk_run_with_progress(store, NULL, on_job_progress, &log, NULL),
           LICSTORE_INVALID_ARGUMENT);
  licstore_bulk_request_free(r);
  licstore_store_free(store);
}

static void test_expiry(void) {
  licstore_store *store = fixture();
  licstore_units units = {10, 0, 0, 0};
  licstore_expiring_list *list = NULL;
  const licstore_expiring *item = NULL;
  licstore_job *job = NULL;
  const char *s = NULL;
  uint64_t u = 0;
  uint32_t e = 99;
  size_t n = 0;

  CHECK_OK(licstore_skus_set(store, "Contoso", BI, &units, NULL, NULL, "2026-01-25", NULL, NULL));
  CHECK_OK(licstore_licenses_assign(store, "u0@contoso.com", E3, "2026-01-20", NULL, NULL, 0, 0,
                                    NULL));
  CHECK_OK(licstore_licenses_assign(store, "u1@contoso.com", E3, "2026-03-01", NULL, NULL, 0, 0,
                                    NULL));
  CHECK_OK(licstore_expiring_within(store, 30, "Contoso", &list));
  CHECK_OK(licstore_expiring_list_len(list, &n));
  CHECK(n == 2);
  CHECK_OK(licstore_expiring_list_get(list, 0, &item));
  CHECK_OK(licstore_expiring_kind(item, &s));
  CHECK(STREQ(s, "license"));
  CHECK_OK(licstore_expiring_customer(item, &s));
  CHECK(STREQ(s, "Contoso"));
  CHECK_OK(licstore_expiring_user_principal_name(item, &s));
  CHECK(STREQ(s, "u0@contoso.com"));
  CHECK_OK(licstore_expiring_sku_id(item, &s));
  CHECK(STREQ(s, E3_GUID));
  CHECK_OK(licstore_expiring_display_name(item, &s));
  CHECK(STREQ(s, "Office 365 E3"));
  CHECK_OK(licstore_expiring_at(item, &s));
  CHECK(s != NULL && strncmp(s, "2026-01-20", 10) == 0);
  CHECK_OK(licstore_expiring_list_get(list, 1, &item));
  CHECK_OK(licstore_expiring_kind(item, &s));
  CHECK(STREQ(s, "sku_term"));
  CHECK_OK(licstore_expiring_user_principal_name(item, &s));
  CHECK(s == NULL);
  CHECK_RC(licstore_expiring_list_get(list, 2, &item), LICSTORE_INVALID_ARGUMENT);
  licstore_expiring_list_free(list);
  list = NULL;
  CHECK_OK(licstore_expiring_within(store, 90, NULL, &list));
  CHECK_OK(licstore_expiring_list_len(list, &n));
  CHECK(n == 3);
  licstore_expiring_list_free(list);
  list = NULL;
  CHECK_RC(licstore_expiring_within(store, 30, "Nobody", &list), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_expiring_within(store, 30, NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK(list == NULL);

  /* Expire at the store's clock: nothing is due yet. */
  CHECK_OK(licstore_expire(store, NULL, &job));
  CHECK_OK(licstore_job_ok(job, &u));
  CHECK(u == 0);
  CHECK_OK(licstore_job_customer(job, &s));
  CHECK(s == NULL);
  licstore_job_free(job);
  job = NULL;
  CHECK_OK(licstore_expire(store, "2026-01-21", &job));
  CHECK_OK(licstore_job_kind(job, &s));
  CHECK(STREQ(s, "expire"));
  CHECK_OK(licstore_job_status(job, &e));
  CHECK(e == LICSTORE_JOB_STATUS_FINISHED);
  CHECK_OK(licstore_job_ok(job, &u));
  CHECK(u == 1);
  licstore_job_free(job);
  CHECK(assignments(store) == 1);
  job = (licstore_job *)&job;
  CHECK_RC(licstore_expire(store, "soon", &job), LICSTORE_INVALID_ARGUMENT);
  CHECK(job == (licstore_job *)&job);
  CHECK_RC(licstore_expiring_list_len(NULL, &n), LICSTORE_INVALID_ARGUMENT);
  licstore_expiring_list_free(NULL);
  licstore_store_free(store);
}

static void test_numbers(void) {
  licstore_store *store = fixture();
  const char *numbers[] = {"+14255550100", "+14255550101"};
  const char *dup[] = {"+14255550199", "+14255550100"};
  const char *bad[] = {"425-555-0100"};
  char buf[LICSTORE_NUMBER_BUFFER_SIZE];
  uint64_t added = 99;
  int64_t audit;

  CHECK_OK(licstore_numbers_add(store, "Contoso", numbers, 2, &added));
  CHECK(added == 2);
  CHECK_OK(licstore_numbers_assign(store, "u0@contoso.com", NULL, buf, sizeof buf));
  CHECK(STREQ(buf, "+14255550100"));
  CHECK_OK(licstore_numbers_assign(store, "u1@contoso.com", "+14255550101", buf, sizeof buf));
  CHECK(STREQ(buf, "+14255550101"));

  audit = audit_rows(store);
  added = 99;
  strcpy(buf, "untouched");
  CHECK_RC(licstore_numbers_assign(store, "u2@contoso.com", NULL, buf, sizeof buf),
           LICSTORE_NUMBER_UNAVAILABLE);
  CHECK_RC(licstore_numbers_assign(store, "ghost@contoso.com", NULL, buf, sizeof buf),
           LICSTORE_USER_NOT_FOUND);
  CHECK_RC(licstore_numbers_assign(store, "u2@contoso.com", NULL, buf, 8),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("LICSTORE_NUMBER_BUFFER_SIZE");
  CHECK_RC(licstore_numbers_assign(store, "u2@contoso.com", NULL, NULL, sizeof buf),
           LICSTORE_INVALID_ARGUMENT);
  CHECK(STREQ(buf, "untouched"));
  CHECK_RC(licstore_numbers_add(store, "Contoso", dup, 2, &added), LICSTORE_ALREADY_EXISTS);
  CHECK_MSG("+14255550100");
  CHECK_RC(licstore_numbers_add(store, "Contoso", bad, 1, &added), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_numbers_add(store, "Nobody", numbers, 1, &added), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_numbers_add(store, "Contoso", NULL, 1, &added), LICSTORE_INVALID_ARGUMENT);
  CHECK(added == 99);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK(query_int(store, "SELECT count(*) FROM numbers") == 2);

  /* Reserved numbers are not given as "next available"; Available ones are again. */
  CHECK_OK(licstore_numbers_add(store, "Contoso", dup, 1, NULL));
  CHECK_OK(licstore_numbers_set_status(store, "+14255550199", LICSTORE_NUMBER_STATUS_RESERVED));
  CHECK_RC(licstore_numbers_assign(store, "u2@contoso.com", NULL, buf, sizeof buf),
           LICSTORE_NUMBER_UNAVAILABLE);
  CHECK_OK(licstore_numbers_set_status(store, "+14255550101", LICSTORE_NUMBER_STATUS_AVAILABLE));
  CHECK(query_int(store, "SELECT count(*) FROM numbers WHERE user_principal_name = "
                         "'u1@contoso.com'") == 0);
  audit = audit_rows(store);
  CHECK_RC(licstore_numbers_set_status(store, "+14255550101", 2), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licstore_number_status");
  CHECK_RC(licstore_numbers_set_status(store, "+14255550177", LICSTORE_NUMBER_STATUS_RESERVED),
           LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_numbers_set_status(store, NULL, LICSTORE_NUMBER_STATUS_RESERVED),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_OK(licstore_numbers_assign(store, "u2@contoso.com", NULL, buf, sizeof buf));
  CHECK(STREQ(buf, "+14255550101"));

  /* Offboarding returns the number. */
  CHECK_OK(licstore_subscribers_offboard(store, "u0@contoso.com", NULL));
  CHECK_OK(licstore_numbers_assign(store, "u3@contoso.com", NULL, buf, sizeof buf));
  CHECK(STREQ(buf, "+14255550100"));
  licstore_store_free(store);
}

static void test_syncs(void) {
  licstore_store *store = fixture();
  licstore_sync_counts c = {9, 9, 9, 9, 9};
  licstore_sku *sku = NULL;
  licstore_units got = {0, 0, 0, 0};
  licstore_job *job = NULL;
  licstore_subscriber *sub = NULL;
  char graph[128], users[128], bad[128], broken[128];
  int64_t job_id = 0, v = 0, audit;
  int32_t present = 0;
  uint32_t e = 99;
  uint64_t u = 0;

  path_in(graph, sizeof graph, "subscribedSkus.json");
  write_file(graph,
             "{\"value\": [{\"skuId\": \"6FD2C87F-B296-42F0-B197-1E91E994B900\","
             " \"skuPartNumber\": \"ENTERPRISEPACK\", \"capabilityStatus\": \"Enabled\","
             " \"appliesTo\": \"User\", \"consumedUnits\": 3,"
             " \"prepaidUnits\": {\"enabled\": 7, \"warning\": 0, \"suspended\": 1,"
             " \"lockedOut\": 0}}]}");
  path_in(users, sizeof users, "users.csv");
  write_file(users,
             "User principal name,Display name,Usage location,Department,Licenses\n"
             "u0@contoso.com,User Zero,US,,Office 365 E3\n"
             "ada@contoso.com,Ada,GB,Finance,Office 365 E3\n");
  path_in(bad, sizeof bad, "bad-users.csv");
  write_file(bad,
             "User principal name,Display name,Licenses\n"
             "bob@contoso.com,Bob,Office 365 E99\n");
  path_in(broken, sizeof broken, "broken.json");
  write_file(broken, "{\"value\": 3}");

  /* Graph: E3 changes, the three other SKUs are gone. */
  CHECK_OK(licstore_graph_skus_diff(store, "Contoso", graph, &c));
  CHECK(c.added == 0 && c.changed == 1 && c.unchanged == 0 && c.gone == 3 && c.errors == 0);
  CHECK_OK(licstore_graph_skus_apply(store, "Contoso", graph, &job_id, &c));
  CHECK(job_id > 0);
  CHECK(c.changed == 1 && c.gone == 3);
  CHECK_OK(licstore_jobs_get(store, job_id, &job));
  CHECK_OK(licstore_job_status(job, &e));
  CHECK(e == LICSTORE_JOB_STATUS_FINISHED);
  licstore_job_free(job);
  CHECK_OK(licstore_skus_get(store, "Contoso", E3, &sku));
  CHECK_OK(licstore_sku_units(sku, &got));
  CHECK(got.enabled == 7 && got.suspended == 1);
  CHECK_OK(licstore_sku_reported_consumed(sku, &v, &present));
  CHECK(v == 3 && present == 1);
  licstore_sku_free(sku);
  CHECK_OK(licstore_graph_skus_diff(store, "Contoso", graph, &c));
  CHECK(c.unchanged == 1 && c.changed == 0);
  CHECK_OK(licstore_graph_skus_apply(store, "Fabrikam", graph, NULL, NULL));

  /* M365 users: u0 changes (name, license), Ada is new (Staged), u1..u5 are gone. */
  CHECK_OK(licstore_m365_users_diff(store, "Contoso", users, &c));
  CHECK(c.added == 1 && c.changed == 1 && c.unchanged == 0 && c.gone == 5 && c.errors == 0);
  CHECK_OK(licstore_m365_users_apply(store, "Contoso", users, &job_id));
  CHECK(job_id > 0);
  CHECK_OK(licstore_subscribers_get(store, "ada@contoso.com", &sub));
  CHECK_OK(licstore_subscriber_status(sub, &e));
  CHECK(e == LICSTORE_SUBSCRIBER_STATUS_STAGED);
  licstore_subscriber_free(sub);
  CHECK(query_int(store, "SELECT count(*) FROM subscriber_licenses WHERE sku_part_number = "
                         "'ENTERPRISEPACK' AND customer = 'Contoso'") == 2);
  CHECK_OK(licstore_jobs_get(store, job_id, &job));
  CHECK_OK(licstore_job_ok(job, &u));
  CHECK(u == 2);
  licstore_job_free(job);

  /* A rejected row: counted by the diff, refused by the apply, nothing written. */
  CHECK_OK(licstore_m365_users_diff(store, "Contoso", bad, &c));
  CHECK(c.errors == 1);
  audit = audit_rows(store);
  job_id = -7;
  CHECK_RC(licstore_m365_users_apply(store, "Contoso", bad, &job_id), LICSTORE_CSV_ERROR);
  CHECK_MSG("Office 365 E99");
  CHECK_RC(licstore_graph_skus_apply(store, "Contoso", broken, &job_id, &c),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_graph_skus_diff(store, "Contoso", "/nonexistent/x.json", &c),
           LICSTORE_IO_ERROR);
  CHECK_RC(licstore_m365_users_diff(store, "Contoso", "/nonexistent/x.csv", &c),
           LICSTORE_IO_ERROR);
  CHECK_RC(licstore_m365_users_diff(store, "Nobody", users, &c), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_graph_skus_diff(store, "Contoso", graph, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_m365_users_apply(store, "Contoso", NULL, &job_id), LICSTORE_INVALID_ARGUMENT);
  CHECK(job_id == -7);
  CHECK_NOTHING_WRITTEN(store, audit);
  unlink(graph);
  unlink(users);
  unlink(bad);
  unlink(broken);
  licstore_store_free(store);
}

static void test_catalog(void) {
  licstore_store *store = fixture();
  licstore_catalog_entry *entry = (licstore_catalog_entry *)1;
  licstore_string_list *list = NULL;
  licstore_catalog_report rep = {9, 9, 9};
  licstore_sku *sku = NULL;
  const char *s = NULL, *id = NULL, *name = NULL;
  char csv[128], broken[128];
  size_t n = 0, i;
  int found = 0;
  int64_t audit;

  /* Lookup by part number (any case) and by GUID give the same SKU with its plans. */
  entry = NULL;
  CHECK_OK(licstore_catalog_sku(store, "enterprisepack", &entry));
  CHECK_OK(licstore_catalog_entry_sku_id(entry, &s));
  CHECK(STREQ(s, E3_GUID));
  CHECK_OK(licstore_catalog_entry_part_number(entry, &s));
  CHECK(STREQ(s, E3));
  CHECK_OK(licstore_catalog_entry_display_name(entry, &s));
  CHECK(STREQ(s, "Office 365 E3"));
  CHECK_OK(licstore_catalog_entry_plan_count(entry, &n));
  CHECK(n > 1);
  for (i = 0; i < n; i++) {
    CHECK_OK(licstore_catalog_entry_plan(entry, i, &id, &name));
    if (STREQ(id, EXCHANGE_PLAN)) found = STREQ(name, "EXCHANGE_S_ENTERPRISE");
  }
  CHECK(found);
  id = "untouched";
  CHECK_RC(licstore_catalog_entry_plan(entry, n, &id, &name), LICSTORE_INVALID_ARGUMENT);
  CHECK(STREQ(id, "untouched"));
  CHECK_RC(licstore_catalog_entry_plan(entry, 0, NULL, &name), LICSTORE_INVALID_ARGUMENT);
  licstore_catalog_entry_free(entry);
  entry = NULL;
  CHECK_OK(licstore_catalog_sku(store, E3_GUID, &entry));
  CHECK_OK(licstore_catalog_entry_part_number(entry, &s));
  CHECK(STREQ(s, E3));
  licstore_catalog_entry_free(entry);
  licstore_catalog_entry_free(NULL);
  entry = (licstore_catalog_entry *)1;
  CHECK_RC(licstore_catalog_sku(store, "NO_SUCH_SKU", &entry), LICSTORE_SKU_NOT_FOUND);
  CHECK(entry == (licstore_catalog_entry *)1);
  CHECK_RC(licstore_catalog_sku(store, NULL, &entry), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_catalog_sku(store, E3, NULL), LICSTORE_INVALID_ARGUMENT);

  /* By friendly name, without regard to case. */
  CHECK_OK(licstore_catalog_by_name(store, "office 365 e3", &list));
  CHECK_OK(licstore_string_list_len(list, &n));
  CHECK(n == 1);
  CHECK_OK(licstore_string_list_get(list, 0, &s));
  CHECK(STREQ(s, E3_GUID));
  licstore_string_list_free(list);
  CHECK_OK(licstore_catalog_by_name(store, "No such product", &list));
  CHECK_OK(licstore_string_list_len(list, &n));
  CHECK(n == 0);
  licstore_string_list_free(list);

  /* A newer CSV (BOM, CRLF, a duplicate row) replaces the catalog; subscribed SKUs follow it. */
  path_in(csv, sizeof csv, "catalog.csv");
  write_file(csv,
             "\xEF\xBB\xBFProduct_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,"
             "Service_Plans_Included_Friendly_Names\r\n"
             "Office 365 E3 (renamed),ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,"
             "EXCHANGE_S_ENTERPRISE,efb87545-963c-4e0d-99df-69c6916d9eb0,Exchange Online (Plan 2)\r\n"
             "Office 365 E3 (renamed),ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,"
             "EXCHANGE_S_ENTERPRISE,efb87545-963c-4e0d-99df-69c6916d9eb0,Exchange Online (Plan 2)\r\n");
  CHECK_OK(licstore_catalog_import_csv(store, csv, &rep));
  CHECK(rep.skus == 1 && rep.plans == 1 && rep.duplicate_rows == 1);
  CHECK_OK(licstore_skus_get(store, "Contoso", E3, &sku));
  CHECK_OK(licstore_sku_display_name(sku, &s));
  CHECK(STREQ(s, "Office 365 E3 (renamed)"));
  licstore_sku_free(sku);
  CHECK_OK(licstore_catalog_sku(store, E3, &entry));
  CHECK_OK(licstore_catalog_entry_plan_count(entry, &n));
  CHECK(n == 1);
  licstore_catalog_entry_free(entry);

  /* A broken or missing file changes nothing and writes no report. */
  path_in(broken, sizeof broken, "broken-catalog.csv");
  write_file(broken, "GUID\nx\n");
  audit = audit_rows(store);
  rep.skus = 42;
  CHECK_RC(licstore_catalog_import_csv(store, broken, &rep), LICSTORE_CSV_ERROR);
  CHECK_MSG("broken-catalog.csv");
  CHECK_RC(licstore_catalog_import_csv(store, "/nonexistent/c.csv", &rep), LICSTORE_IO_ERROR);
  CHECK_RC(licstore_catalog_import_csv(store, NULL, &rep), LICSTORE_INVALID_ARGUMENT);
  CHECK(rep.skus == 42);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_OK(licstore_catalog_import_csv(store, csv, NULL));
  unlink(csv);
  unlink(broken);
  licstore_store_free(store);
}

static void test_add_batch(void) {
  licstore_store *store = fixture();
  licstore_subscriber *sub = NULL;
  const char *s = NULL;
  uint32_t e = 99;
  uint64_t added = 77;
  int64_t audit;
  licstore_new_subscriber batch[3] = {
      {"Contoso", "b1@contoso.com", "Bee One", "GB", "Sales", NULL,
       LICSTORE_SUBSCRIBER_STATUS_STAGED},
      {"Contoso", "b2@contoso.com", NULL, "", NULL, NULL, LICSTORE_SUBSCRIBER_STATUS_ACTIVE},
      {"Fabrikam", "b3@fabrikam.com", NULL, NULL, NULL, NULL, LICSTORE_SUBSCRIBER_STATUS_ACTIVE},
  };
  licstore_new_subscriber bad[2] = {
      {"Contoso", "c1@contoso.com", NULL, NULL, NULL, NULL, LICSTORE_SUBSCRIBER_STATUS_ACTIVE},
      {"Contoso", "B1@contoso.com", NULL, NULL, NULL, NULL, LICSTORE_SUBSCRIBER_STATUS_ACTIVE},
  };

  CHECK_OK(licstore_subscribers_add_batch(store, batch, 3, &added));
  CHECK(added == 3);
  CHECK_OK(licstore_subscribers_get(store, "b1@contoso.com", &sub));
  CHECK_OK(licstore_subscriber_display_name(sub, &s));
  CHECK(STREQ(s, "Bee One"));
  CHECK_OK(licstore_subscriber_status(sub, &e));
  CHECK(e == LICSTORE_SUBSCRIBER_STATUS_STAGED);
  licstore_subscriber_free(sub);
  CHECK_OK(licstore_subscribers_get(store, "b2@contoso.com", &sub));
  CHECK_OK(licstore_subscriber_usage_location(sub, &s));
  CHECK(s == NULL);
  licstore_subscriber_free(sub);
  CHECK_OK(licstore_subscribers_add_batch(store, NULL, 0, &added));
  CHECK(added == 0);

  /* All or none: a taken UPN (any case), a bad status, a NULL UPN or array refuse everything. */
  audit = audit_rows(store);
  added = 77;
  CHECK_RC(licstore_subscribers_add_batch(store, bad, 2, &added), LICSTORE_ALREADY_EXISTS);
  CHECK_RC(licstore_subscribers_get(store, "c1@contoso.com", &sub), LICSTORE_USER_NOT_FOUND);
  bad[1].user_principal_name = "c2@contoso.com";
  bad[1].status = 99;
  CHECK_RC(licstore_subscribers_add_batch(store, bad, 2, &added), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("subscribers[1].status");
  bad[1].status = LICSTORE_SUBSCRIBER_STATUS_ACTIVE;
  bad[1].user_principal_name = NULL;
  CHECK_RC(licstore_subscribers_add_batch(store, bad, 2, &added), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("subscribers[1].user_principal_name");
  CHECK_RC(licstore_subscribers_add_batch(store, NULL, 2, &added), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_subscribers_add_batch(NULL, batch, 3, &added), LICSTORE_INVALID_ARGUMENT);
  CHECK(added == 77);
  CHECK_NOTHING_WRITTEN(store, audit);
  licstore_store_free(store);
}

/* Per-entry differences: the same figures as the counts, entry by entry. */
static const char *find_change(const licstore_sync_diff *d, const char *key, uint32_t *kind) {
  size_t n = 0, i;
  const char *k = NULL, *desc = NULL;
  if (licstore_sync_diff_len(d, &n) != LICSTORE_OK) return NULL;
  for (i = 0; i < n; i++) {
    if (licstore_sync_diff_get(d, i, kind, &k, &desc) == LICSTORE_OK && STREQ(k, key)) return desc;
  }
  return NULL;
}

static void test_sync_entries(void) {
  licstore_store *store = fixture();
  licstore_sync_diff *d = NULL;
  const char *desc = NULL, *k = "untouched";
  char graph[128], users[128];
  size_t n = 0;
  uint32_t kind = 99;
  int64_t audit;

  path_in(graph, sizeof graph, "entries.json");
  write_file(graph,
             "{\"value\": [{\"skuId\": \"6FD2C87F-B296-42F0-B197-1E91E994B900\","
             " \"skuPartNumber\": \"ENTERPRISEPACK\", \"capabilityStatus\": \"Enabled\","
             " \"appliesTo\": \"User\", \"consumedUnits\": 3,"
             " \"prepaidUnits\": {\"enabled\": 7, \"warning\": 0, \"suspended\": 1,"
             " \"lockedOut\": 0}}]}");
  path_in(users, sizeof users, "entries.csv");
  write_file(users,
             "User principal name,Display name,Usage location,Department,Licenses\n"
             "u0@contoso.com,User Zero,US,,Office 365 E3\n"
             "ada@contoso.com,Ada,GB,Finance,Office 365 E3\n");
  audit = audit_rows(store);

  /* Graph: E3 changed (its units), the three other SKUs gone; nothing unchanged is listed. */
  CHECK_OK(licstore_graph_skus_diff_entries(store, "Contoso", graph, &d));
  CHECK_OK(licstore_sync_diff_len(d, &n));
  CHECK(n == 4);
  desc = find_change(d, E3_GUID, &kind);
  CHECK(desc != NULL && kind == LICSTORE_CHANGE_KIND_CHANGED);
  CHECK(desc != NULL && strstr(desc, "enabled") != NULL && strstr(desc, "7") != NULL);
  CHECK(find_change(d, "d42c793f-6b1a-4b4b-9b6e-c7d8c7e5f8b6", &kind) == NULL);
  kind = 99;
  CHECK_RC(licstore_sync_diff_get(d, n, &kind, &k, &desc), LICSTORE_INVALID_ARGUMENT);
  CHECK(kind == 99 && STREQ(k, "untouched"));
  CHECK_RC(licstore_sync_diff_get(d, 0, NULL, &k, &desc), LICSTORE_INVALID_ARGUMENT);
  CHECK_OK(licstore_sync_diff_get(d, 3, &kind, &k, &desc));
  CHECK(kind == LICSTORE_CHANGE_KIND_GONE);
  licstore_sync_diff_free(d);
  licstore_sync_diff_free(NULL);

  /* Users: u0 changed (name and license), Ada new, u1..u5 gone. */
  d = NULL;
  CHECK_OK(licstore_m365_users_diff_entries(store, "Contoso", users, &d));
  CHECK_OK(licstore_sync_diff_len(d, &n));
  CHECK(n == 7);
  desc = find_change(d, "u0@contoso.com", &kind);
  CHECK(kind == LICSTORE_CHANGE_KIND_CHANGED);
  CHECK(desc != NULL && strstr(desc, "User Zero") != NULL && strstr(desc, "+") != NULL);
  desc = find_change(d, "ada@contoso.com", &kind);
  CHECK(desc != NULL && kind == LICSTORE_CHANGE_KIND_NEW);
  desc = find_change(d, "u5@contoso.com", &kind);
  CHECK(desc != NULL && kind == LICSTORE_CHANGE_KIND_GONE);
  licstore_sync_diff_free(d);

  /* Refusals write no output; no call writes to the store. */
  d = (licstore_sync_diff *)1;
  CHECK_RC(licstore_m365_users_diff_entries(store, "Nobody", users, &d), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_graph_skus_diff_entries(store, "Contoso", "/nonexistent/x.json", &d),
           LICSTORE_IO_ERROR);
  CHECK_RC(licstore_graph_skus_diff_entries(store, "Contoso", graph, NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_sync_diff_len(NULL, &n), LICSTORE_INVALID_ARGUMENT);
  CHECK(d == (licstore_sync_diff *)1);
  CHECK_NOTHING_WRITTEN(store, audit);
  unlink(graph);
  unlink(users);
  licstore_store_free(store);
}

static void test_profiles(void) {
  licstore_store *store = fixture();
  licstore_profile_list *list = NULL;
  const licstore_profile *p = NULL;
  licstore_subscriber *sub = NULL;
  licstore_license_list *lic = NULL;
  licstore_profile_run runs[2] = {{0, 99, 9, 9, 9}, {-5, 99, 9, 9, 9}};
  const char *s = NULL;
  const char *skus[] = {E3, BI};
  const char *unknown[] = {"NO_SUCH_SKU"};
  size_t n = 0, count = 42;
  uint32_t e = 99;
  int64_t audit;
  licstore_new_subscriber staged[2] = {
      {"Contoso", "New.Sales@Contoso.com", NULL, NULL, "Sales", NULL,
       LICSTORE_SUBSCRIBER_STATUS_STAGED},
      {"Contoso", "new.finance@contoso.com", NULL, NULL, "Finance", NULL,
       LICSTORE_SUBSCRIBER_STATUS_STAGED},
  };

  CHECK_OK(licstore_subscribers_add_batch(store, staged, 2, NULL));
  CHECK_OK(licstore_profiles_set(store, "Contoso", "Sales gets E3 and Power BI", "sales", NULL,
                                 "", skus, 2));
  CHECK_OK(licstore_profiles_list(store, "Contoso", &list));
  CHECK_OK(licstore_profile_list_len(list, &n));
  CHECK(n == 1);
  CHECK_OK(licstore_profile_list_get(list, 0, &p));
  CHECK_OK(licstore_profile_name(p, &s));
  CHECK(STREQ(s, "Sales gets E3 and Power BI"));
  CHECK_OK(licstore_profile_department(p, &s));
  CHECK(STREQ(s, "sales"));
  CHECK_OK(licstore_profile_usage_location(p, &s));
  CHECK(s == NULL);
  CHECK_OK(licstore_profile_domain(p, &s));
  CHECK(s == NULL);
  CHECK_OK(licstore_profile_sku_count(p, &n));
  CHECK(n == 2);
  CHECK_OK(licstore_profile_sku(p, 0, &s));
  CHECK(STREQ(s, E3_GUID));
  s = "untouched";
  CHECK_RC(licstore_profile_sku(p, 2, &s), LICSTORE_INVALID_ARGUMENT);
  CHECK(STREQ(s, "untouched"));
  CHECK_RC(licstore_profile_list_get(list, 1, &p), LICSTORE_INVALID_ARGUMENT);
  licstore_profile_list_free(list);
  licstore_profile_list_free(NULL);

  /* Refusals change nothing. */
  audit = audit_rows(store);
  CHECK_RC(licstore_profiles_set(store, "Contoso", "Bad", NULL, NULL, NULL, unknown, 1),
           LICSTORE_SKU_NOT_FOUND);
  CHECK_RC(licstore_profiles_set(store, "Contoso", "Empty", NULL, NULL, NULL, NULL, 0),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_profiles_set(store, "Contoso", "Country", NULL, "XX", NULL, skus, 2),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_profiles_set(store, "Nobody", "P", NULL, NULL, NULL, skus, 2),
           LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_profiles_set(store, "Contoso", "P", NULL, NULL, NULL, NULL, 2),
           LICSTORE_INVALID_ARGUMENT);
  list = (licstore_profile_list *)1;
  CHECK_RC(licstore_profiles_list(store, "Nobody", &list), LICSTORE_NOT_FOUND);
  CHECK(list == (licstore_profile_list *)1);
  CHECK_RC(licstore_profiles_apply(store, "Nobody", runs, 2, &count), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_profiles_apply(store, "Contoso", NULL, 2, &count), LICSTORE_INVALID_ARGUMENT);
  CHECK(count == 42 && runs[0].status == 99);
  CHECK_NOTHING_WRITTEN(store, audit);

  /* Apply: the Sales user gets both SKUs and becomes Active; Finance matched nothing. */
  CHECK_OK(licstore_profiles_apply(store, "Contoso", runs, 2, &count));
  CHECK(count == 1);
  CHECK(runs[0].job_id > 0 && runs[0].status == LICSTORE_JOB_STATUS_FINISHED);
  CHECK(runs[0].ok == 1 && runs[0].skipped == 0 && runs[0].failed == 0);
  CHECK(runs[1].job_id == -5);
  CHECK_OK(licstore_subscribers_get(store, "new.sales@contoso.com", &sub));
  CHECK_OK(licstore_subscriber_status(sub, &e));
  CHECK(e == LICSTORE_SUBSCRIBER_STATUS_ACTIVE);
  licstore_subscriber_free(sub);
  CHECK_OK(licstore_licenses_list(store, "new.sales@contoso.com", &lic));
  CHECK_OK(licstore_license_list_len(lic, &n));
  CHECK(n == 2);
  licstore_license_list_free(lic);
  CHECK_OK(licstore_subscribers_get(store, "new.finance@contoso.com", &sub));
  CHECK_OK(licstore_subscriber_status(sub, &e));
  CHECK(e == LICSTORE_SUBSCRIBER_STATUS_STAGED);
  licstore_subscriber_free(sub);
  /* Nothing left to provision: the run finds nobody; capacity 0 only counts. */
  CHECK_OK(licstore_profiles_apply(store, "Contoso", NULL, 0, &count));
  CHECK(count == 1);
  licstore_store_free(store);
}

int main(void) {
  snprintf(dir, sizeof dir, "%s", "/tmp/licstore-conl-XXXXXX");
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 2;
  }
  test_skus();
  test_subscribers();
  test_groups_and_rules();
  test_single();
  test_request_builder();
  test_preview();
  test_bulk_run();
  test_bulk_progress();
  test_expiry();
  test_numbers();
  test_syncs();
  test_catalog();
  test_add_batch();
  test_sync_entries();
  test_profiles();
  if (rmdir(dir) != 0) {
    fprintf(stderr, "FAIL: files left in %s\n", dir);
    failed++;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
