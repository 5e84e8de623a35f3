#!/bin/sh
# Installs licstore into a temporary PREFIX and builds and runs examples/c/mak_activate.c against
# the installed files only: with `pkg-config --cflags --libs licstore` (shared library), with
# `pkg-config --static` (liblicstore.a), and through examples/c/CMakeLists.txt. Run by
# `make -C tests/c run-install-example` (part of `make test-c`).
#   install_example.sh ROOT BUILDDIR TARGET_DIR PROFILE CC
set -eu
ROOT=$1 BUILDDIR=$2 TARGET_DIR=$3 PROFILE=$4 CC=$5
PREFIX=$BUILDDIR/prefix
WORK=$BUILDDIR/install-example
rm -rf "$PREFIX" "$WORK"
mkdir -p "$WORK"

make -s -C "$ROOT" install PREFIX="$PREFIX" INSTALL_PROFILE="$PROFILE" CARGO_TARGET_DIR="$TARGET_DIR"
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n 1)
MAJOR=${VERSION%%.*}
for f in include/licstore.h "lib/liblicstore.so.$VERSION" lib/liblicstore.a lib/pkgconfig/licstore.pc; do
  test -f "$PREFIX/$f" || { echo "install: $PREFIX/$f missing" >&2; exit 1; }
done
# The shared library is installed under its full version, with the SONAME link (what programs
# record and the loader looks for) and the development link (what -llicstore finds).
test "$(readlink "$PREFIX/lib/liblicstore.so.$MAJOR")" = "liblicstore.so.$VERSION" ||
  { echo "install: lib/liblicstore.so.$MAJOR is not a link to liblicstore.so.$VERSION" >&2; exit 1; }
test "$(readlink "$PREFIX/lib/liblicstore.so")" = "liblicstore.so.$MAJOR" ||
  { echo "install: lib/liblicstore.so is not a link to liblicstore.so.$MAJOR" >&2; exit 1; }
SONAME=$(readelf -d "$PREFIX/lib/liblicstore.so.$VERSION" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
test "$SONAME" = "liblicstore.so.$MAJOR" || { echo "install: SONAME is '$SONAME'" >&2; exit 1; }
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig"
test "$(pkg-config --modversion licstore)" = "$VERSION"
test "$(pkg-config --variable=libdir licstore)" = "$PREFIX/lib"
# shellcheck disable=SC2046,SC2116
test "$(echo $(pkg-config --cflags licstore))" = "-I$PREFIX/include"

# A VLSC download with one MAK (3 used, 2 available) and a list of three machines.
printf 'Licensing ID\tParent Program\tOrganization\tProduct\tProduct Key\tType\tMAK Activations-Used/Available\n' > "$WORK/vlsc.tsv"
printf 'V-1000\tOpen Value\tFabrikam\tOffice LTSC Professional Plus 2021\tMHF9N-XY6XB-WVXMC-BTDCT-MKKG7\tMAK\t3/2\n' >> "$WORK/vlsc.tsv"
printf '# lab machines\nLAB-01\n\n  LAB-02  \nLAB-03\n' > "$WORK/machines.txt"

# Runs one build: expects two recorded, one refused (exit status 3), then none left.
check_run() {
  exe=$1
  rm -f "$WORK/store.licstore"*
  set +e
  "$exe" --import "$WORK/vlsc.tsv" "$WORK/store.licstore" MHF9N-XY6XB-WVXMC-BTDCT-MKKG7 \
    "$WORK/machines.txt" > "$WORK/out.txt"
  rc=$?
  set -e
  cat "$WORK/out.txt"
  test "$rc" -eq 3 || { echo "$exe: exit status $rc, expected 3" >&2; exit 1; }
  grep -qx 'key \*\*\*\*\*-\*\*\*\*\*-\*\*\*\*\*-\*\*\*\*\*-MKKG7: 2 activation(s) remaining' "$WORK/out.txt"
  grep -qx 'LAB-02: recorded, 0 remaining' "$WORK/out.txt"
  grep -q '^LAB-03: refused: ' "$WORK/out.txt"
  grep -qx '2 recorded, 1 refused, 0 remaining' "$WORK/out.txt"
  if grep -q 'MHF9N' "$WORK/out.txt"; then echo "$exe printed the full key" >&2; exit 1; fi
}

# 1. Shared library, flags from pkg-config only (rpath so that it runs without LD_LIBRARY_PATH).
# shellcheck disable=SC2046
$CC -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$WORK/mak_activate" "$ROOT/examples/c/mak_activate.c" \
  $(pkg-config --cflags --libs licstore) -Wl,-rpath,"$PREFIX/lib"
# It records the SONAME, and the loader finds it in PREFIX.
readelf -d "$WORK/mak_activate" | grep -q "NEEDED.*\[liblicstore.so.$MAJOR\]" ||
  { echo "mak_activate does not record liblicstore.so.$MAJOR" >&2; exit 1; }
ldd "$WORK/mak_activate" | grep -q "liblicstore.so.$MAJOR => $PREFIX/lib/liblicstore.so.$MAJOR" ||
  { echo "mak_activate does not load $PREFIX/lib/liblicstore.so.$MAJOR" >&2; exit 1; }
check_run "$WORK/mak_activate"

# 2. Static library: liblicstore.a and the Libs.private of licstore.pc.
# shellcheck disable=SC2046
$CC -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$WORK/mak_activate_static" \
  "$ROOT/examples/c/mak_activate.c" $(pkg-config --cflags licstore) "$PREFIX/lib/liblicstore.a" \
  $(pkg-config --static --libs-only-l licstore | sed 's/-llicstore//')
if ldd "$WORK/mak_activate_static" | grep -q liblicstore; then
  echo "mak_activate_static links liblicstore.so" >&2; exit 1
fi
check_run "$WORK/mak_activate_static"

# 3. CMake (installed with apt-get when missing and possible; skipped with a message otherwise).
if ! command -v cmake > /dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then
    echo "cmake is missing: installing it with apt-get"
    apt-get install -y -q cmake > "$WORK/apt.log" 2>&1 || (apt-get update -q > /dev/null 2>&1 && apt-get install -y -q cmake > "$WORK/apt.log" 2>&1) || true
  fi
fi
if command -v cmake > /dev/null 2>&1; then
  cmake -S "$ROOT/examples/c" -B "$WORK/cmake" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_C_COMPILER="$CC" > "$WORK/cmake.log"
  cmake --build "$WORK/cmake" >> "$WORK/cmake.log"
  check_run "$WORK/cmake/mak_activate"
  echo "install example: pkg-config (shared, static) and CMake builds OK"
else
  echo "SKIPPED: the CMake example (cmake is missing and could not be installed; see $WORK/apt.log)"
  echo "install example: pkg-config (shared, static) builds OK"
fi
