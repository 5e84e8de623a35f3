/*
 * The hostile-input test of licstore's C API (issue 7): what a careless or broken caller can pass,
 * and that each gets an error code and a message, never a crash, a leak or undefined behaviour.
 *
 *  - every handle type: used after it was freed, freed twice, an item used after its list was
 *    freed, a borrowed item passed to _free, a handle of another type, pointers licstore never
 *    made (the stack, malloc, the middle of a handle), and _free(NULL);
 *  - NULL for every class of pointer argument (handle, string, output, array, struct, buffer);
 *  - invalid UTF-8 in strings, arrays and length-counted text;
 *  - out-of-range values of every C enum (cast integers) and unknown flag bits;
 *  - buffers one byte too small;
 *  - after each refusal: the outputs and the audit log are unchanged.
 *
 * Run by `make -C tests/c run` plainly, under valgrind and with ASan + UBSan (so a refused freed
 * handle is proven not to be read). Prints "N passed, M failed" last; exits 1 on any failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "licstore.h"

#include "check.h"

static const char *const E3 = "ENTERPRISEPACK";
static const char *const BAD_UTF8 = "Con\xC3\x28oso"; /* a 2-byte lead followed by '(' */

/* A refused handle: INVALID_ARGUMENT, and the message says why. */
#define DEAD(call)                                  \
  do {                                              \
    CHECK_RC(call, LICSTORE_INVALID_ARGUMENT);      \
    CHECK_MSG("is not a live");                     \
  } while (0)

/* A second _free of the same pointer: nothing happens but the last error. */
#define FREED_TWICE(free_fn, h)                                       \
  do {                                                                \
    free_fn(h);                                                       \
    CHECK(licstore_last_error_code() == LICSTORE_INVALID_ARGUMENT);   \
    CHECK_MSG("nothing was freed");                                   \
  } while (0)

/*
 * Every owned handle type: made, read, freed, refused, freed again. `make` makes the handle,
 * `use` reads it (writing to `out`), `free_fn` frees it.
 */
#define LIFECYCLE(type, h, make, use, free_fn)   \
  do {                                           \
    type *h = NULL;                              \
    CHECK_OK(make);                              \
    CHECK(h != NULL);                            \
    CHECK_OK(use);                               \
    free_fn(h);                                  \
    CHECK(licstore_last_error_code() == LICSTORE_OK); \
    DEAD(use);                                   \
    FREED_TWICE(free_fn, h);                     \
  } while (0)

/*
 * Every list type: an item borrowed from it works until the list is freed, is refused after,
 * and cannot be freed itself (that would free memory the list owns).
 */
#define BORROWED(list_type, item_type, list, make, get, use, item_free, list_free) \
  do {                                                                          \
    list_type *list = NULL;                                                     \
    const item_type *item = NULL;                                               \
    CHECK_OK(make);                                                             \
    CHECK_OK(get(list, 0, &item));                                              \
    CHECK_OK(use);                                                              \
    item_free((item_type *)item);                                               \
    CHECK(licstore_last_error_code() == LICSTORE_INVALID_ARGUMENT);             \
    CHECK_MSG("borrowed");                                                      \
    CHECK_OK(use); /* still alive: the _free above did nothing */               \
    list_free(list);                                                            \
    DEAD(use);                                                                  \
    DEAD(get(list, 0, &item));                                                  \
    FREED_TWICE(list_free, list);                                               \
  } while (0)

