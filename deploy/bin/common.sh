# Shared by the deploy/ scripts (sourced, not run). Settings, all optional:
#   GRIDLET_DEPLOY_RUN   where pid files, logs and data go (default: deploy/run)
#   FLINK_CONF_DIR       the Flink configuration directory (default: deploy/conf/flink)
#   KAFKA_CONFIG         the broker's properties template (default: deploy/conf/kafka/server.properties)
#   JAVA                 the java to run (default: java on PATH)
deploy_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_root=$(cd "$deploy_root/.." && pwd)
run_dir=${GRIDLET_DEPLOY_RUN:-$deploy_root/run}
# one spelling of the directory however it is given (relative, trailing slash, through a link): the running
# check compares it with a process's command line
mkdir -p "$run_dir"
run_dir=$(cd "$run_dir" && pwd -P)
JAVA=${JAVA:-java}
# what Flink's own scripts pass on Java 17: Flink reflects into these packages
java_opens="--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED \
--add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
--add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED \
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED \
--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# The classpath of deploy/<part>/target/lib, assembled by Maven (from Maven Central) when missing.
classpath_of() {
  local part=$1 lib="$deploy_root/$1/target/lib"
  if [ ! -d "$lib" ] || [ -z "$(ls -A "$lib" 2> /dev/null)" ]; then
    echo "$(basename "$0"): assembling $part's classpath (mvn package in deploy/$part) ..." >&2
    (cd "$repo_root" && mvn -B -q -Dstyle.color=never -pl "deploy/$part" package) >&2 \
      || die "could not assemble deploy/$part/target/lib"
  fi
  echo "$lib/*"
}

pid_file() { echo "$run_dir/$1.pid"; }

# flink_resource_params COMMAND CONF [-D key=value ...]: one line, the JVM's memory options and the settings
# Flink derives from the configuration, separated by a tab (worked out by Flink's BashJavaUtils, as Flink's own
# scripts do). COMMAND: GET_JM_RESOURCE_PARAMS or GET_TM_RESOURCE_PARAMS.
flink_resource_params() {
  local command=$1 conf=$2 cp out results
  shift 2
  cp=$(classpath_of flink)
  out=$("$JAVA" -cp "$cp" org.apache.flink.runtime.util.bash.BashJavaUtils "$command" --configDir "$conf" "$@" \
    2>&1) || die "Flink refused the configuration: $out"
  results=$(grep '^BASH_JAVA_UTILS_EXEC_RESULT:' <<< "$out" | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://')
  [ "$(wc -l <<< "$results")" -ge 2 ] || die "unexpected answer from Flink's BashJavaUtils: $out"
  printf '%s\t%s\n' "$(sed -n 1p <<< "$results")" "$(sed -n 2p <<< "$results")"
}

# Whether NAME runs: its pid file names a live process that is that java (its command line has the log file
# this run directory gives NAME), not whatever process got the number after a reboot.
running() {
  local f pid
  f=$(pid_file "$1")
  [ -f "$f" ] || return 1
  pid=$(cat "$f")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2> /dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' '\n' < "/proc/$pid/cmdline" | grep -qxF -- "-Dlog.file=$run_dir/$1.log"
  else # no /proc: ps's view of the command line (space-separated)
    ps -o args= -p "$pid" 2> /dev/null | grep -qF -- "-Dlog.file=$run_dir/$1.log "
  fi
}

# The usage: a script's leading comment lines (after the #! line).
usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

# Ends a script with its usage: on stdout and status 0 when asked (-h, --help), else on stderr and status 2.
usage_exit() {
  case "${1:-}" in
    -h | --help | help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
}

# Refuses to start NAME twice (before anything of the running one is touched: its log, its configuration).
not_running() {
  if running "$1"; then die "$1 is running already (pid $(cat "$(pid_file "$1")"))"; fi
  rm -f "$(pid_file "$1")" "$run_dir/$1.log"
}

# start_java NAME [java arguments...]: runs java in the background, its pid in RUN/NAME.pid, its output in
# RUN/NAME.out and its log in RUN/NAME.log. Call not_running NAME first.
start_java() {
  local name=$1
  shift
  mkdir -p "$run_dir"
  # shellcheck disable=SC2086
  nohup "$JAVA" $java_opens -Dlog.file="$run_dir/$name.log" "$@" > "$run_dir/$name.out" 2>&1 < /dev/null &
  echo $! > "$(pid_file "$name")"
  echo "$name started (pid $!, log $run_dir/$name.log)"
}

# stop_java NAME: SIGTERM, then SIGKILL after 30 s.
stop_java() {
  local name=$1 pid f
  f=$(pid_file "$name")
  if ! running "$name"; then
    [ -f "$f" ] && echo "$name is not running (a stale pid file removed; no process was signalled)" \
      || echo "$name is not running"
    rm -f "$f"
    return 0
  fi
  pid=$(cat "$f")
  kill "$pid" 2> /dev/null || true
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2> /dev/null; then
    echo "$name did not stop in 30 s: killing it" >&2
    kill -9 "$pid" 2> /dev/null || true
  fi
  rm -f "$f"
  echo "$name stopped"
}

# wait_until SECONDS DESCRIPTION NAME COMMAND...: retries COMMAND every 0.5 s; fails when NAME's process ends
# first or the time is up.
wait_until() {
  local seconds=$1 what=$2 name=$3
  shift 3
  local tries=$((seconds * 2))
  for _ in $(seq 1 "$tries"); do
    "$@" > /dev/null 2>&1 && return 0
    running "$name" || die "$name ended before $what; see $run_dir/$name.out and $run_dir/$name.log"
    sleep 0.5
  done
  die "$what: not within $seconds s; $name still runs (pid $(cat "$(pid_file "$name")"); stop it with: $0 stop$(
    [[ "$name" == taskmanager-* ]] && echo " ${name#taskmanager-}")); see $run_dir/$name.log"
}
