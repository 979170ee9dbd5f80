#!/usr/bin/env bash
# A one-node Slurm on this machine, for Gridwise's dispatch tests and the README's walk-through.
#
#   scripts/slurm-local.sh install          apt-get install slurm-wlm and munge (Debian's packages)
#   scripts/slurm-local.sh start [PART ...] write a configuration, start munged, slurmctld and slurmd
#   scripts/slurm-local.sh stop             stop them (by their pid files)
#   scripts/slurm-local.sh status           sinfo, or why not
#   scripts/slurm-local.sh env              the line to eval: export SLURM_CONF=...
#
# One node (this host) sits in one partition per region: by default the tests' own (west-ningxia,
# east-shanghai) and every slurm_partition named in the bundled examples; give partition names to choose others. The configuration lives
# in $GRIDWISE_SLURM_DIR (default /tmp/gridwise-slurm); it follows ../shared/reference/slurm-local.md,
# with a short backfill interval so jobs held by --begin start within seconds of it, and finished jobs
# kept in memory for an hour (MinJobAge) so `gridwise status` can still show them. Runs as root.
set -euo pipefail

dir="${GRIDWISE_SLURM_DIR:-/tmp/gridwise-slurm}"
conf="$dir/slurm.conf"
here="$(cd "$(dirname "$0")/.." && pwd)"
# The tests' own partitions, then every slurm_partition the bundled examples' catalogs name.
default_partitions=(west-ningxia east-shanghai $(grep -ho 'slurm_partition: *[A-Za-z0-9_-]*' "$here"/examples/*/regions.yaml 2>/dev/null | sed 's/.*: *//' | sort -u))

say() { echo "slurm-local: $*" >&2; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

install() {
  if command -v slurmctld >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null; then
    say "slurm-wlm and munge already installed"; return
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
  say "installed: $(sbatch --version)"
}

start_munge() {
  if munge -n >/dev/null 2>&1; then return; fi   # munged already answers
  mkdir -p /etc/munge /var/run/munge /var/lib/munge /var/log/munge
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown -R munge:munge /etc/munge /var/run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
  chmod 400 /etc/munge/munge.key
  chmod 711 /var/run/munge
  # Daemons get no standard streams of ours: a caller reading our output through a pipe (the tests do)
  # would otherwise wait for them to exit.
  mkdir -p "$dir"
  munged --force </dev/null >>"$dir/munged.out" 2>&1
}

write_conf() {
  local host; host="$(hostname -s)"
  mkdir -p "$dir/state" "$dir/spool"
  {
    echo "# Written by scripts/slurm-local.sh: a one-node test cluster for Gridwise."
    echo "ClusterName=gridwise-test"
    echo "SlurmctldHost=$host"
    echo "SlurmUser=root"
    echo "SlurmdUser=root"
    echo "AuthType=auth/munge"
    echo "StateSaveLocation=$dir/state"
    echo "SlurmdSpoolDir=$dir/spool"
    echo "SlurmctldPidFile=$dir/slurmctld.pid"
    echo "SlurmdPidFile=$dir/slurmd.pid"
    echo "SlurmctldLogFile=$dir/slurmctld.log"
    echo "SlurmdLogFile=$dir/slurmd.log"
    echo "ProctrackType=proctrack/linuxproc"
    echo "TaskPlugin=task/none"
    echo "SchedulerType=sched/backfill"
    echo "SchedulerParameters=bf_interval=2,sched_interval=2"
    echo "SelectType=select/cons_tres"
    echo "ReturnToService=2"
    echo "MpiDefault=none"
    echo "JobCompType=jobcomp/none"
    echo "MinJobAge=3600"
    # A test node: 64 slots whatever the machine has (config_overrides), so many planned jobs run side by
    # side; each job takes 1 CPU and 16 MB unless it asks for more.
    echo "SlurmdParameters=config_overrides"
    echo "DefMemPerCPU=16"
    echo "NodeName=$host CPUs=64 RealMemory=2000 State=UNKNOWN"
    local first=1
    for p in "$@"; do
      if [ $first = 1 ]; then
        echo "PartitionName=$p Nodes=$host Default=YES MaxTime=INFINITE State=UP"; first=0
      else
        echo "PartitionName=$p Nodes=$host MaxTime=INFINITE State=UP"
      fi
    done
  } > "$conf"
}

start() {
  command -v slurmctld >/dev/null || { say "slurm-wlm is not installed: run '$0 install'"; exit 69; }
  local parts=("$@")
  [ ${#parts[@]} -gt 0 ] || parts=("${default_partitions[@]}")
  if pid_alive "$dir/slurmctld.pid" && pid_alive "$dir/slurmd.pid"; then
    say "already running ($conf)"
  else
    stop_daemons quiet
    start_munge
    write_conf "${parts[@]}"
    slurmctld -f "$conf" </dev/null >>"$dir/slurmctld.out" 2>&1
    slurmd -f "$conf" </dev/null >>"$dir/slurmd.out" 2>&1
  fi
  export SLURM_CONF="$conf"
  # Wait until the controller answers and the node is up.
  for _ in $(seq 1 60); do
    if state="$(sinfo -h -N -o '%T' 2>/dev/null | head -1)" && [ -n "$state" ] && [[ "$state" != *down* && "$state" != *unk* ]]; then
      say "up: $(sinfo -h -o '%P' | tr '\n' ' ')(node $state); export SLURM_CONF=$conf"
      return
    fi
    sleep 1
  done
  say "the controller did not come up in 60 s; see $dir/slurmctld.log, $dir/slurmd.log and the daemons' own output in $dir/*.out"
  tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" "$dir"/*.out >&2 2>/dev/null || true
  exit 69
}

stop_daemons() {
  for d in slurmd slurmctld; do
    if pid_alive "$dir/$d.pid"; then
      kill "$(cat "$dir/$d.pid")"
      for _ in $(seq 1 20); do pid_alive "$dir/$d.pid" || break; sleep 0.5; done
    fi
    rm -f "$dir/$d.pid"
  done
  [ "${1:-}" = quiet ] || say "stopped"
}

case "${1:-}" in
  install) install ;;
  start) shift; start "$@" ;;
  stop) stop_daemons ;;
  status) SLURM_CONF="$conf" sinfo ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
