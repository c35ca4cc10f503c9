"""Studies in the RSNA 2022 layout (what the phantom generator writes, and what the competition ships):
DIR/train_images/<StudyInstanceUID>/<InstanceNumber>.dcm, DIR/segmentations/<StudyInstanceUID>.nii, DIR/train.csv.
"""
import csv
import glob
import os
import subprocess
from dataclasses import dataclass
from typing import Dict, Optional

import numpy as np
import torch

from . import contract

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@dataclass
class Study:
    uid: str
    hu: torch.Tensor                # [n, rows, columns] int16 Hounsfield units, z ascending (the services' order)
    labels: Optional[torch.Tensor]  # [n, rows, columns] uint8 (0 background, 1..7 C1..C7, 8 thoracic) or None
    fractured: Dict[str, int]       # patient_overall, C1..C7 -> 0/1 from train.csv


def phantom_jar():
    jars = [j for j in glob.glob(os.path.join(REPO, "phantom", "target", "spine-phantom-*.jar"))
            if not j.endswith(("-tests.jar", "-sources.jar"))]
    if not jars:
        raise SystemExit("no phantom jar: build it first with ./spine build (or mvn -pl phantom -am package)")
    return jars[0]


def generate(out, studies, seed, matrix=256, fracture_probability=None):
    """Writes `studies` phantom studies with the producer's generator (the phantom module) unless they are
    there already (same arguments, same bytes)."""
    stamp = os.path.join(out, ".generated")
    wanted = "studies=%d seed=%d matrix=%d p=%s" % (studies, seed, matrix, fracture_probability)
    if os.path.exists(stamp) and open(stamp).read() == wanted:
        return
    command = ["java", "-jar", phantom_jar(), "--out", out, "--studies", str(studies), "--seed", str(seed),
               "--matrix", str(matrix)]
    if fracture_probability is not None:
        command += ["--fracture-probability", str(fracture_probability)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    with open(stamp, "w") as f:
        f.write(wanted)


def read_labels_csv(path):
    with open(path, newline="") as f:
        return {row["StudyInstanceUID"]: {k: int(v) for k, v in row.items() if k != "StudyInstanceUID"}
                for row in csv.DictReader(f)}


def read_nifti_labels(path):
    """uint8 NIfTI-1 single file as written by the phantom module (io.spinestream.phantom.Nifti):
    returns [slices, rows, columns] indexed by InstanceNumber - 1."""
    with open(path, "rb") as f:
        header = f.read(352)
        dims = np.frombuffer(header, dtype="<i2", count=8, offset=40)
        datatype = int(np.frombuffer(header, dtype="<i2", count=1, offset=70)[0])
        offset = int(np.frombuffer(header, dtype="<f4", count=1, offset=108)[0])
        if datatype != 2:
            raise ValueError("%s: only uint8 label volumes are supported (datatype %d)" % (path, datatype))
        columns, rows, slices = int(dims[1]), int(dims[2]), int(dims[3])
        f.seek(offset)
        data = np.frombuffer(f.read(columns * rows * slices), dtype=np.uint8)
    return data.reshape(slices, rows, columns)


def read_study(root, uid, labels_csv):
    """One study: slices sorted by z ascending, HU = stored * slope + intercept, labels aligned to them."""
    import pydicom  # only reading studies needs it: the export and the GPU check run where it is not installed
    files = glob.glob(os.path.join(root, "train_images", uid, "*.dcm"))
    slices = []
    for path in files:
        ds = pydicom.dcmread(path)
        hu = ds.pixel_array.astype(np.int32) * int(getattr(ds, "RescaleSlope", 1)) + int(
            getattr(ds, "RescaleIntercept", 0))
        slices.append((float(ds.ImagePositionPatient[2]), int(ds.InstanceNumber), hu))
    slices.sort(key=lambda s: s[0])
    hu = torch.from_numpy(np.stack([s[2] for s in slices]).clip(-32768, 32767).astype(np.int16))
    labels = None
    nii = os.path.join(root, "segmentations", uid + ".nii")
    if os.path.exists(nii):
        volume = read_nifti_labels(nii)
        labels = torch.from_numpy(np.stack([volume[s[1] - 1] for s in slices]).copy())
    return Study(uid, hu, labels, labels_csv.get(uid, {}))


def read_studies(root):
    labels_csv = read_labels_csv(os.path.join(root, "train.csv"))
    return [read_study(root, uid, labels_csv) for uid in sorted(labels_csv)]


LABEL_RESIZE = {"nearest": contract.resize_labels_nearest, "majority": contract.resize_labels}


def segmentation_arrays(study, size, hu_window, label_resize="majority"):
    """A study at the segmenter's resolution: windowed slices [n, size, size] float16 and labels uint8, resized
    by `label_resize` ("nearest" or "majority", see LABEL_RESIZE)."""
    windowed = contract.resize_bilinear(contract.window(study.hu, *hu_window), size, size).to(torch.float16)
    labels = LABEL_RESIZE[label_resize](study.labels, size, size)
    return windowed, labels