static licstore_store *fixture(void) {
  licstore_store *store = NULL;
  licstore_units units = {5, 0, 0, 0};
  licstore_new_entitlement line;
  const int64_t limit = 10;
  const char *members[] = {"u0@contoso.com"};
  const char *skus[] = {"ENTERPRISEPACK"};

  CHECK_OK(licstore_store_open_in_memory(&store));
  CHECK_OK(licstore_store_set_actor(store, "hostile@contoso.com"));
  CHECK_OK(licstore_store_set_clock(store, "2025-06-01T12:00:00Z"));
  CHECK_OK(licstore_customers_add(store, "Contoso", NULL, "US", NULL));
  /* Online services: a SKU, a user holding it until July, a group, a profile. */
  CHECK_OK(licstore_skus_set(store, "Contoso", E3, &units, NULL, NULL, NULL, NULL, NULL));
  CHECK_OK(licstore_subscribers_add(store, "Contoso", "u0@contoso.com", NULL, NULL, "Sales",
                                    NULL, LICSTORE_SUBSCRIBER_STATUS_ACTIVE, NULL));
  CHECK_OK(licstore_licenses_assign(store, "u0@contoso.com", E3, "2025-06-20", NULL, NULL, 0, 0,
                                    NULL));
  CHECK_OK(licstore_groups_add(store, "Contoso", "Sales"));
  CHECK_OK(licstore_groups_add_members(store, "Contoso", "Sales", members, 1, NULL));
  CHECK_OK(licstore_profiles_set(store, "Contoso", "sales", "Sales", NULL, NULL, skus, 1));
  /* Volume licensing: a licensing id, a product, an entitlement, a MAK, a benefit. */
  CHECK_OK(licstore_licensing_ids_add(store, "E1", "Contoso", LICSTORE_PROGRAM_ENTERPRISE, NULL,
                                      NULL, NULL, NULL, NULL, NULL));
  CHECK_OK(licstore_products_add(store, "Office Professional Plus", "2021",
                                 LICSTORE_POOL_APPLICATIONS, NULL));
  memset(&line, 0, sizeof line);
  line.licensing_id = "E1";
  line.family = "Office Professional Plus";
  line.version = "2021";
  line.quantity = 10;
  line.kind = LICSTORE_ENTITLEMENT_KIND_FULL;
  line.order_date = "2025-01-02";
  CHECK_OK(licstore_entitlements_add(store, &line, NULL));
  CHECK_OK(licstore_product_keys_add(store, "E1", "Office Professional Plus 2021",
                                     "BCDFG-HJKMN-PQRTV-WXY23-46789", LICSTORE_KEY_TYPE_MAK,
                                     &limit, 0, NULL));
  CHECK_OK(licstore_key_activate(store, 1, "PC-0", NULL));
  CHECK_OK(licstore_sa_benefits_add(store, "E1", "Planning Services", 3,
                                    LICSTORE_BENEFIT_STATUS_ACTIVATED, NULL));
  CHECK_OK(licstore_reservations_submit(store, "E1", "Microsoft 365 E3", "AAD-33204", 50,
                                        "2025-07-01", NULL));
  return store;
}

static licstore_bulk_request *e3_request(void) {
  licstore_bulk_request *r = NULL;
  CHECK_OK(licstore_bulk_request_new("Contoso", &r));
  CHECK_OK(licstore_bulk_request_add_sku(r, E3));
  CHECK_OK(licstore_bulk_request_add_user(r, "u0@contoso.com"));
  return r;
}

/* --- 1. Every handle type after free, twice freed, and borrowed items --------------------- */

