// The C++ test of licstore's C API: the core scenario of issue 2 through small RAII wrappers
// (std::unique_ptr with the _free functions as deleters, an exception carrying the result code
// and message). Includes only licstore.h. Prints "N passed, M failed" last; exits 1 on failure.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "licstore.h"

namespace {

int passed = 0;
int failed = 0;

void check(bool ok, const char *what, int line) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    std::fprintf(stderr, "FAIL test_licstore.cpp:%d: %s\n", line, what);
  }
}
#define CHECK(cond) check((cond), #cond, __LINE__)

// A failed licstore call.
class Error : public std::runtime_error {
 public:
  Error(licstore_result code, const char *message) : std::runtime_error(message), code_(code) {}
  licstore_result code() const { return code_; }

 private:
  licstore_result code_;
};

void ok(licstore_result r) {
  if (r != LICSTORE_OK) throw Error(r, licstore_last_error_message());
}

template <typename T, void (*Free)(T *)>
struct Deleter {
  void operator()(T *p) const { Free(p); }
};

using CustomerPtr = std::unique_ptr<licstore_customer, Deleter<licstore_customer, licstore_customer_free>>;
using QueryPtr = std::unique_ptr<licstore_query, Deleter<licstore_query, licstore_query_free>>;
using StorePtr = std::unique_ptr<licstore_store, Deleter<licstore_store, licstore_store_free>>;

std::optional<std::string> str(const char *s) {
  return s ? std::optional<std::string>(s) : std::nullopt;
}

class Query {
 public:
  Query(const licstore_store *store, const char *sql) {
    licstore_query *q = nullptr;
    ok(licstore_query_prepare(store, sql, &q));
    q_.reset(q);
  }
  Query &bind(size_t index, const std::string &v) {
    ok(licstore_query_bind_text(q_.get(), index, v.c_str()));
    return *this;
  }
  Query &bind(const char *name, int64_t v) {
    size_t index = 0;
    ok(licstore_query_parameter_index(q_.get(), name, &index));
    ok(licstore_query_bind_int64(q_.get(), index, v));
    return *this;
  }
  bool step() {
    int32_t has_row = 0;
    ok(licstore_query_step(q_.get(), &has_row));
    return has_row != 0;
  }
  std::optional<std::string> text(size_t i) {
    const char *s = nullptr;
    ok(licstore_query_column_text(q_.get(), i, &s));
    return str(s);
  }
  int64_t int64(size_t i) {
    int64_t v = 0;
    ok(licstore_query_column_int64(q_.get(), i, &v));
    return v;
  }
  std::string name(size_t i) {
    const char *s = nullptr;
    ok(licstore_query_column_name(q_.get(), i, &s));
    return s;
  }

 private:
  QueryPtr q_;
};

class Store {
 public:
  explicit Store(const std::string &path) {
    licstore_store *s = nullptr;
    ok(licstore_store_open(path.c_str(), &s));
    s_.reset(s);
  }
  const licstore_store *get() const { return s_.get(); }
  void add(const char *name, const char *domain, const char *location) {
    ok(licstore_customers_add(s_.get(), name, domain, location, nullptr));
  }
  CustomerPtr customer(const char *name) {
    licstore_customer *c = nullptr;
    ok(licstore_customers_get(s_.get(), name, &c));
    return CustomerPtr(c);
  }
  uint64_t count() {
    uint64_t n = 0;
    ok(licstore_customers_count(s_.get(), &n));
    return n;
  }
  licstore_import_report import_csv(const std::string &path, uint32_t mode) {
    licstore_import_report r{};
    ok(licstore_customers_import_csv(s_.get(), path.c_str(), mode, &r));
    return r;
  }
  Query query(const char *sql) { return Query(s_.get(), sql); }

 private:
  StorePtr s_;
};

// Runs `f` and returns the code of the Error it throws (LICSTORE_OK when it does not throw).
template <typename F>
licstore_result code_of(F f, std::string *message = nullptr) {
  try {
    f();
  } catch (const Error &e) {
    if (message) *message = e.what();
    return e.code();
  }
  return LICSTORE_OK;
}

bool contains(const std::string &s, const char *needle) { return s.find(needle) != std::string::npos; }

}  // namespace

// Volume licensing from C++: a MAK through RAII handles, proxy activation from a
// std::vector<std::string>, a refused activation leaves the key as it was, the license summary.
using KeyPtr = std::unique_ptr<licstore_product_key, Deleter<licstore_product_key, licstore_product_key_free>>;
using ActivationListPtr =
    std::unique_ptr<licstore_key_activation_list, Deleter<licstore_key_activation_list, licstore_key_activation_list_free>>;
using SummaryPtr =
    std::unique_ptr<licstore_summary_line_list, Deleter<licstore_summary_line_list, licstore_summary_line_list_free>>;

