#!/usr/bin/env bash
# Figures for composing and adapting expert subsets (issue 12), on the shared corpus (code_java, lit_en):
# train a small EMO model briefly, prune it to the union of two tasks, fine-tune the union and merge it back,
# then a sweep with a composition and fine-tuned cells.
#   examples/adapt-bench.sh [WORK_DIR] [TRAIN_STEPS] [FINETUNE_STEPS]
# Prints the tokens/s of a full-model training step and of a fine-tune step of the pruned union (both from the
# commands' own summaries), then the union-cost and finetune-effect queries.
set -euo pipefail
work="${1:-runs/adapt-bench}"
train_steps="${2:-40}"
finetune_steps="${3:-20}"
corpus="${EMOFLOW_CORPUS:-/work/shared/corpus}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
emoflow="$here/emoflow"
mkdir -p "$work"
if [[ ! -f "$work/prepared/manifest.json" ]]; then
  "$emoflow" train-tokenizer --input="$corpus/code_java.jsonl.gz,$corpus/lit_en.jsonl.gz" --vocab-size=4096 \
      --output="$work/tokenizer.json"
  "$emoflow" prepare --input="$corpus/code_java.jsonl.gz,$corpus/lit_en.jsonl.gz" --tokenizer="$work/tokenizer.json" \
      --seq-len=256 --output="$work/prepared"
fi
common=(--batch-size=8 --eval-interval=0 --eval-sequences=32 --log-interval=10 --threads=2)
"$emoflow" train --data="$work/prepared" --output="$work/emo" --preset=small --router=emo \
    --steps="$train_steps" --checkpoint-interval="$train_steps" "${common[@]}" 2>&1 | tee "$work/train.log" | tail -3
[[ -d "$work/union" ]] || "$emoflow" prune --checkpoint="$work/emo" --task=code_java,lit_en --keep=8 \
    --output="$work/union" --threads=2 2>&1 | tail -4
"$emoflow" finetune --checkpoint="$work/union" --task=code_java --output="$work/finetuned" \
    --steps="$finetune_steps" --checkpoint-interval="$finetune_steps" "${common[@]}" 2>&1 | tee "$work/finetune.log" | tail -3
[[ -d "$work/merged" ]] || "$emoflow" merge --full="$work/emo" --finetuned="$work/finetuned" --output="$work/merged"
train_rate="$(grep -o 'step [0-9]*, [0-9,]* tokens/s' "$work/train.log" | tail -1 | grep -o '[0-9,]* tokens' | tr -d ', tokens')"
finetune_rate="$(grep -o 'step [0-9]*, [0-9,]* tokens/s' "$work/finetune.log" | tail -1 | grep -o '[0-9,]* tokens' | tr -d ', tokens')"
echo "train (full small EMO, batch 8 x 256): $train_rate tokens/s; finetune (pruned union): $finetune_rate tokens/s;" \
    "ratio $(awk "BEGIN { printf \"%.2f\", $finetune_rate / $train_rate }")"
cat > "$work/sweep.yaml" <<YAML
output: $work/results
run_id: adapt
checkpoints: [$work/emo]
tasks: [{domain: code_java}, {domain: lit_en}, {name: union, compose: [code_java, lit_en]}]
methods: [layerwise, random]
keep_experts: [4, 8]
calibration_docs: [16]
finetune_steps: [0, $finetune_steps]
evaluation: {max_documents: 32}
analysis: {enabled: false}
YAML
"$emoflow" sweep --config="$work/sweep.yaml" --threads=2 2>&1 | tail -2
"$emoflow" query --results="$work/results" --example=union-cost
"$emoflow" query --results="$work/results" --example=finetune-effect
