#!/usr/bin/env bash
# Installs or uninstalls mx-sso like a C library (run through `make install` / `make uninstall`):
#
#   packaging/install.sh install    PREFIX=/usr/local [DESTDIR=...] [LIBDIR=...] [INCLUDEDIR=...]
#   packaging/install.sh uninstall  PREFIX=/usr/local [DESTDIR=...]
#
# (the variables are read from the environment). Installs, from the release build:
#   LIBDIR/libmx_sso.so.X.Y.Z          the shared library (SONAME read from the file itself)
#   LIBDIR/<SONAME> -> libmx_sso.so.X.Y.Z, LIBDIR/libmx_sso.so -> <SONAME>
#   LIBDIR/libmx_sso.a                 the static library
#   BINDIR/mx-sso                      the command-line tool (BINDIR defaults to PREFIX/bin)
#   INCLUDEDIR/mx_sso.h, INCLUDEDIR/mx_sso.hpp (the header-only C++ wrapper)
#   LIBDIR/pkgconfig/mx_sso.pc, mx_sso-static.pc
#   LIBDIR/cmake/mx_sso/mx_ssoConfig.cmake, mx_ssoConfigVersion.cmake
#   PREFIX/share/mx_sso/install_manifest.txt   every file, link and directory created
# LIBDIR defaults to PREFIX/lib and INCLUDEDIR to PREFIX/include. DESTDIR stages the files
# (packaging): they land under DESTDIR but name PREFIX. Uninstall removes exactly what the
# manifest lists, and the directories install created once they are empty.
# MX_SSO_BUILD_DIR (default target/release of this repository) is where the libraries are taken.
# MX_SSO_RELOCATABLE=1 lays out a tree that works wherever it is unpacked (packaging/dist.sh):
# the .pc files find their prefix from their own directory (${pcfiledir}), as the CMake package
# always does, and no manifest is written (there is nothing to uninstall). DESTDIR must be empty.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
packaging=$root/packaging
build_dir=${MX_SSO_BUILD_DIR:-$root/target/release}

die() {
  echo "mx-sso install: $*" >&2
  exit 1
}