static void test_freed_handles(licstore_store *store) {
  const char *s = NULL;
  int64_t v = 0;
  int32_t present = 0;
  uint32_t e = 0;
  uint64_t u = 0;
  size_t n = 0;
  licstore_bulk_request *request = e3_request();
  int64_t job_id = 0;
  char users[128];

  /* Store and statement. */
  LIFECYCLE(licstore_store, st, licstore_store_open_in_memory(&st),
            licstore_store_schema_version(st, &v), licstore_store_free);
  LIFECYCLE(licstore_query, q, licstore_query_prepare(store, "SELECT 1", &q),
            licstore_query_column_count(q, &n), licstore_query_free);
  /* Customers. */
  LIFECYCLE(licstore_customer, c, licstore_customers_get(store, "Contoso", &c),
            licstore_customer_name(c, &s), licstore_customer_free);
  LIFECYCLE(licstore_customer_list, l, licstore_customers_list(store, &l),
            licstore_customer_list_len(l, &n), licstore_customer_list_free);
  /* Volume licensing. */
  LIFECYCLE(licstore_licensing_id, h, licstore_licensing_ids_get(store, "E1", &h),
            licstore_licensing_id_program(h, &e), licstore_licensing_id_free);
  LIFECYCLE(licstore_licensing_id_list, h, licstore_licensing_ids_list(store, NULL, &h),
            licstore_licensing_id_list_len(h, &n), licstore_licensing_id_list_free);
  LIFECYCLE(licstore_product, h,
            licstore_products_get(store, "Office Professional Plus", "2021", &h),
            licstore_product_id(h, &v), licstore_product_free);
  LIFECYCLE(licstore_product_list, h, licstore_products_list(store, &h),
            licstore_product_list_len(h, &n), licstore_product_list_free);
  LIFECYCLE(licstore_entitlement_list, h, licstore_entitlements_list(store, "E1", &h),
            licstore_entitlement_list_len(h, &n), licstore_entitlement_list_free);
  LIFECYCLE(licstore_summary_line_list, h,
            licstore_license_summary(store, "Contoso", NULL, NULL, 0, &h),
            licstore_summary_line_list_len(h, &n), licstore_summary_line_list_free);
  LIFECYCLE(licstore_product_key, h, licstore_product_keys_get(store, 1, &h),
            licstore_product_key_activations_available(h, &v, &present),
            licstore_product_key_free);
  LIFECYCLE(licstore_product_key_list, h, licstore_product_keys_list(store, "E1", &h),
            licstore_product_key_list_len(h, &n), licstore_product_key_list_free);
  LIFECYCLE(licstore_key_activation, h, licstore_key_activate(store, 1, "PC-1", &h),
            licstore_key_activation_machine(h, &s), licstore_key_activation_free);
  LIFECYCLE(licstore_key_activation_list, h, licstore_key_activations(store, 1, &h),
            licstore_key_activation_list_len(h, &n), licstore_key_activation_list_free);
  LIFECYCLE(licstore_limit_request, h,
            licstore_limit_increase_request(store, 1, 5, "more machines", &h),
            licstore_limit_request_status(h, &e), licstore_limit_request_free);
  LIFECYCLE(licstore_limit_request_list, h, licstore_limit_increase_requests(store, 1, &h),
            licstore_limit_request_list_len(h, &n), licstore_limit_request_list_free);
  LIFECYCLE(licstore_sa_benefit, h, licstore_sa_benefits_get(store, 1, &h),
            licstore_sa_benefit_remaining_quantity(h, &v), licstore_sa_benefit_free);
  LIFECYCLE(licstore_sa_benefit_list, h, licstore_sa_benefits_list(store, "E1", &h),
            licstore_sa_benefit_list_len(h, &n), licstore_sa_benefit_list_free);
  LIFECYCLE(licstore_reservation_list, h,
            licstore_reservations_list(store, LICSTORE_RESERVATION_FILTER_ALL, NULL, 0, &h),
            licstore_reservation_list_len(h, &n), licstore_reservation_list_free);
  /* Online services. */
  LIFECYCLE(licstore_sku, h, licstore_skus_get(store, "Contoso", E3, &h),
            licstore_sku_assigned(h, &v), licstore_sku_free);
  LIFECYCLE(licstore_sku_list, h, licstore_skus_usage(store, "Contoso", &h),
            licstore_sku_list_len(h, &n), licstore_sku_list_free);
  LIFECYCLE(licstore_subscriber, h, licstore_subscribers_get(store, "u0@contoso.com", &h),
            licstore_subscriber_status(h, &e), licstore_subscriber_free);
  LIFECYCLE(licstore_subscriber_list, h, licstore_subscribers_list(store, "Contoso", &h),
            licstore_subscriber_list_len(h, &n), licstore_subscriber_list_free);
  LIFECYCLE(licstore_license_list, h, licstore_licenses_list(store, "u0@contoso.com", &h),
            licstore_license_list_len(h, &n), licstore_license_list_free);
  LIFECYCLE(licstore_string_list, h, licstore_groups_members(store, "Contoso", "Sales", &h),
            licstore_string_list_len(h, &n), licstore_string_list_free);
  LIFECYCLE(licstore_bulk_request, h, licstore_bulk_request_new("Contoso", &h),
            licstore_bulk_request_add_sku(h, E3), licstore_bulk_request_free);
  LIFECYCLE(licstore_preview, h, licstore_bulk_preview(store, request, &h),
            licstore_preview_targets(h, &u), licstore_preview_free);
  LIFECYCLE(licstore_job, h, licstore_bulk_run(store, request, &h), licstore_job_id(h, &job_id),
            licstore_job_free);
  LIFECYCLE(licstore_job_item_list, h, licstore_job_items(store, job_id, &h),
            licstore_job_item_list_len(h, &n), licstore_job_item_list_free);
  LIFECYCLE(licstore_expiring_list, h, licstore_expiring_within(store, 30, NULL, &h),
            licstore_expiring_list_len(h, &n), licstore_expiring_list_free);
  LIFECYCLE(licstore_catalog_entry, h, licstore_catalog_sku(store, E3, &h),
            licstore_catalog_entry_plan_count(h, &n), licstore_catalog_entry_free);
  LIFECYCLE(licstore_profile_list, h, licstore_profiles_list(store, "Contoso", &h),
            licstore_profile_list_len(h, &n), licstore_profile_list_free);
  path_in(users, sizeof users, "users.csv");
  write_file(users, "User principal name,Display name,Usage location,Department,Licenses\n"
                    "u0@contoso.com,User Zero,US,Sales,Office 365 E3\n"
                    "new@contoso.com,New,US,,\n");
  LIFECYCLE(licstore_sync_diff, h, licstore_m365_users_diff_entries(store, "Contoso", users, &h),
            licstore_sync_diff_len(h, &n), licstore_sync_diff_free);
  unlink(users);
  licstore_bulk_request_free(request);

  /* Items borrowed from every kind of list. */
  BORROWED(licstore_customer_list, licstore_customer, l, licstore_customers_list(store, &l),
           licstore_customer_list_get, licstore_customer_name(item, &s), licstore_customer_free,
           licstore_customer_list_free);
  BORROWED(licstore_licensing_id_list, licstore_licensing_id, l,
           licstore_licensing_ids_list(store, NULL, &l), licstore_licensing_id_list_get,
           licstore_licensing_id_number(item, &s), licstore_licensing_id_free,
           licstore_licensing_id_list_free);
  BORROWED(licstore_product_list, licstore_product, l, licstore_products_list(store, &l),
           licstore_product_list_get, licstore_product_family(item, &s), licstore_product_free,
           licstore_product_list_free);
  BORROWED(licstore_entitlement_list, licstore_entitlement, l,
           licstore_entitlements_list(store, "E1", &l), licstore_entitlement_list_get,
           licstore_entitlement_quantity(item, &v), licstore_entitlement_free,
           licstore_entitlement_list_free);
  BORROWED(licstore_summary_line_list, licstore_summary_line, l,
           licstore_license_summary(store, "Contoso", NULL, NULL, 0, &l),
           licstore_summary_line_list_get, licstore_summary_line_balance(item, &v),
           licstore_summary_line_free, licstore_summary_line_list_free);
  BORROWED(licstore_product_key_list, licstore_product_key, l,
           licstore_product_keys_list(store, "E1", &l), licstore_product_key_list_get,
           licstore_product_key_masked(item, &s), licstore_product_key_free,
           licstore_product_key_list_free);
  BORROWED(licstore_key_activation_list, licstore_key_activation, l,
           licstore_key_activations(store, 1, &l), licstore_key_activation_list_get,
           licstore_key_activation_machine(item, &s), licstore_key_activation_free,
           licstore_key_activation_list_free);
  BORROWED(licstore_limit_request_list, licstore_limit_request, l,
           licstore_limit_increase_requests(store, 1, &l), licstore_limit_request_list_get,
           licstore_limit_request_status(item, &e), licstore_limit_request_free,
           licstore_limit_request_list_free);
  BORROWED(licstore_sa_benefit_list, licstore_sa_benefit, l,
           licstore_sa_benefits_list(store, "E1", &l), licstore_sa_benefit_list_get,
           licstore_sa_benefit_status(item, &e), licstore_sa_benefit_free,
           licstore_sa_benefit_list_free);
  BORROWED(licstore_reservation_list, licstore_reservation, l,
           licstore_reservations_list(store, LICSTORE_RESERVATION_FILTER_ALL, NULL, 0, &l),
           licstore_reservation_list_get, licstore_reservation_quantity(item, &v),
           licstore_reservation_free, licstore_reservation_list_free);
  BORROWED(licstore_sku_list, licstore_sku, l, licstore_skus_usage(store, "Contoso", &l),
           licstore_sku_list_get, licstore_sku_available(item, &v), licstore_sku_free,
           licstore_sku_list_free);
  BORROWED(licstore_subscriber_list, licstore_subscriber, l,
           licstore_subscribers_list(store, "Contoso", &l), licstore_subscriber_list_get,
           licstore_subscriber_status(item, &e), licstore_subscriber_free,
           licstore_subscriber_list_free);
}

