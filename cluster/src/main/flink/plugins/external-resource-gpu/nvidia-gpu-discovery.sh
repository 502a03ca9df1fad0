#!/usr/bin/env bash
# GPU discovery for Flink's external-resource framework (external-resource.gpu.param.discovery-script.path):
# prints the indices of AMOUNT GPUs for this TaskManager, comma-separated, like the script of the same
# name in the Flink distribution (which is not on Maven Central; this one has no coordination mode).
#
#   nvidia-gpu-discovery.sh AMOUNT
#
# The GPUs come from nvidia-smi, or from SEMDEX_GPU_INDEXES ("0 1 2 3") when it is set: to give each of
# several TaskManagers on one host its own GPUs, and in tests on machines with no GPU.
set -euo pipefail

if [ $# -lt 1 ] || ! [ "$1" -ge 1 ] 2>/dev/null; then
  echo "usage: nvidia-gpu-discovery.sh AMOUNT (AMOUNT >= 1)" >&2
  exit 1
fi
AMOUNT=$1

if [ -n "${SEMDEX_GPU_INDEXES:-}" ]; then
  INDEXES="$SEMDEX_GPU_INDEXES"
elif ! INDEXES="$(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null)"; then
  echo "nvidia-smi failed: no NVIDIA driver is visible to this TaskManager" >&2
  exit 1
fi

# shellcheck disable=SC2206
ALL=($INDEXES)
if [ "${#ALL[@]}" -lt "$AMOUNT" ]; then
  echo "Could not get enough GPU resources: $AMOUNT wanted, ${#ALL[@]} found (${ALL[*]:-none})" >&2
  exit 1
fi
TAKEN=("${ALL[@]:0:$AMOUNT}")
(IFS=,; echo "${TAKEN[*]}")
