#!/usr/bin/env bash
# What CI runs for analysis/ (the `.ci/run` step "analysis: notebook and Spark job"):
# 1. committed notebooks hold no outputs (outputs are stripped from git);
# 2. `soundalike pipeline run` builds the lake and the marts from the bundled data (a temp folder);
# 3. analysis/catalog.ipynb runs against that lake (`jupyter nbconvert --execute`);
# 4. the Spark job (analysis/spark/hybrid_mart.py, local[2]) computes the `hybrid` mart from the
#    lake and writes it back into it as the table related_artists;
# 5. `soundalike pipeline run --source lake --algorithm hybrid` recomputes soundalike's own mart
#    from the same lake (the native path, timed like the Spark job, whole process);
# 6. analysis/spark/compare.py prints the top-10 overlap of the two marts and fails below 0.95.
#   scripts/analysis-check.sh
# The binary: SOUNDALIKE_BIN, else $CARGO_TARGET_DIR/release/soundalike (CI's release build),
# built when missing. Python packages and Java: scripts/analysis-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(bash scripts/analysis-deps.sh | tail -1)"
py="$venv/bin/python"
target="${CARGO_TARGET_DIR:-target}"
bin="${SOUNDALIKE_BIN:-$target/release/soundalike}"
[ -x "$bin" ] || cargo build --release --locked --quiet -p soundalike
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
data="$work/data"
lake="$data/lake"
now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "--- notebooks in git hold no outputs"
mapfile -t notebooks < <(git ls-files -- 'analysis/*.ipynb')
"$py" - "${notebooks[@]}" <<'PY'
import sys
import nbformat

dirty = []
for path in sys.argv[1:]:
    notebook = nbformat.read(path, as_version=4)
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            dirty.append(f"{path}: cell {i}")
if dirty:
    print("notebooks with outputs (jupyter nbconvert --clear-output --inplace FILE):")
    print("\n".join("  " + d for d in dirty))
    sys.exit(1)
print(f"{len(sys.argv) - 1} notebook(s), no outputs")
PY

echo "--- soundalike pipeline run (bundled data → lake → marts)"
"$bin" --data-dir "$data" pipeline run >"$work/pipeline.log" 2>&1 || { cat "$work/pipeline.log"; exit 1; }
tail -n 3 "$work/pipeline.log"

echo "--- notebook: analysis/catalog.ipynb"
SOUNDALIKE_LAKE="$lake" "$venv/bin/jupyter" nbconvert --to notebook --execute \
  --ExecutePreprocessor.timeout=300 analysis/catalog.ipynb --output-dir "$work" \
  --log-level WARN

echo "--- Spark job: hybrid mart on local[2]"
start="$(now)"
"$py" analysis/spark/hybrid_mart.py --lake "$lake" --master 'local[2]' 2>"$work/spark.err" \
  || { tail -n 40 "$work/spark.err"; exit 1; }
spark_seconds="$(seconds "$start" "$(now)")"

echo "--- native: soundalike pipeline run --source lake --algorithm hybrid"
start="$(now)"
"$bin" --data-dir "$data" pipeline run --source lake --algorithm hybrid >"$work/native.log" 2>&1 \
  || { cat "$work/native.log"; exit 1; }
native_seconds="$(seconds "$start" "$(now)")"
grep -i "similarity" "$work/native.log" || true

echo "--- compare"
echo "wall seconds, lake → hybrid mart: Spark local[2] ${spark_seconds} s, native ${native_seconds} s"
"$py" analysis/spark/compare.py --lake "$lake" --store "$data/soundalike.sqlite" \
  --algorithm hybrid --min-overlap 0.95
