#!/usr/bin/env bash
# Optuna search with DDP trials (one trial at a time across the processes):
#   bash tools/hpo/dist_optuna_search.sh CONFIG GPUS --trials N --storage URL [args]
# On a machine without GPUs the processes train on CPU with the gloo backend.
# The launch is tools/dist_train.sh's (same NNODES, NODE_RANK, PORT,
# MASTER_ADDR, PYTHON variables) with the search as its entry point.
TRAIN_SCRIPT="$(dirname "$0")/optuna_search.py" \
    exec bash "$(dirname "$0")/../dist_train.sh" "$@"
