#!/usr/bin/env bash
# Makes the CLI's ahead-of-time cache once the jar and lib/ exist (the launcher runs it once per build):
# the libraries' pre-Java 6 class files rewritten as Java 8 ones (ClassFileUpgrade.java), then
# one training run (io.rgrid.cli.AotTraining) with the launcher's JVM options, so the classes the
# commands load are stored loaded and linked, and the launcher's JVMs map them instead.
#   JDK 25+: an AOT cache (JEP 483/514, -XX:AOTCacheOutput); JDK 21-24: a dynamic CDS archive
#   (-XX:ArchiveClassesAtExit). Either way TARGET/rgrid-cli.aot, and TARGET/rgrid-cli.aot.jdk
#   names the JDK that made it (the launcher uses the cache only with that JDK).
#
#   aot-cache.sh JAVA_HOME TARGET_DIR
# A JDK that cannot make one leaves no cache (the CLI then starts without it) and fails nothing.
set -euo pipefail

java_home=$1
target=$2
cache=$target/rgrid-cli.aot
rm -f "$cache" "$cache.jdk"

release=$java_home/release
major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" 2>/dev/null || true)
if [[ -z $major ]] || ((major < 21)); then
  echo "aot-cache: no cache: $java_home is not a JDK 21+ with a release file" >&2
  exit 0
fi
# Old (pre-Java 6) class files in lib/ become Java 8 ones first, so the cache can hold them
# (ClassFileUpgrade.java says why; picocli's). It needs JDK 24's class-file API; without it, or if
# it fails, the jars stay as they are and the cache holds the rest.
if ((major >= 24)) && [[ -d $target/lib ]]; then
  if ! "$java_home/bin/java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:disable -Xlog:all=error:stderr \
    "$(dirname "$0")/ClassFileUpgrade.java" "$target/lib"; then
    echo "aot-cache: the libraries' old class files stay as they are; the cache will not hold them" >&2
  fi
fi
if ((major >= 25)); then
  dump=(-XX:AOTCacheOutput="$cache")
else
  dump=(-XX:ArchiveClassesAtExit="$cache")
fi

# The JVM options must be the launcher's (../../rgrid): a cache records the collector it was made with.
if ! "$java_home/bin/java" "${dump[@]}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
  -Djdk.reflect.useNativeAccessorOnly=true -Xlog:disable -Xlog:all=error:stderr -cp "$target/rgrid-cli.jar" io.rgrid.cli.AotTraining; then
  echo "aot-cache: the training run failed; the CLI starts without a cache" >&2
  rm -f "$cache"
  exit 0
fi
if [[ ! -s $cache ]]; then
  echo "aot-cache: $java_home made no cache; the CLI starts without one" >&2
  exit 0
fi
# What the launcher compares with the JDK it found (JAVA_RUNTIME_VERSION and IMPLEMENTOR lines).
grep -E '^(JAVA_RUNTIME_VERSION|IMPLEMENTOR)=' "$release" >"$cache.jdk"
echo "aot-cache: $(basename "$cache") made by $java_home ($(wc -c <"$cache") bytes)"
