#!/usr/bin/env bash
# A Flink 1.19 session cluster on this machine, made of Maven artifacts (no Flink download, no Docker):
# one JobManager and N TaskManagers as plain JVMs, every socket bound to 127.0.0.1.
#
#   infra/flink/local-cluster.sh start            # JobManager + $TASKMANAGERS TaskManagers; prints the master
#   infra/flink/local-cluster.sh add-taskmanager  # one more TaskManager (e.g. to replace a lost one)
#   infra/flink/local-cluster.sh kill-taskmanager N   # kill -9 TaskManager N (to try recovery)
#   infra/flink/local-cluster.sh status           # processes and what the JobManager sees
#   infra/flink/local-cluster.sh stop             # ends the processes this script started, by PID
#
# Settings (environment; defaults in brackets):
#   EMOFLOW_CLUSTER_DIR [REPO/.emoflow/flink-cluster]  conf/, log/, pid files, blobs and temporary files
#   FLINK_REST_PORT [8081]  FLINK_RPC_PORT [6123]     the JobManager's REST (--flinkMaster) and RPC ports
#   TASKMANAGERS [2]  TASK_SLOTS [2]                  TaskManagers started by `start`, slots each
#   TASKMANAGER_MEMORY [4g]                           each TaskManager's process size
#   TASK_OFF_HEAP [1g]                                per TaskManager, for libtorch's native memory (README.md)
#   FLINK_PROPERTIES                                  more flink-conf.yaml lines, appended (they win)
#   MAVEN_ARGS                                        extra arguments for the mvn call that resolves the jars (-o)
#   JAVA [java]                                       Java 17
# The JobManager's REST API answers at http://127.0.0.1:$FLINK_REST_PORT (no web UI: it is not in Maven Central).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dir="${EMOFLOW_CLUSTER_DIR:-$repo/.emoflow/flink-cluster}"
rest_port="${FLINK_REST_PORT:-8081}"
rpc_port="${FLINK_RPC_PORT:-6123}"
java="${JAVA:-java}"
master="127.0.0.1:$rest_port"
# Every process gets this property, so `stop` can tell its own PIDs from a reused PID of something else.
marker="-Demoflow.flink.cluster=$dir"

# Flink's own defaults for Java 17 (its distribution's env.java.default-opts.all): Kryo and the RPC system reach
# into these JDK packages.
java_opts=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
  -Djava.awt.headless=true
)

die() { echo "local-cluster: $*" >&2; exit 1; }

