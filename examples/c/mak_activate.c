/*
 * mak_activate: records the MAK activations of the machines listed in a file, one committed
 * transaction per machine (as each machine activates), and prints how many activations remain.
 *
 *   mak_activate [--import VLSC_DOWNLOAD] STORE KEY MACHINE_LIST
 *
 * STORE is a licstore file (created if missing). --import first loads a VLSC product-key download
 * (tab- or comma-delimited), which creates the key with VLSC's used/available counts. KEY is the
 * MAK (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX). MACHINE_LIST has one machine name per line; blank lines and
 * lines starting with '#' are skipped. When the key runs out, the remaining machines are reported
 * as refused (the store is not changed for them) and the exit status is 3.
 *
 * Build against an installed licstore:
 *   cc -std=c11 mak_activate.c $(pkg-config --cflags --libs licstore) -o mak_activate
 * Exit status: 0 all recorded, 1 an error, 2 bad usage, 3 some machines refused for the limit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <licstore.h>

static int fail(const char *what) {
  fprintf(stderr, "mak_activate: %s: %s (%s)\n", what, licstore_last_error_message(),
          licstore_result_name(licstore_last_error_code()));
  return 1;
}

/* The key's remaining activations, or -1 after an error. */
static int64_t remaining(const licstore_store *store, int64_t key_id) {
  licstore_product_key *key = NULL;
  int64_t available = -1;
  int32_t present = 0;
  if (licstore_product_keys_get(store, key_id, &key) != LICSTORE_OK ||
      licstore_product_key_activations_available(key, &available, &present) != LICSTORE_OK ||
      !present) {
    available = -1;
  }
  licstore_product_key_free(key);
  return available;
}

int main(int argc, char **argv) {
  const char *vlsc = NULL;
  licstore_store *store = NULL;
  licstore_product_key *key = NULL;
  licstore_import_report report;
  const char *masked = NULL;
  uint32_t type = 0;
  int64_t key_id = 0;
  long recorded = 0, refused = 0;
  char line[512];
  FILE *list;
  int argi = 1, status = 0;

  if (argc == 6 && strcmp(argv[1], "--import") == 0) {
    vlsc = argv[2];
    argi = 3;
  } else if (argc != 4) {
    fprintf(stderr, "usage: mak_activate [--import VLSC_DOWNLOAD] STORE KEY MACHINE_LIST\n");
    return 2;
  }
  list = fopen(argv[argi + 2], "r");
  if (list == NULL) {
    perror(argv[argi + 2]);
    return 1;
  }
  if (licstore_store_open(argv[argi], &store) != LICSTORE_OK) {
    fclose(list);
    return fail(argv[argi]);
  }
  if (vlsc != NULL) {
    if (licstore_vlsc_keys_import(store, vlsc, LICSTORE_IMPORT_MODE_ALL_OR_NOTHING, &report) !=
        LICSTORE_OK) {
      status = fail(vlsc);
      goto done;
    }
    printf("imported %s: %llu key(s) new, %llu updated, %llu unchanged\n", vlsc,
           (unsigned long long)report.inserted, (unsigned long long)report.updated,
           (unsigned long long)report.unchanged);
  }
  if (licstore_product_keys_find(store, argv[argi + 1], &key) != LICSTORE_OK ||
      licstore_product_key_id(key, &key_id) != LICSTORE_OK ||
      licstore_product_key_type(key, &type) != LICSTORE_OK ||
      licstore_product_key_masked(key, &masked) != LICSTORE_OK) {
    status = fail("key");
    goto done;
  }
  if (type != LICSTORE_KEY_TYPE_MAK) {
    fprintf(stderr, "mak_activate: %s is not a MAK\n", masked);
    status = 1;
    goto done;
  }
  printf("key %s: %lld activation(s) remaining\n", masked, (long long)remaining(store, key_id));

  while (fgets(line, sizeof line, list) != NULL) {
    char *machine = line;
    size_t n;
    licstore_result rc;
    while (*machine == ' ' || *machine == '\t') machine++;
    n = strcspn(machine, "\r\n");
    machine[n] = '\0';
    while (n > 0 && (machine[n - 1] == ' ' || machine[n - 1] == '\t')) machine[--n] = '\0';
    if (n == 0 || machine[0] == '#') continue;
    rc = licstore_key_activate(store, key_id, machine, NULL);
    if (rc == LICSTORE_OK) {
      recorded++;
      printf("%s: recorded, %lld remaining\n", machine, (long long)remaining(store, key_id));
    } else if (rc == LICSTORE_ACTIVATION_LIMIT_REACHED) {
      refused++;
      printf("%s: refused: %s\n", machine, licstore_last_error_message());
    } else {
      status = fail(machine);
      goto done;
    }
  }
  printf("%ld recorded, %ld refused, %lld remaining\n", recorded, refused,
         (long long)remaining(store, key_id));
  status = refused > 0 ? 3 : 0;

done:
  licstore_product_key_free(key);
  licstore_store_free(store);
  fclose(list);
  return status;
}
