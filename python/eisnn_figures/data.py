"""Readers of the files of `eisnn analyze` and `eisnn perturb` (docs/analysis.md)."""

import os

import h5py
import numpy as np

GROUPS = ["E1", "E0", "I1", "I0"]


class ReportError(Exception):
    """Bad input: the message names the file or folder and what is wrong."""


def _read_group(g):
    out = {}
    for k, v in g.items():
        out[k] = _read_group(v) if isinstance(v, h5py.Group) else v[()]
    out["attrs"] = {k: _attr(v) for k, v in g.attrs.items()}
    return out


def _attr(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.generic):
        return v.item()
    return v


def read_h5(path):
    try:
        with h5py.File(path, "r") as f:
            return _read_group(f)
    except OSError as e:
        raise ReportError(f"cannot read '{path}' as HDF5 (corrupt or truncated?): {e}") from None


def find_analysis_dirs(dirs):
    """Folders holding analysis.h5 or perturb.h5: each given folder, its
    analysis/ subfolder, or (for a parent of several runs) its subfolders."""
    found = []

    def holds(d):
        return any(os.path.exists(os.path.join(d, f)) for f in ("analysis.h5", "perturb.h5"))

    for d in dirs:
        if not os.path.isdir(d):
            raise ReportError(f"folder '{d}' does not exist")
        if holds(d):
            found.append(d)
        elif holds(os.path.join(d, "analysis")):
            found.append(os.path.join(d, "analysis"))
        else:
            subs = []
            for name in sorted(os.listdir(d)):
                sub = os.path.join(d, name)
                for cand in (sub, os.path.join(sub, "analysis")):
                    if os.path.isdir(cand) and holds(cand):
                        subs.append(cand)
                        break
            if not subs:
                raise ReportError(
                    f"no analysis.h5 or perturb.h5 in '{d}' (nor in its analysis/ or "
                    "subfolders); run `eisnn analyze RUN_DIR` and `eisnn perturb RUN_DIR` first")
            found.extend(subs)
    return found


class Study:
    """One analysed run: analysis.h5 and perturb.h5 of one folder (either may be missing)."""

    def __init__(self, folder):
        self.folder = folder
        a = os.path.join(folder, "analysis.h5")
        p = os.path.join(folder, "perturb.h5")
        self.analysis = read_h5(a) if os.path.exists(a) else None
        self.perturb = read_h5(p) if os.path.exists(p) else None
        src = self.analysis or self.perturb
        at = src["attrs"]
        self.run_dir = at.get("run_dir", folder)
        self.name = os.path.basename(os.path.normpath(self.run_dir))
        self.condition = at.get("condition", "?")
        self.n_e = int(at["n_e"])
        self.n_i = int(at["n_i"])
        if self.analysis is not None:
            for key in ("networks", "training"):
                if key not in self.analysis:
                    raise ReportError(f"'{a}' has no group '/{key}': not a file of eisnn analyze")
        if self.perturb is not None and "jitter" not in self.perturb:
            raise ReportError(f"'{p}' has no group '/jitter': not a file of eisnn perturb")
        self.texts = {}
        for t in ("analysis.txt", "perturb.txt"):
            path = os.path.join(folder, t)
            if os.path.exists(path):
                with open(path) as f:
                    self.texts[t] = f.read()

    def networks(self):
        """Names of the analysed networks, in file order (naive0, naive10, trained)."""
        names = self.analysis["networks"]["attrs"]["names"]
        return [n for n in names.split(",") if n]

    def net(self, name):
        return self.analysis["networks"][name]

    def weights(self, name):
        """Recurrent weights as (pre, post, w_mV) arrays."""
        g = self.net(name)["network"]["rec"]
        return g["pre"].astype(int), g["post"].astype(int), g["w_mV"].astype(float)