/* Items with no _free of their own: refused after their list or owner is freed. */
static void test_borrowed_without_free(licstore_store *store) {
  licstore_license_list *licenses = NULL;
  const licstore_license *license = NULL;
  licstore_expiring_list *expiring = NULL;
  const licstore_expiring *soon = NULL;
  licstore_profile_list *profiles = NULL;
  const licstore_profile *profile = NULL;
  licstore_preview *preview = NULL;
  const licstore_sku_preview *sku_preview = NULL;
  licstore_bulk_request *request = e3_request();
  const char *s = NULL;
  uint64_t u = 0;

  CHECK_OK(licstore_licenses_list(store, "u0@contoso.com", &licenses));
  CHECK_OK(licstore_license_list_get(licenses, 0, &license));
  CHECK_OK(licstore_license_sku_id(license, &s));
  licstore_license_list_free(licenses);
  DEAD(licstore_license_sku_id(license, &s));

  CHECK_OK(licstore_expiring_within(store, 30, NULL, &expiring));
  CHECK_OK(licstore_expiring_list_get(expiring, 0, &soon));
  CHECK_OK(licstore_expiring_at(soon, &s));
  licstore_expiring_list_free(expiring);
  DEAD(licstore_expiring_at(soon, &s));

  CHECK_OK(licstore_profiles_list(store, "Contoso", &profiles));
  CHECK_OK(licstore_profile_list_get(profiles, 0, &profile));
  CHECK_OK(licstore_profile_name(profile, &s));
  licstore_profile_list_free(profiles);
  DEAD(licstore_profile_name(profile, &s));

  CHECK_OK(licstore_bulk_preview(store, request, &preview));
  CHECK_OK(licstore_preview_sku(preview, 0, &sku_preview));
  CHECK_OK(licstore_sku_preview_holders(sku_preview, &u));
  licstore_preview_free(preview);
  DEAD(licstore_sku_preview_holders(sku_preview, &u));
  licstore_bulk_request_free(request);
}

