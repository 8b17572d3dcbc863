"""An execution of the rehearsal's fault steps (infra/rehearsal/faults.sh): prints a start line,
sleeps WORK_SECONDS, writes outputs/result.txt and prints a done line. WORK_TAG names the step;
under --batch the input's name (RGRID_BATCH_INPUT) goes into both lines and the output."""
import os
import time

tag = os.environ.get("WORK_TAG", "work")
name = os.environ.get("RGRID_BATCH_INPUT", "-")
print(f"{tag}: start {name}", flush=True)
time.sleep(float(os.environ.get("WORK_SECONDS", "0")))
os.makedirs("outputs", exist_ok=True)
with open(os.path.join("outputs", "result.txt"), "w", encoding="utf-8") as out:
    out.write(f"{tag} {name} done\n")
print(f"{tag}: done {name}", flush=True)