int64_t available(const licstore_store *store, int64_t key_id) {
  licstore_product_key *raw = nullptr;
  ok(licstore_product_keys_get(store, key_id, &raw));
  KeyPtr key(raw);
  int64_t v = 0;
  int32_t present = 0;
  ok(licstore_product_key_activations_available(key.get(), &v, &present));
  return present ? v : -1;
}

void test_volume() {
  licstore_store *raw = nullptr;
  ok(licstore_store_open_in_memory(&raw));
  StorePtr store(raw);
  ok(licstore_store_set_clock(store.get(), "2025-06-01T12:00:00Z"));
  ok(licstore_customers_add(store.get(), "Contoso", nullptr, nullptr, nullptr));
  ok(licstore_licensing_ids_add(store.get(), "E1", "Contoso", LICSTORE_PROGRAM_ENTERPRISE, nullptr,
                                nullptr, nullptr, "2024-01-01", "2027-12-31", nullptr));
  ok(licstore_products_add(store.get(), "Visio", "2021", LICSTORE_POOL_APPLICATIONS, nullptr));
  licstore_new_entitlement line{};
  line.licensing_id = "E1";
  line.family = "Visio";
  line.version = "2021";
  line.quantity = 3;
  line.kind = LICSTORE_ENTITLEMENT_KIND_FULL;
  line.order_date = "2025-01-15";
  ok(licstore_entitlements_add(store.get(), &line, nullptr));
  const int64_t limit = 4;
  licstore_product_key *k = nullptr;
  ok(licstore_product_keys_add(store.get(), "E1", "Visio 2021", "BCDFG-HJKMN-PQRTV-WXY23-46789",
                               LICSTORE_KEY_TYPE_MAK, &limit, 0, &k));
  KeyPtr key(k);
  int64_t id = 0;
  ok(licstore_product_key_id(key.get(), &id));

  std::vector<std::string> names = {"VIS-1", "VIS-2", "VIS-3"};
  std::vector<const char *> machines;
  for (const auto &n : names) machines.push_back(n.c_str());
  licstore_key_activation_list *l = nullptr;
  ok(licstore_key_proxy_activate(store.get(), id, machines.data(), machines.size(), &l));
  ActivationListPtr list(l);
  size_t n = 0;
  ok(licstore_key_activation_list_len(list.get(), &n));
  CHECK(n == 3);
  CHECK(available(store.get(), id) == 1);

  // Two more would pass the limit: refused, nothing recorded, the output untouched.
  licstore_key_activation_list *untouched = nullptr;
  const char *two[] = {"VIS-4", "VIS-5"};
  CHECK(licstore_key_proxy_activate(store.get(), id, two, 2, &untouched) ==
        LICSTORE_ACTIVATION_LIMIT_REACHED);
  CHECK(untouched == nullptr);
  CHECK(available(store.get(), id) == 1);
  ok(licstore_key_activate(store.get(), id, "VIS-4", nullptr));
  CHECK(available(store.get(), id) == 0);

  licstore_summary_line_list *sl = nullptr;
  ok(licstore_license_summary(store.get(), "Contoso", nullptr, nullptr, 0, &sl));
  SummaryPtr summary(sl);
  ok(licstore_summary_line_list_len(summary.get(), &n));
  CHECK(n == 1);
  const licstore_summary_line *first = nullptr;
  ok(licstore_summary_line_list_get(summary.get(), 0, &first));
  int64_t shortfall = 0;
  ok(licstore_summary_line_shortfall(first, &shortfall));
  CHECK(shortfall == 1);  // 3 licenses, 4 activations
  uint32_t kind = 99;
  CHECK(licstore_entitlement_kind(nullptr, &kind) == LICSTORE_INVALID_ARGUMENT);
  CHECK(kind == 99);
}

