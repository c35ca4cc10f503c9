#!/usr/bin/python3
"""Independent reference for the producer's tests: decodes each uncompressed DICOM file under DIR with
pydicom (Debian python3-pydicom) and writes its Hounsfield units as little-endian int16, row-major, to
OUT/<InstanceNumber>.raw, and OUT/index.csv with InstanceNumber,SOPInstanceUID: pixel_array (BitsStored and PixelRepresentation applied by pydicom) times
RescaleSlope plus RescaleIntercept, rounded half away from zero, clamped to int16."""
import os
import sys

import numpy as np
import pydicom


def main(src, out):
    os.makedirs(out, exist_ok=True)
    count = 0
    index = open(os.path.join(out, "index.csv"), "w")
    for root, _, files in os.walk(src):
        for name in sorted(files):
            ds = pydicom.dcmread(os.path.join(root, name))
            slope = float(getattr(ds, "RescaleSlope", 1))
            intercept = float(getattr(ds, "RescaleIntercept", 0))
            hu = ds.pixel_array.astype(np.float64) * slope + intercept
            hu = np.sign(hu) * np.floor(np.abs(hu) + 0.5)
            hu = np.clip(hu, -32768, 32767).astype("<i2")
            with open(os.path.join(out, "%d.raw" % ds.InstanceNumber), "wb") as f:
                f.write(hu.tobytes())
            index.write("%d,%s\n" % (ds.InstanceNumber, ds.SOPInstanceUID))
            count += 1
    index.close()
    print(count)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