/* --- 2. Wrong kinds and pointers licstore never made --------------------------------------- */

static void test_wrong_handles(licstore_store *store) {
  licstore_customer *c = NULL;
  licstore_query *q = NULL;
  licstore_customer_list *list = NULL;
  const char *s = (const char *)&s; /* a sentinel: outputs keep it after a refusal */
  const char *const sentinel = s;
  int64_t v = SENTINEL_INT64;
  size_t n = 0;
  int on_stack[8] = {0};
  void *heap = calloc(1, 256);
  int64_t audit = audit_rows(store);

  CHECK_OK(licstore_customers_get(store, "Contoso", &c));
  CHECK_OK(licstore_query_prepare(store, "SELECT name FROM customers", &q));
  CHECK_OK(licstore_customers_list(store, &list));

  /* A handle of another type, cast: refused, and the message says what it is. */
  CHECK_RC(licstore_store_schema_version((const licstore_store *)q, &v),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("is a licstore_query handle, not a licstore_store");
  CHECK(v == SENTINEL_INT64);
  CHECK_RC(licstore_customers_add((const licstore_store *)c, "Evil", NULL, NULL, NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("is a licstore_customer handle, not a licstore_store");
  CHECK_RC(licstore_query_column_count((const licstore_query *)store, &n),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("is a licstore_store handle, not a licstore_query");
  CHECK_RC(licstore_customer_name((const licstore_customer *)list, &s),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("is a licstore_customer_list handle, not a licstore_customer");
  CHECK(s == sentinel);
  CHECK_RC(licstore_product_key_id((const licstore_product_key *)c, &v),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("not a licstore_product_key");
  CHECK_RC(licstore_sku_assigned((const licstore_sku *)c, &v), LICSTORE_INVALID_ARGUMENT);
  CHECK(v == SENTINEL_INT64);

  /* Pointers licstore never made: the stack, the heap, inside a handle, a small integer. */
  DEAD(licstore_store_schema_version((const licstore_store *)on_stack, &v));
  DEAD(licstore_store_schema_version((const licstore_store *)heap, &v));
  DEAD(licstore_customer_name((const licstore_customer *)((const char *)c + 8), &s));
  DEAD(licstore_customers_count((const licstore_store *)(uintptr_t)0x10, (uint64_t *)&v));
  DEAD(licstore_query_step((licstore_query *)heap, (int32_t *)on_stack));
  CHECK(v == SENTINEL_INT64 && s == sentinel && on_stack[0] == 0);

  /* _free of a foreign pointer or of the wrong type frees nothing (the real handle lives on). */
  licstore_store_free((licstore_store *)on_stack);
  CHECK(licstore_last_error_code() == LICSTORE_INVALID_ARGUMENT);
  licstore_store_free((licstore_store *)heap);
  CHECK(licstore_last_error_code() == LICSTORE_INVALID_ARGUMENT);
  licstore_store_free((licstore_store *)q);
  CHECK(licstore_last_error_code() == LICSTORE_INVALID_ARGUMENT);
  licstore_query_free((licstore_query *)c);
  CHECK(licstore_last_error_code() == LICSTORE_INVALID_ARGUMENT);
  CHECK_OK(licstore_query_column_count(q, &n));
  CHECK(n == 1);
  CHECK_OK(licstore_customer_name(c, &s));
  CHECK(STREQ(s, "Contoso"));
  CHECK_NOTHING_WRITTEN(store, audit);

  /* _free(NULL) is a no-op for every type, and leaves the last error alone. */
  CHECK_RC(licstore_customers_get(store, "Nobody", NULL), LICSTORE_INVALID_ARGUMENT);
  licstore_store_free(NULL);
  licstore_query_free(NULL);
  licstore_customer_free(NULL);
  licstore_customer_list_free(NULL);
  licstore_licensing_id_free(NULL);
  licstore_licensing_id_list_free(NULL);
  licstore_product_free(NULL);
  licstore_product_list_free(NULL);
  licstore_entitlement_free(NULL);
  licstore_entitlement_list_free(NULL);
  licstore_summary_line_free(NULL);
  licstore_summary_line_list_free(NULL);
  licstore_product_key_free(NULL);
  licstore_product_key_list_free(NULL);
  licstore_key_activation_free(NULL);
  licstore_key_activation_list_free(NULL);
  licstore_limit_request_free(NULL);
  licstore_limit_request_list_free(NULL);
  licstore_sa_benefit_free(NULL);
  licstore_sa_benefit_list_free(NULL);
  licstore_reservation_free(NULL);
  licstore_reservation_list_free(NULL);
  licstore_sku_free(NULL);
  licstore_sku_list_free(NULL);
  licstore_subscriber_free(NULL);
  licstore_subscriber_list_free(NULL);
  licstore_license_list_free(NULL);
  licstore_string_list_free(NULL);
  licstore_bulk_request_free(NULL);
  licstore_preview_free(NULL);
  licstore_job_free(NULL);
  licstore_job_item_list_free(NULL);
  licstore_expiring_list_free(NULL);
  licstore_catalog_entry_free(NULL);
  licstore_sync_diff_free(NULL);
  licstore_profile_list_free(NULL);
  CHECK(licstore_last_error_code() == LICSTORE_INVALID_ARGUMENT);

  licstore_customer_list_free(list);
  licstore_query_free(q);
  licstore_customer_free(c);
  free(heap);
}

/* --- 3. NULL for every class of pointer argument ------------------------------------------ */

static void test_nulls(licstore_store *store) {
  licstore_customer *c = NULL;
  licstore_query *q = NULL;
  licstore_product_key *key = NULL;
  licstore_entitlement *ent = NULL;
  licstore_sku *sku = NULL;
  int64_t v = SENTINEL_INT64;
  uint64_t u = 0;
  int64_t audit = audit_rows(store);
  char buffer[LICSTORE_KEY_BUFFER_SIZE];

  /* The handle. */
  CHECK_RC(licstore_customers_add(NULL, "X", NULL, NULL, &c), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("argument store \"NULL\": must not be a NULL pointer");
  CHECK_RC(licstore_query_step(NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customer_name(NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_product_key_id(NULL, &v), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_bulk_request_add_user(NULL, "u0@contoso.com"), LICSTORE_INVALID_ARGUMENT);
  /* A required string. */
  CHECK_RC(licstore_customers_add(store, NULL, NULL, NULL, &c), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("argument name");
  CHECK_RC(licstore_query_prepare(store, NULL, &q), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("argument sql");
  CHECK_RC(licstore_key_activate(store, 1, NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("machine");
  /* A path. */
  CHECK_RC(licstore_customers_export_csv(store, NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("argument path");
  CHECK_RC(licstore_customers_export_csv(store, "", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("must not be empty");
  /* A required output. */
  CHECK_RC(licstore_customers_get(store, "Contoso", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("customer_out");
  CHECK_RC(licstore_store_schema_version(store, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_count(store, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_store_open_in_memory(NULL), LICSTORE_INVALID_ARGUMENT);
  /* An array with a count: NULL only with count 0. */
  CHECK_RC(licstore_groups_add_members(store, "Contoso", "Sales", NULL, 2, &u),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("count is 2");
  CHECK(audit_rows(store) == audit);
  CHECK_OK(licstore_groups_add_members(store, "Contoso", "Sales", NULL, 0, &u));
  CHECK(u == 0);
  audit = audit_rows(store);
  CHECK_RC(licstore_key_proxy_activate(store, 1, NULL, 1, NULL), LICSTORE_INVALID_ARGUMENT);
  {
    const char *with_null[] = {"PC-9", NULL};
    CHECK_RC(licstore_key_proxy_activate(store, 1, with_null, 2, NULL),
             LICSTORE_INVALID_ARGUMENT);
    CHECK_MSG("machines[1]");
  }
  /* A struct passed by pointer. */
  CHECK_RC(licstore_entitlements_add(store, NULL, &ent), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("argument entitlement");
  CHECK_RC(licstore_skus_set(store, "Contoso", E3, NULL, NULL, NULL, NULL, NULL, &sku),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("argument units");
  CHECK_RC(licstore_entitlements_add_many(store, NULL, 3, NULL), LICSTORE_INVALID_ARGUMENT);
  /* A caller buffer. */
  CHECK_RC(licstore_product_keys_reveal(store, 1, NULL, NULL, sizeof buffer),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_numbers_assign(store, "u0@contoso.com", NULL, NULL, 64),
           LICSTORE_INVALID_ARGUMENT);
  CHECK(c == NULL && q == NULL && key == NULL && ent == NULL && sku == NULL);
  CHECK(v == SENTINEL_INT64);
  CHECK_NOTHING_WRITTEN(store, audit);
}

/* --- 4. Invalid UTF-8 ----------------------------------------------------------------------- */

static void test_invalid_utf8(licstore_store *store) {
  licstore_customer *c = NULL;
  licstore_query *q = NULL;
  licstore_bulk_request *r = NULL;
  const char *upns[] = {"u0@contoso.com", BAD_UTF8};
  const char overlong[] = {(char)0xC0, (char)0x80, 0};  /* an overlong NUL */
  const char surrogate[] = {(char)0xED, (char)0xA0, (char)0x80, 0}; /* U+D800 */
  const char truncated[] = {'A', (char)0xE2, (char)0x82, 0};       /* a cut 3-byte sequence */
  int64_t audit = audit_rows(store);
  char path[160];
  licstore_store *odd = NULL;

  CHECK_RC(licstore_customers_add(store, BAD_UTF8, NULL, NULL, &c), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("is not valid UTF-8 (bad byte at offset 3)");
  CHECK_RC(licstore_customers_add(store, overlong, NULL, NULL, &c), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_add(store, surrogate, NULL, NULL, &c), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_add(store, truncated, NULL, NULL, &c), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_customers_add(store, "Fine", BAD_UTF8, NULL, &c), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("tenant_domain");
  CHECK_RC(licstore_store_set_actor(store, BAD_UTF8), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_query_prepare(store, "SELECT '\xFF' FROM customers", &q),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("argument sql");
  CHECK_RC(licstore_groups_add_members(store, "Contoso", "Sales", upns, 2, NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("upns[1]");
  CHECK_OK(licstore_bulk_request_new("Contoso", &r));
  CHECK_RC(licstore_bulk_request_add_user(r, BAD_UTF8), LICSTORE_INVALID_ARGUMENT);
  licstore_bulk_request_free(r);
  /* The length variant checks the bytes it is given, and only those. */
  CHECK_OK(licstore_query_prepare(store, "SELECT count(*) FROM customers WHERE name = ?", &q));
  CHECK_RC(licstore_query_bind_text_len(q, 1, BAD_UTF8, 5), LICSTORE_INVALID_ARGUMENT);
  CHECK_OK(licstore_query_bind_text_len(q, 1, BAD_UTF8, 3)); /* "Con" */
  licstore_query_free(q);
  CHECK(c == NULL);
  CHECK_NOTHING_WRITTEN(store, audit);

  /* A file name is bytes on Unix: a non-UTF-8 path is a valid path, not an error. */
  path_in(path, sizeof path, "odd-\xFF.licstore");
  CHECK_OK(licstore_store_open(path, &odd));
  licstore_store_free(odd);
  CHECK(access(path, F_OK) == 0);
  unlink(path);
}

/* --- 5. Out-of-range enum values and flags --------------------------------------------------- */

static void test_enums(licstore_store *store) {
  licstore_import_report report;
  licstore_bulk_request *r = NULL;
  licstore_product *p = NULL;
  licstore_reservation_list *rl = NULL;
  int64_t audit = audit_rows(store);
  const uint32_t bad[] = {99, 0x7FFFFFFFu, 0xFFFFFFFFu};
  const int64_t limit = 5;
  char csv[160];
  size_t i;

  path_in(csv, sizeof csv, "customers.csv");
  write_file(csv, "name,tenant_domain,default_usage_location\nFabrikam,,\n");
  memset(&report, 0, sizeof report);
  CHECK_OK(licstore_bulk_request_new("Contoso", &r));
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const uint32_t x = bad[i];
    CHECK_RC(licstore_customers_import_csv(store, csv, x, &report), LICSTORE_INVALID_ARGUMENT);
    CHECK_MSG("argument mode");
    CHECK_RC(licstore_licensing_ids_add(store, "E9", "Contoso", x, NULL, NULL, NULL, NULL, NULL,
                                        NULL), LICSTORE_INVALID_ARGUMENT);
    CHECK_MSG("licstore_program");
    CHECK_RC(licstore_products_add(store, "Visio", "2021", x, &p), LICSTORE_INVALID_ARGUMENT);
    CHECK_MSG("licstore_pool");
    CHECK_RC(licstore_product_keys_add(store, "E1", "Visio", "BCDFG-HJKMN-PQRTV-WXY23-4678B", x,
                                       &limit, 0, NULL), LICSTORE_INVALID_ARGUMENT);
    CHECK_MSG("licstore_key_type");
    CHECK_RC(licstore_sa_benefits_add(store, "E1", "Vouchers", 1, x, NULL),
             LICSTORE_INVALID_ARGUMENT);
    CHECK_MSG("licstore_benefit_status");
    CHECK_RC(licstore_limit_increase_decide(store, 1, x, NULL), LICSTORE_INVALID_ARGUMENT);
    CHECK_MSG("LICSTORE_DECISION_GRANT");
    CHECK_RC(licstore_reservations_list(store, x, NULL, 0, &rl), LICSTORE_INVALID_ARGUMENT);
    CHECK_MSG("licstore_reservation_filter");
    CHECK_RC(licstore_subscribers_add(store, "Contoso", "x@contoso.com", NULL, NULL, NULL, NULL, x,
                                      NULL), LICSTORE_INVALID_ARGUMENT);
    CHECK_MSG("licstore_subscriber_statuses");
    CHECK_RC(licstore_bulk_request_set_op(r, x), LICSTORE_INVALID_ARGUMENT);
    CHECK_MSG("licstore_bulk_op");
    CHECK_RC(licstore_bulk_request_set_mode(r, x), LICSTORE_INVALID_ARGUMENT);
    CHECK_MSG("licstore_bulk_mode");
    CHECK_RC(licstore_numbers_set_status(store, "+14255550100", x), LICSTORE_INVALID_ARGUMENT);
    CHECK_RC(licstore_vlsc_keys_import(store, csv, x, &report), LICSTORE_INVALID_ARGUMENT);
  }
  /* The message lists the valid values. */
  CHECK_RC(licstore_products_add(store, "Visio", "2021", 3, &p), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("0 (Applications)");
  /* Unknown flag bits. */
  CHECK_RC(licstore_vlsc_keys_export(store, csv, NULL, 0x80u, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK(p == NULL && rl == NULL && report.rows == 0);
  CHECK_NOTHING_WRITTEN(store, audit);
  licstore_bulk_request_free(r);
  unlink(csv);
}

/* --- 6. Buffers too small -------------------------------------------------------------------- */

static void test_small_buffers(licstore_store *store) {
  char key[LICSTORE_KEY_BUFFER_SIZE];
  char number[LICSTORE_NUMBER_BUFFER_SIZE];
  const char *numbers[] = {"+14255550100"};
  int64_t audit;

  memset(key, 'x', sizeof key);
  audit = audit_rows(store);
  CHECK_RC(licstore_product_keys_reveal(store, 1, "audit", key, sizeof key - 1),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("LICSTORE_KEY_BUFFER_SIZE");
  CHECK_RC(licstore_product_keys_reveal(store, 1, "audit", key, 0), LICSTORE_INVALID_ARGUMENT);
  CHECK(key[0] == 'x' && key[sizeof key - 1] == 'x');
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_OK(licstore_product_keys_reveal(store, 1, "audit", key, sizeof key));
  CHECK(STREQ(key, "BCDFG-HJKMN-PQRTV-WXY23-46789"));
  memset(key, 0, sizeof key);

  CHECK_OK(licstore_numbers_add(store, "Contoso", numbers, 1, NULL));
  memset(number, 'x', sizeof number);
  audit = audit_rows(store);
  CHECK_RC(licstore_numbers_assign(store, "u0@contoso.com", NULL, number, sizeof number - 1),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("LICSTORE_NUMBER_BUFFER_SIZE");
  CHECK(number[0] == 'x');
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_OK(licstore_numbers_assign(store, "u0@contoso.com", NULL, number, sizeof number));
  CHECK(STREQ(number, "+14255550100"));
}

int main(void) {
  licstore_store *store;

  snprintf(dir, sizeof dir, "%s", "/tmp/licstore-hostile-XXXXXX");
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 2;
  }
  store = fixture();
  test_freed_handles(store);
  test_borrowed_without_free(store);
  test_wrong_handles(store);
  test_nulls(store);
  test_invalid_utf8(store);
  test_enums(store);
  test_small_buffers(store);
  licstore_store_free(store);
  /* The store itself, after free. */
  DEAD(licstore_customers_add(store, "Late", NULL, NULL, NULL));
  FREED_TWICE(licstore_store_free, store);

  if (rmdir(dir) != 0) {
    fprintf(stderr, "FAIL: files left in %s\n", dir);
    failed++;
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