[ $# -eq 1 ] || die "usage: $0 install|uninstall (PREFIX, DESTDIR, LIBDIR, INCLUDEDIR from the environment)"
action=$1

normalize() { # an absolute path without trailing slash, '//' or '.' components; refuses '..'
  local path=$1 what=$2
  case $path in /*) ;; *) die "$what must be an absolute path, not '$path'" ;; esac
  case /$path/ in */../*) die "$what may not contain '..': '$path'" ;; esac
  path=$(printf '%s' "$path" | sed -e 's#/\./#/#g' -e 's#/\.$##' -e 's#//*#/#g' -e 's#\(.\)/$#\1#')
  printf '%s' "$path"
}

PREFIX=$(normalize "${PREFIX:-/usr/local}" PREFIX)
[ "$PREFIX" != / ] || die "PREFIX=/ is not supported; use PREFIX=/usr"
DESTDIR=${DESTDIR:-}
if [ -n "$DESTDIR" ]; then
  DESTDIR=$(normalize "$DESTDIR" DESTDIR)
  [ "$DESTDIR" != / ] || DESTDIR=
fi
manifest=$PREFIX/share/mx_sso/install_manifest.txt
relocatable=${MX_SSO_RELOCATABLE:-0}
case $relocatable in 0 | 1) ;; *) die "MX_SSO_RELOCATABLE must be 0 or 1, not '$relocatable'" ;; esac

# Paths in the manifest name the installed location (under PREFIX); files are under DESTDIR.
staged() { printf '%s%s' "$DESTDIR" "$1"; }

under_prefix() {
  case $1 in "$PREFIX"/?*) return 0 ;; *) return 1 ;; esac
}

# ---------------------------------------------------------------------------------- uninstall
if [ "$action" = uninstall ]; then
  [ -f "$(staged "$manifest")" ] ||
    die "nothing to uninstall: no $(staged "$manifest") (was mx-sso installed with PREFIX=$PREFIX${DESTDIR:+ DESTDIR=$DESTDIR}?)"
  dirs=()
  removed=0
  while read -r kind path; do
    case $kind in '' | '#'*) continue ;; esac
    under_prefix "$path" || die "manifest entry outside PREFIX, refusing: $path"
    case /$path/ in */../*) die "manifest entry with '..', refusing: $path" ;; esac
    case $kind in
      f | l)
        if [ -e "$(staged "$path")" ] || [ -L "$(staged "$path")" ]; then
          rm -f -- "$(staged "$path")"
          removed=$((removed + 1))
        else
          echo "mx-sso uninstall: already gone: $(staged "$path")" >&2
        fi
        ;;
      d) dirs+=("$path") ;;
      *) die "unknown manifest entry: $kind $path" ;;
    esac
  done <"$(staged "$manifest")"
  rm -f -- "$(staged "$manifest")"
  # Directories that install created, deepest first, where nothing else lives in them now.
  for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
    dir=$(staged "${dirs[i]}")
    [ -d "$dir" ] || continue
    if [ -z "$(ls -A "$dir")" ]; then
      rmdir -- "$dir"
    else
      echo "mx-sso uninstall: kept $dir (not empty)" >&2
    fi
  done
  echo "mx-sso: removed $removed files and links from $(staged "$PREFIX")"
  exit 0
fi
[ "$action" = install ] || die "unknown action '$action' (install or uninstall)"

# ------------------------------------------------------------------------------------ install
[ "$relocatable" = 0 ] || [ -z "$DESTDIR" ] || die "MX_SSO_RELOCATABLE=1 lays out PREFIX itself; DESTDIR must be empty"
LIBDIR=$(normalize "${LIBDIR:-$PREFIX/lib}" LIBDIR)
INCLUDEDIR=$(normalize "${INCLUDEDIR:-$PREFIX/include}" INCLUDEDIR)
under_prefix "$LIBDIR" || die "LIBDIR ($LIBDIR) must be inside PREFIX ($PREFIX)"
under_prefix "$INCLUDEDIR" || die "INCLUDEDIR ($INCLUDEDIR) must be inside PREFIX ($PREFIX)"
BINDIR=$(normalize "${BINDIR:-$PREFIX/bin}" BINDIR)
under_prefix "$BINDIR" || die "BINDIR ($BINDIR) must be inside PREFIX ($PREFIX)"

shared=$build_dir/libmx_sso.so
static=$build_dir/libmx_sso.a
header=$root/include/mx_sso.h
cpp_header=$root/include/mx_sso.hpp
cli=$build_dir/mx-sso
for file in "$shared" "$static" "$header" "$cpp_header" "$cli"; do
  [ -f "$file" ] || die "missing $file: run \`make build\` first"
done
command -v readelf >/dev/null || die "readelf (binutils) is needed to read the library's SONAME"

version=$(sed -n 's/^#define MX_SSO_VERSION_STRING "\([0-9]*\.[0-9]*\.[0-9]*\)"$/\1/p' "$header")
[ -n "$version" ] || die "no MX_SSO_VERSION_STRING in $header"
soname=$(LC_ALL=C readelf -d "$shared" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
case $soname in
  libmx_sso.so.?*) ;;
  '') die "$shared has no SONAME (build.rs sets it on Linux); rebuild with \`make build\`" ;;
  *) die "$shared has an unexpected SONAME '$soname'" ;;
esac
abi=${soname#libmx_sso.so.}
case $version in
  "$abi" | "$abi".*) ;;
  *) die "SONAME $soname does not belong to version $version (header and library out of step?)" ;;
esac
real_name=libmx_sso.so.$version
native_libs=$(grep -v '^#' "$packaging/native-static-libs" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
[ -n "$native_libs" ] || die "empty $packaging/native-static-libs"
cmake_native_libs=$(printf '%s' "$native_libs" | sed 's/-l//g; s/ /;/g')
sizeof_void_p=$(LC_ALL=C readelf -h "$shared" | sed -n 's/^ *Class: *ELF\([0-9]*\)$/\1/p')
case $sizeof_void_p in 64) sizeof_void_p=8 ;; 32) sizeof_void_p=4 ;; *) die "cannot tell the ELF class of $shared" ;; esac

# pkg-config and CMake paths: relative to the prefix (pkg-config) or to the CMake file's own
# directory (CMake), so that neither names the build machine's DESTDIR. The single quotes keep
# ${prefix} and ${_mx_sso_prefix} literal: pkg-config and CMake expand them.
# shellcheck disable=SC2016
pc_prefix='${prefix}' cmake_prefix='${_mx_sso_prefix}'
libdir_pc=$pc_prefix${LIBDIR#"$PREFIX"}
includedir_pc=$pc_prefix${INCLUDEDIR#"$PREFIX"}
up_to_prefix() { # the relative path from a directory under PREFIX back up to PREFIX: ../..
  local rel=${1#"$PREFIX"/} up=
  while [ -n "$rel" ]; do
    up=$up../
    case $rel in */*) rel=${rel#*/} ;; *) rel= ;; esac
  done
  printf '%s' "${up%/}"
}
cmake_dir=$LIBDIR/cmake/mx_sso
cmake_to_prefix=$(up_to_prefix "$cmake_dir")
# A relocatable tree's .pc files name their prefix relative to their own directory.
pc_prefix_value=$PREFIX
[ "$relocatable" = 0 ] || pc_prefix_value='${pcfiledir}/'$(up_to_prefix "$LIBDIR/pkgconfig")
cmake_libdir=$cmake_prefix${LIBDIR#"$PREFIX"}
cmake_includedir=$cmake_prefix${INCLUDEDIR#"$PREFIX"}

# The manifest: entries of an earlier install that still exist are kept (an upgrade leaves the
# previous libmx_sso.so.X.Y.Z in place for programs that use it), so uninstall finds them all.
entries=()
if [ -f "$(staged "$manifest")" ]; then
  while read -r kind path; do
    case $kind in '' | '#'*) continue ;; esac
    under_prefix "$path" || continue
    if [ "$kind" = d ] || [ -e "$(staged "$path")" ] || [ -L "$(staged "$path")" ]; then
      entries+=("$kind $path")
    fi
  done <"$(staged "$manifest")"
fi
record() {
  local entry
  for entry in "${entries[@]}"; do
    [ "$entry" != "$1 $2" ] || return 0
  done
  entries+=("$1 $2")
}

make_dir() { # creates a directory under PREFIX, recording each level that did not exist
  local dir=$1 missing=() d
  d=$dir
  while [ "$d" != "$PREFIX" ] && [ ! -d "$(staged "$d")" ]; do
    missing=("$d" "${missing[@]}")
    d=${d%/*}
  done
  if [ ! -d "$(staged "$PREFIX")" ]; then
    mkdir -p -- "$(staged "$PREFIX")"
  fi
  for d in "${missing[@]}"; do
    mkdir -m 0755 -- "$(staged "$d")"
    record d "$d"
  done
}

# Files that exist only while install runs, removed however it ends (a failed step exits at
# once under set -e): the rendered templates' directory, and a copy not yet renamed into place.
render_dir=
partial=
remove_temporary_files() {
  [ -z "$partial" ] || rm -f -- "$partial"
  [ -z "$render_dir" ] || rm -rf -- "$render_dir"
}
trap remove_temporary_files EXIT

install_file() { # mode source destination
  make_dir "${3%/*}"
  # Copy, then rename over the old file: a running program keeps the library it mapped.
  partial=$(staged "$3").tmp$$
  cp -- "$2" "$partial"
  chmod "$1" "$partial"
  mv -f -- "$partial" "$(staged "$3")"
  partial=
  record f "$3"
}

install_link() { # target link
  make_dir "${2%/*}"
  ln -sfn -- "$1" "$(staged "$2")"
  record l "$2"
}

render() { # template destination
  local text
  text=$(<"$1")
  text=${text//@VERSION@/"$version"}
  text=${text//@SONAME@/"$soname"}
  text=${text//@ABI@/"$abi"}
  text=${text//@REAL_NAME@/"$real_name"}
  text=${text//@PREFIX@/"$pc_prefix_value"}
  text=${text//@LIBDIR_PC@/"$libdir_pc"}
  text=${text//@INCLUDEDIR_PC@/"$includedir_pc"}
  text=${text//@NATIVE_LIBS@/"$native_libs"}
  text=${text//@CMAKE_NATIVE_LIBS@/"$cmake_native_libs"}
  text=${text//@CMAKE_TO_PREFIX@/"$cmake_to_prefix"}
  text=${text//@CMAKE_LIBDIR@/"$cmake_libdir"}
  text=${text//@CMAKE_INCLUDEDIR@/"$cmake_includedir"}
  text=${text//@SIZEOF_VOID_P@/"$sizeof_void_p"}
  case $text in *@[A-Z_]*@*) die "unreplaced placeholder in $1" ;; esac
  [ -n "$render_dir" ] || render_dir=$(mktemp -d "${TMPDIR:-/tmp}/mx-sso-install.XXXXXX")
  printf '%s\n' "$text" >"$render_dir/${2##*/}"
  install_file 0644 "$render_dir/${2##*/}" "$2"
}

install_file 0755 "$shared" "$LIBDIR/$real_name"
[ "$soname" = "$real_name" ] || install_link "$real_name" "$LIBDIR/$soname"
install_link "$soname" "$LIBDIR/libmx_sso.so"
install_file 0644 "$static" "$LIBDIR/libmx_sso.a"
install_file 0644 "$header" "$INCLUDEDIR/mx_sso.h"
install_file 0644 "$cpp_header" "$INCLUDEDIR/mx_sso.hpp"
install_file 0755 "$cli" "$BINDIR/mx-sso"
render "$packaging/mx_sso.pc.in" "$LIBDIR/pkgconfig/mx_sso.pc"
render "$packaging/mx_sso-static.pc.in" "$LIBDIR/pkgconfig/mx_sso-static.pc"
render "$packaging/mx_ssoConfig.cmake.in" "$cmake_dir/mx_ssoConfig.cmake"
render "$packaging/mx_ssoConfigVersion.cmake.in" "$cmake_dir/mx_ssoConfigVersion.cmake"

if [ "$relocatable" = 1 ]; then
  echo "mx-sso $version laid out in $PREFIX, relocatable (SONAME $soname)"
  exit 0
fi
make_dir "${manifest%/*}"
partial=$(staged "$manifest").tmp$$
{
  echo "# mx-sso $version installed in $PREFIX; \`make uninstall PREFIX=$PREFIX\` removes these"
  echo "# (f file, l symbolic link, d directory created by install, removed when empty)"
  printf '%s\n' "${entries[@]}"
} >"$partial"
mv -f -- "$partial" "$(staged "$manifest")"
partial=

echo "mx-sso $version installed in $(staged "$PREFIX") (SONAME $soname)"
if [ -z "$DESTDIR" ] && [ "$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then
  case $LIBDIR in /usr/lib | /usr/lib/* | /usr/local/lib | /usr/local/lib/* | /lib | /lib/*) ldconfig ;; esac
fi
