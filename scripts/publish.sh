#!/usr/bin/env bash
# Builds THÉRÈSE for people to install, from this machine (Linux) for every platform:
#   dist/therese-<version>-<rid>.tar.gz (.zip for Windows), each holding one folder therese-<version>/ with the
#   executable therese (therese.exe), the .NET runtime inside it, the web front end, appsettings.json and
#   llama.cpp's native libraries (every CPU variant); and dist/SHA256SUMS over the archives there.
#
#   bash scripts/publish.sh [RID…]      RIDs: linux-x64 linux-arm64 win-x64 osx-arm64 osx-x64 (none: all five)
#
# THERESE_READY_TO_RUN=false leaves ReadyToRun out (a quicker build, a slower start: the tests use it for the
# targets they only inspect). THERESE_DIST=folder writes somewhere else than dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

all=(linux-x64 linux-arm64 win-x64 osx-arm64 osx-x64)
rids=("$@")
[ ${#rids[@]} -gt 0 ] || rids=("${all[@]}")
for rid in "${rids[@]}"; do
  [[ " ${all[*]} " == *" $rid "* ]] || { echo "publish.sh: unknown target '$rid' (known: ${all[*]})" >&2; exit 2; }
done

version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)
[ -n "$version" ] || { echo "publish.sh: no <Version> in Directory.Build.props" >&2; exit 1; }
dist=${THERESE_DIST:-dist}
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)
build="$dist/.build"
ready_to_run=${THERESE_READY_TO_RUN:-true}

for rid in "${rids[@]}"; do
  started=$(date +%s)
  name="therese-$version"
  stage="$build/stage/$rid"
  rm -rf "$stage"
  # Its own obj/ and bin/ per target: a developer's build and the other targets' restores are left alone.
  dotnet publish src/Therese.Server/Therese.Server.csproj -c Release -r "$rid" --nologo -v quiet \
    -p:ThereseApp=true -p:PublishReadyToRun="$ready_to_run" \
    -p:BaseIntermediateOutputPath="$build/obj/$rid/" -p:BaseOutputPath="$build/bin/$rid/" \
    -o "$stage/$name"
  cp scripts/release/LISEZMOI.txt "$stage/$name/LISEZMOI.txt"
  # Readable by everyone (NuGet leaves the native libraries owner-only), so an install in /opt serves every account.
  chmod -R u+rwX,go+rX,go-w "$stage/$name"

  case "$rid" in
    win-*)
      archive="$name-$rid.zip"
      rm -f "$dist/$archive"
      (cd "$stage" && zip -q -r -X "$dist/$archive" "$name")
      ;;
    *)
      archive="$name-$rid.tar.gz"
      # Owned by nobody in particular: whoever extracts it owns the files.
      tar -C "$stage" --owner=0 --group=0 --numeric-owner -czf "$dist/$archive" "$name"
      ;;
  esac
  echo "publish.sh: $dist/$archive ($(du -h "$dist/$archive" | cut -f1), $(( $(date +%s) - started )) s)"
done

# The checksums of every archive of this version in dist/, whichever run built it.
(
  cd "$dist"
  shopt -s nullglob
  archives=(therese-"$version"-*.tar.gz therese-"$version"-*.zip)
  sha256sum "${archives[@]}" > SHA256SUMS
)
echo "publish.sh: $dist/SHA256SUMS"