# A PID from one of our pid files that is still this cluster's process.
ours() {
  local pid="$1"
  [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$marker "
}

alive_pids() {
  local file pid
  for file in "$dir"/*.pid; do
    [[ -e "$file" ]] || continue
    pid="$(cat "$file")"
    if ours "$pid"; then echo "$(basename "$file" .pid) $pid"; fi
  done
}

rest() { curl -fsS --max-time 5 "http://$master$1"; }

jobmanager_answers() { rest /overview >/dev/null 2>&1; }

# Whether the JobManager lists this TaskManager (its resource id) as registered.
registered() {
  local listed
  listed="$(rest /taskmanagers 2>/dev/null)" || return 1
  grep -qF "\"id\":\"$1\"" <<<"$listed"
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds="$1" what="$2"
  shift 2
  for ((i = 0; i < seconds * 2; i++)); do
    if "$@"; then return 0; fi
    sleep 0.5
  done
  die "$what did not happen within ${seconds}s (logs: $dir/log/)"
}

resolve_classpath() {
  if [[ ! -s "$dir/classpath.txt" || "$here/pom.xml" -nt "$dir/classpath.txt" || "$repo/pom.xml" -nt "$dir/classpath.txt" ]]; then
    # shellcheck disable=SC2086
    mvn -B -q -ntp ${MAVEN_ARGS:-} -f "$here/pom.xml" dependency:build-classpath \
      -Dmdep.outputFile="$dir/classpath.txt" >"$dir/log/maven.log" 2>&1 \
      || die "resolving the Flink and DJL jars failed (see $dir/log/maven.log)"
  fi
  cat "$dir/classpath.txt"
}

write_config() {
  cat >"$dir/conf/flink-conf.yaml" <<EOF
# Written by infra/flink/local-cluster.sh; FLINK_PROPERTIES lines are appended at the end.
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $rpc_port
jobmanager.bind-host: 127.0.0.1
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $rest_port
taskmanager.host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
io.tmp.dirs: $dir/tmp
blob.storage.directory: $dir/blobs
jobmanager.memory.process.size: 1g
taskmanager.numberOfTaskSlots: ${TASK_SLOTS:-2}
taskmanager.memory.process.size: ${TASKMANAGER_MEMORY:-4g}
# libtorch allocates the sweep's models and activations natively, outside the JVM heap: budget them here
# (also raises -XX:MaxDirectMemorySize by as much). Size: slots x (model + activations) + idle_models x model
# (infra/flink/README.md, "Memory").
taskmanager.memory.task.off-heap.size: ${TASK_OFF_HEAP:-1g}
# Beam's batch jobs use managed memory only to sort in GroupByKey; 10% instead of 40% leaves the heap room.
taskmanager.memory.managed.fraction: 0.1
# DJL and its native libraries load once per TaskManager JVM, not once per job (README.md).
classloader.parent-first-patterns.additional: ai.djl.;com.sun.jna.
# A lost TaskManager or a failed task restarts the job instead of failing it (Flink's default without
# checkpointing is no restart; Beam's --numberOfExecutionRetries does not reach batch jobs). One lost TaskManager
# costs several restarts (its tasks, then each consumer of its lost results), so the attempts are many and close
# at first; 10 attempts backing off from 1 s to 1 min outlast the JobManager's 50 s heartbeat timeout. emoflow
# jobs are safe to re-run: outputs are staged and published at the end (infra/flink/README.md, Restarts).
restart-strategy.type: exponential-delay
restart-strategy.exponential-delay.initial-backoff: 1 s
restart-strategy.exponential-delay.max-backoff: 1 min
restart-strategy.exponential-delay.backoff-multiplier: 2.0
restart-strategy.exponential-delay.attempts-before-reset-backoff: 10
EOF
  if [[ -n "${FLINK_PROPERTIES:-}" ]]; then
    printf '%s\n' "$FLINK_PROPERTIES" >>"$dir/conf/flink-conf.yaml"
  fi
}

# BashJavaUtils is what Flink's own start scripts use to turn the memory settings into JVM options and
# dynamic properties: line 1 of its result is for the JVM, line 2 for the process.
resource_params() {  # resource_params GET_JM_RESOURCE_PARAMS|GET_TM_RESOURCE_PARAMS
  local output
  output="$("$java" -cp "$classpath" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" \
    --configDir "$dir/conf" 2>&1)" || die "Flink refused the memory settings: $output"
  grep '^BASH_JAVA_UTILS_EXEC_RESULT:' <<<"$output" | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://'
}

start_process() {  # start_process NAME MAIN_CLASS JVM_PARAMS DYNAMIC_PARAMS
  local name="$1" main="$2" jvm="$3" dynamic="$4"
  # libtorch's OpenMP threads would otherwise spin while they wait, starving the other JVMs (see README.md).
  # shellcheck disable=SC2086
  OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" nohup "$java" "$marker" $jvm "${java_opts[@]}" \
    -cp "$classpath" "$main" --configDir "$dir/conf" $dynamic \
    >"$dir/log/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
}

next_taskmanager() {
  local n=1
  while [[ -e "$dir/taskmanager-$n.pid" ]]; do n=$((n + 1)); done
  echo "$n"
}

start_taskmanager() {
  local n params jvm dynamic
  n="$(next_taskmanager)"
  params="$(resource_params GET_TM_RESOURCE_PARAMS)"
  jvm="$(sed -n 1p <<<"$params")"
  dynamic="$(sed -n 2p <<<"$params") -D taskmanager.resource-id=taskmanager-$n"
  start_process "taskmanager-$n" org.apache.flink.runtime.taskexecutor.TaskManagerRunner "$jvm" "$dynamic"
  wait_for 120 "TaskManager $n registering" registered "taskmanager-$n"
  echo "taskmanager-$n: pid $(cat "$dir/taskmanager-$n.pid")"
}

command="${1:-}"
case "$command" in
  start)
    [[ -z "$(alive_pids)" ]] || die "a cluster from $dir is running; stop it first"
    rm -rf "$dir/conf" "$dir/tmp" "$dir/blobs" "$dir"/*.pid
    mkdir -p "$dir/conf" "$dir/log" "$dir/tmp" "$dir/blobs"
    classpath="$(resolve_classpath)"
    write_config
    params="$(resource_params GET_JM_RESOURCE_PARAMS)"
    start_process jobmanager org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
      "$(sed -n 1p <<<"$params")" "$(sed -n 2p <<<"$params")"
    wait_for 120 "the JobManager's REST API answering on $master" jobmanager_answers
    echo "jobmanager: pid $(cat "$dir/jobmanager.pid"), --flinkMaster=$master"
    for ((t = 0; t < ${TASKMANAGERS:-2}; t++)); do start_taskmanager; done
    ;;
  add-taskmanager)
    ours "$(cat "$dir/jobmanager.pid" 2>/dev/null || echo 0)" || die "no JobManager from $dir is running"
    classpath="$(resolve_classpath)"
    start_taskmanager
    ;;
  kill-taskmanager)
    pid="$(cat "$dir/taskmanager-${2:?which TaskManager (a number)}.pid" 2>/dev/null || echo 0)"
    ours "$pid" || die "taskmanager-$2 is not running"
    kill -9 "$pid"
    echo "taskmanager-$2: killed (pid $pid)"
    ;;
  status)
    alive_pids | sed 's/ / pid /' || true
    rest /overview 2>/dev/null && echo || echo "no JobManager answering on $master"
    ;;
  stop)
    while read -r name pid; do
      [[ -n "$name" ]] || continue
      kill "$pid" 2>/dev/null || true
      waited=0
      while ours "$pid" && ((waited < 40)); do sleep 0.25; waited=$((waited + 1)); done
      if ours "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
      echo "$name: stopped (pid $pid)"
    done < <(alive_pids)
    rm -f "$dir"/*.pid
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    [[ "$command" == help || "$command" == --help ]] || exit 2
    ;;
esac
