#!/bin/sh
# Stands in for ssh when Open MPI starts its daemons on the cluster of cluster.sh (--mca plm_rsh_agent):
#   agent.sh [ssh options] HOST COMMAND...   runs COMMAND in HOST's network and UTS namespaces via sh -c.
STATE=${M4TS_STATE:-/run/mpi4ts-cluster}
while [ $# -gt 0 ]; do
  case "$1" in
    -o|-p|-l|-i|-F) shift 2 ;;
    --) shift; break ;;
    -*) shift ;;
    *) break ;;
  esac
done
host=$1; shift
ns=$(awk -v h="$host" '$1==h || $2==h {print $2; exit}' "$STATE/hosts")
[ -n "$ns" ] || { echo "agent.sh: unknown host '$host'" >&2; exit 255; }
# Each host sees its own $STATE/private ($STATE/$ns.private mounted there, in the mount table `ip netns exec` gives
# the namespace): files no other host sees, as on a cluster without a shared file system.
exec ip netns exec "$ns" nsenter --uts="$STATE/$ns.uts" -- /bin/sh -c "mount --bind '$STATE/$ns.private' '$STATE/private' || exit 255; $*"