int main() {
  char dir[] = "/tmp/licstore-cpp-XXXXXX";
  if (mkdtemp(dir) == nullptr) return 2;
  const std::string db = std::string(dir) + "/test.licstore";
  const std::string csv = std::string(dir) + "/bad.csv";

  CHECK(std::string(licstore_version()) == LICSTORE_VERSION_STRING);
  try {
    Store store(db);
    ok(licstore_store_set_clock(store.get(), "2024-05-06T07:08:09Z"));
    store.add("Contoso", "contoso.onmicrosoft.com", "US");
    CustomerPtr c = store.customer("contoso");
    const char *s = nullptr;
    ok(licstore_customer_name(c.get(), &s));
    CHECK(std::string(s) == "Contoso");
    ok(licstore_customer_created_at(c.get(), &s));
    CHECK(std::string(s) == "2024-05-06T07:08:09Z");

    // Read it back through the SQL channel.
    {
      Query q = store.query(
          "SELECT name, tenant_domain, default_usage_location, length(name) + :extra AS n "
          "FROM customers WHERE name = ?2");  // :extra is parameter 1
      q.bind(2, "Contoso").bind("extra", 1);
      CHECK(q.step());
      CHECK(q.name(3) == "n");
      CHECK(q.text(0) == std::optional<std::string>("Contoso"));
      CHECK(q.text(1) == std::optional<std::string>("contoso.onmicrosoft.com"));
      CHECK(q.text(2) == std::optional<std::string>("US"));
      CHECK(q.int64(3) == 8);
      CHECK(!q.step());
    }

    // A malformed CSV row: CSV_ERROR naming line and column; nothing written.
    {
      std::ofstream(csv) << "name,tenant_domain,default_usage_location\n"
                            "Fabrikam,,US\n"
                            "Litware,not a domain,GB\n";
      std::string message;
      CHECK(code_of([&] { store.import_csv(csv, LICSTORE_IMPORT_MODE_ALL_OR_NOTHING); }, &message) ==
            LICSTORE_CSV_ERROR);
      CHECK(contains(message, "bad.csv:3"));
      CHECK(contains(message, "tenant_domain"));
      CHECK(store.count() == 1);
      CHECK(code_of([&] { store.import_csv(csv, 99); }, &message) == LICSTORE_INVALID_ARGUMENT);
      CHECK(contains(message, "mode"));
      licstore_import_report r = store.import_csv(csv, LICSTORE_IMPORT_MODE_SKIP_INVALID);
      CHECK(r.rows == 2 && r.inserted == 1 && r.rejected == 1);
      CHECK(store.count() == 2);
    }

    // Every entity's canonical CSV from C++: export, then import with value-initialized options
    // and a progress callback (a captureless lambda converts to the C function pointer).
    {
      const std::string exported = csv + ".customers.csv";
      uint64_t rows = 0;
      CHECK(licstore_export(store.get(), "customers", LICSTORE_FORMAT_CSV, exported.c_str(), &rows) ==
            LICSTORE_OK);
      CHECK(rows == 2);
      licstore_import_options opts{};
      opts.mode = LICSTORE_IMPORT_MODE_SKIP_INVALID;
      uint64_t seen = 0;
      opts.progress = [](void *user_data, uint64_t done, uint64_t, uint64_t) -> int32_t {
        *static_cast<uint64_t *>(user_data) = done;
        return 0;
      };
      opts.user_data = &seen;
      licstore_import_report r{};
      CHECK(licstore_import(store.get(), "customers", exported.c_str(), &opts, &r) == LICSTORE_OK);
      CHECK(r.rows == 2 && r.unchanged == 2 && seen == 2);
      std::remove(exported.c_str());
    }

    // A write through the SQL channel is refused and changes nothing.
    {
      std::string message;
      CHECK(code_of([&] { store.query("DELETE FROM customers"); }, &message) == LICSTORE_QUERY_REFUSED);
      CHECK(contains(message, "read-only"));
      CHECK(code_of([&] { store.query("DROP VIEW customers"); }) == LICSTORE_QUERY_REFUSED);
      CHECK(store.count() == 2);
    }

    // Bad input: NULL, invalid UTF-8, duplicate and empty names.
    {
      const char bad_utf8[] = {'A', static_cast<char>(0xC3), '\0'};
      CHECK(code_of([&] { store.add(bad_utf8, nullptr, nullptr); }) == LICSTORE_INVALID_ARGUMENT);
      CHECK(code_of([&] { store.add(nullptr, nullptr, nullptr); }) == LICSTORE_INVALID_ARGUMENT);
      CHECK(code_of([&] { store.add("CONTOSO", nullptr, nullptr); }) == LICSTORE_ALREADY_EXISTS);
      CHECK(code_of([&] { store.add("", nullptr, nullptr); }) == LICSTORE_INVALID_ARGUMENT);
      CHECK(code_of([&] { store.customer("Nobody"); }) == LICSTORE_NOT_FOUND);
    }

    // One handle per thread on one file; exceptions stay on their thread.
    {
      std::vector<std::thread> threads;
      std::vector<int> done(3, 0);
      for (int t = 0; t < 3; ++t) {
        threads.emplace_back([&, t] {
          try {
            Store own(db);
            for (int k = 0; k < 10; ++k) {
              own.add(("Thread-" + std::to_string(t) + "-" + std::to_string(k)).c_str(), nullptr, nullptr);
            }
            done[t] = 1;
          } catch (const Error &e) {
            std::fprintf(stderr, "thread %d: %s\n", t, e.what());
          }
        });
      }
      for (auto &th : threads) th.join();
      CHECK(done[0] && done[1] && done[2]);
      CHECK(store.count() == 32);
    }

    test_volume();
  } catch (const Error &e) {
    ++failed;
    std::fprintf(stderr, "FAIL: unexpected %s: %s\n", licstore_result_name(e.code()), e.what());
  }

  unlink(csv.c_str());
  unlink(db.c_str());
  unlink((db + "-wal").c_str());
  unlink((db + "-shm").c_str());
  if (rmdir(dir) != 0) {
    ++failed;
    std::fprintf(stderr, "FAIL: files left in %s\n", dir);
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
