/*
 * The C test of licstore's volume-licensing C API (docs/c-api.md, "Volume licensing"): every
 * function and getter, every volume error code reachable from C (ActivationLimitReached,
 * KmsHostLimitReached, BenefitExhausted, ReservationNotAllowed, InvalidArgument for a malformed
 * key or a zero quantity, NotFound for an unknown licensing ID ...), that a refused call writes
 * nothing (neither its outputs nor the store), NULL pointers and out-of-range enum values.
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

static const char *const MAK_KEY = "BCDFG-HJKMN-PQRTV-WXY23-46789";
static const char *const KMS_KEY = "W269N-WFGWX-YVC9B-4J6C9-T83GX";
static const char *const OSA_KEY = "NPPR9-FWDCX-D2C8J-H872K-2YT43";
static const char *const SETUP_KEY = "DPH2V-TTNVB-4X9Q3-TJR4H-KHJW4";

static void test_licensing_ids(licstore_store *store) {
  licstore_licensing_id *l = (licstore_licensing_id *)&l; /* a sentinel, never freed */
  licstore_licensing_id *sentinel = l;
  licstore_licensing_id_list *list = NULL;
  const licstore_licensing_id *item = NULL;
  const char *s = NULL;
  uint32_t e = 99;
  int64_t id = 0;
  size_t n = 0;
  int64_t audit;

  CHECK_OK(licstore_customers_add(store, "Contoso", NULL, "US", NULL));
  CHECK_OK(licstore_customers_add(store, "Adatum", NULL, NULL, NULL));
  CHECK_OK(licstore_licensing_ids_add(store, "E1", "Contoso", LICSTORE_PROGRAM_ENTERPRISE,
                                      "Enterprise Agreement", "M-100", "Reseller Inc",
                                      "2024-01-01", "2027-12-31", &l));
  CHECK(l != sentinel);
  CHECK_OK(licstore_licensing_id_id(l, &id));
  CHECK(id > 0);
  CHECK_OK(licstore_licensing_id_number(l, &s));
  CHECK(STREQ(s, "E1"));
  CHECK_OK(licstore_licensing_id_customer(l, &s));
  CHECK(STREQ(s, "Contoso"));
  CHECK_OK(licstore_licensing_id_program(l, &e));
  CHECK(e == LICSTORE_PROGRAM_ENTERPRISE);
  CHECK_OK(licstore_licensing_id_parent_program(l, &s));
  CHECK(STREQ(s, "Enterprise Agreement"));
  CHECK_OK(licstore_licensing_id_mbsa(l, &s));
  CHECK(STREQ(s, "M-100"));
  CHECK_OK(licstore_licensing_id_partner(l, &s));
  CHECK(STREQ(s, "Reseller Inc"));
  CHECK_OK(licstore_licensing_id_start_date(l, &s));
  CHECK(STREQ(s, "2024-01-01"));
  CHECK_OK(licstore_licensing_id_end_date(l, &s));
  CHECK(STREQ(s, "2027-12-31"));
  licstore_licensing_id_free(l);

  /* Optional fields as NULL and "" (none); NULL output. */
  CHECK_OK(licstore_licensing_ids_add(store, "S1", "Contoso", LICSTORE_PROGRAM_SELECT_PLUS,
                                      NULL, "", NULL, NULL, "", NULL));
  CHECK_OK(licstore_licensing_ids_add(store, "A1", "Adatum", LICSTORE_PROGRAM_OPEN_VALUE,
                                      NULL, NULL, NULL, "2024-01-01", "2026-12-31", NULL));
  l = sentinel;
  CHECK_OK(licstore_licensing_ids_get(store, "s1", &l));
  CHECK_OK(licstore_licensing_id_program(l, &e));
  CHECK(e == LICSTORE_PROGRAM_SELECT_PLUS);
  s = "x";
  CHECK_OK(licstore_licensing_id_mbsa(l, &s));
  CHECK(s == NULL);
  s = "x";
  CHECK_OK(licstore_licensing_id_start_date(l, &s));
  CHECK(s == NULL);
  s = "x";
  CHECK_OK(licstore_licensing_id_parent_program(l, &s));
  CHECK(s == NULL);
  CHECK_OK(licstore_licensing_id_partner(l, &s));
  CHECK(s == NULL);
  CHECK_OK(licstore_licensing_id_end_date(l, &s));
  CHECK(s == NULL);
  licstore_licensing_id_free(l);

  CHECK_OK(licstore_licensing_ids_list(store, NULL, &list));
  CHECK_OK(licstore_licensing_id_list_len(list, &n));
  CHECK(n == 3);
  CHECK_OK(licstore_licensing_id_list_get(list, 0, &item));
  CHECK_OK(licstore_licensing_id_number(item, &s));
  CHECK(STREQ(s, "A1"));
  item = NULL;
  CHECK_RC(licstore_licensing_id_list_get(list, 3, &item), LICSTORE_INVALID_ARGUMENT);
  CHECK(item == NULL);
  licstore_licensing_id_list_free(list);
  list = NULL;
  CHECK_OK(licstore_licensing_ids_list(store, "contoso", &list));
  CHECK_OK(licstore_licensing_id_list_len(list, &n));
  CHECK(n == 2);
  licstore_licensing_id_list_free(list);

  /* Refusals write nothing. */
  audit = audit_rows(store);
  l = sentinel;
  CHECK_RC(licstore_licensing_ids_add(store, "E9", "Nobody", LICSTORE_PROGRAM_ENTERPRISE, NULL,
                                      NULL, NULL, NULL, NULL, &l), LICSTORE_NOT_FOUND);
  CHECK_MSG("Nobody");
  CHECK_RC(licstore_licensing_ids_add(store, "e1", "Contoso", LICSTORE_PROGRAM_ENTERPRISE, NULL,
                                      NULL, NULL, NULL, NULL, &l), LICSTORE_ALREADY_EXISTS);
  CHECK_RC(licstore_licensing_ids_add(store, "E2", "Contoso", LICSTORE_PROGRAM_ENTERPRISE, NULL,
                                      NULL, NULL, "2025-01-01", "2024-01-01", &l),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_licensing_ids_add(store, "E2", "Contoso", LICSTORE_PROGRAM_ENTERPRISE, NULL,
                                      NULL, NULL, "2025-02-30", NULL, &l),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("2025-02-30");
  CHECK_RC(licstore_licensing_ids_add(store, "E2", "Contoso", 9, NULL, NULL, NULL, NULL, NULL,
                                      &l), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licstore_program");
  CHECK_RC(licstore_licensing_ids_add(store, "E2", "Contoso", 0xFFFFFFFFu, NULL, NULL, NULL,
                                      NULL, NULL, &l), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_licensing_ids_add(store, NULL, "Contoso", 0, NULL, NULL, NULL, NULL, NULL,
                                      &l), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("number");
  CHECK_RC(licstore_licensing_ids_add(NULL, "E2", "Contoso", 0, NULL, NULL, NULL, NULL, NULL,
                                      &l), LICSTORE_INVALID_ARGUMENT);
  CHECK(l == sentinel);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_RC(licstore_licensing_ids_get(store, "NOPE", &l), LICSTORE_NOT_FOUND);
  CHECK_MSG("NOPE");
  CHECK_RC(licstore_licensing_ids_get(store, "E1", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK(l == sentinel);
  CHECK_RC(licstore_licensing_ids_list(store, "Nobody", &list), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_licensing_ids_list(store, NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_licensing_id_number(NULL, &s), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_licensing_id_list_len(NULL, &n), LICSTORE_INVALID_ARGUMENT);
  licstore_licensing_id_free(NULL);
  licstore_licensing_id_list_free(NULL);
}

static void test_products_and_entitlements(licstore_store *store) {
  licstore_product *p = NULL;
  licstore_product_list *plist = NULL;
  const licstore_product *pitem = NULL;
  licstore_entitlement *ent = NULL;
  licstore_entitlement_list *elist = NULL;
  const licstore_entitlement *eitem = NULL;
  licstore_new_entitlement line;
  licstore_new_entitlement lines[3];
  const char *s = NULL;
  uint32_t e = 99;
  int64_t v = 0, first_id = 0;
  int32_t present = -1;
  size_t n = 0;
  int64_t audit;

  CHECK_OK(licstore_products_add(store, "Office Professional Plus", "2019",
                                 LICSTORE_POOL_APPLICATIONS, NULL));
  CHECK_OK(licstore_products_add(store, "Office Professional Plus", "2021",
                                 LICSTORE_POOL_APPLICATIONS, &p));
  CHECK_OK(licstore_product_id(p, &v));
  CHECK(v > 0);
  CHECK_OK(licstore_product_family(p, &s));
  CHECK(STREQ(s, "Office Professional Plus"));
  CHECK_OK(licstore_product_version(p, &s));
  CHECK(STREQ(s, "2021"));
  CHECK_OK(licstore_product_pool(p, &e));
  CHECK(e == LICSTORE_POOL_APPLICATIONS);
  licstore_product_free(p);
  CHECK_OK(licstore_products_add(store, "Windows Server Standard", "2022", LICSTORE_POOL_SERVERS,
                                 NULL));
  p = NULL;
  CHECK_OK(licstore_products_get(store, "office professional plus", "2019", &p));
  CHECK_OK(licstore_product_version(p, &s));
  CHECK(STREQ(s, "2019"));
  licstore_product_free(p);
  CHECK_OK(licstore_products_list(store, &plist));
  CHECK_OK(licstore_product_list_len(plist, &n));
  CHECK(n == 3);
  CHECK_OK(licstore_product_list_get(plist, 2, &pitem));
  CHECK_OK(licstore_product_pool(pitem, &e));
  CHECK(e == LICSTORE_POOL_SERVERS);
  licstore_product_list_free(plist);

  audit = audit_rows(store);
  p = NULL;
  CHECK_RC(licstore_products_add(store, "OFFICE PROFESSIONAL PLUS", "2021",
                                 LICSTORE_POOL_APPLICATIONS, &p), LICSTORE_ALREADY_EXISTS);
  CHECK_RC(licstore_products_add(store, "Visio", "2021", 3, &p), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licstore_pool");
  CHECK(p == NULL);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_RC(licstore_products_get(store, "Visio", "2021", &p), LICSTORE_NOT_FOUND);
  CHECK(p == NULL);
  CHECK_RC(licstore_products_list(store, NULL), LICSTORE_INVALID_ARGUMENT);

  /* One line: 10 Office 2019 with SA. */
  memset(&line, 0, sizeof line);
  line.licensing_id = "E1";
  line.family = "Office Professional Plus";
  line.version = "2019";
  line.quantity = 10;
  line.kind = LICSTORE_ENTITLEMENT_KIND_LICENSE_AND_SA;
  line.order_date = "2024-02-01";
  CHECK_OK(licstore_entitlements_add(store, &line, &ent));
  CHECK_OK(licstore_entitlement_id(ent, &first_id));
  CHECK(first_id > 0);
  CHECK_OK(licstore_entitlement_licensing_id(ent, &s));
  CHECK(STREQ(s, "E1"));
  CHECK_OK(licstore_entitlement_family(ent, &s));
  CHECK(STREQ(s, "Office Professional Plus"));
  CHECK_OK(licstore_entitlement_version(ent, &s));
  CHECK(STREQ(s, "2019"));
  CHECK_OK(licstore_entitlement_quantity(ent, &v));
  CHECK(v == 10);
  CHECK_OK(licstore_entitlement_kind(ent, &e));
  CHECK(e == LICSTORE_ENTITLEMENT_KIND_LICENSE_AND_SA);
  CHECK_OK(licstore_entitlement_from_family(ent, &s));
  CHECK(s == NULL);
  CHECK_OK(licstore_entitlement_order_date(ent, &s));
  CHECK(STREQ(s, "2024-02-01"));
  CHECK_OK(licstore_entitlement_sa_end(ent, &s));
  CHECK(s == NULL);
  v = SENTINEL_INT64;
  CHECK_OK(licstore_entitlement_granted_by(ent, &v, &present));
  CHECK(present == 0 && v == 0);
  licstore_entitlement_free(ent);

  /* A batch: 4 upgrades to 2021 (under SA until 2027), 2 granted by the first line. */
  memset(lines, 0, sizeof lines);
  lines[0] = line;
  lines[0].version = "2021";
  lines[0].quantity = 4;
  lines[0].kind = LICSTORE_ENTITLEMENT_KIND_UPGRADE;
  lines[0].order_date = "2024-06-01";
  lines[1] = line;
  lines[1].quantity = 2;
  lines[1].kind = LICSTORE_ENTITLEMENT_KIND_GRANT;
  lines[1].granted_by = first_id;
  lines[2] = line;
  lines[2].kind = LICSTORE_ENTITLEMENT_KIND_SA;
  lines[2].quantity = 3;
  lines[2].sa_end = "2026-06-30";
  CHECK_OK(licstore_entitlements_add_many(store, lines, 3, &elist));
  CHECK_OK(licstore_entitlement_list_len(elist, &n));
  CHECK(n == 3);
  CHECK_OK(licstore_entitlement_list_get(elist, 1, &eitem));
  CHECK_OK(licstore_entitlement_granted_by(eitem, &v, &present));
  CHECK(present == 1 && v == first_id);
  CHECK_OK(licstore_entitlement_list_get(elist, 2, &eitem));
  CHECK_OK(licstore_entitlement_sa_end(eitem, &s));
  CHECK(STREQ(s, "2026-06-30"));
  licstore_entitlement_list_free(elist);

  /* All or none: the last line is refused, so the first is not added either. */
  audit = audit_rows(store);
  lines[2].quantity = 0;
  elist = NULL;
  CHECK_RC(licstore_entitlements_add_many(store, lines, 3, &elist), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("quantity");
  CHECK(elist == NULL);
  lines[2].quantity = 3;
  lines[2].licensing_id = "NOPE";
  CHECK_RC(licstore_entitlements_add_many(store, lines, 3, NULL), LICSTORE_NOT_FOUND);
  CHECK_MSG("NOPE");
  lines[2].licensing_id = "E1";
  lines[2].kind = 6;
  CHECK_RC(licstore_entitlements_add_many(store, lines, 3, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("lines[2].kind");
  lines[2].kind = LICSTORE_ENTITLEMENT_KIND_SA;
  lines[1].order_date = NULL;
  CHECK_RC(licstore_entitlements_add_many(store, lines, 3, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("lines[1].order_date");
  CHECK_RC(licstore_entitlements_add_many(store, NULL, 2, NULL), LICSTORE_INVALID_ARGUMENT);
  line.quantity = 0;
  ent = NULL;
  CHECK_RC(licstore_entitlements_add(store, &line, &ent), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("quantity");
  line.quantity = 1;
  line.version = "1999";
  CHECK_RC(licstore_entitlements_add(store, &line, &ent), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_entitlements_add(store, NULL, &ent), LICSTORE_INVALID_ARGUMENT);
  CHECK(ent == NULL);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK(query_int(store, "SELECT count(*) FROM entitlements") == 4);

  CHECK_OK(licstore_entitlements_list(store, "E1", &elist));
  CHECK_OK(licstore_entitlement_list_len(elist, &n));
  CHECK(n == 4);
  licstore_entitlement_list_free(elist);
  elist = NULL;
  CHECK_OK(licstore_entitlements_list(store, NULL, &elist));
  licstore_entitlement_list_free(elist);
  CHECK_RC(licstore_entitlements_list(store, "NOPE", &elist), LICSTORE_NOT_FOUND);
}

/* Reads every field of a key and checks the MAK counts. */
static void check_mak(const licstore_product_key *k, int64_t limit, int64_t used) {
  const char *s = NULL;
  uint32_t e = 99;
  int64_t v = 0;
  int32_t present = -1;
  CHECK_OK(licstore_product_key_type(k, &e));
  CHECK(e == LICSTORE_KEY_TYPE_MAK);
  CHECK_OK(licstore_product_key_activation_limit(k, &v, &present));
  CHECK(present == 1 && v == limit);
  CHECK_OK(licstore_product_key_activations_used(k, &v));
  CHECK(v == used);
  CHECK_OK(licstore_product_key_activations_available(k, &v, &present));
  CHECK(present == 1 && v == limit - used);
  CHECK_OK(licstore_product_key_host_limit(k, &v, &present));
  CHECK(present == 0 && v == 0);
  CHECK_OK(licstore_product_key_hosts_used(k, &v));
  CHECK(v == 0);
  CHECK_OK(licstore_product_key_last5(k, &s));
  CHECK(STREQ(s, "46789"));
  CHECK_OK(licstore_product_key_masked(k, &s));
  CHECK(STREQ(s, "*****-*****-*****-*****-46789"));
}

static int64_t add_key(licstore_store *store, const char *key, uint32_t type, const int64_t *limit,
                       int64_t baseline) {
  licstore_product_key *k = NULL;
  int64_t id = -1;
  CHECK_OK(licstore_product_keys_add(store, "E1", "Office Professional Plus 2021", key, type,
                                     limit, baseline, &k));
  CHECK_OK(licstore_product_key_id(k, &id));
  licstore_product_key_free(k);
  return id;
}

static void test_keys(licstore_store *store) {
  licstore_product_key *k = NULL;
  licstore_product_key_list *klist = NULL;
  const licstore_product_key *kitem = NULL;
  licstore_key_activation *a = NULL;
  licstore_key_activation_list *alist = NULL;
  const licstore_key_activation *aitem = NULL;
  const char *s = NULL;
  const char *machines[3];
  char key[LICSTORE_KEY_BUFFER_SIZE];
  char hostname[32];
  uint32_t e = 99;
  int64_t v = 0, limit = 5, mak, kms, osa, setup, audit;
  int32_t present = -1;
  size_t n = 0;
  int i;

  mak = add_key(store, " bcdfg-hjkmn-pqrtv-wxy23-46789 ", LICSTORE_KEY_TYPE_MAK, &limit, 1);
  CHECK(mak > 0);
  kms = add_key(store, KMS_KEY, LICSTORE_KEY_TYPE_KMS, NULL, 0);
  osa = add_key(store, OSA_KEY, LICSTORE_KEY_TYPE_OSA, NULL, 0);
  setup = add_key(store, SETUP_KEY, LICSTORE_KEY_TYPE_SETUP, NULL, 0);

  CHECK_OK(licstore_product_keys_get(store, mak, &k));
  check_mak(k, 5, 1);
  CHECK_OK(licstore_product_key_licensing_id(k, &s));
  CHECK(STREQ(s, "E1"));
  CHECK_OK(licstore_product_key_product(k, &s));
  CHECK(STREQ(s, "Office Professional Plus 2021"));
  licstore_product_key_free(k);
  k = NULL;
  CHECK_OK(licstore_product_keys_find(store, MAK_KEY, &k));
  CHECK_OK(licstore_product_key_id(k, &v));
  CHECK(v == mak);
  licstore_product_key_free(k);
  CHECK_OK(licstore_product_keys_list(store, "E1", &klist));
  CHECK_OK(licstore_product_key_list_len(klist, &n));
  CHECK(n == 4);
  CHECK_OK(licstore_product_key_list_get(klist, 1, &kitem));
  CHECK_OK(licstore_product_key_type(kitem, &e));
  CHECK(e == LICSTORE_KEY_TYPE_KMS);
  CHECK_OK(licstore_product_key_host_limit(kitem, &v, &present));
  CHECK(present == 1 && v == 6);
  CHECK_OK(licstore_product_key_activation_limit(kitem, &v, &present));
  CHECK(present == 0);
  licstore_product_key_list_free(klist);
  klist = NULL;
  CHECK_OK(licstore_product_keys_list(store, NULL, &klist));
  licstore_product_key_list_free(klist);

  /* Key refusals: malformed (masked in the message), type/limit mismatch, unknown licensing ID. */
  audit = audit_rows(store);
  k = NULL;
  CHECK_RC(licstore_product_keys_add(store, "E1", "X", "BCDFG-HJKMN-PQRTV-WXY23-4678A",
                                     LICSTORE_KEY_TYPE_MAK, &limit, 0, &k),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("4678A");
  CHECK(strstr(licstore_last_error_message(), "WXY23-") == NULL);
  CHECK_RC(licstore_product_keys_add(store, "E1", "X", "BCDFG-HJKMN", LICSTORE_KEY_TYPE_MAK,
                                     &limit, 0, &k), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_product_keys_add(store, "E1", "X", "BBBBB-CCCCC-DDDDD-FFFFF-GGGGG",
                                     LICSTORE_KEY_TYPE_MAK, NULL, 0, &k),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_product_keys_add(store, "E1", "X", "BBBBB-CCCCC-DDDDD-FFFFF-GGGGG",
                                     LICSTORE_KEY_TYPE_KMS, &limit, 0, &k),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_product_keys_add(store, "NOPE", "X", "BBBBB-CCCCC-DDDDD-FFFFF-GGGGG",
                                     LICSTORE_KEY_TYPE_KMS, NULL, 0, &k), LICSTORE_NOT_FOUND);
  CHECK_MSG("NOPE");
  CHECK_RC(licstore_product_keys_add(store, "E1", "X", MAK_KEY, LICSTORE_KEY_TYPE_MAK, &limit, 0,
                                     &k), LICSTORE_ALREADY_EXISTS);
  CHECK_RC(licstore_product_keys_add(store, "E1", "X", "BBBBB-CCCCC-DDDDD-FFFFF-GGGGG", 6, NULL,
                                     0, &k), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licstore_key_type");
  CHECK(k == NULL);
  CHECK_RC(licstore_product_keys_get(store, 9999, &k), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_product_keys_find(store, "BBBBB-CCCCC-DDDDD-FFFFF-GGGGG", &k),
           LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_product_keys_find(store, "nonsense", &k), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_product_keys_list(store, "NOPE", &klist), LICSTORE_NOT_FOUND);
  CHECK(k == NULL);
  CHECK_NOTHING_WRITTEN(store, audit);

  /* Reveal into a caller buffer: a short or NULL buffer is refused before anything is audited. */
  memset(key, 'z', sizeof key);
  CHECK_RC(licstore_product_keys_reveal(store, mak, "audit", key, sizeof key - 1),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("LICSTORE_KEY_BUFFER_SIZE");
  CHECK(key[0] == 'z');
  CHECK_RC(licstore_product_keys_reveal(store, mak, "audit", NULL, 64), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_product_keys_reveal(store, 9999, "audit", key, sizeof key),
           LICSTORE_NOT_FOUND);
  CHECK(key[0] == 'z');
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_OK(licstore_product_keys_reveal(store, mak, "true-up", key, sizeof key));
  CHECK(strcmp(key, MAK_KEY) == 0);
  CHECK(audit_rows(store) == audit + 1);
  CHECK(query_int(store, "SELECT count(*) FROM audit_log WHERE action = 'product_key.reveal' "
                         "AND after LIKE '%true-up%'") == 1);
  CHECK_OK(licstore_product_keys_reveal(store, kms, NULL, key, sizeof key));
  CHECK(strcmp(key, KMS_KEY) == 0);
  memset(key, 0, sizeof key);

  /* MAK: limit 5, baseline 1: four activations, then ActivationLimitReached. */
  CHECK_OK(licstore_key_activate(store, mak, "PC-001", &a));
  CHECK_OK(licstore_key_activation_id(a, &v));
  CHECK(v > 0);
  CHECK_OK(licstore_key_activation_key_id(a, &v));
  CHECK(v == mak);
  CHECK_OK(licstore_key_activation_machine(a, &s));
  CHECK(STREQ(s, "PC-001"));
  CHECK_OK(licstore_key_activation_activated_at(a, &s));
  CHECK(STREQ(s, "2025-06-01T12:00:00Z"));
  CHECK_OK(licstore_key_activation_method(a, &e));
  CHECK(e == LICSTORE_ACTIVATION_METHOD_INDEPENDENT);
  licstore_key_activation_free(a);
  CHECK_OK(licstore_key_activate(store, mak, "PC-002", NULL));
  machines[0] = "PC-003";
  machines[1] = "PC-004";
  machines[2] = "PC-005";
  audit = audit_rows(store);
  alist = NULL;
  /* Three would make 6 > 5: none is recorded. */
  CHECK_RC(licstore_key_proxy_activate(store, mak, machines, 3, &alist),
           LICSTORE_ACTIVATION_LIMIT_REACHED);
  CHECK_MSG("46789");
  CHECK(alist == NULL);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK(query_int(store, "SELECT activations_used FROM product_keys WHERE last5 = '46789'") == 3);
  CHECK_OK(licstore_key_proxy_activate(store, mak, machines, 2, &alist));
  CHECK_OK(licstore_key_activation_list_len(alist, &n));
  CHECK(n == 2);
  CHECK_OK(licstore_key_activation_list_get(alist, 1, &aitem));
  CHECK_OK(licstore_key_activation_machine(aitem, &s));
  CHECK(STREQ(s, "PC-004"));
  CHECK_OK(licstore_key_activation_method(aitem, &e));
  CHECK(e == LICSTORE_ACTIVATION_METHOD_PROXY);
  licstore_key_activation_list_free(alist);
  a = NULL;
  audit = audit_rows(store);
  CHECK_RC(licstore_key_activate(store, mak, "PC-006", &a), LICSTORE_ACTIVATION_LIMIT_REACHED);
  CHECK(a == NULL);
  CHECK_NOTHING_WRITTEN(store, audit);
  /* Proxy input errors. */
  machines[1] = "pc-003";
  CHECK_RC(licstore_key_proxy_activate(store, osa, machines, 2, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("twice");
  CHECK_RC(licstore_key_proxy_activate(store, osa, machines, 0, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_key_proxy_activate(store, osa, NULL, 2, NULL), LICSTORE_INVALID_ARGUMENT);
  machines[1] = NULL;
  CHECK_RC(licstore_key_proxy_activate(store, osa, machines, 2, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("machines[1]");
  CHECK_RC(licstore_key_activate(store, osa, "  ", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_key_activate(store, osa, NULL, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_key_activate(store, 9999, "PC", NULL), LICSTORE_NOT_FOUND);
  CHECK_NOTHING_WRITTEN(store, audit);

  /* OSA: single use. Setup: never activated. */
  CHECK_OK(licstore_key_activate(store, osa, "PC-100", NULL));
  CHECK_RC(licstore_key_activate(store, osa, "PC-101", NULL), LICSTORE_ACTIVATION_LIMIT_REACHED);
  CHECK_RC(licstore_key_activate(store, setup, "PC-100", NULL), LICSTORE_INVALID_STATE);

  /* KMS: six hosts, then KmsHostLimitReached; a known host still activates. */
  for (i = 1; i <= 6; i++) {
    snprintf(hostname, sizeof hostname, "KMS-%02d", i);
    CHECK_OK(licstore_key_activate(store, kms, hostname, NULL));
  }
  audit = audit_rows(store);
  CHECK_RC(licstore_key_activate(store, kms, "KMS-07", NULL), LICSTORE_KMS_HOST_LIMIT_REACHED);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_OK(licstore_key_activate(store, kms, "kms-01", NULL));

  CHECK_OK(licstore_key_activations(store, mak, &alist));
  CHECK_OK(licstore_key_activation_list_len(alist, &n));
  CHECK(n == 4);
  licstore_key_activation_list_free(alist);
  alist = NULL;
  CHECK_RC(licstore_key_activations(store, 9999, &alist), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_key_activations(store, mak, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK(alist == NULL);
}

static void test_limit_requests(licstore_store *store) {
  licstore_limit_request *r = NULL;
  licstore_limit_request_list *list = NULL;
  const licstore_limit_request *item = NULL;
  licstore_product_key *k = NULL;
  const char *s = NULL;
  uint32_t e = 99;
  int64_t v = 0, mak = -1, rid = -1, rid2 = -1, audit;
  size_t n = 0;

  CHECK_OK(licstore_product_keys_find(store, MAK_KEY, &k));
  CHECK_OK(licstore_product_key_id(k, &mak));
  licstore_product_key_free(k);

  CHECK_OK(licstore_limit_increase_request(store, mak, 10, "Office rollout, wave 2", &r));
  CHECK_OK(licstore_limit_request_id(r, &rid));
  CHECK_OK(licstore_limit_request_key_id(r, &v));
  CHECK(v == mak);
  CHECK_OK(licstore_limit_request_key_last5(r, &s));
  CHECK(STREQ(s, "46789"));
  CHECK_OK(licstore_limit_request_licensing_id(r, &s));
  CHECK(STREQ(s, "E1"));
  CHECK_OK(licstore_limit_request_product(r, &s));
  CHECK(STREQ(s, "Office Professional Plus 2021"));
  CHECK_OK(licstore_limit_request_activations_requested(r, &v));
  CHECK(v == 10);
  CHECK_OK(licstore_limit_request_justification(r, &s));
  CHECK(STREQ(s, "Office rollout, wave 2"));
  CHECK_OK(licstore_limit_request_status(r, &e));
  CHECK(e == LICSTORE_REQUEST_STATUS_PENDING);
  CHECK_OK(licstore_limit_request_requested_at(r, &s));
  CHECK(STREQ(s, "2025-06-01T12:00:00Z"));
  CHECK_OK(licstore_limit_request_requested_by(r, &s));
  CHECK(STREQ(s, "c-volume@contoso.com"));
  CHECK_OK(licstore_limit_request_decided_at(r, &s));
  CHECK(s == NULL);
  CHECK_OK(licstore_limit_request_decided_by(r, &s));
  CHECK(s == NULL);
  licstore_limit_request_free(r);

  audit = audit_rows(store);
  r = NULL;
  CHECK_RC(licstore_limit_increase_decide(store, rid, 2, &r), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("LICSTORE_DECISION_GRANT");
  CHECK_RC(licstore_limit_increase_request(store, mak, 0, "more", &r), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_limit_increase_request(store, mak, 5, "", &r), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_limit_increase_request(store, 9999, 5, "more", &r), LICSTORE_NOT_FOUND);
  CHECK(r == NULL);
  CHECK_NOTHING_WRITTEN(store, audit);

  CHECK_OK(licstore_limit_increase_decide(store, rid, LICSTORE_DECISION_GRANT, &r));
  CHECK_OK(licstore_limit_request_status(r, &e));
  CHECK(e == LICSTORE_REQUEST_STATUS_GRANTED);
  CHECK_OK(licstore_limit_request_decided_at(r, &s));
  CHECK(STREQ(s, "2025-06-01T12:00:00Z"));
  CHECK_OK(licstore_limit_request_decided_by(r, &s));
  CHECK(STREQ(s, "c-volume@contoso.com"));
  licstore_limit_request_free(r);
  CHECK_OK(licstore_product_keys_get(store, mak, &k));
  check_mak(k, 15, 5);
  licstore_product_key_free(k);
  CHECK_RC(licstore_limit_increase_decide(store, rid, LICSTORE_DECISION_DENY, NULL),
           LICSTORE_INVALID_STATE);
  CHECK_OK(licstore_limit_increase_request(store, mak, 1, "spare", NULL));
  CHECK_OK(licstore_limit_increase_requests(store, mak, &list));
  CHECK_OK(licstore_limit_request_list_len(list, &n));
  CHECK(n == 2);
  CHECK_OK(licstore_limit_request_list_get(list, 1, &item));
  CHECK_OK(licstore_limit_request_id(item, &rid2));
  licstore_limit_request_list_free(list);
  CHECK_OK(licstore_limit_increase_decide(store, rid2, LICSTORE_DECISION_DENY, NULL));
  list = NULL;
  CHECK_OK(licstore_limit_increase_requests(store, 0, &list));
  CHECK_OK(licstore_limit_request_list_len(list, &n));
  CHECK(n == 2);
  CHECK_OK(licstore_limit_request_list_get(list, 1, &item));
  CHECK_OK(licstore_limit_request_status(item, &e));
  CHECK(e == LICSTORE_REQUEST_STATUS_DENIED);
  licstore_limit_request_list_free(list);
  CHECK_RC(licstore_limit_increase_requests(store, 0, NULL), LICSTORE_INVALID_ARGUMENT);
}

static void test_summary(licstore_store *store) {
  licstore_summary_line_list *list = NULL;
  const licstore_summary_line *l = NULL;
  const char *lids[2] = {"E1", "S1"};
  const char *s = NULL;
  uint32_t e = 99;
  int64_t v = 0, audit = audit_rows(store);
  size_t n = 0;

  /* As of 2025-06-01: 10 x 2019 with SA and 2 granted 2019 (without SA); the 4 upgrades to 2021
   * claim licenses without SA first (the 2 granted ones), then 2 with SA (docs/
   * summary-algorithm.md). MAK deployments of 2021: baseline 1 + 4 recorded. */
  CHECK_OK(licstore_license_summary(store, "Contoso", "2025-06-01", NULL, 0, &list));
  CHECK_OK(licstore_summary_line_list_len(list, &n));
  CHECK(n == 2);
  CHECK_OK(licstore_summary_line_list_get(list, 0, &l));
  CHECK_OK(licstore_summary_line_customer(l, &s));
  CHECK(STREQ(s, "Contoso"));
  CHECK_OK(licstore_summary_line_family(l, &s));
  CHECK(STREQ(s, "Office Professional Plus"));
  CHECK_OK(licstore_summary_line_version(l, &s));
  CHECK(STREQ(s, "2019"));
  CHECK_OK(licstore_summary_line_pool(l, &e));
  CHECK(e == LICSTORE_POOL_APPLICATIONS);
  CHECK_OK(licstore_summary_line_effective_quantity(l, &v));
  CHECK(v == 8);
  CHECK_OK(licstore_summary_line_active_sa_quantity(l, &v));
  CHECK(v == 8);
  CHECK_OK(licstore_summary_line_granted_quantity(l, &v));
  CHECK(v == 0);
  CHECK_OK(licstore_summary_line_deployed_quantity(l, &v));
  CHECK(v == 0);
  CHECK_OK(licstore_summary_line_balance(l, &v));
  CHECK(v == 8);
  CHECK_OK(licstore_summary_line_surplus(l, &v));
  CHECK(v == 8);
  CHECK_OK(licstore_summary_line_shortfall(l, &v));
  CHECK(v == 0);
  CHECK_OK(licstore_summary_line_list_get(list, 1, &l));
  CHECK_OK(licstore_summary_line_version(l, &s));
  CHECK(STREQ(s, "2021"));
  CHECK_OK(licstore_summary_line_effective_quantity(l, &v));
  CHECK(v == 4);
  CHECK_OK(licstore_summary_line_active_sa_quantity(l, &v));
  CHECK(v == 2);
  CHECK_OK(licstore_summary_line_granted_quantity(l, &v));
  CHECK(v == 2);
  CHECK_OK(licstore_summary_line_unresolved_quantity(l, &v));
  CHECK(v == 0);
  CHECK_OK(licstore_summary_line_deployed_quantity(l, &v));
  CHECK(v == 5);
  CHECK_OK(licstore_summary_line_balance(l, &v));
  CHECK(v == -1);
  CHECK_OK(licstore_summary_line_shortfall(l, &v));
  CHECK(v == 1);
  CHECK_OK(licstore_summary_line_surplus(l, &v));
  CHECK(v == 0);
  licstore_summary_line_list_free(list);

  /* Before anything was ordered only the MAK's baseline (undated, from VLSC) is deployed.
   * Filtered to the Select licensing ID: no line. */
  list = NULL;
  CHECK_OK(licstore_license_summary(store, "contoso", "2023-01-01", NULL, 0, &list));
  CHECK_OK(licstore_summary_line_list_len(list, &n));
  CHECK(n == 1);
  CHECK_OK(licstore_summary_line_list_get(list, 0, &l));
  CHECK_OK(licstore_summary_line_effective_quantity(l, &v));
  CHECK(v == 0);
  CHECK_OK(licstore_summary_line_deployed_quantity(l, &v));
  CHECK(v == 1);
  licstore_summary_line_list_free(list);
  list = NULL;
  CHECK_OK(licstore_license_summary(store, "Contoso", NULL, lids + 1, 1, &list));
  CHECK_OK(licstore_summary_line_list_len(list, &n));
  CHECK(n == 0);
  licstore_summary_line_list_free(list);
  list = NULL;
  CHECK_OK(licstore_license_summary(store, "Contoso", "", lids, 2, &list));
  CHECK_OK(licstore_summary_line_list_len(list, &n));
  CHECK(n == 2);
  licstore_summary_line_list_free(list);

  list = NULL;
  lids[1] = "NOPE";
  CHECK_RC(licstore_license_summary(store, "Contoso", NULL, lids, 2, &list), LICSTORE_NOT_FOUND);
  CHECK_MSG("NOPE");
  lids[1] = "A1";
  CHECK_RC(licstore_license_summary(store, "Contoso", NULL, lids, 2, &list),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("Adatum");
  lids[1] = NULL;
  CHECK_RC(licstore_license_summary(store, "Contoso", NULL, lids, 2, &list),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licensing_ids[1]");
  CHECK_RC(licstore_license_summary(store, "Contoso", NULL, NULL, 1, &list),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_license_summary(store, "Nobody", NULL, NULL, 0, &list), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_license_summary(store, "Contoso", "June", NULL, 0, &list),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_license_summary(store, "Contoso", NULL, NULL, 0, NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK(list == NULL);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_RC(licstore_summary_line_balance(NULL, &v), LICSTORE_INVALID_ARGUMENT);
  licstore_summary_line_list_free(NULL);
}

static void test_benefits(licstore_store *store) {
  licstore_sa_benefit *b = NULL;
  licstore_sa_benefit_list *list = NULL;
  const licstore_sa_benefit *item = NULL;
  const char *s = NULL;
  uint32_t e = 99;
  int64_t v = 0, id = -1, audit;
  size_t n = 0;

  CHECK_OK(licstore_sa_benefits_add(store, "E1", "Training Vouchers", 5,
                                    LICSTORE_BENEFIT_STATUS_REQUIRES_ACTIVATION, &b));
  CHECK_OK(licstore_sa_benefit_id(b, &id));
  CHECK_OK(licstore_sa_benefit_licensing_id(b, &s));
  CHECK(STREQ(s, "E1"));
  CHECK_OK(licstore_sa_benefit_benefit(b, &s));
  CHECK(STREQ(s, "Training Vouchers"));
  CHECK_OK(licstore_sa_benefit_eligible_quantity(b, &v));
  CHECK(v == 5);
  CHECK_OK(licstore_sa_benefit_remaining_quantity(b, &v));
  CHECK(v == 5);
  CHECK_OK(licstore_sa_benefit_status(b, &e));
  CHECK(e == LICSTORE_BENEFIT_STATUS_REQUIRES_ACTIVATION);
  licstore_sa_benefit_free(b);
  CHECK_OK(licstore_sa_benefits_add(store, "E1", "Planning Services", 3,
                                    LICSTORE_BENEFIT_STATUS_ACTIVATED, NULL));

  audit = audit_rows(store);
  b = NULL;
  CHECK_RC(licstore_sa_benefits_use(store, id, 1, &b), LICSTORE_INVALID_STATE);
  CHECK_RC(licstore_sa_benefits_add(store, "E1", "X", 1, 4, &b), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licstore_benefit_status");
  CHECK_RC(licstore_sa_benefits_add(store, "NOPE", "X", 1, 0, &b), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_sa_benefits_set_status(store, id, 7, &b), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_sa_benefits_set_status(store, id,
                                           LICSTORE_BENEFIT_STATUS_HOLD_AWAITING_REACTIVATION, &b),
           LICSTORE_INVALID_STATE);
  CHECK(b == NULL);
  CHECK_NOTHING_WRITTEN(store, audit);

  CHECK_OK(licstore_sa_benefits_set_status(store, id, LICSTORE_BENEFIT_STATUS_ACTIVATED, &b));
  CHECK_OK(licstore_sa_benefit_status(b, &e));
  CHECK(e == LICSTORE_BENEFIT_STATUS_ACTIVATED);
  licstore_sa_benefit_free(b);
  b = NULL;
  CHECK_OK(licstore_sa_benefits_use(store, id, 3, &b));
  CHECK_OK(licstore_sa_benefit_remaining_quantity(b, &v));
  CHECK(v == 2);
  licstore_sa_benefit_free(b);
  b = NULL;
  audit = audit_rows(store);
  CHECK_RC(licstore_sa_benefits_use(store, id, 3, &b), LICSTORE_BENEFIT_EXHAUSTED);
  CHECK_MSG("Training Vouchers");
  CHECK_RC(licstore_sa_benefits_use(store, id, 0, &b), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_sa_benefits_use(store, 9999, 1, &b), LICSTORE_NOT_FOUND);
  CHECK(b == NULL);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_OK(licstore_sa_benefits_use(store, id, 2, NULL));
  CHECK_OK(licstore_sa_benefits_get(store, id, &b));
  CHECK_OK(licstore_sa_benefit_remaining_quantity(b, &v));
  CHECK(v == 0);
  licstore_sa_benefit_free(b);
  CHECK_OK(licstore_sa_benefits_set_status(store, id, LICSTORE_BENEFIT_STATUS_EXPIRED, NULL));
  CHECK_RC(licstore_sa_benefits_set_status(store, id, LICSTORE_BENEFIT_STATUS_ACTIVATED, NULL),
           LICSTORE_INVALID_STATE);

  CHECK_OK(licstore_sa_benefits_list(store, "E1", &list));
  CHECK_OK(licstore_sa_benefit_list_len(list, &n));
  CHECK(n == 2);
  CHECK_OK(licstore_sa_benefit_list_get(list, 0, &item));
  CHECK_OK(licstore_sa_benefit_benefit(item, &s));
  CHECK(STREQ(s, "Planning Services"));
  licstore_sa_benefit_list_free(list);
  list = NULL;
  CHECK_OK(licstore_sa_benefits_list(store, NULL, &list));
  licstore_sa_benefit_list_free(list);
  b = NULL;
  CHECK_RC(licstore_sa_benefits_get(store, 9999, &b), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_sa_benefits_get(store, id, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK(b == NULL);
}

static void test_reservations(licstore_store *store) {
  licstore_reservation *r = NULL;
  licstore_reservation_list *list = NULL;
  const licstore_reservation *item = NULL;
  const char *s = NULL;
  uint32_t e = 99;
  int64_t v = 0, first = -1, second = -1, audit;
  size_t n = 0;

  CHECK_OK(licstore_reservations_submit(store, "E1", "Microsoft 365 E3", "AAD-33204", 50,
                                        "2025-07-01", &r));
  CHECK_OK(licstore_reservation_id(r, &first));
  CHECK_OK(licstore_reservation_licensing_id(r, &s));
  CHECK(STREQ(s, "E1"));
  CHECK_OK(licstore_reservation_service(r, &s));
  CHECK(STREQ(s, "Microsoft 365 E3"));
  CHECK_OK(licstore_reservation_sku(r, &s));
  CHECK(STREQ(s, "AAD-33204"));
  CHECK_OK(licstore_reservation_quantity(r, &v));
  CHECK(v == 50);
  CHECK_OK(licstore_reservation_usage_date(r, &s));
  CHECK(STREQ(s, "2025-07-01"));
  CHECK_OK(licstore_reservation_submitted_at(r, &s));
  CHECK(STREQ(s, "2025-06-01T12:00:00Z"));
  CHECK_OK(licstore_reservation_submitted_by(r, &s));
  CHECK(STREQ(s, "c-volume@contoso.com"));
  CHECK_OK(licstore_reservation_status(r, &e));
  CHECK(e == LICSTORE_RESERVATION_STATUS_SUBMITTED);
  CHECK_OK(licstore_reservation_cancellable_until(r, &s));
  CHECK(STREQ(s, "2025-06-04T12:00:00Z"));
  CHECK_OK(licstore_reservation_closed_at(r, &s));
  CHECK(s == NULL);
  licstore_reservation_free(r);
  CHECK_OK(licstore_reservations_submit(store, "E1", "Dynamics 365 Sales", "D365-1", 5,
                                        "2025-06-01", NULL));

  audit = audit_rows(store);
  r = NULL;
  CHECK_RC(licstore_reservations_submit(store, "S1", "Microsoft 365 E3", "X", 5, "2025-07-01",
                                        &r), LICSTORE_RESERVATION_NOT_ALLOWED);
  CHECK_MSG("S1");
  CHECK_RC(licstore_reservations_submit(store, "E1", "Microsoft 365 E3", "X", 5, "2026-01-02",
                                        &r), LICSTORE_RESERVATION_NOT_ALLOWED);
  CHECK_RC(licstore_reservations_submit(store, "E1", "Microsoft 365 E3", "X", 0, "2025-07-01",
                                        &r), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_reservations_submit(store, "NOPE", "Microsoft 365 E3", "X", 5, "2025-07-01",
                                        &r), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_reservations_submit(store, "E1", "Microsoft 365 E3", "X", 5, NULL, &r),
           LICSTORE_INVALID_ARGUMENT);
  CHECK(r == NULL);
  CHECK_NOTHING_WRITTEN(store, audit);

  CHECK_OK(licstore_reservations_cancel(store, first, &r));
  CHECK_OK(licstore_reservation_status(r, &e));
  CHECK(e == LICSTORE_RESERVATION_STATUS_CANCELLED);
  CHECK_OK(licstore_reservation_closed_at(r, &s));
  CHECK(STREQ(s, "2025-06-01T12:00:00Z"));
  licstore_reservation_free(r);
  CHECK_RC(licstore_reservations_cancel(store, first, NULL), LICSTORE_INVALID_STATE);
  CHECK_RC(licstore_reservations_cancel(store, 9999, NULL), LICSTORE_NOT_FOUND);

  /* 73 hours later the second one is committed: it can no longer be cancelled. */
  CHECK_OK(licstore_store_set_clock(store, "2025-06-04T13:00:00Z"));
  CHECK_OK(licstore_reservations_list(store, LICSTORE_RESERVATION_FILTER_SERVICE,
                                      "Dynamics 365 Sales", 0, &list));
  CHECK_OK(licstore_reservation_list_len(list, &n));
  CHECK(n == 1);
  CHECK_OK(licstore_reservation_list_get(list, 0, &item));
  CHECK_OK(licstore_reservation_id(item, &second));
  CHECK_OK(licstore_reservation_status(item, &e));
  CHECK(e == LICSTORE_RESERVATION_STATUS_COMMITTED);
  licstore_reservation_list_free(list);
  audit = audit_rows(store);
  CHECK_RC(licstore_reservations_cancel(store, second, NULL), LICSTORE_RESERVATION_NOT_ALLOWED);
  CHECK_NOTHING_WRITTEN(store, audit);

  list = NULL;
  CHECK_OK(licstore_reservations_list(store, LICSTORE_RESERVATION_FILTER_ALL, NULL, 0, &list));
  CHECK_OK(licstore_reservation_list_len(list, &n));
  CHECK(n == 2);
  licstore_reservation_list_free(list);
  list = NULL;
  CHECK_OK(licstore_reservations_list(store, LICSTORE_RESERVATION_FILTER_LICENSING_ID, "E1", 0,
                                      &list));
  CHECK_OK(licstore_reservation_list_len(list, &n));
  CHECK(n == 2);
  licstore_reservation_list_free(list);
  list = NULL;
  CHECK_OK(licstore_reservations_list(store, LICSTORE_RESERVATION_FILTER_RESERVATION, NULL, first,
                                      &list));
  CHECK_OK(licstore_reservation_list_len(list, &n));
  CHECK(n == 1);
  licstore_reservation_list_free(list);
  list = NULL;
  CHECK_RC(licstore_reservations_list(store, 4, NULL, 0, &list), LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licstore_reservation_filter");
  CHECK_RC(licstore_reservations_list(store, LICSTORE_RESERVATION_FILTER_SERVICE, NULL, 0, &list),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_reservations_list(store, LICSTORE_RESERVATION_FILTER_ALL, NULL, 0, NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK(list == NULL);
  CHECK_OK(licstore_store_set_clock(store, "2025-06-01T12:00:00Z"));
}

static void test_vlsc(licstore_store *store) {
  char in_path[160], bad_path[160], out_path[160], masked_path[160];
  licstore_import_report report;
  licstore_import_report untouched;
  licstore_product_key *k = NULL;
  char *text;
  uint64_t rows = 0;
  int64_t audit;

  path_in(in_path, sizeof in_path, "vlsc.tsv");
  path_in(bad_path, sizeof bad_path, "vlsc-bad.tsv");
  path_in(out_path, sizeof out_path, "export.tsv");
  path_in(masked_path, sizeof masked_path, "masked.csv");
  write_file(in_path,
             "License ID\tParent Program\tOrganization\tProduct\tProduct Key\tType\t"
             "MAK Activations-Used/Available\n"
             "V100\tOpen Value\tFabrikam\tWindows 10 Enterprise\tMHF9N-XY6XB-WVXMC-BTDCT-MKKG7\t"
             "MAK Key\t1,200/300\n"
             "V100\tOpen Value\tFabrikam\tWindows Server 2022\tVDYBN-27WPP-V4HQT-9VMD4-VMK7H\t"
             "KMS\t\n");
  write_file(bad_path,
             "Licensing ID\tParent Program\tOrganization\tProduct\tProduct Key\tType\t"
             "MAK Activations-Used/Available\n"
             "V200\tOpen Value\tFabrikam\tVisio 2021\tBCDFG-HJKMN-PQRTV-WXY23-4678A\tMAK\t1/2\n");

  memset(&untouched, 0xAB, sizeof untouched);
  report = untouched;
  audit = audit_rows(store);
  CHECK_RC(licstore_vlsc_keys_import(store, bad_path, LICSTORE_IMPORT_MODE_ALL_OR_NOTHING,
                                     &report), LICSTORE_CSV_ERROR);
  CHECK_MSG("vlsc-bad.tsv");
  CHECK_MSG("4678A");
  CHECK(strstr(licstore_last_error_message(), "WXY23-") == NULL);
  CHECK(memcmp(&report, &untouched, sizeof report) == 0);
  CHECK_RC(licstore_vlsc_keys_import(store, in_path, 2, &report), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_vlsc_keys_import(store, in_path, 0, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_vlsc_keys_import(store, "/nonexistent/vlsc.tsv", 0, &report),
           LICSTORE_IO_ERROR);
  CHECK(memcmp(&report, &untouched, sizeof report) == 0);
  CHECK_NOTHING_WRITTEN(store, audit);

  CHECK_OK(licstore_vlsc_keys_import(store, bad_path, LICSTORE_IMPORT_MODE_SKIP_INVALID,
                                     &report));
  CHECK(report.rows == 1 && report.rejected == 1 && report.inserted == 0);
  CHECK_OK(licstore_vlsc_keys_import(store, in_path, LICSTORE_IMPORT_MODE_ALL_OR_NOTHING,
                                     &report));
  CHECK(report.rows == 2 && report.inserted == 2 && report.rejected == 0);
  CHECK_OK(licstore_vlsc_keys_import(store, in_path, LICSTORE_IMPORT_MODE_ALL_OR_NOTHING,
                                     &report));
  CHECK(report.unchanged == 2 && report.inserted == 0);
  CHECK_OK(licstore_product_keys_find(store, "MHF9N-XY6XB-WVXMC-BTDCT-MKKG7", &k));
  {
    int64_t v = 0;
    int32_t present = 0;
    CHECK_OK(licstore_product_key_activation_limit(k, &v, &present));
    CHECK(present == 1 && v == 1500);
    CHECK_OK(licstore_product_key_activations_used(k, &v));
    CHECK(v == 1200);
  }
  licstore_product_key_free(k);

  /* Export: masked by default (nothing audited), full keys with the reveal flag (audited). */
  audit = audit_rows(store);
  CHECK_OK(licstore_vlsc_keys_export(store, masked_path, "V100", LICSTORE_VLSC_EXPORT_COMMA,
                                     &rows));
  CHECK(rows == 2);
  text = read_file(masked_path);
  CHECK(text != NULL && strstr(text, "*****-*****-*****-*****-MKKG7") != NULL);
  CHECK(text != NULL && strstr(text, "MHF9N") == NULL);
  CHECK(text != NULL && strstr(text, "Licensing ID,") != NULL);
  free(text);
  CHECK_NOTHING_WRITTEN(store, audit);
  rows = 0;
  CHECK_OK(licstore_vlsc_keys_export(store, out_path, NULL, LICSTORE_VLSC_EXPORT_REVEAL, &rows));
  CHECK(rows == 2 + 4);
  CHECK(audit_rows(store) == audit + 6);
  text = read_file(out_path);
  CHECK(text != NULL && strstr(text, "MHF9N-XY6XB-WVXMC-BTDCT-MKKG7") != NULL);
  CHECK(text != NULL && strstr(text, "\t") != NULL);
  free(text);
  /* A revealed export imports back unchanged. */
  CHECK_OK(licstore_vlsc_keys_import(store, out_path, LICSTORE_IMPORT_MODE_ALL_OR_NOTHING,
                                     &report));
  CHECK(report.rows == 6 && report.unchanged == 6);

  audit = audit_rows(store);
  rows = 77;
  CHECK_RC(licstore_vlsc_keys_export(store, masked_path, NULL, 4, &rows),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_vlsc_keys_export(store, masked_path, "NOPE", 0, &rows), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_vlsc_keys_export(store, "/nonexistent/dir/out.tsv", NULL, 0, &rows),
           LICSTORE_IO_ERROR);
  CHECK_RC(licstore_vlsc_keys_export(store, NULL, NULL, 0, &rows), LICSTORE_INVALID_ARGUMENT);
  CHECK(rows == 77);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK_OK(licstore_vlsc_keys_export(store, masked_path, NULL, 0, NULL));

  unlink(in_path);
  unlink(bad_path);
  unlink(out_path);
  unlink(masked_path);
}

/* --- access: principals, roles, contacts, requests, scoped handles --------------------------- */

static void test_access(licstore_store *store, const char *db_path) {
  licstore_store *bob = NULL, *ada = NULL, *out = NULL;
  const uint32_t keys[] = {LICSTORE_ROLE_PRODUCT_KEYS};
  const uint32_t reserve[] = {LICSTORE_ROLE_MANAGE_RESERVATION};
  const uint32_t admin[] = {LICSTORE_ROLE_ADMINISTRATOR};
  const uint32_t sam[] = {LICSTORE_ROLE_SOFTWARE_ASSURANCE_MANAGER};
  const uint32_t bad_role[] = {LICSTORE_ROLE_PRODUCT_KEYS, 8};
  const char *s = NULL;
  size_t changed = 99;
  int32_t single = -1;
  int64_t request = 0, audit;

  /* Ada is E1's primary contact (so its Administrator); Bob gets ProductKeys. */
  CHECK_OK(licstore_agreement_contacts_set(store, "E1", LICSTORE_CONTACT_KIND_PRIMARY_CONTACT,
                                           "ada@contoso.com", "Ada", "Lovelace"));
  CHECK_OK(licstore_principals_add(store, "bob@contoso.com", "Bob", "Builder"));
  CHECK_RC(licstore_principals_add(store, "BOB@contoso.com", "Bob", "Again"),
           LICSTORE_ALREADY_EXISTS);
  CHECK_RC(licstore_principals_add(store, "not-an-email", "X", "Y"), LICSTORE_INVALID_ARGUMENT);
  CHECK_OK(licstore_roles_grant(store, "bob@contoso.com", "E1", keys, 1, &changed, &single));
  CHECK(changed == 1 && single == 0); /* Ada was the only Administrator before, too */
  CHECK_OK(licstore_roles_grant(store, "bob@contoso.com", "E1", keys, 1, &changed, NULL));
  CHECK(changed == 0);
  /* ManageReservation needs OnlineServicesManager; the group brings it (and the viewer role). */
  CHECK_RC(licstore_roles_grant(store, "bob@contoso.com", "E1", reserve, 1, NULL, NULL),
           LICSTORE_INVALID_STATE);
  CHECK_OK(licstore_roles_grant_group(store, "bob@contoso.com", "E1",
                                      LICSTORE_ROLE_GROUP_ONLINE_SERVICES_MANAGER, &changed, NULL));
  CHECK(changed == 2);
  CHECK_OK(licstore_roles_grant(store, "bob@contoso.com", "E1", reserve, 1, &changed, NULL));
  CHECK(changed == 1);
  CHECK(query_int(store, "SELECT count(*) FROM permissions WHERE email = 'bob@contoso.com'") == 4);
  /* The last Administrator stays. */
  CHECK_RC(licstore_roles_revoke(store, "ada@contoso.com", "E1", admin, 1, &changed, &single),
           LICSTORE_INVALID_STATE);
  CHECK(changed == 1); /* untouched on failure */

  /* Bob's scoped handle: reads what it may, changes only what its roles allow. */
  CHECK_OK(licstore_store_scoped(store, "bob@contoso.com", &bob));
  CHECK_OK(licstore_store_principal(bob, &s));
  CHECK(STREQ(s, "bob@contoso.com"));
  CHECK_OK(licstore_store_principal(store, &s));
  CHECK(s == NULL);
  audit = audit_rows(store);
  CHECK_RC(licstore_roles_grant(bob, "bob@contoso.com", "E1", admin, 1, NULL, NULL),
           LICSTORE_PERMISSION_DENIED);
  CHECK_MSG("bob@contoso.com");
  CHECK_RC(licstore_customers_add(bob, "Bob's Own", NULL, NULL, NULL), LICSTORE_PERMISSION_DENIED);
  CHECK_NOTHING_WRITTEN(store, audit);
  CHECK(query_int(bob, "SELECT count(*) FROM licensing_ids") == 1);
  /* Bob asks for Software Assurance; Ada, on her own scoped handle of the file, grants it. */
  CHECK_OK(licstore_permission_requests_add(bob, "bob@contoso.com", "E1", sam, 1,
                                            "renewal season", &request));
  CHECK(request > 0);
  CHECK_RC(licstore_permission_requests_add(bob, "bob@contoso.com", "E1", sam, 1, NULL, NULL),
           LICSTORE_INVALID_STATE);
  CHECK_MSG("pending request");
  CHECK_OK(licstore_store_open_scoped(db_path, "ada@contoso.com", &ada));
  CHECK_OK(licstore_permission_requests_decide(ada, request, LICSTORE_DECISION_GRANT, "ok"));
  CHECK_RC(licstore_permission_requests_decide(ada, request, LICSTORE_DECISION_DENY, NULL),
           LICSTORE_INVALID_STATE);
  CHECK_RC(licstore_permission_requests_decide(ada, 9999, LICSTORE_DECISION_DENY, NULL),
           LICSTORE_NOT_FOUND);
  CHECK(query_int(store, "SELECT count(*) FROM permissions WHERE email = 'bob@contoso.com' "
                         "AND role = 'SoftwareAssuranceManager'") == 1);
  /* Bob becomes a second Administrator, then leaves E1: Ada is the only one again. */
  CHECK_OK(licstore_roles_grant(store, "bob@contoso.com", "E1", admin, 1, &changed, &single));
  CHECK(changed == 1 && single == 0);
  CHECK_OK(licstore_roles_revoke_all(bob, "bob@contoso.com", "E1", &changed, &single));
  CHECK(changed == 6 && single == 1);
  CHECK(query_int(store, "SELECT count(*) FROM permissions WHERE email = 'bob@contoso.com'") == 0);
  CHECK_OK(licstore_roles_revoke(store, "bob@contoso.com", "E1", keys, 1, &changed, NULL));
  CHECK(changed == 0);

  /* Refusals. */
  out = (licstore_store *)&out;
  CHECK_RC(licstore_store_open_scoped(db_path, "nobody@contoso.com", &out), LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_store_scoped(store, "nobody@contoso.com", &out), LICSTORE_NOT_FOUND);
  CHECK(out == (licstore_store *)&out);
  CHECK_RC(licstore_store_scoped(store, NULL, &out), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_store_scoped(store, "ada@contoso.com", NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_roles_grant(store, "bob@contoso.com", "E1", bad_role, 2, NULL, NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("roles[1]");
  CHECK_MSG("licstore_role");
  CHECK_RC(licstore_roles_grant(store, "bob@contoso.com", "E1", NULL, 1, NULL, NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_roles_grant(store, "bob@contoso.com", "NOPE", keys, 1, NULL, NULL),
           LICSTORE_NOT_FOUND);
  CHECK_RC(licstore_roles_grant_group(store, "bob@contoso.com", "E1", 3, NULL, NULL),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licstore_role_group");
  CHECK_RC(licstore_agreement_contacts_set(store, "E1", 2, "x@contoso.com", "X", "Y"),
           LICSTORE_INVALID_ARGUMENT);
  CHECK_MSG("licstore_contact_kind");
  CHECK_RC(licstore_agreement_contacts_set(ada, "E1", LICSTORE_CONTACT_KIND_NOTICES_CORRESPONDENT,
                                           "x@contoso.com", "X", "Y"), LICSTORE_PERMISSION_DENIED);
  CHECK_RC(licstore_permission_requests_decide(store, 1, 2, NULL), LICSTORE_INVALID_ARGUMENT);
  CHECK_RC(licstore_principals_add(NULL, "x@contoso.com", "X", "Y"), LICSTORE_INVALID_ARGUMENT);
  /* Full keys out: owner only, one audited reveal per key; the file imports elsewhere. */
  {
    char keys_path[192];
    uint64_t rows = 0;
    int64_t reveals = query_int(store, "SELECT count(*) FROM audit_log WHERE action = "
                                       "'product_key.reveal'");
    int64_t keys = query_int(store, "SELECT count(*) FROM product_keys");
    licstore_store *copy = NULL;
    licstore_import_report report;
    char *text;
    path_in(keys_path, sizeof keys_path, "keys-revealed.csv");
    CHECK_RC(licstore_keys_export_revealed(ada, LICSTORE_FORMAT_CSV, keys_path, "backup", &rows),
             LICSTORE_PERMISSION_DENIED);
    CHECK(access(keys_path, F_OK) != 0);
    CHECK_RC(licstore_keys_export_revealed(store, 5, keys_path, "backup", &rows),
             LICSTORE_INVALID_ARGUMENT);
    CHECK_OK(licstore_keys_export_revealed(store, LICSTORE_FORMAT_CSV, keys_path, "backup", &rows));
    CHECK((int64_t)rows == keys && keys > 0);
    CHECK(query_int(store, "SELECT count(*) FROM audit_log WHERE action = "
                           "'product_key.reveal'") == reveals + keys);
    text = read_file(keys_path);
    CHECK(text != NULL && strstr(text, "BCDFG-HJKMN-PQRTV-WXY23-46789") != NULL);
    free(text);
    CHECK_OK(licstore_store_open_in_memory(&copy));
    CHECK_RC(licstore_import(copy, "keys", keys_path, NULL, &report), LICSTORE_CSV_ERROR);
    CHECK_MSG("licensing"); /* the licensing IDs come first */
    licstore_store_free(copy);
    unlink(keys_path);
  }
  licstore_store_free(ada);
  licstore_store_free(bob);
}

int main(void) {
  licstore_store *store = NULL;
  char db_path[160], extra[192];

  snprintf(dir, sizeof dir, "%s", "/tmp/licstore-cvol-XXXXXX");
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 2;
  }
  path_in(db_path, sizeof db_path, "volume.licstore");

  CHECK_OK(licstore_store_open(db_path, &store));
  CHECK_OK(licstore_store_set_actor(store, "c-volume@contoso.com"));
  CHECK_OK(licstore_store_set_clock(store, "2025-06-01T12:00:00Z"));
  test_licensing_ids(store);
  test_products_and_entitlements(store);
  test_keys(store);
  test_limit_requests(store);
  test_summary(store);
  test_benefits(store);
  test_reservations(store);
  test_vlsc(store);
  licstore_store_free(store);

  /* Reopen: everything was committed. */
  store = NULL;
  CHECK_OK(licstore_store_open_existing(db_path, &store));
  CHECK(query_int(store, "SELECT count(*) FROM key_activations") == 4 + 1 + 7);
  test_access(store, db_path);
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
