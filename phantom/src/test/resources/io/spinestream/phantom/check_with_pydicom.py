"""Reads a phantom series with pydicom (a third-party reader) and compares it with what the generator rendered.

Arguments: series folder, raw rendered HU (int16 little-endian, slices x rows x columns, InstanceNumber order),
segmentation .nii. Prints one 'key value' line per check; the Java test asserts on them.
"""
import glob
import os
import sys

import numpy as np
import pydicom

series, raw, nii = sys.argv[1:4]
files = sorted(glob.glob(os.path.join(series, "*.dcm")), key=lambda p: int(os.path.basename(p)[:-4]))
first = pydicom.dcmread(files[0])
rows, columns = int(first.Rows), int(first.Columns)
expected = np.fromfile(raw, dtype="<i2").reshape(len(files), rows, columns)

mismatches = 0
instance_order = True
z = []
positions = []
for k, path in enumerate(files):
    ds = pydicom.dcmread(path)
    instance_order &= int(ds.InstanceNumber) == k + 1
    hu = ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    mismatches += int(np.count_nonzero(np.rint(hu).astype(np.int32) != expected[k]))
    positions.append([float(v) for v in ds.ImagePositionPatient])
    z.append(positions[-1][2])

header = open(nii, "rb").read(352)
srow = np.frombuffer(header[280:328], dtype="<f4").reshape(3, 4).astype(np.float64)
spacing = [float(v) for v in first.PixelSpacing]
affine_error = 0.0
for k, p in enumerate(positions):
    for i, j in ((0, 0), (columns - 1, 0), (3, rows - 1)):
        lps = np.array([p[0] + i * spacing[1], p[1] + j * spacing[0], p[2]])
        ras = srow @ np.array([i, j, k, 1.0])
        affine_error = max(affine_error, float(np.max(np.abs(ras - lps * np.array([-1, -1, 1])))))

print("files", len(files))
print("transfer_syntax", first.file_meta.TransferSyntaxUID)
print("sop_class", first.SOPClassUID)
print("encoding", int(first.BitsStored), int(first.PixelRepresentation), float(first.RescaleIntercept))
print("patient_name", str(first.PatientName))
print("patient_id", str(first.PatientID))
print("instance_order", instance_order)
print("z_decreasing", all(a > b for a, b in zip(z, z[1:])))
print("hu_mismatches", mismatches)
print("affine_error_mm", "%.6f" % affine_error)
