/// The Enpire <-> LeRobotDataset v3 converter that `enpire dataset export|import|compare` runs with `python -c`
/// (numpy, pyarrow, PyAV, Pillow, pandas). Kept here so the `enpire` binary carries it.
enum LeRobotConverterScript {
    /// The Python source.
    static var source: String { exportSource + importSource }

    /// The shared helpers and the export half of the Python source.
    static let exportSource = #"""
# Enpire <-> LeRobotDataset v3 converter (run by `enpire dataset export|import`; needs numpy, pyarrow, av, Pillow).
# Progress and the result go to standard output as JSON lines: {"event":"progress",...} and {"event":"result",...}.
import io, json, math, os, sys, time
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import av
from PIL import Image

CHUNK = "chunk-000/file-000"


def emit(**obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


class Progress:
    def __init__(self, phase, total):
        self.phase, self.total, self.start, self.last = phase, total, time.time(), 0.0

    def __call__(self, done):
        now = time.time()
        if done < self.total and now - self.last < 0.5:
            return
        self.last = now
        eta = (now - self.start) / done * (self.total - done) if done > 0 else None
        emit(event="progress", phase=self.phase, done=done, total=self.total, eta_seconds=eta)


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(2)


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def numeric_stats(values):
    a = np.asarray(values, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    q = {f"q{p:02d}": np.quantile(a, p / 100, axis=0).tolist() for p in (1, 10, 50, 90, 99)}
    return dict(min=a.min(0).tolist(), max=a.max(0).tolist(), mean=a.mean(0).tolist(), std=a.std(0).tolist(),
                count=[int(a.shape[0])], **q)


def image_stats(frames):
    # frames: list of HxWx3 uint8; stats per channel in [0, 1], shape (3, 1, 1) as LeRobot writes them.
    per = np.stack(frames).reshape(-1, 3)[::7].astype(np.float64) / 255.0  # every 7th pixel: enough for stats
    def shape(v):
        return [[[float(x)]] for x in v]
    q = {f"q{p:02d}": shape(np.quantile(per, p / 100, axis=0)) for p in (1, 10, 50, 90, 99)}
    return dict(min=shape(per.min(0)), max=shape(per.max(0)), mean=shape(per.mean(0)), std=shape(per.std(0)),
                count=[len(frames)], **q)


def merge_stats(parts):
    # Count-weighted mean and pooled std; min/max overall; quantiles as count-weighted means (approximate,
    # as LeRobot's own aggregate does).
    counts = np.array([p["count"][0] for p in parts], dtype=np.float64)
    w = counts / counts.sum()
    out = {}
    mean = sum(wi * np.array(p["mean"]) for wi, p in zip(w, parts))
    var = sum(wi * (np.array(p["std"]) ** 2 + (np.array(p["mean"]) - mean) ** 2) for wi, p in zip(w, parts))
    out["min"] = np.min([np.array(p["min"]) for p in parts], axis=0).tolist()
    out["max"] = np.max([np.array(p["max"]) for p in parts], axis=0).tolist()
    out["mean"], out["std"], out["count"] = mean.tolist(), np.sqrt(var).tolist(), [int(counts.sum())]
    for key in ("q01", "q10", "q50", "q90", "q99"):
        out[key] = sum(wi * np.array(p[key]) for wi, p in zip(w, parts)).tolist()
    return out


# ---------------------------------------------------------------------------------------------------- export

def arm_targets(commands, arms):
    out = []
    for command, arm in zip(commands, arms):
        target = command.get("target") or []
        if command.get("mode") == "position" and len(target) == len(arm["position"]):
            out.extend(target)
        else:
            out.extend(arm["position"])  # hold, velocity or torque: the pose the arm keeps
    return out


def export(store, output, codec, crf, task_filter):
    ids = sorted(d for d in os.listdir(store) if os.path.isfile(os.path.join(store, d, "episode.json")))
    episodes = []
    for d in ids:
        summary = json.load(open(os.path.join(store, d, "episode.json")))
        if task_filter and summary["metadata"]["task"] != task_filter:
            continue
        episodes.append((d, summary))
    if not episodes:
        fail(f"no sealed episodes{' of task ' + task_filter if task_filter else ''} in {store} "
             "(an episode is sealed once its episode.json exists; `enpire debug record` or a station's recorder writes them)")
    first = episodes[0][1]["metadata"]
    arms, cameras = first["arms"], first["cameras"]
    rates = {a.get("controlRateHz") for e in episodes for a in e[1]["metadata"]["arms"]}
    if len(rates) != 1 or None in rates:
        fail(f"episodes have control rates {sorted(r for r in rates if r)}; LeRobot needs one fps per dataset: "
             "export one task or station at a time (--task)")
    fps = int(round(rates.pop()))
    state_names = [f"{a['name']}.{n}" for a in arms for n in a["axisNames"]]
    feature_keys = None
    os.makedirs(os.path.join(output, "meta", "episodes", "chunk-000"), exist_ok=True)
    os.makedirs(os.path.join(output, "data", "chunk-000"), exist_ok=True)
    columns = {k: [] for k in ("observation.state", "action", "observation.environment_state", "next.reward",
                                "next.success", "next.done", "enpire.source", "enpire.step", "timestamp",
                                "frame_index", "episode_index", "index", "task_index")}
    tasks, episode_rows, enpire_rows, stats_parts = [], [], [], {}
    writers, sizes, video_time = {}, {}, {c: 0.0 for c in cameras}
    progress = Progress("export", len(episodes))
    index = 0
    for e, (d, summary) in enumerate(episodes):
        folder = os.path.join(store, d)
        meta = summary["metadata"]
        if [a["name"] for a in meta["arms"]] != [a["name"] for a in arms] or meta["cameras"] != cameras:
            fail(f"episode {meta['id']} has arms {[a['name'] for a in meta['arms']]} and cameras {meta['cameras']}, "
                 f"the first has {[a['name'] for a in arms]} and {cameras}: export one station layout at a time (--task)")
        with open(os.path.join(folder, "steps.jsonl")) as f:
            lines = [line.rstrip("\n") for line in f if line.strip()]
        steps = [json.loads(line) for line in lines]
        if not steps:
            continue
        keys = sorted(steps[0]["features"])
        if feature_keys is None:
            feature_keys = keys
            feature_widths = [len(steps[0]["features"][k]) for k in keys]
        task = meta["task"]
        if task not in tasks:
            tasks.append(task)
        ep_states, ep_actions, ep_env = [], [], []
        for i, (line, step) in enumerate(zip(lines, steps)):
            state = [p for arm in step["arms"] for p in arm["position"]]
            action = arm_targets(step["requested"], step["arms"])
            env = [v for k in feature_keys for v in step["features"].get(k, [])]
            if len(env) != sum(feature_widths) or sorted(step["features"]) != feature_keys:
                fail(f"episode {meta['id']} step {i} has features {sorted(step['features'])}, earlier steps "
                     f"{feature_keys}: export one task at a time (--task)")
            columns["observation.state"].append(state)
            columns["action"].append(action)
            columns["observation.environment_state"].append(env)
            columns["next.reward"].append(float(step.get("reward") or 0.0))
            columns["next.success"].append(bool(step.get("success") or False))
            columns["next.done"].append(i == len(steps) - 1)
            columns["enpire.source"].append(step["source"])
            columns["enpire.step"].append(line)
            columns["timestamp"].append(i / fps)
            columns["frame_index"].append(i)
            columns["episode_index"].append(e)
            columns["index"].append(index + i)
            columns["task_index"].append(tasks.index(task))
            ep_states.append(state); ep_actions.append(action); ep_env.append(env)
        row = {"episode_index": e, "tasks": [task], "length": len(steps), "data/chunk_index": 0,
               "data/file_index": 0, "dataset_from_index": index, "dataset_to_index": index + len(steps)}
        stats = {"observation.state": numeric_stats(ep_states), "action": numeric_stats(ep_actions)}
        if feature_keys:
            stats["observation.environment_state"] = numeric_stats(ep_env)
        camera_records = {}
        for camera in cameras:
            entries = read_jsonl(os.path.join(folder, f"{camera}.index.jsonl"))
            with open(os.path.join(folder, f"{camera}.mjpeg"), "rb") as f:
                stream = f.read()
            by_step = {}
            for entry in entries:
                by_step.setdefault(entry["step"], entry)
            frames, real, held = [], [], None
            for i in range(len(steps) + 1):  # step count + 1: the final observation, when there is one
                entry = by_step.get(i)
                if entry is None and i == len(steps):
                    break
                if entry is not None:
                    image = Image.open(io.BytesIO(stream[entry["offset"]:entry["offset"] + entry["length"]])).convert("RGB")
                    held = np.asarray(image)
                    real.append(i)
                if held is None:
                    first_entry = entries[0] if entries else None
                    if first_entry is None:
                        fail(f"episode {meta['id']} camera {camera} has no frames; LeRobot needs one per step")
                    held = np.asarray(Image.open(io.BytesIO(stream[first_entry["offset"]:first_entry["offset"] + first_entry["length"]])).convert("RGB"))
                frames.append(held)
            h, w = frames[0].shape[:2]
            if camera not in writers:
                if h % 2 or w % 2:
                    fail(f"camera {camera} frames are {w}x{h}; yuv420p video needs even sizes")
                path = os.path.join(output, "videos", f"observation.images.{camera}", CHUNK + ".mp4")
                os.makedirs(os.path.dirname(path), exist_ok=True)
                container = av.open(path, "w")
                vstream = container.add_stream(codec, rate=fps)
                vstream.width, vstream.height, vstream.pix_fmt = w, h, "yuv420p"
                vstream.options = {"crf": str(crf), "g": "2"} if codec in ("libx264", "libsvtav1") else {}
                writers[camera] = (container, vstream)
                sizes[camera] = (h, w)
            elif sizes[camera] != (h, w):
                fail(f"episode {meta['id']} camera {camera} frames are {w}x{h}, earlier {sizes[camera][1]}x{sizes[camera][0]}")
            container, vstream = writers[camera]
            for frame in frames:
                for packet in vstream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                    container.mux(packet)
            start = video_time[camera]
            row[f"videos/observation.images.{camera}/chunk_index"] = 0
            row[f"videos/observation.images.{camera}/file_index"] = 0
            row[f"videos/observation.images.{camera}/from_timestamp"] = start
            row[f"videos/observation.images.{camera}/to_timestamp"] = start + len(steps) / fps
            video_time[camera] = start + len(frames) / fps
            stats[f"observation.images.{camera}"] = image_stats(frames[:len(steps)][::max(1, len(steps) // 20)])
            camera_records[camera] = {"index": [{"step": x["step"], "time": x["time"]} for x in entries],
                                      "videoFrames": len(frames), "realFrames": real}
        for key, value in stats.items():
            for name, v in value.items():
                row[f"stats/{key}/{name}"] = v
            stats_parts.setdefault(key, []).append(value)
        extra = {}
        for name in sorted(os.listdir(folder)):
            if name in ("steps.jsonl",) or name.endswith(".mjpeg") or name.endswith(".index.jsonl"):
                continue
            with open(os.path.join(folder, name)) as f:
                extra[name] = f.read()
        enpire_rows.append({"episode_index": e, "folder": d, "files": extra, "cameras": camera_records})
        episode_rows.append(row)
        index += len(steps)
        progress(e + 1)
    for container, vstream in writers.values():
        for packet in vstream.encode():
            container.mux(packet)
        container.close()
    n = index
    state_width = len(columns["observation.state"][0])
    action_width = len(columns["action"][0])
    env_width = len(columns["observation.environment_state"][0])
    def fixed(values, width):
        flat = pa.array(np.asarray(values, dtype=np.float32).reshape(-1), pa.float32())
        return pa.FixedSizeListArray.from_arrays(flat, width)
    arrays = {"observation.state": fixed(columns["observation.state"], state_width),
              "action": fixed(columns["action"], action_width)}
    if env_width:
        arrays["observation.environment_state"] = fixed(columns["observation.environment_state"], env_width)
    arrays["next.reward"] = pa.array(columns["next.reward"], pa.float32())
    arrays["next.success"] = pa.array(columns["next.success"], pa.bool_())
    arrays["next.done"] = pa.array(columns["next.done"], pa.bool_())
    arrays["enpire.source"] = pa.array(columns["enpire.source"], pa.string())
    arrays["enpire.step"] = pa.array(columns["enpire.step"], pa.string())
    arrays["timestamp"] = pa.array(columns["timestamp"], pa.float32())
    for key in ("frame_index", "episode_index", "index", "task_index"):
        arrays[key] = pa.array(columns[key], pa.int64())
    pq.write_table(pa.table(arrays), os.path.join(output, "data", CHUNK + ".parquet"), compression="snappy")
    pq.write_table(pa.Table.from_pylist(episode_rows), os.path.join(output, "meta", "episodes", CHUNK + ".parquet"))
    import pandas  # LeRobot reads tasks.parquet as a DataFrame indexed by the task text
    pandas.DataFrame({"task_index": list(range(len(tasks)))}, index=pandas.Index(tasks, name="task")).to_parquet(
        os.path.join(output, "meta", "tasks.parquet"))
    def scalar(dtype):
        return {"dtype": dtype, "shape": [1], "names": None}
    features = {
        "observation.state": {"dtype": "float32", "shape": [state_width], "names": state_names},
        "action": {"dtype": "float32", "shape": [action_width], "names": state_names if action_width == state_width else None},
    }
    if env_width:
        features["observation.environment_state"] = {
            "dtype": "float32", "shape": [env_width],
            "names": [f"{k}[{i}]" for k, w in zip(feature_keys, feature_widths) for i in range(w)]}
    features["next.reward"] = scalar("float32")
    features["next.success"] = scalar("bool")
    features["next.done"] = scalar("bool")
    features["enpire.source"] = scalar("string")
    features["enpire.step"] = scalar("string")
    for camera in cameras:
        h, w = sizes[camera]
        features[f"observation.images.{camera}"] = {
            "dtype": "video", "shape": [h, w, 3], "names": ["height", "width", "channels"],
            "info": {"video.height": h, "video.width": w, "video.codec": {"libx264": "h264", "libsvtav1": "av1"}.get(codec, codec),
                     "video.pix_fmt": "yuv420p", "video.is_depth_map": False, "video.fps": fps,
                     "video.channels": 3, "has_audio": False}}
    for key, dtype in (("timestamp", "float32"), ("frame_index", "int64"), ("episode_index", "int64"),
                       ("index", "int64"), ("task_index", "int64")):
        features[key] = scalar(dtype)
    info = {"codebase_version": "v3.0", "robot_type": "+".join(a["name"] for a in arms), "total_episodes": len(episode_rows),
            "total_frames": n, "total_tasks": len(tasks), "chunks_size": 1000, "data_files_size_in_mb": 100,
            "video_files_size_in_mb": 200, "fps": fps, "splits": {"train": f"0:{len(episode_rows)}"},
            "data_path": "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet",
            "video_path": "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4" if cameras else None,
            "features": features}
    with open(os.path.join(output, "meta", "info.json"), "w") as f:
        json.dump(info, f, indent=4)
    totals = {key: merge_stats(parts) for key, parts in stats_parts.items()}
    for key in ("timestamp", "frame_index", "episode_index", "index", "task_index"):
        totals[key] = numeric_stats(columns[key])
    with open(os.path.join(output, "meta", "stats.json"), "w") as f:
        json.dump(totals, f, indent=4)
    with open(os.path.join(output, "meta", "enpire_episodes.jsonl"), "w") as f:
        for row in enpire_rows:
            f.write(json.dumps(row, sort_keys=True) + "\n")
    emit(event="result", episodes=len(episode_rows), frames=n, fps=fps, tasks=tasks, cameras=cameras)

"""#
}
