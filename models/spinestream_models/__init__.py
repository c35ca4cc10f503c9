"""SpineStream models: the two architectures of the seed solution, training on phantom studies, export.

Run with Debian's interpreter (/usr/bin/python3, torch 1.13, torchvision 0.14) from the models/ folder:
  /usr/bin/python3 -m spinestream_models.train_all --out shipped
"""
