extension LeRobotConverterScript {
    /// The import and compare halves of the Python source and its entry point (appended to `exportSource`).
    static let importSource = #"""

# ---------------------------------------------------------------------------------------------------- import

def decode_segment(path, start, count, fps):
    """`count` RGB frames of the video at `path` from `start` seconds (frame-accurate for constant-rate video)."""
    container = av.open(path)
    stream = container.streams.video[0]
    first = int(round(start * fps))
    frames = []
    for k, frame in enumerate(container.decode(stream)):
        t = frame.time if frame.time is not None else k / fps
        position = int(round(t * fps))
        if position < first:
            continue
        frames.append(frame.to_ndarray(format="rgb24"))
        if len(frames) == count:
            break
    container.close()
    return frames


def jpeg(frame, quality):
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def import_(dataset, store, quality):
    info = json.load(open(os.path.join(dataset, "meta", "info.json")))
    if not str(info.get("codebase_version", "")).startswith("v3"):
        fail(f"{dataset} is LeRobotDataset {info.get('codebase_version')}; this importer reads v3.0 "
             "(convert older datasets with lerobot's own v2.1 -> v3.0 converter first)")
    fps = info["fps"]
    features = info["features"]
    video_keys = [k for k, v in features.items() if v["dtype"] == "video"]
    episodes_dir = os.path.join(dataset, "meta", "episodes")
    episode_rows = []
    for root, _, files in sorted(os.walk(episodes_dir)):
        for name in sorted(files):
            if name.endswith(".parquet"):
                episode_rows += pq.read_table(os.path.join(root, name)).to_pylist()
    episode_rows.sort(key=lambda r: r["episode_index"])
    data_tables = {}
    def data_rows(row):
        path = os.path.join(dataset, info["data_path"].format(chunk_index=row["data/chunk_index"], file_index=row["data/file_index"]))
        if path not in data_tables:
            data_tables[path] = pq.read_table(path)
        table = data_tables[path]
        mask = pa.compute.equal(table["episode_index"], row["episode_index"])
        return table.filter(mask).sort_by("frame_index").to_pylist()
    enpire = {}
    enpire_path = os.path.join(dataset, "meta", "enpire_episodes.jsonl")
    if os.path.exists(enpire_path):
        enpire = {r["episode_index"]: r for r in read_jsonl(enpire_path)}
    state_key = "observation.state" if "observation.state" in features else None
    if not enpire and not (state_key and "action" in features):
        fail(f"{dataset} has no observation.state and action features; Enpire steps need both")
    os.makedirs(store, exist_ok=True)
    progress = Progress("import", len(episode_rows))
    steps_total = 0
    for done, row in enumerate(episode_rows):
        e = row["episode_index"]
        rows = data_rows(row)
        record = enpire.get(e)
        folder_name = record["folder"] if record else f"lerobot-{e:06d}"
        folder = os.path.join(store, folder_name)
        os.makedirs(folder, exist_ok=True)
        if record:
            step_lines = [r["enpire.step"] for r in rows]
            steps = [json.loads(line) for line in step_lines]
        else:
            names = features[state_key].get("names")
            names = names if isinstance(names, list) and all(isinstance(n, str) for n in names) else None
            width = len(rows[0][state_key])
            steps = []
            for i, r in enumerate(rows):
                step = {"index": i, "timeSeconds": float(r["timestamp"]), "source": "human",
                        "arms": [{"faults": [], "position": [float(v) for v in r[state_key]], "velocity": [],
                                  "timestampSeconds": float(r["timestamp"])}],
                        "features": {}, "interventions": [],
                        "requested": [{"mode": "position", "target": [float(v) for v in r["action"]]}],
                        "applied": [{"mode": "position", "target": [float(v) for v in r["action"]]}]}
                if "observation.environment_state" in r:
                    step["features"]["lerobot.environment_state"] = [float(v) for v in r["observation.environment_state"]]
                if r.get("next.reward") is not None:
                    step["reward"] = float(r["next.reward"])
                if r.get("next.success") is not None:
                    step["success"] = bool(r["next.success"])
                steps.append(step)
            step_lines = [json.dumps(s, sort_keys=True, separators=(",", ":")) for s in steps]
            task = row["tasks"][0] if row.get("tasks") else "lerobot"
            metadata = {"id": folder_name, "task": task, "station": f"lerobot:{info.get('robot_type') or 'unknown'}",
                        "policy": "lerobot-import", "startedAtUnixSeconds": 0, "tags": {"lerobot.episode_index": str(e)},
                        "cameras": [k.split("observation.images.")[-1] for k in video_keys],
                        "arms": [{"name": info.get("robot_type") or "arm",
                                  "axisNames": names or [f"q{i}" for i in range(width)],
                                  "controlRateHz": float(fps), "hasGripper": False,
                                  "lowerLimits": [-1e9] * width, "upperLimits": [1e9] * width}]}
            success = steps[-1].get("success") if steps else None
            summary = {"metadata": metadata, "status": "complete", "stepCount": len(steps),
                       "durationSeconds": len(steps) / fps}
            if success is not None:
                summary["verdict"] = {"success": success, "score": 1.0 if success else 0.0,
                                      "status": "confirmedPass" if success else "likelyFail", "votes": [],
                                      "latencySeconds": 0}
            files = {"metadata.json": json.dumps(metadata, sort_keys=True), "episode.json": json.dumps(summary, sort_keys=True)}
            record = {"files": files, "cameras": {}}
        for key in video_keys:
            camera = key.split("observation.images.")[-1]
            path = os.path.join(dataset, info["video_path"].format(
                video_key=key, chunk_index=row[f"videos/{key}/chunk_index"], file_index=row[f"videos/{key}/file_index"]))
            saved = record["cameras"].get(camera)
            count = saved["videoFrames"] if saved else len(rows)
            frames = decode_segment(path, row[f"videos/{key}/from_timestamp"], count, fps)
            if len(frames) < count:
                fail(f"{path}: episode {e} needs {count} frames from {row[f'videos/{key}/from_timestamp']} s, the video has {len(frames)}")
            if saved:
                wanted = [(x["step"], x["time"]) for x in saved["index"]]
                frame_of = {s: s for s in saved["realFrames"]}
            else:
                wanted = [(i, float(r["timestamp"])) for i, r in enumerate(rows)]
                frame_of = {i: i for i in range(len(rows))}
            offset = 0
            with open(os.path.join(folder, f"{camera}.mjpeg"), "wb") as stream, \
                    open(os.path.join(folder, f"{camera}.index.jsonl"), "w") as index:
                for step, t in wanted:
                    data = jpeg(frames[frame_of.get(step, min(step, len(frames) - 1))], quality)
                    stream.write(data)
                    index.write(json.dumps({"length": len(data), "offset": offset, "step": step, "time": t},
                                           sort_keys=True, separators=(",", ":")) + "\n")
                    offset += len(data)
        with open(os.path.join(folder, "steps.jsonl"), "w") as f:
            for line in step_lines:
                f.write(line + "\n")
        for name, text in record["files"].items():
            if name == "episode.json":
                continue
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
        with open(os.path.join(folder, ".episode.json.tmp"), "w") as f:
            f.write(record["files"]["episode.json"])
        os.replace(os.path.join(folder, ".episode.json.tmp"), os.path.join(folder, "episode.json"))
        steps_total += len(steps)
        progress(done + 1)
    emit(event="result", episodes=len(episode_rows), frames=steps_total, fps=fps, tasks=[], cameras=video_keys)


# ---------------------------------------------------------------------------------------------------- compare

def compare(original, copy):
    """Round-trip check of two stores: identical step lines, summaries and metadata; PSNR of every camera frame."""
    ids = sorted(d for d in os.listdir(original) if os.path.isfile(os.path.join(original, d, "episode.json")))
    mismatched, squared, pixels, frames, worst = [], 0.0, 0, 0, float("inf")
    steps = 0
    progress = Progress("compare", len(ids))
    for n, d in enumerate(ids):
        a, b = os.path.join(original, d), os.path.join(copy, d)
        for name in ("steps.jsonl", "episode.json", "metadata.json"):
            if not os.path.exists(os.path.join(b, name)) or open(os.path.join(a, name)).read() != open(os.path.join(b, name)).read():
                mismatched.append(f"{d}/{name}")
        steps += sum(1 for line in open(os.path.join(a, "steps.jsonl")) if line.strip())
        for camera in json.load(open(os.path.join(a, "metadata.json")))["cameras"]:
            ia, ib = read_jsonl(os.path.join(a, f"{camera}.index.jsonl")), read_jsonl(os.path.join(b, f"{camera}.index.jsonl"))
            if [(x["step"], x["time"]) for x in ia] != [(x["step"], x["time"]) for x in ib]:
                mismatched.append(f"{d}/{camera}.index.jsonl")
                continue
            sa, sb = open(os.path.join(a, f"{camera}.mjpeg"), "rb").read(), open(os.path.join(b, f"{camera}.mjpeg"), "rb").read()
            for x, y in zip(ia, ib):
                fa = np.asarray(Image.open(io.BytesIO(sa[x["offset"]:x["offset"] + x["length"]])).convert("RGB"), np.float64)
                fb = np.asarray(Image.open(io.BytesIO(sb[y["offset"]:y["offset"] + y["length"]])).convert("RGB"), np.float64)
                error = ((fa - fb) ** 2).sum()
                squared += error; pixels += fa.size; frames += 1
                mse = error / fa.size
                worst = min(worst, 99.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse))
        progress(n + 1)
    mse = squared / max(pixels, 1)
    emit(event="result", episodes=len(ids), frames=frames, steps=steps, mismatched=mismatched,
         psnr_db=99.0 if mse == 0 else 10 * math.log10(255 ** 2 / mse), worst_frame_psnr_db=worst if frames else None)


def main(argv):
    if len(argv) < 3:
        fail("usage: converter export STORE OUTPUT [codec crf task] | import DATASET STORE [jpeg-quality]")
    if argv[0] == "export":
        export(argv[1], argv[2], argv[3] if len(argv) > 3 else "libx264", int(argv[4]) if len(argv) > 4 else 18,
               argv[5] if len(argv) > 5 and argv[5] else None)
    elif argv[0] == "compare":
        compare(argv[1], argv[2])
    elif argv[0] == "import":
        import_(argv[1], argv[2], int(argv[3]) if len(argv) > 3 else 90)
    else:
        fail(f"unknown mode {argv[0]}: export or import")


main(sys.argv[1:])
"""#
}
