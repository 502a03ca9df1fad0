# Sourced by semdex's launchers (bin/semdex, and ./semdex in a source checkout). semdex_find_java sets
# JAVA_HOME to a Java >= SEMDEX_MIN_JAVA: $JAVA_HOME if it is new enough, else the newest one found on PATH
# or in the usual JDK folders (SEMDEX_JAVA_DIRS, when set, replaces that list of folders). Without one it
# prints a single line saying what it found and what it needs, and returns 1. With the argument "jdk" it
# also needs javac (to build).

SEMDEX_MIN_JAVA=25

semdex_java_major() { # the feature version of the java binary $1 (25 for "25.0.1"), or nothing
  local release; release="$(dirname "$(dirname "$1")")/release"
  if [ -f "$release" ]; then # a JDK's or JRE's release file says it without starting a JVM
    sed -n 's/^JAVA_VERSION="\(1\.\)\{0,1\}\([0-9][0-9]*\).*/\2/p' "$release" | head -n 1
    return
  fi
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

semdex_find_java() {
  local need_javac="${1:-}" dir v best="" best_v=0 seen=""
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  local folders="${SEMDEX_JAVA_DIRS-/usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/* $HOME/.sdkman/candidates/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home}"
  for dir in $folders; do # unquoted: the folders are globs
    candidates+=("$dir")
  done
  for dir in "${candidates[@]}"; do
    [ -x "$dir/bin/java" ] || continue
    [ -z "$need_javac" ] || [ -x "$dir/bin/javac" ] || continue
    v="$(semdex_java_major "$dir/bin/java")"
    [ -n "$v" ] || continue
    case " $seen " in *" $v "*) ;; *) seen="${seen:+$seen }$v" ;; esac
    if [ "$dir" = "${JAVA_HOME:-}" ] && [ "$v" -ge "$SEMDEX_MIN_JAVA" ]; then best="$dir"; break; fi
    if [ "$v" -ge "$SEMDEX_MIN_JAVA" ] && [ "$v" -gt "$best_v" ]; then best="$dir"; best_v="$v"; fi
  done
  if [ -z "$best" ]; then
    local found="none"
    [ -z "$seen" ] || found="only Java $seen"
    echo "semdex needs Java $SEMDEX_MIN_JAVA or newer${need_javac:+ (a JDK, to build)} and found $found: install one (e.g. Temurin $SEMDEX_MIN_JAVA) and set JAVA_HOME to it." >&2
    return 1
  fi
  if [ -n "${JAVA_HOME:-}" ] && [ "$best" != "$JAVA_HOME" ]; then
    echo "semdex: JAVA_HOME ($JAVA_HOME) is not a Java $SEMDEX_MIN_JAVA or newer${need_javac:+ JDK}; using $best" >&2
  fi
  JAVA_HOME="$best"
  export JAVA_HOME
}
